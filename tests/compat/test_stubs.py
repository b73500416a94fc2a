"""``flamehub/compat.pyi``: the facade as type checkers see it.

The stub is generated (``python -m flamehub._compat_stubs``) from the declarations the
runtime builds its functions from; these tests keep the checked-in file equal to the
generator's output, its classes equal to the runtime clients, and run mypy on scripts
written against the facade.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any

import pytest

import flamehub.compat as compat
from flamehub import Hub
from flamehub._compat_stubs import COMMAND, generated_kinds, render

STUB = Path(compat.__file__).with_suffix(".pyi")
ROOT = STUB.parent.parent
CLIENTS = {"auth": compat.AuthClient, "core": compat.CoreClient, "storage": compat.StorageClient}


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))


def stub_classes() -> dict[str, ast.ClassDef]:
    return {node.name: node for node in stub_tree().body if isinstance(node, ast.ClassDef)}


def declared(class_name: str) -> dict[str, list[ast.FunctionDef] | None]:
    """The names a stub class declares, with its stub bases': ``{name: defs or None}``
    (``None`` for an attribute)."""
    classes = stub_classes()
    out: dict[str, list[ast.FunctionDef] | None] = {}
    pending = [classes[class_name]]
    while pending:
        node = pending.pop()
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                defs = out.setdefault(item.name, [])
                if defs is not None:
                    defs.append(item)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                out.setdefault(item.target.id, None)
        pending += [
            classes[b.id] for b in node.bases if isinstance(b, ast.Name) and b.id in classes
        ]
    return out


def stub_parameters(function: ast.FunctionDef) -> list[tuple[str, str, bool]]:
    """``(name, kind, has default)`` of each parameter, as ``inspect`` names the kinds."""
    args = function.args
    out: list[tuple[str, str, bool]] = []
    positional = [*args.posonlyargs, *args.args]
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    for index, arg in enumerate(positional):
        kind = "POSITIONAL_ONLY" if index < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        out.append((arg.arg, kind, defaults[index]))
    if args.vararg is not None:
        out.append((args.vararg.arg, "VAR_POSITIONAL", False))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append((arg.arg, "KEYWORD_ONLY", default is not None))
    if args.kwarg is not None:
        out.append((args.kwarg.arg, "VAR_KEYWORD", False))
    return out


def runtime_parameters(function: Any) -> list[tuple[str, str, bool]]:
    return [
        (p.name, p.kind.name, p.default is not inspect.Parameter.empty)
        for p in inspect.signature(function).parameters.values()
    ]


# -- (a) the checked-in stub is the generator's output -------------------------------------


def test_checked_in_stub_is_up_to_date() -> None:
    assert STUB.is_file(), f"{STUB} is missing: run `{COMMAND}`"
    assert STUB.read_text(encoding="utf-8") == render(), (
        f"flamehub/compat.pyi is out of date with the resource declarations: run `{COMMAND}`"
    )


def test_resources_declared_outside_flamehub_change_neither_clients_nor_stub() -> None:
    from flamehub.models import Node
    from flamehub.resources.base import REGISTRY, registry_key, resource

    @resource
    class SiteNode(Node):
        """An application's own subclass: it registers itself like every resource."""

    try:
        assert registry_key(SiteNode) in REGISTRY
        assert [model.__name__ for model in compat._resources()].count("Node") == 1
        assert "SiteNode" not in [model.__name__ for model in compat._resources()]
        assert render() == STUB.read_text()
    finally:
        del REGISTRY[registry_key(SiteNode)]


def test_stub_is_shipped_with_the_package() -> None:
    setup_cfg = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    package_data = setup_cfg.split("[options.package_data]", 1)[1].split("[", 1)[0]
    assert "*.pyi" in package_data
    assert "py.typed" in package_data


# -- (b) the stub declares exactly the runtime surface -------------------------------------


@pytest.mark.parametrize("service", sorted(CLIENTS))
def test_stub_declares_every_public_attribute_of_the_clients(service: str) -> None:
    client_class = CLIENTS[service]
    hub = Hub("http://127.0.0.1:9")  # offline: nothing is sent
    try:
        runtime = {name for name in dir(client_class(hub=hub)) if not name.startswith("_")}
    finally:
        hub.close()
    in_stub = {name for name in declared(client_class.__name__) if not name.startswith("_")}
    assert sorted(runtime - in_stub) == [], "at run time, not in the stub"
    assert sorted(in_stub - runtime) == [], "in the stub, not at run time"
    assert set(compat.generated_functions(service)) <= in_stub


