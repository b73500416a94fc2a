"""create / save (only changed fields) / refresh / delete, and local refusals of bad writes."""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timezone

import pytest

from flamehub import QueryError, UnsupportedByHub
from flamehub.models import Node, NodeType, Project, Realm
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub

NODE_ID = "a99721cc-d7f4-4ff2-9b95-8fec1396d348"
REALM_ID = "f2e02c50-14fa-4624-95b8-d218998cc015"
NODE_CURRENT = {
    "id": NODE_ID,
    "externalName": "ext-0",
    "publicKey": None,
    "name": "site-a",
    "hidden": False,
    "type": "default",
    "online": False,
    "registryId": None,
    "registryProjectId": None,
    "clientId": "eed31d71-81f2-473d-9946-41e5a7b08938",
    "robotId": None,
    "realmId": REALM_ID,
    "createdAt": "2026-11-28T15:47:10.000Z",
    "updatedAt": "2026-11-28T15:47:10.000Z",
}
NODE_LEGACY = {
    "id": NODE_ID,
    "external_name": "ext-0",
    "public_key": None,
    "name": "site-a",
    "hidden": False,
    "type": "default",
    "online": False,
    "registry_id": None,
    "registry_project_id": None,
    "robot_id": "f5027718-1537-47f8-ba40-e4930e570ed8",
    "realm_id": REALM_ID,
    "created_at": "2026-11-28T14:57:23.000Z",
    "updated_at": "2026-11-28T14:57:23.000Z",
}


def record(version: str, **changes: object) -> dict:
    if version == CURRENT_VERSION:
        return {"data": {**NODE_CURRENT, **changes}, "meta": {}}
    return {**NODE_LEGACY, **changes}


def body_of(call) -> dict:
    return json.loads(call.request.body)


def test_create_sends_wire_names_and_parses(rsps, version) -> None:
    rsps.add("POST", f"{HUB_URL}/core/nodes", status=201, json=record(version))
    node = Node.objects.using(make_hub(version)).create(
        name="site-a", realm_id=uuid.UUID(REALM_ID), hidden=False, external_name="ext-0"
    )
    realm_key = "realmId" if version == CURRENT_VERSION else "realm_id"
    external_key = "externalName" if version == CURRENT_VERSION else "external_name"
    assert body_of(rsps.calls[0]) == {
        "name": "site-a",
        realm_key: REALM_ID,
        "hidden": False,
        external_key: "ext-0",
    }
    assert node.id == uuid.UUID(NODE_ID)
    assert node.type is NodeType.DEFAULT
    assert node.created_at.tzinfo is not None
    assert node.realm_id == uuid.UUID(REALM_ID)
    assert node.is_saved


def test_save_sends_only_changed_fields(rsps, version) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(version))
    rsps.add(
        "POST", f"{HUB_URL}/core/nodes/{NODE_ID}", status=202, json=record(version, hidden=True)
    )
    node = Node.objects.using(make_hub(version)).get(id=NODE_ID)
    node.hidden = True
    node.save()
    assert body_of(rsps.calls[1]) == {"hidden": True}
    assert node.hidden is True
    assert node.changed_fields() == {}


def test_save_without_changes_sends_nothing(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(CURRENT_VERSION))
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    node.save()
    assert len(rsps.calls) == 1


def test_save_refuses_fields_the_hub_would_drop(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(CURRENT_VERSION))
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    node.realm_id = uuid.uuid4()
    with pytest.raises(QueryError, match="realm_id is create-only"):
        node.save()
    node.realm_id = uuid.UUID(REALM_ID)
    node.online = True
    with pytest.raises(QueryError, match="online is read-only"):
        node.save()
    assert len(rsps.calls) == 1


def test_create_refuses_bad_fields_before_sending(version) -> None:
    hub = make_hub(version)
    with pytest.raises(QueryError, match="Node has no field 'colour'"):
        Node.objects.using(hub).create(name="a", colour="red")
    with pytest.raises(QueryError, match="online is read-only"):
        Node.objects.using(hub).create(name="a", online=True)
    with pytest.raises(QueryError, match="needs name"):
        Node.objects.using(hub).create(hidden=True)
    with pytest.raises(QueryError, match="needs name"):
        Realm.objects.using(hub).create(display_name="x")


