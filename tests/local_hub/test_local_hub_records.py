"""Rows the Hub keeps about analyses and master images besides the entities themselves.

Legacy Hubs (0.8.x): analysis permissions, analysis and node logs as records, master-image
event logs. Current Hubs: analysis-node events. Most of them are written by the Hub itself
as the side effect of a command or a create; the tests check both the side effect and the
read (and delete) routes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from flamehub.testing import LocalHub

from .conftest import CURRENT, LEGACY, Api


def _analysis(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A project with a default node, an analysis of it and the node."""
    project = api.create("/core/projects", name="records-project")
    node = api.create("/core/nodes", name="records-node")
    api.create("/core/project-nodes", projectId=project["id"], nodeId=node["id"])
    analysis = api.create("/core/analyses", name="records-analysis", projectId=project["id"])
    return project, analysis, node


def _rows(api: Api, path: str, **filters: str) -> list[dict[str, Any]]:
    params = {f"filter[{api.key(name)}]": value for name, value in filters.items()}
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- legacy


def test_legacy_analysis_permissions(legacy_api: Api) -> None:
    api = legacy_api
    _, analysis, _ = _analysis(api)
    held = api.get("/auth/permissions", params={"filter[name]": "analysis_self_storage_use"})
    permission = held.json()["data"][0]
    created = api.post(
        "/core/analysis-permissions",
        json={"analysis_id": analysis["id"], "permission_id": permission["id"]},
    )
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["analysis_realm_id"] == analysis["realm_id"]
    assert row["permission_realm_id"] == permission["realm_id"]
    assert row["analysis"]["id"] == analysis["id"]
    assert row["permission"]["name"] == "analysis_self_storage_use"
    again = api.post(
        "/core/analysis-permissions",
        json={"analysis_id": analysis["id"], "permission_id": permission["id"]},
    )
    assert again.status_code == 409
    assert [
        r["id"] for r in _rows(api, "/core/analysis-permissions", analysisId=analysis["id"])
    ] == [row["id"]]
    fetched = api.get(f"/core/analysis-permissions/{row['id']}", params={"include": "permission"})
    assert fetched.status_code == 200
    assert fetched.json()["permission"]["id"] == permission["id"]

    # only permissions the caller owns can be granted; the permission must exist
    foreign = api.create("/auth/permissions", name="not-held-by-anyone")
    refused = api.post(
        "/core/analysis-permissions",
        json={"analysis_id": analysis["id"], "permission_id": foreign["id"]},
    )
    assert refused.status_code == 403
    assert "not-held-by-anyone" in refused.json()["message"]
    unknown = api.post(
        "/core/analysis-permissions",
        json={"analysis_id": analysis["id"], "permission_id": analysis["id"]},
    )
    assert unknown.status_code == 400
    missing = api.post("/core/analysis-permissions", json={"analysis_id": analysis["id"]})
    assert missing.status_code == 400

    assert api.delete(f"/core/analysis-permissions/{row['id']}").status_code == 202
    assert api.get(f"/core/analysis-permissions/{row['id']}").status_code == 404


def test_legacy_analysis_permissions_go_with_their_analysis(legacy_api: Api) -> None:
    api = legacy_api
    _, analysis, _ = _analysis(api)
    held = api.get("/auth/permissions", params={"filter[name]": "analysis_self_storage_use"})
    api.create(
        "/core/analysis-permissions",
        analysisId=analysis["id"],
        permissionId=held.json()["data"][0]["id"],
    )
    assert api.delete(f"/core/analyses/{analysis['id']}").status_code == 202
    assert _rows(api, "/core/analysis-permissions") == []


def test_legacy_commands_write_analysis_log_records(legacy_api: Api) -> None:
    api = legacy_api
    _, analysis, _ = _analysis(api)
    path = f"/core/analyses/{analysis['id']}/command"
    assert api.post(path, json={"command": "buildStart"}).status_code == 400  # not locked
    assert _rows(api, "/core/analysis-logs", analysisId=analysis["id"]) == []
    assert api.post(path, json={"command": "spinUp"}).status_code == 202
    (record,) = _rows(api, "/core/analysis-logs", analysisId=analysis["id"])
    assert (record["command"], record["status"], record["error"]) == ("spinUp", "starting", False)
    assert record["analysis_id"] == analysis["id"]
    assert record["realm_id"] == analysis["realm_id"]
    assert {"id", "component", "event", "error_code", "status_message", "meta"} <= set(record)
    assert _rows(api, "/core/analysis-logs", command="buildStart") == []
    fetched = api.get(f"/core/analysis-logs/{record['id']}", params={"include": "analysis"})
    assert fetched.status_code == 200
    assert fetched.json()["analysis"]["id"] == analysis["id"]
    listing = api.get("/core/analysis-logs").json()
    assert listing["meta"] == {"total": 1}
    assert api.delete(f"/core/analysis-logs/{record['id']}").status_code == 202
    assert api.get(f"/core/analysis-logs/{record['id']}").status_code == 404
    assert api.post(path, json={"command": "tearDown"}).status_code == 202
    assert api.delete(f"/core/analyses/{analysis['id']}").status_code == 202
    assert _rows(api, "/core/analysis-logs") == []


