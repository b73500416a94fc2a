"""flamehub is typed for its users: mypy accepts ORM code and sees the right types.

Runs mypy (an extra of the test install) on the package with the project's config, and
on a user script that relies on the types of managers, QuerySets, related managers and
constructors; a second script's planted mistakes must be reported.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

USER_SCRIPT = """
    from typing_extensions import assert_type

    from flamehub import Hub, PasswordAuth, QuerySet
    from flamehub.models import Node, Project, ProjectNode, Realm, User

    hub = Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123"))
    nodes: QuerySet[Node] = Node.objects.using(hub).filter(name__startswith="site-")
    recent: QuerySet[Node] = nodes.order_by("-created_at")[:10]
    for node in recent:
        assert_type(node, Node)
        print(node.name, node.created_at)
    assert_type(Node.objects.get(name="site-a"), Node)
    assert_type(Node.objects.first(), Node | None)
    assert_type(Node.objects.count(), int)
    assert_type(list(Node.objects.iterator(concurrency=2)), list[Node])
    realm = Realm.objects.get(name="master")
    assert_type(realm.users.all(), QuerySet[User])
    node = Node(name="site-b", realm_id=realm.id)
    node.save()
    project = Project.objects.create(name="p")
    assert_type(project.nodes.all(), QuerySet[ProjectNode])
    assert_type(Node.objects.create(name="site-c", realm_id=realm.id), Node)
    assert_type(Node.objects.using(hub).create(name="site-d"), Node)
    assert_type(project.nodes.create(node_id=node.id), ProjectNode)
    assert_type(Node(name="site-e").name, str | None)
"""

MISTAKES = """
    from flamehub.models import Node, Realm

    Node.objects.filter(name="a").count() + "x"  # mistake: int + str
    realm = Realm.objects.get(name="master")
    realm.users.all()[0].no_such_field  # mistake: unknown attribute
    Node.objects.nonexistent()  # mistake: no such QuerySet method
    Node(nmae="site-a")  # mistake: misspelled field in the constructor
    Node("site-a")  # mistake: fields are keywords
    Node(hidden="yes")  # mistake: a str for a bool field
    Node.objects.create(nmae="site-a")  # mistake: misspelled field in create()
    Node.objects.filter(hidden=False).create(realm_idd=None)  # mistake: create() on a QuerySet
    realm.users.create(nmae="u")  # mistake: create() through a related manager
    node = Node(name="site-a", realm=realm)  # a relation is a keyword, as in Django
    node.realm = realm
    node.realm.nmae  # mistake: a relation is typed as its resource
    node.registry = realm  # mistake: a Realm is no Registry
"""


@pytest.fixture(scope="module")
def mypy_api() -> Any:
    return pytest.importorskip("mypy.api", reason="mypy is not installed (pip install mypy)")


def run(api: Any, *args: str) -> tuple[str, int]:
    stdout, stderr, status = api.run([*args, "--no-incremental"])
    return stdout + stderr, status


def test_the_package_type_checks(mypy_api: Any, tmp_path: Path) -> None:
    output, status = run(
        mypy_api,
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "--cache-dir",
        str(tmp_path / "cache"),
        str(ROOT / "flamehub"),
    )
    assert status == 0, output
    assert "Success" in output


def user_run(api: Any, tmp_path: Path, source: str) -> tuple[str, int]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    config = tmp_path / "mypy.ini"
    config.write_text(
        f"[mypy]\nmypy_path = {ROOT}\npython_version = 3.11\n\n"
        "[mypy-flamehub.*]\nfollow_imports = silent\n\n"
        "[mypy-tqdm.*]\nignore_missing_imports = true\n"
    )
    return run(
        api, "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(script)
    )


def test_orm_code_type_checks_with_precise_types(mypy_api: Any, tmp_path: Path) -> None:
    output, status = user_run(mypy_api, tmp_path, USER_SCRIPT)
    assert status == 0, output


def test_mistakes_in_orm_code_are_reported(mypy_api: Any, tmp_path: Path) -> None:
    output, status = user_run(mypy_api, tmp_path, MISTAKES)
    assert status == 1, output
    marked = [
        number
        for number, line in enumerate(textwrap.dedent(MISTAKES).splitlines(), start=1)
        if "# mistake" in line
    ]
    reported = {int(line.split(":")[1]) for line in output.splitlines() if ": error:" in line}
    assert set(marked) <= reported, output


# -- the mypy plugin: query keywords checked against the declaration ------------------

LOOKUP_SCRIPT = """
    from flamehub import Q
    from flamehub.models import MasterImage, Node, Project, Realm

    Node.objects.filter(name__startswith="site-", hidden=False, realm_id=None)
    Node.objects.filter(robot_id=None).filter(client_id=None)  # legacy and current keys
    Node.objects.filter(Q(name="a")).exclude(name__in=["b"]).get(id="x")
    Node.objects.filter(nmae="site-a")  # mistake: misspelled field
    Node.objects.all().exclude(name__stratswith="x")  # mistake: misspelled lookup
    Node.objects.get(hidden__startswith="x")  # mistake: text lookup on a bool
    MasterImage.objects.filter(path="x").filter(command="y")  # mistake: not filterable
    project = Project.objects.get(name="p")
    project.nodes.filter(node_id="x", bogus=2)  # mistake: through a related manager
    Realm.objects.get(name="master").users.filter(name="admin")
    Node.objects.filter(realm=None).filter(realm__in=[])  # a relation filters by its id
    Node.objects.filter(realm__name="x")  # mistake: across a relation (the Hub cannot)
