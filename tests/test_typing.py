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
"""

MISTAKES = """
    from flamehub.models import Node, Realm

    Node.objects.filter(name="a").count() + "x"  # mistake: int + str
    realm = Realm.objects.get(name="master")
    realm.users.all()[0].no_such_field  # mistake: unknown attribute
    Node.objects.nonexistent()  # mistake: no such QuerySet method
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