def test_stub_declares_the_public_names_of_the_module() -> None:
    tree = stub_tree()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    assert set(compat.__all__) <= names
    exported = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert ast.literal_eval(exported) == compat.__all__
    source = ast.parse(inspect.getsource(compat))
    defined = set()
    for node in source.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    public = {name for name in defined if not name.startswith("_")}
    assert sorted(public - names) == []


# -- (c) the generated methods' parameters are the runtime's ---------------------------------


@pytest.mark.parametrize("service", sorted(CLIENTS))
def test_generated_methods_have_the_runtime_parameters(service: str) -> None:
    client_class = CLIENTS[service]
    in_stub = declared(client_class.__name__)
    kinds = generated_kinds(service)
    assert list(kinds) == compat.generated_functions(service)
    for name, (kind, _model) in kinds.items():
        defs = in_stub[name]
        assert defs, f"{client_class.__name__}.{name} is not a method in the stub"
        runtime = runtime_parameters(getattr(client_class, name))
        expected_overloads = 3 if kind in ("get_all", "find") else 1
        assert len(defs) == expected_overloads, name
        for function in defs:
            parameters = stub_parameters(function)
            names = [p[0] for p in parameters]
            assert names == [p[0] for p in runtime], name
            if len(defs) == 1:
                assert parameters == runtime, name
            else:  # the overloads by ``meta``: only the non-default ones drop the default
                assert [p[:2] for p in parameters] == [p[:2] for p in runtime], name


def test_hand_written_methods_have_the_runtime_parameters() -> None:
    checked: set[str] = set()
    for client_class in CLIENTS.values():
        in_stub = declared(client_class.__name__)
        for klass in client_class.__mro__[:-1]:
            for name, value in vars(klass).items():
                if not inspect.isfunction(value) or name in compat.generated_functions(
                    client_class.service
                ):
                    continue
                if name.startswith("_") and name not in ("__init__", "__enter__", "__exit__"):
                    continue
                (function,) = in_stub[name] or []
                assert stub_parameters(function) == runtime_parameters(value), name
                checked.add(name)
    assert {"__init__", "close", "__enter__", "__exit__"} <= checked  # the loop saw them


def test_create_takes_the_positional_parameters_of_flame_hub_client() -> None:
    (function,) = declared("CoreClient")["create_node"] or []
    names = [arg.arg for arg in function.args.args]
    assert names == ["self", "name", "realm_id", "registry_id", "external_name", "type", "hidden"]
    assert function.args.kwarg is not None and function.args.kwarg.arg == "values"


# -- (d) mypy on scripts written against the facade -----------------------------------------

GOOD_SCRIPT = """
from typing import assert_type

from flamehub.auth import PasswordAuth
from flamehub.compat import (
    AuthClient,
    CoreClient,
    ResourceListMeta,
    StorageClient,
    UpdateModel,
    generated_functions,
    update_model_for,
)
from flamehub.models import UNSET, Analysis, Bucket, BucketFile, Node, Realm
from flamehub.types import FilterOperator

auth = PasswordAuth(username="admin", password="start123", base_url="http://x/auth/")
core = CoreClient(base_url="http://x/core/", auth=auth)

nodes, meta = core.find_nodes(filter={"name": "x"}, meta=True)
assert_type(nodes, list[Node])
assert_type(meta, ResourceListMeta)
assert_type(meta.total + meta.limit + meta.offset, int)
assert_type(meta.model_dump(), dict[str, int])
assert_type(
    core.find_nodes(
        filter={"name": (FilterOperator.like, "site-"), "hidden": False},
        page={"limit": 10, "offset": 20},
        sort={"by": "created_at", "order": "descending"},
        fields=["external_name"],
    ),
    list[Node],
)
assert_type(core.get_nodes(), list[Node])
wants_meta = bool(len(nodes))
assert_type(
    core.get_nodes(meta=wants_meta), list[Node] | tuple[list[Node], ResourceListMeta]
)

node = core.get_node("4f1c8c1e-3f0a-4b8e-9a43-3c5c1b2d9e10")
assert_type(node, Node | None)
created = core.create_node("my-node", "realm-id", external_name="site", node_type="default")
assert_type(created, Node)
assert_type(core.update_node(created, hidden=True, external_name=UNSET), Node)
changes: UpdateModel = update_model_for(Node)(hidden=False)
assert_type(core.update_node(str(created.id), changes), Node)
core.delete_node(created)
assert_type(core.send_analysis_command("analysis-id", "spinUp"), Analysis)

with AuthClient(base_url="http://x/auth/", auth=auth) as auth_client:
    assert_type(auth_client, AuthClient)
    assert_type(auth_client.find_realms(filter={"name": "master"}), list[Realm])
    assert_type(auth_client.get_realm("master-id"), Realm | None)

storage = StorageClient(hub=core.hub)
bucket = storage.create_bucket("my-bucket")
assert_type(bucket, Bucket)
files = storage.upload_to_bucket(bucket, {"file_name": "a.txt", "content": b"hello"})
assert_type(files, list[BucketFile])
data = b"".join(storage.stream_bucket_file(files[0], chunk_size=4096))
assert_type(data, bytes)
storage.close()
assert_type(generated_functions("core"), list[str])
"""