def test_field_of_other_generation_is_refused() -> None:
    hub = make_hub(LEGACY_VERSION)
    with pytest.raises(UnsupportedByHub, match="display_name does not exist on Hub 0.8.13"):
        Project.objects.using(hub).create(name="p", display_name="P")


def test_local_object_save_creates(rsps) -> None:
    rsps.add("POST", f"{HUB_URL}/core/nodes", status=201, json=record(CURRENT_VERSION))
    node = Node(name="site-a", hidden=False)
    assert not node.is_saved
    node.save(using=make_hub(CURRENT_VERSION))
    assert body_of(rsps.calls[0]) == {"name": "site-a", "hidden": False}
    assert node.id == uuid.UUID(NODE_ID)
    assert node.is_saved


def test_refresh_and_delete(rsps, version) -> None:
    hub = make_hub(version)
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(version))
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(version, name="renamed"))
    rsps.add("DELETE", f"{HUB_URL}/core/nodes/{NODE_ID}", status=202, json=record(version))
    node = Node.objects.using(hub).get(id=NODE_ID)
    node.refresh()
    assert node.name == "renamed"
    node.delete()
    assert not node.is_saved
    assert [call.request.method for call in rsps.calls] == ["GET", "GET", "DELETE"]


def test_ids_and_objects_are_accepted_for_references(rsps) -> None:
    rsps.add("POST", f"{HUB_URL}/core/nodes", status=201, json=record(CURRENT_VERSION))
    realm = Realm(id=uuid.UUID(REALM_ID), name="master")
    Node.objects.using(make_hub(CURRENT_VERSION)).create(name="a", realm_id=realm)
    assert body_of(rsps.calls[0])["realmId"] == REALM_ID


def test_unknown_fields_are_ignored_and_unknown_enums_kept(rsps) -> None:
    rsps.add(
        "GET",
        f"{HUB_URL}/core/nodes/{NODE_ID}",
        json=record(CURRENT_VERSION, type="quantum", brandNewField=[1, 2]),
    )
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    assert node.type.value == "quantum"
    assert not node.type.known
    assert node.updated_at == datetime(2026, 11, 28, 15, 47, 10, tzinfo=timezone.utc)


def test_model_repr_hides_secrets() -> None:
    from flamehub.models import Registry

    registry = Registry(name="r", host="h", account_secret="s3cr3t-value")
    assert repr(registry) == "<Registry r (unsaved)>"
    shown = io.StringIO()
    registry.pprint(file=shown)
    assert "s3cr3t-value" not in shown.getvalue() + registry._repr_html_()
    assert "account_secret  <hidden>" in shown.getvalue()
    assert "<td>&lt;hidden&gt;</td>" in registry._repr_html_()


PROJECT_ID = "0b1c3e55-7d1e-4e0e-9a53-a8e2f5f3b0c1"


def test_a_relation_given_as_an_object_is_sent_as_its_id(rsps, version) -> None:
    from flamehub.models import Analysis

    current = version == CURRENT_VERSION
    key = "projectId" if current else "project_id"
    row = {"id": NODE_ID, key: PROJECT_ID}
    rsps.add(
        "POST",
        f"{HUB_URL}/core/analyses",
        status=201,
        json={"data": row, "meta": {}} if current else row,
    )
    project = Project(id=uuid.UUID(PROJECT_ID), name="p")
    analysis = Analysis.objects.using(make_hub(version)).create(project=project, name="a")
    assert body_of(rsps.calls[0]) == {key: PROJECT_ID, "name": "a"}
    assert analysis.project_id == uuid.UUID(PROJECT_ID)


def test_a_relation_and_its_id_together_are_refused_before_sending(rsps) -> None:
    from flamehub.models import Analysis

    project = Project(id=uuid.UUID(PROJECT_ID), name="p")
    with pytest.raises(QueryError, match="project and project_id name the same relation"):
        Analysis.objects.using(make_hub(CURRENT_VERSION)).create(
            project=project, project_id=project.id
        )
    assert len(rsps.calls) == 0
