"""Resource commands against a LocalHub of each generation, in-process through ``main``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Analysis, Node, Project, ProjectNode
from flamehub.testing import LocalHub


def _master_id(cli) -> str:
    result = cli("realm", "list", "--filter", "name=master", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)[0]["id"]


def test_create_list_get_update_delete(cli, flamehub_env) -> None:
    realm = _master_id(cli)
    prefix = f"site-{uuid.uuid4().hex[:6]}-"
    ids = []
    for index, kind in enumerate(("default", "aggregator")):
        created = cli(
            "node", "create", f"name={prefix}{index}", f"realm_id={realm}", f"type={kind}"
        )
        assert created.code == 0, created.err
        assert f"{prefix}{index}" in created.out
        listed = cli("node", "list", "--filter", f"name={prefix}{index}", "--json")
        ids.append(json.loads(listed.out)[0]["id"])

    newest = cli(
        "node", "list", "--filter", f"name__startswith={prefix}",
        "--order", "-created_at", "--order", "-name", "--limit", "1", "--json",
    )  # fmt: skip
    assert newest.code == 0, newest.err
    assert [row["name"] for row in json.loads(newest.out)] == [f"{prefix}1"]

    table = cli(
        "node", "list", "--filter", f"name__in={prefix}0,{prefix}1", "--fields", "name,type"
    )
    lines = table.out.splitlines()
    assert lines[0].split() == ["name", "type"]
    assert set(lines[1]) == {"-", " "}
    assert sorted(line.split()[0] for line in lines[2:]) == [f"{prefix}0", f"{prefix}1"]
    assert lines[2].index(lines[2].split()[1]) == lines[0].index("type")  # aligned

    hidden = cli("node", "update", ids[0], "hidden=true", "--json")
    assert hidden.code == 0, hidden.err
    assert json.loads(hidden.out)["hidden"] is True
    visible = cli(
        "node", "list", "--filter", f"name__startswith={prefix}", "--exclude", "hidden=true",
        "--json", "--fields", "name",
    )  # fmt: skip
    assert json.loads(visible.out) == [{"name": f"{prefix}1"}]

    shown = cli("node", "get", ids[1])
    assert shown.code == 0
    assert any(line.split() == ["type", "aggregator"] for line in shown.out.splitlines())

    for node_id in ids:
        assert cli("node", "delete", node_id).code == 0
    gone = cli("node", "get", ids[0])
    assert gone.code == 1
    assert gone.err.startswith("error: ") and gone.err.count("\n") == 1


def test_actions_run_and_report_refusals(cli, flamehub_env) -> None:
    realm = _master_id(cli)
    with Hub(flamehub_env.url, auth=PasswordAuth("admin", "start123")) as hub:
        project = Project.objects.using(hub).create(name=f"cli-{uuid.uuid4().hex[:8]}")
        node = Node.objects.using(hub).create(name=f"cli-{uuid.uuid4().hex[:8]}", realm_id=realm)
        link = ProjectNode.objects.using(hub).create(project_id=project.id, node_id=node.id)
        analysis = Analysis.objects.using(hub).create(project_id=project.id, name="cli-analysis")

    approved = cli("project-node", "approve", str(link.id), "comment=looks good", "--json")
    assert approved.code == 0, approved.err
    assert json.loads(approved.out)["approval_status"] == "approved"

    # an analysis without master image / nodes: the Hub refuses the command with a 400,
    # reported in one line
    refused = cli("analysis", "command", str(analysis.id), "configurationLock")
    assert refused.code == 1
    assert refused.err.startswith("error: 400") and refused.err.count("\n") == 1

    unknown = cli("analysis", "command", str(analysis.id), "noSuchCommand")
    assert unknown.code == 1
    assert unknown.err.startswith("error: ") and "Traceback" not in unknown.err
    wrong = cli("analysis", "command", str(analysis.id), "a", "b", "c")
    assert wrong.code == 1 and "too many" in wrong.err


def test_upload_and_download(cli, flamehub_env, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 64
    source = tmp_path / "data.bin"
    source.write_bytes(payload)
    bucket = cli("bucket", "create", f"name=cli-{uuid.uuid4().hex[:6]}", "--json")
    assert bucket.code == 0, bucket.err
    bucket_id = json.loads(bucket.out)["id"]

    uploaded = cli("bucket", "upload", bucket_id, str(source), "--json")
    assert uploaded.code == 0, uploaded.err
    (row,) = json.loads(uploaded.out)
    assert row["size"] == len(payload)

    target = tmp_path / "copy.bin"
    downloaded = cli("bucket-file", "download", row["id"], "--to", str(target))
    assert downloaded.code == 0, downloaded.err
    assert target.read_bytes() == payload
    assert downloaded.out.startswith("Saved ")

    missing = cli("bucket", "upload", bucket_id, str(tmp_path / "absent.txt"))
    assert (missing.code, missing.err.count("\n")) == (1, 1)
    assert cli("bucket-file", "delete", row["id"]).code == 0
    assert cli("bucket", "delete", bucket_id).code == 0


@pytest.mark.parametrize("version", ["0.8.13", "0.14.0"])
def test_collection_and_collection_endpoint_actions(cli, config_home, monkeypatch, version) -> None:
    with LocalHub(version=version, master_images=("python/base", "python/slim")) as local:
        monkeypatch.setenv("FLAMEHUB_URL", local.url)
        monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
        monkeypatch.setenv("FLAMEHUB_PASSWORD", "start123")
        # the manager's sync() is a command without an id ...
        before = cli("master-image", "list", "--json")
        assert before.code == 0 and json.loads(before.out) == []
        synced = cli("master-image", "sync")
        assert synced.code == 0, synced.err
        images = json.loads(cli("master-image", "list", "--json").out)
        assert [image["virtual_path"] for image in images] == ["python/base", "python/slim"]
        # ... build() is a record's action that calls the collection endpoint (current only)
        built = cli("master-image", "build", images[0]["id"], "--json")
        if version == "0.8.13":
            assert built.code == 1 and "does not exist on Hub 0.8.13" in built.err
        else:
            assert built.code == 0, built.err
            assert json.loads(built.out)["build_status"] == "starting"
        assert cli("master-image", "sync", "using=x").code == 1
