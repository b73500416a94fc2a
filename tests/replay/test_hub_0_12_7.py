"""Hub 0.12.7 (`hub-0.12.7/`): snake_case core and storage next to a camelCase authup.

Every exchange of the four recordings is replayed. The auth service (authup
1.0.0-beta.56) speaks camelCase with bare records and has no robots; core and
storage speak snake_case; every service uses rapiq 2 like syntax.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import responses

from flamehub import BadRequest, Hub, PasswordAuth, UnsupportedByHub
from flamehub.models import (
    Analysis,
    AnalysisBucket,
    Bucket,
    BucketFile,
    Client,
    MasterImage,
    Node,
    Permission,
    Project,
    ProjectNode,
    Realm,
    Registry,
    Robot,
    Role,
    User,
)
from flamehub.resources.base import meta_of
from tests.conftest import HUB_URL, make_hub
from tests.replay.harness import Recording, Replayer, recorded_names

VERSION = "0.12.7"
AUTH = Recording(VERSION, "auth-10-catalogue")
TOKENS = Recording(VERSION, "auth-01-tokens")
CORE = Recording(VERSION, "core-10-catalogue")
STORAGE = Recording(VERSION, "storage-10-buckets")


def _sort(model: type, hub: Hub) -> str | None:
    """The ``sort`` flamehub adds for ``model`` on ``hub`` (its service's dialect)."""
    queryset = model.objects.using(hub)
    service_hub = queryset._resolve_hub()
    caps = meta_of(model).capabilities(service_hub.dialect.generation)
    return dict(queryset._sort_params(caps, service_hub.dialect)).get("sort")


@pytest.fixture
def hub() -> Hub:
    return make_hub(VERSION)


# -- detection -----------------------------------------------------------------------


def test_each_service_is_detected_from_itself(replayer: Replayer) -> None:
    replayer.expect(TOKENS[1])  # GET /core/ -> 0.12.7
    replayer.expect(TOKENS[0])  # GET /auth/ -> authup 1.0.0-beta.56
    hub = Hub(HUB_URL)
    assert hub.version == VERSION and not hub.dialect.camel_case
    auth = hub.dialect_for("auth")
    assert auth.authup_version == "1.0.0-beta.56"
    assert (auth.camel_case, auth.record_envelope, auth.robots) == (True, False, False)
    # storage sits behind the same proxy as core: one release, not asked again
    assert hub.dialect_for("storage") is hub.dialect


def test_a_hub_given_as_three_urls_detects_each(rsps: responses.RequestsMock) -> None:
    urls = {"auth": "http://a.test/auth/", "core": "http://c.test/", "storage": "http://s.test/"}
    for service, index in (("auth", 0), ("core", 1), ("storage", 2)):
        rsps.add("GET", urls[service], json=TOKENS[index].response_body)
    hub = Hub(auth_url=urls["auth"], core_url=urls["core"], storage_url=urls["storage"])
    assert hub.dialect_for("storage").version_string == VERSION
    assert hub.dialect_for("auth").camel_case and not hub.dialect_for("core").camel_case
    assert [call.request.url for call in rsps.calls] == [
        urls["core"],
        urls["storage"],
        urls["auth"],
    ]


def test_password_and_refresh_grants_then_a_camel_case_auth_list(replayer: Replayer) -> None:
    auth = PasswordAuth("admin", "start123")
    now = [0.0]
    auth._clock = lambda: now[0]
    hub = Hub(HUB_URL, auth=auth, hub_version=VERSION)
    replayer.expect(TOKENS[3])
    replayer.expect(AUTH[0], default_sort=_sort(Realm, hub))
    (realm,) = Realm.objects.using(hub).filter(name="master")
    assert realm.built_in is True and realm.created_at is not None
    now[0] += TOKENS[3].response_body["expires_in"]
    replayer.expect(TOKENS[4])
    auth.token()
    assert [e.body.get("grant_type") for e in replayer.served if e.body] == [
        "password",
        "refresh_token",
    ]


# -- auth: camelCase, bare records, rapiq 2, no robots ----------------------------------


def test_role_create_reads_camel_case_back(replayer: Replayer, hub: Hub) -> None:
    recorded = replayer.expect(AUTH[1])
    realm_id = uuid.UUID(recorded.body["realmId"])
    role = Role.objects.using(hub).create(
        name="rec-b21260-role", realm_id=realm_id, description="recorded"
    )
    assert role.id == uuid.UUID(recorded.record["id"])
    assert role.realm_id == realm_id and role.created_at is not None
    assert role.built_in is False


def test_role_by_id_update_and_delete(replayer: Replayer, hub: Hub) -> None:
    role_id = uuid.UUID(AUTH[2].record["id"])
    replayer.expect(AUTH[2])
    role = Role.objects.using(hub).get(id=role_id)
    # the row is bound to the hub as the auth service sees it: the same hub, auth's dialect
    assert role.hub == hub and role.hub is hub.for_service("auth")
    assert role.hub.dialect is hub.dialect_for("auth") and role.hub.transport is hub.transport
    assert role.realm_id == uuid.UUID(AUTH[2].record["realmId"]) and role.updated_at is not None
    replayer.expect(AUTH[7])
    role.description = "changed"
    role.save()
    assert role.description == "changed"
    replayer.expect(AUTH[12])
    role.delete()


def test_roles_filtered_by_realm_send_realm_id_in_camel_case(replayer: Replayer, hub: Hub) -> None:
    replayer.expect(AUTH[3], default_sort=_sort(Role, hub))
    realm_id = uuid.UUID(AUTH[3].query[0][1])
    assert list(Role.objects.using(hub).filter(realm_id=realm_id)) == []
    # what the snake_case key would have done: ignored, every role answered
    assert AUTH[4].query[0][0] == "filter[realm_id]" and len(AUTH[4].rows) == 3


def test_role_name_lookups_use_rapiq2(replayer: Replayer, hub: Hub) -> None:
    replayer.expect(AUTH[5], default_sort=_sort(Role, hub))
    replayer.expect(AUTH[6], default_sort=_sort(Role, hub))
    roles = Role.objects.using(hub)
    assert [r.name for r in roles.filter(name__startswith="rec-b21260-")] == ["rec-b21260-role"]
    assert list(roles.filter(name__endswith="rec-b21260-")) == []


@pytest.mark.parametrize(
    ("model", "index"),
    [(User, 8), (Client, 9), (Permission, 11)],
    ids=["users", "clients", "perms"],
)
def test_auth_collections_parse_every_recorded_key(
    replayer: Replayer, hub: Hub, model: type, index: int
) -> None:
    exchange = replayer.expect(AUTH[index], default_sort=_sort(model, hub))
    rows = list(model.objects.using(hub)[:5])
    assert [row.id for row in rows] == [uuid.UUID(raw["id"]) for raw in exchange.rows]
    for row, raw in zip(rows, exchange.rows, strict=True):
        assert row.created_at is not None and (row.realm_id is None) is (raw["realmId"] is None)


def test_robots_are_refused_before_a_request(hub: Hub) -> None:
    assert AUTH[10].status == 404  # authup beta.56 has no robots
    with pytest.raises(UnsupportedByHub, match="Robot"):
        list(Robot.objects.using(hub)[:5])


# -- core: snake_case, bare records, rapiq 2 -------------------------------------------


def test_nodes_create_lookups_update_get(replayer: Replayer, hub: Hub) -> None:
    sort = _sort(Node, hub)
    replayer.expect(CORE[0], default_sort=sort)
    nodes = Node.objects.using(hub)
    assert list(nodes[:5]) == []
    created = []
    for index in (1, 2):
        exchange = replayer.expect(CORE[index])
        body = exchange.body
        created.append(
            nodes.create(name=body["name"], realm_id=uuid.UUID(body["realm_id"]), type=body["type"])
        )
    assert [n.realm_id for n in created] == [uuid.UUID(CORE[1].body["realm_id"])] * 2
    for index in (3, 4, 5, 6):
        replayer.expect(CORE[index], default_sort=sort)
    assert [n.name for n in nodes.filter(name__startswith="rec-b21260-abc")] == recorded_names(
        CORE[3]
    )
    assert [n.name for n in nodes.filter(name__endswith="abc")] == recorded_names(CORE[4])
    assert [n.name for n in nodes.filter(name__contains="abc")] == recorded_names(CORE[5])
    assert [n.name for n in nodes.filter(name="rec-b21260-abc-1")] == recorded_names(CORE[6])
    replayer.expect(CORE[7])
    node = created[0]
    node.hidden = True
    node.save()
    replayer.expect(CORE[8])
    assert nodes.get(id=node.id).hidden is True


def test_projects_project_nodes_and_analyses(replayer: Replayer, hub: Hub) -> None:
    replayer.expect(CORE[9])
    project = Project.objects.using(hub).create(name="rec-b21260-project")
    assert project.realm_id is not None
    replayer.expect(CORE[10])
    node_id = uuid.UUID(CORE[10].body["node_id"])
    link = project.nodes.create(node_id=node_id)
    assert (link.project_id, link.node_id) == (project.id, node_id)
    replayer.expect(CORE[11], default_sort=_sort(ProjectNode, hub))
    (row,) = ProjectNode.objects.using(hub).filter(project_id=project.id).include("node", "project")
    assert row.node is not None and row.node.id == node_id and row.project.id == project.id
    replayer.expect(CORE[12])
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="rec-b21260-analysis")
    assert analysis.project_id == project.id
    replayer.expect(CORE[13], default_sort=_sort(AnalysisBucket, hub))
    assert list(AnalysisBucket.objects.using(hub).filter(analysis_id=analysis.id)) == []
    replayer.expect(CORE[15])
    with pytest.raises(BadRequest, match="default node"):
        analysis.configuration_lock()


@pytest.mark.parametrize(("model", "index"), [(Registry, 16), (MasterImage, 17)])
def test_empty_core_collections(replayer: Replayer, hub: Hub, model: type, index: int) -> None:
    replayer.expect(CORE[index], default_sort=_sort(model, hub))
    assert list(model.objects.using(hub)[:5]) == []


# -- storage: snake_case ---------------------------------------------------------------


def test_bucket_files_listed_streamed_deleted(replayer: Replayer, hub: Hub, tmp_path: Path) -> None:
    replayer.expect(STORAGE[0])
    bucket = Bucket.objects.using(hub).create(name="rec-b21260-bucket")
    assert bucket.id == uuid.UUID(STORAGE[0].record["id"]) and bucket.created_at is not None
    replayer.expect(STORAGE[2], default_sort=_sort(BucketFile, hub))
    (bucket_file,) = BucketFile.objects.using(hub).filter(bucket_id=bucket.id)
    assert bucket_file.size == 12 and bucket_file.bucket_id == bucket.id
    replayer.expect(STORAGE[3])
    target = bucket_file.download(to=tmp_path)
    assert target.read_bytes() == STORAGE[3].content() == b"hello flame\n"
    replayer.expect(STORAGE[4])
    bucket_file.delete()