"""


def plugin_run(api: Any, tmp_path: Path, source: str, *, plugin: bool) -> tuple[str, int]:
    script = tmp_path / "lookups.py"
    script.write_text(textwrap.dedent(source))
    config = tmp_path / "mypy.ini"
    config.write_text(
        f"[mypy]\nmypy_path = {ROOT}\npython_version = 3.11\n"
        + ("plugins = flamehub.mypy_plugin\n" if plugin else "")
        + "\n[mypy-flamehub.*]\nfollow_imports = silent\n\n"
        "[mypy-tqdm.*]\nignore_missing_imports = true\n"
    )
    return run(
        api, "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(script)
    )


def test_the_plugin_reports_exactly_the_bad_lookups(mypy_api: Any, tmp_path: Path) -> None:
    output, status = plugin_run(mypy_api, tmp_path, LOOKUP_SCRIPT, plugin=True)
    lines = textwrap.dedent(LOOKUP_SCRIPT).splitlines()
    marked = {number for number, line in enumerate(lines, start=1) if "# mistake" in line}
    reported = {
        int(line.split(":")[1])
        for line in output.splitlines()
        if ": error:" in line and "[flamehub-lookup]" in line
    }
    assert status == 1, output
    assert reported == marked, output
    assert "Node has no field 'nmae' to filter by (did you mean 'name'?)" in output
    assert "Node.name has no lookup 'stratswith' (did you mean 'startswith'?)" in output


def test_without_the_plugin_query_keywords_are_unchecked(mypy_api: Any, tmp_path: Path) -> None:
    # the errors above come from the plugin, not from the signatures
    output, status = plugin_run(mypy_api, tmp_path, LOOKUP_SCRIPT, plugin=False)
    assert status == 0, output


def test_lookup_problem_reads_every_generation_of_the_declaration() -> None:
    from flamehub.models import AnalysisBucketFile, Node
    from flamehub.mypy_plugin import lookup_problem

    assert lookup_problem(Node, "name__startswith") is None
    assert lookup_problem(Node, "robot_id") is None  # legacy Hubs only
    assert lookup_problem(Node, "client_id__in") is None  # current Hubs only
    assert lookup_problem(AnalysisBucketFile, "analysis_bucket_id") is None  # wire name by release
    assert "did you mean 'name'" in str(lookup_problem(Node, "nmae"))
    assert lookup_problem(Node, "created_at") == (
        "Node has no filterable field 'created_at' to filter by; filterable on some Hub: "
        "client_id, hidden, id, name, online, realm_id, robot_id"
    )
    assert lookup_problem(Node, "hidden__contains") == (
        "Node.hidden is not a text field: contains needs one"
    )


def test_a_compat_editable_install_is_visible_to_mypy(mypy_api: Any, tmp_path: Path) -> None:
    """What docs/typing.rst says: setuptools' default editable install hides the package
    behind an import hook mypy does not run; ``editable_mode=compat`` does not."""
    import subprocess
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "-e",
            str(ROOT),
            "--config-settings",
            "editable_mode=compat",
        ],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        pytest.skip(f"pip could not build the editable install here: {install.stderr[-300:]}")
    script = tmp_path / "elsewhere" / "script.py"
    script.parent.mkdir()
    script.write_text('from flamehub.models import Node\n\nNode(nmae="x")\n')
    output, status = run(
        mypy_api,
        "--python-executable",
        str(python),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--config-file",
        "",
        str(script),
    )
    assert status == 1, output
    assert 'Unexpected keyword argument "nmae" for "Node"' in output, output