def test_legacy_node_logs_are_records_a_node_posts(legacy_api: Api) -> None:
    api = legacy_api
    _, analysis, node = _analysis(api)
    body = {"analysis_id": analysis["id"], "node_id": node["id"], "status": "started"}
    unlinked = api.post("/core/analysis-node-logs", json=body)
    assert unlinked.status_code == 400  # the node does not take part in the analysis yet
    link = api.create("/core/analysis-nodes", analysisId=analysis["id"], nodeId=node["id"])
    assert api.post("/core/analysis-node-logs", json={**body, "status": None}).status_code == 400
    written = api.post(
        "/core/analysis-node-logs", json={**body, "status_message": "the node started"}
    )
    assert written.status_code == 201, written.text
    record = written.json()
    assert record["status"] == "started" and record["error"] is False
    assert record["analysis_realm_id"] == analysis["realm_id"]
    assert record["node_realm_id"] == node["realm_id"]
    assert record["node"]["id"] == node["id"]
    updated_link = api.get(f"/core/analysis-nodes/{link['id']}").json()
    assert updated_link["run_status"] == "started"  # a run status is taken over by the link
    (listed,) = _rows(api, "/core/analysis-node-logs", nodeId=node["id"])
    assert listed["id"] == record["id"] and listed["status_message"] == "the node started"
    assert _rows(api, "/core/analysis-node-logs", status="finished") == []
    fetched = api.get(f"/core/analysis-node-logs/{record['id']}")
    assert fetched.status_code == 200 and fetched.json()["node_id"] == node["id"]
    changed = api.post(
        f"/core/analysis-node-logs/{record['id']}", json={"status_message": "still running"}
    )
    assert changed.status_code == 202 and changed.json()["status_message"] == "still running"
    assert api.delete(f"/core/analysis-node-logs/{record['id']}").status_code == 202
    assert api.get(f"/core/analysis-node-logs/{record['id']}").status_code == 404
    api.post("/core/analysis-node-logs", json=body)
    assert api.delete(f"/core/nodes/{node['id']}").status_code == 202
    assert _rows(api, "/core/analysis-node-logs") == []


def test_legacy_master_image_sync_writes_event_logs() -> None:
    with LocalHub(version=LEGACY, master_images=["python/base"]) as hub:
        api = Api(hub)
        api.login()
        assert _rows(api, "/core/master-image-event-logs") == []
        before = datetime.now(timezone.utc)
        assert api.post("/core/master-images/command", json={"command": "sync"}).status_code == 202
        answer = api.get("/core/master-image-event-logs", params={"sort": "created_at"}).json()
        assert answer["meta"] == {"total": 2}
        events = answer["data"]
        assert [event["name"] for event in events] == ["synchronizing", "synchronized"]
        for event in events:
            assert event["expiring"] is True and event["master_image_id"] is None
            expires = _parse(event["expires_at"]) - before
            assert timedelta(days=3) <= expires < timedelta(days=3, minutes=1)
        assert [
            e["name"] for e in _rows(api, "/core/master-image-event-logs", name="synchronized")
        ] == ["synchronized"]
        fetched = api.get(f"/core/master-image-event-logs/{events[0]['id']}")
        assert fetched.status_code == 200 and fetched.json()["name"] == "synchronizing"


# --------------------------------------------------------------------------- current


def test_analysis_node_events_follow_the_analysis_nodes(current_api: Api) -> None:
    api = current_api
    _, analysis, node = _analysis(api)
    (link,) = _rows(api, "/core/analysis-nodes", analysisId=analysis["id"])  # made with it
    (event,) = _rows(api, "/core/analysis-node-events", analysisId=analysis["id"])
    assert event["eventId"] and event["eventId"] != link["id"]
    assert (event["nodeId"], event["nodeRealmId"]) == (node["id"], node["realmId"])
    assert event["analysisRealmId"] == analysis["realmId"]
    fetched = api.get(f"/core/analysis-node-events/{event['id']}", params={"include": "node"})
    assert fetched.status_code == 200 and fetched.json()["data"]["node"]["id"] == node["id"]
    again = api.post(
        "/core/analysis-nodes", json={"analysisId": analysis["id"], "nodeId": node["id"]}
    )
    assert again.status_code == 201  # the existing row: no second event
    assert len(_rows(api, "/core/analysis-node-events", nodeId=node["id"])) == 1
    assert api.delete(f"/core/analysis-nodes/{link['id']}").status_code == 202
    assert _rows(api, "/core/analysis-node-events", analysisId=analysis["id"]) == []
    api.create("/core/analysis-nodes", analysisId=analysis["id"], nodeId=node["id"])
    assert len(_rows(api, "/core/analysis-node-events", analysisId=analysis["id"])) == 1
    assert api.post("/core/analysis-node-events", json={}).status_code == 404  # read-only


# --------------------------------------------------------------------------- generations


@pytest.mark.parametrize(
    ("version", "path"),
    [
        (CURRENT, "/core/analysis-permissions"),
        (CURRENT, "/core/master-image-event-logs"),
        (LEGACY, "/core/analysis-node-events"),
    ],
)
def test_routes_of_the_other_generation_are_absent(version: str, path: str) -> None:
    with LocalHub(version=version) as hub:
        api = Api(hub)
        api.login()
        assert api.get(path).status_code == 404