#: Each line marked ``# mistake`` is a wrong call mypy must report.
BAD_SCRIPT = """
from flamehub.compat import CoreClient, ResourceListMeta

core = CoreClient()
core.find_nodes(filtr={})  # mistake
core.get_nonexistent()  # mistake
core.find_nodes(page={"limt": 10})  # mistake
core.find_nodes(sort={"by": "name", "order": "up"})  # mistake
core.get_node()  # mistake
core.create_node("a", "b", "c", "d", "e", "f", "g")  # mistake
core.update_node(changes=None)  # mistake
core.find_nodes("name")  # mistake
nodes: int = core.find_nodes(meta=True)  # mistake
name: str = core.get_node("id").name  # mistake
ResourceListMeta(total=1, limit=2, offset=0).total = 3  # mistake
"""


@pytest.fixture(scope="module")
def run_mypy(tmp_path_factory: pytest.TempPathFactory) -> Any:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install mypy)")
    directory = tmp_path_factory.mktemp("mypy")
    config = directory / "mypy.ini"
    # flamehub as an installed, typed package: found on mypy_path, its own errors not shown
    config.write_text(
        f"[mypy]\nmypy_path = {ROOT}\npython_version = 3.11\n"
        "warn_unused_ignores = true\n\n[mypy-flamehub.*]\nfollow_imports = silent\n"
        "\n[mypy-tqdm.*]\nignore_missing_imports = true\n",
        encoding="utf-8",
    )

    def run(name: str, source: str) -> tuple[str, int]:
        script = directory / name
        script.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        stdout, stderr, status = api.run(
            [
                "--config-file",
                str(config),
                "--cache-dir",
                str(directory / ".mypy_cache"),
                "--no-error-summary",
                "--show-error-codes",
                str(script),
            ]
        )
        assert not stderr, stderr
        return stdout, status

    return run


def test_mypy_accepts_a_facade_script(run_mypy: Any) -> None:
    output, status = run_mypy("good.py", GOOD_SCRIPT)
    assert output == "" and status == 0, output


def test_mypy_reports_wrong_calls(run_mypy: Any) -> None:
    output, status = run_mypy("bad.py", BAD_SCRIPT)
    assert status == 1, output
    lines = BAD_SCRIPT.lstrip().splitlines()
    reported = {int(line.split(":")[1]) for line in output.splitlines() if ": error:" in line}
    mistakes = {number for number, text in enumerate(lines, 1) if text.endswith("# mistake")}
    assert len(mistakes) == 11
    assert sorted(mistakes - reported) == [], output
    assert 'Unexpected keyword argument "filtr"' in output
    assert '"CoreClient" has no attribute "get_nonexistent"' in output


def test_mypy_still_checks_the_implementation(tmp_path: Path) -> None:
    """With ``compat.pyi`` next to it, ``mypy`` (``files = ["flamehub"]``) reads the stub
    instead of ``compat.py``; named on the command line, ``compat.py`` is checked itself."""
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install mypy)")
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(ROOT / "flamehub" / "compat.py"),
            str(ROOT / "flamehub" / "_compat_stubs.py"),
        ]
    )
    assert status == 0, stdout + stderr
