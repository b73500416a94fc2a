"""What a new user meets on the command line (issue #17 items 5, 7, 8, 9, 10)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from flamehub._version import __version__
from flamehub.cli import VERSION_TEXT
from flamehub.testing import LocalHub

from .conftest import ADMIN_PASSWORD

#: How long a child process may take.
TIMEOUT = 60


def _script() -> str:
    return shutil.which("flamehub") or str(Path(sys.executable).with_name("flamehub"))


def _child_env(config_home: Path, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    env["XDG_CONFIG_HOME"] = str(config_home)
    env.update(extra)
    return env


# -- item 10: serve --host / --hub-version, --version everywhere -----------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["serve", "--version"],
        ["node", "--version"],
        ["node", "list", "--version"],
        ["logout", "--version"],
        ["completion", "--version"],
        ["quickstart", "--version"],
    ],
)
def test_version_prints_flamehubs_version_on_every_command(cli, config_home, argv) -> None:
    result = cli(*argv)
    assert (result.code, result.out) == (0, f"{VERSION_TEXT}\n")
    assert __version__ in VERSION_TEXT


def test_serve_on_a_non_loopback_host_warns_before_listening(config_home: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is assigned to no interface: the bind fails, after the warning,
    # so nothing is ever reachable from other machines during the test
    result = subprocess.run(
        [_script(), "serve", "--hub-version", "0.8.13", "--host", "192.0.2.1"],
        capture_output=True,
        text=True,
        env=_child_env(config_home),
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stderr.startswith("warning: listening on 192.0.2.1, reachable from other")
    assert "admin password" in result.stderr
    assert result.returncode == 1 and "Traceback" not in result.stderr
    help_text = subprocess.run(
        [_script(), "serve", "--help"],
        capture_output=True,
        text=True,
        env=_child_env(config_home),
        timeout=TIMEOUT,
        check=True,
    ).stdout
    assert "--hub-version" in help_text and "--host" in help_text
    assert "127.0.0.1" in help_text


def test_loopback_hosts_need_no_warning() -> None:
    from flamehub.cli import _is_loopback

    assert all(_is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(_is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "hub.example.org"))


# -- item 5: connection: quickstart flags, no password, URL hints ------------------------


def test_quickstart_honours_url_flags_and_the_saved_login(cli, config_home) -> None:
    with LocalHub(version="0.8.13") as local:
        flagged = cli(
            "--url", local.url, "--username", "admin", "--password", ADMIN_PASSWORD, "quickstart"
        )
        assert flagged.code == 0, flagged.err
        assert f"Using the Hub at {local.url}/core/" in flagged.out
        assert "started an embedded local Hub" not in flagged.out
        assert "1. Hub version 0.8.13" in flagged.out

        login = cli("login", "--url", local.url, "--username", "admin", "--password", "start123")
        assert login.code == 0, login.err
        saved = cli("quickstart")
        assert saved.code == 0, saved.err
        assert f"Using the Hub at {local.url}/core/" in saved.out
        with LocalHub(version="0.14.0") as other:
            # the saved login belongs to its URL only: another URL gets none of it
            elsewhere = cli("quickstart", "--url", other.url)
            assert elsewhere.code == 1
            assert "no password" not in elsewhere.err  # no user name stored for it either
            assert other.stats.token_requests["password"] == 0


def test_a_user_name_without_password_and_no_terminal_is_refused(
    cli, config_home, monkeypatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    # port 9 (discard) has no Hub: a request would fail with a connection error instead
    result = cli("--url", "http://127.0.0.1:9", "--username", "admin", "node", "list")
    assert result.code == 1
    assert result.err.startswith("error: no password given for user 'admin'")
    assert "FLAMEHUB_PASSWORD" in result.err and result.err.count("\n") == 1
    # the real script, stdin not a terminal (a pipe from /dev/null), the user from the env
    child = subprocess.run(
        [_script(), "--url", "http://127.0.0.1:9", "node", "list"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_child_env(config_home, FLAMEHUB_USERNAME="admin"),
        timeout=TIMEOUT,
        check=False,
    )
    assert child.returncode == 1
    assert child.stderr.startswith("error: no password given for user 'admin'")


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("localhost:3000", "'http://localhost:3000'"),
        ("hub.example.org", "'https://hub.example.org'"),
        ("http://localhost:3000/core", "base URL instead ('http://localhost:3000')"),
        ("https://hub.example.org/storage/", "base URL instead ('https://hub.example.org')"),
        ("https://hub.example.org/x/auth", "('https://hub.example.org/x')"),
        ("ftp://hub.example.org", "must start with http:// or https://"),
    ],
)
def test_a_url_without_scheme_or_with_a_service_path_gets_a_hint(
    cli, config_home, url, hint
) -> None:
    for argv in (["--url", url, "node", "list"], ["login", "--url", url, "--token", "t"]):
        result = cli(*argv)
        assert result.code == 1, result
        assert result.err.startswith("error: the Hub URL") and hint in result.err


# -- item 5: --include is visible; bucket upload shows what was stored -------------------


def _project_with_analysis(cli) -> tuple[str, str, str]:
    name = f"cli-project-{uuid.uuid4().hex[:6]}"
    project = cli("project", "create", f"name={name}", "--json")
    assert project.code == 0, project.err
    project_id = json.loads(project.out)["id"]
    analysis = cli("analysis", "create", f"project_id={project_id}", "name=cli-analysis", "--json")
    assert analysis.code == 0, analysis.err
    return name, project_id, json.loads(analysis.out)["id"]


def test_include_shows_the_related_record(cli, flamehub_env) -> None:
    project_name, project_id, analysis_id = _project_with_analysis(cli)
    query = ("analysis", "list", "--filter", f"id={analysis_id}")

    plain = json.loads(cli(*query, "--json").out)
    assert "project" not in plain[0]
    included = json.loads(cli(*query, "--include", "project", "--json").out)
    assert included[0]["project"]["id"] == project_id
    assert included[0]["project"]["name"] == project_name

    table = cli(*query, "--include", "project").out.splitlines()
    assert table[0].split()[-1] == "project"
    assert table[2].split()[-1] == project_name
    assert "project" not in cli(*query).out.splitlines()[0].split()

    shown = cli("analysis", "get", analysis_id, "--include", "project")
    assert shown.code == 0, shown.err
    assert ["project", project_name] in [line.split() for line in shown.out.splitlines()]
    got = json.loads(cli("analysis", "get", analysis_id, "--include", "project", "--json").out)
    assert got["project"]["name"] == project_name
    picked = cli(*query, "--include", "project", "--fields", "name,project", "--json")
    assert json.loads(picked.out)[0]["project"]["id"] == project_id


def test_include_takes_any_relation_and_json_embeds_it(cli, flamehub_env) -> None:
    # relations (#13): the realm of a node is not includable by the Hub; it is batched
    realm = json.loads(cli("realm", "create", f"name=cli-{uuid.uuid4().hex[:6]}", "--json").out)
    node = cli("node", "create", f"name=n-{uuid.uuid4().hex[:6]}", f"realm_id={realm['id']}",
               "--json")  # fmt: skip
    assert node.code == 0, node.err
    node_id = json.loads(node.out)["id"]
    query = ("node", "list", "--filter", f"id={node_id}", "--include", "realm")
    listed = json.loads(cli(*query, "--json").out)
    assert listed[0]["realm"]["name"] == realm["name"]
    table = cli(*query).out.splitlines()
    assert table[0].split()[-1] == "realm" and table[2].split()[-1] == realm["name"]
    # a reverse relation (related manager) is embedded as its rows
    shown = cli("realm", "get", realm["id"], "--include", "nodes", "--json")
    assert shown.code == 0, shown.err
    assert [row["id"] for row in json.loads(shown.out)["nodes"]] == [node_id]


def test_bucket_upload_table_lists_the_uploaded_files(cli, flamehub_env, tmp_path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 7)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"y" * 300)
    bucket = cli("bucket", "create", f"name=cli-{uuid.uuid4().hex[:6]}", "--json")
    bucket_id = json.loads(bucket.out)["id"]
    uploaded = cli("bucket", "upload", bucket_id, str(tmp_path / "a.txt"), str(tmp_path / "sub"))
    assert uploaded.code == 0, uploaded.err
    lines = uploaded.out.splitlines()
    assert lines[0].split() == ["path", "size", "id"]
    assert sorted(tuple(line.split()[:2]) for line in lines[2:]) == [
        ("a.txt", "7"),
        ("b.bin", "300"),
    ]


# -- item 7: --fields is checked --------------------------------------------------------


def test_unknown_fields_are_refused_with_the_allowed_list(cli, flamehub_env) -> None:
    for argv in (
        ("node", "list", "--fields", "name,nope"),
        ("node", "get", str(uuid.uuid4()), "--fields", "nope"),
    ):
        result = cli(*argv)
        assert result.code == 1 and result.out == ""
        assert result.err.startswith("error: Node has no field 'nope'; fields it can show")
        assert "realm_id" in result.err and "name" in result.err
    # legacy Hubs have no client_id on nodes: the list is the generation's
    legacy = flamehub_env.version.startswith("0.8")
    client = cli("node", "list", "--fields", "client_id")
    assert client.code == (1 if legacy else 0), client.err


# -- item 8: table columns come from the declaration ------------------------------------


def test_table_columns_do_not_depend_on_the_rows(cli, flamehub_env) -> None:
    from flamehub.cli._render import MAX_DEFAULT_COLUMNS

    prefix = f"cols-{uuid.uuid4().hex[:6]}-"
    query = ("node", "list", "--filter", f"name__startswith={prefix}")
    empty = cli(*query)
    assert empty.code == 0, empty.err
    header = empty.out.splitlines()[0].split()
    assert header[:2] == ["id", "name"] and len(header) == MAX_DEFAULT_COLUMNS
    realm = json.loads(cli("realm", "list", "--filter", "name=master", "--json").out)[0]["id"]
    created = cli("node", "create", f"name={prefix}0", f"realm_id={realm}", "--json")
    node_id = json.loads(created.out)["id"]
    assert cli("node", "update", node_id, "hidden=true").code == 0
    assert cli(*query).out.splitlines()[0].split() == header
    assert cli("node", "delete", node_id).code == 0


# -- item 7: create --help lists the fields; action help is plain text ------------------


def test_create_help_lists_fields_types_required_and_enum_values(config_home: Path) -> None:
    from flamehub.models import Node, NodeType
    from flamehub.resources.base import meta_of

    result = subprocess.run(
        [_script(), "node", "create", "--help"],
        capture_output=True,
        text=True,
        env=_child_env(config_home),
        timeout=TIMEOUT,
        check=True,
    )
    rows = {
        line.split()[0]: line.split(None, 1)[1]
        for line in result.stdout.split("fields (KEY=VALUE):\n", 1)[1].split("\n\n")[0].splitlines()
    }
    meta = meta_of(Node)
    creatable = {f"{name}=" for name, spec in meta.scalar_fields.items() if spec.options.create}
    assert set(rows) == creatable  # readonly fields (id, created_at ...) are not offered
    assert "required" in rows["name="] and "required" not in rows["hidden="]
    assert rows["type="] == "one of " + ", ".join(kind.value for kind in NodeType)
    assert rows["hidden="] == "true/false" and rows["realm_id="] == "uuid"


def test_update_help_lists_what_an_update_may_change(cli, config_home) -> None:
    result = cli("--hub-version", "0.8.13", "node", "update", "--help")
    assert result.code == 0
    assert "  name=" in result.out and "realm_id=" not in result.out  # create-only
    assert "client_id=" not in result.out  # not on legacy Hubs
    assert "required" not in result.out.split("fields (KEY=VALUE):", 1)[1]


def test_action_help_is_plain_text(cli, config_home) -> None:
    from flamehub.cli import _actions_of, _resource_commands

    checked = 0
    for name, model in _resource_commands().items():
        for owner in (model, type(model.objects)):
            for verb in _actions_of(owner):
                shown = cli(name, verb, "--help")
                assert shown.code == 0, (name, verb)
                for markup in ("``", ":class:", ":meth:", ":func:", ":attr:", "::\n"):
                    assert markup not in shown.out, (name, verb, markup)
                checked += 1
        listing = cli(name, "--help").out
        assert "``" not in listing and ":class:" not in listing
    assert checked > 10
    rotate = cli("analysis", "rotate-client-secret", "--help").out
    assert "generated (None)." in rotate and "Example:\n" in rotate


# -- item 9: upload conflicts, --overwrite, bucket download ------------------------------


def test_upload_conflict_names_the_file_and_overwrite_replaces_it_assuming_409(
    cli, flamehub_env, tmp_path
) -> None:
    # Assumption: no recording shows a real Hub's answer to an upload over an existing
    # path; hub-api.md infers a 409 from the unique (bucketId, path) index, and the local
    # Hub answers so.
    source = tmp_path / "metrics.csv"
    source.write_bytes(b"a,b\n1,2\n")
    bucket = json.loads(cli("bucket", "create", f"name=up-{uuid.uuid4().hex[:6]}", "--json").out)
    upload = ("bucket", "upload", bucket["id"], str(source), "--prefix", "run-1")
    first = cli(*upload, "--json")
    assert first.code == 0, first.err
    (old_row,) = json.loads(first.out)

    source.write_bytes(b"a,b\n1,2\n3,4\n")
    again = cli(*upload)
    assert again.code == 1 and again.err.startswith("error: 409")
    assert "the bucket already has run-1/metrics.csv" in again.err
    assert "--overwrite" in again.err and again.err.count("\n") == 1

    replaced = cli(*upload, "--overwrite", "--json")
    assert replaced.code == 0, replaced.err
    (new_row,) = json.loads(replaced.out)
    assert (new_row["path"], new_row["size"]) == ("run-1/metrics.csv", 12)
    listed = cli("bucket-file", "list", "--filter", f"bucket_id={bucket['id']}", "--json")
    assert [row["id"] for row in json.loads(listed.out)] == [new_row["id"]]
    assert new_row["id"] != old_row["id"]

    # the Python API: the same refusal, and overwrite=True
    from flamehub import Conflict, Hub, PasswordAuth
    from flamehub.models import Bucket

    with Hub(flamehub_env.url, auth=PasswordAuth("admin", ADMIN_PASSWORD)) as hub:
        stored = Bucket.objects.using(hub).get(id=bucket["id"])
        with pytest.raises(Conflict, match=r"already has run-1/metrics\.csv; upload with"):
            stored.upload(("run-1/metrics.csv", b"x"), ("run-1/new.txt", b"y"))
        (row,) = stored.upload(("run-1/metrics.csv", b"xyz"), overwrite=True)
        assert row.size == 3
        assert [f.path for f in stored.storage_files] == ["run-1/metrics.csv"]


def test_bucket_download_saves_every_file_into_a_directory(cli, flamehub_env, tmp_path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "top.txt").write_bytes(b"top")
    (tree / "sub" / "deep.bin").write_bytes(bytes(range(256)))
    bucket_id = json.loads(
        cli("bucket", "create", f"name=dl-{uuid.uuid4().hex[:6]}", "--json").out
    )["id"]
    assert cli("bucket", "upload", bucket_id, str(tree)).code == 0

    target = tmp_path / "out"
    saved = cli("bucket", "download", bucket_id, "--to", str(target))
    assert saved.code == 0, saved.err
    assert (target / "top.txt").read_bytes() == b"top"
    assert (target / "sub" / "deep.bin").read_bytes() == bytes(range(256))
    assert sorted(saved.out.splitlines()) == sorted(
        f"Saved {target / name}" for name in ("sub/deep.bin", "top.txt")
    )
    refused = cli("bucket", "download", bucket_id, "--to", str(target), "--json")
    assert refused.code == 1 and "exists" in refused.err and refused.out == ""
    again = cli("bucket", "download", bucket_id, "--to", str(target), "--overwrite", "--json")
    assert again.code == 0, again.err
    assert sorted(json.loads(again.out)["paths"]) == sorted(
        str(target / name) for name in ("sub/deep.bin", "top.txt")
    )
