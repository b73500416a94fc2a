"""Hub 0.12.2 (`hub-0.12.2/`): the last legacy release, and not the 0.8.13 model.

Every service snake_case (authup beta.52 too), rapiq 0.9, robots and clients;
analysis buckets store ``bucket_id``; analysis bucket files have the current model
in snake_case; a single-record GET ignores ``include`` (read through the list).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from flamehub import BadRequest, Hub, QueryError
from flamehub.models import (
    Analysis,
    AnalysisBucket,
    AnalysisBucketFile,
    AnalysisBucketType,
    Bucket,
    BucketFile,
    Client,
    MasterImage,
    Node,
    Permission,
    Project,
    ProjectNode,
    Registry,
    Robot,
    Role,
    User,
)
from flamehub.resources.base import meta_of
from flamehub.resources.related import loaded_relation
from tests.conftest import HUB_URL, make_hub
from tests.replay.harness import Recording, Replayer, default_sort, recorded_names

VERSION = "0.12.2"
AUTH = Recording(VERSION, "auth-10-catalogue")
TOKENS = Recording(VERSION, "auth-01-tokens")
CORE = Recording(VERSION, "core-10-catalogue")
STORAGE = Recording(VERSION, "storage-10-buckets")
BUCKETS = Recording(VERSION, "analysis-buckets-and-include")


@pytest.fixture
def hub() -> Hub:
    return make_hub(VERSION)


def test_every_service_is_snake_case(replayer: Replayer) -> None:
    replayer.expect(TOKENS[1])
    replayer.expect(TOKENS[0])
    hub = Hub(HUB_URL)
    auth = hub.dialect_for("auth")
    assert hub.version == VERSION and auth.authup_version == "1.0.0-beta.52"
    assert not auth.camel_case and auth.robots and not hub.dialect.rapiq2
    assert hub.for_service("auth") is hub  # one dialect for the whole Hub


# -- auth (authup beta.52) ----------------------------------------------------------------


def test_roles(replayer: Replayer, hub: Hub) -> None:
    roles = Role.objects.using(hub)
    sort = default_sort(Role, VERSION)
    replayer.expect(AUTH[1])
    realm_id = uuid.UUID(AUTH[1].body["realm_id"])
    role = roles.create(name="rec-65e542-role", realm_id=realm_id, description="recorded")
    assert role.realm_id == realm_id and role.created_at is not None
    replayer.expect(AUTH[2])
    assert roles.get(id=role.id).name == "rec-65e542-role"
    replayer.expect(AUTH[3], default_sort=sort)
    assert list(roles.filter(realm_id=uuid.UUID(AUTH[3].query[0][1]))) == []
    assert len(AUTH[4].rows) == 3  # filter[realmId]: the other casing is ignored
    # rapiq 0.9: `~x` is starts-with (the rapiq 2 form `x~` found nothing)
    replayer.expect(AUTH[6], default_sort=sort)
    assert [r.name for r in roles.filter(name__startswith="rec-65e542-")] == recorded_names(AUTH[6])
    assert recorded_names(AUTH[5]) == []
    replayer.expect(AUTH[7])
    role.description = "changed"
    role.save()
    replayer.expect(AUTH[12])
    role.delete()


@pytest.mark.parametrize(
    ("model", "index"),
    [(User, 8), (Client, 9), (Robot, 10), (Permission, 11)],
    ids=["users", "clients", "robots", "permissions"],
)
def test_auth_collections(replayer: Replayer, hub: Hub, model: type, index: int) -> None:
    exchange = replayer.expect(AUTH[index], default_sort=default_sort(model, VERSION))
    rows = list(model.objects.using(hub)[:5])
    assert [row.id for row in rows] == [uuid.UUID(raw["id"]) for raw in exchange.rows]
    assert all(row.created_at is not None for row in rows)


def test_a_user_create_needs_an_email_there(hub: Hub) -> None:
    # authup beta.52 requires it (recordings README); 0.8.13's beta.26 did not
    with pytest.raises(QueryError, match="User needs email"):
        User.objects.using(hub).create(name="no-mail")
    legacy = make_hub("0.8.13")
    assert "email" not in meta_of(User).required_on_create(legacy.dialect_for("auth"))


# -- core -----------------------------------------------------------------------------------


def test_nodes(replayer: Replayer, hub: Hub) -> None:
    nodes = Node.objects.using(hub)
    sort = default_sort(Node, VERSION)
    replayer.expect(CORE[0], default_sort=sort)
    assert list(nodes[:5]) == []
    for index in (1, 2):
        body = replayer.expect(CORE[index]).body
        nodes.create(name=body["name"], realm_id=uuid.UUID(body["realm_id"]), type=body["type"])
    # the rapiq 2 forms sent to rapiq 0.9 match nothing (literal text)
    assert [recorded_names(CORE[i]) for i in (3, 4, 5)] == [[], [], []]
    replayer.expect(CORE[6], default_sort=sort)
    (node,) = nodes.filter(name="rec-65e542-abc-1")
    replayer.expect(CORE[7])
    node.hidden = True
    node.save()
    replayer.expect(CORE[8])
    assert nodes.get(id=node.id).hidden is True


def test_projects_and_analyses(replayer: Replayer, hub: Hub) -> None:
    replayer.expect(CORE[9])
    project = Project.objects.using(hub).create(name="rec-65e542-project")
    replayer.expect(CORE[10])
    node_id = uuid.UUID(CORE[10].body["node_id"])
    project.nodes.create(node_id=node_id)
    replayer.expect(CORE[11], default_sort=default_sort(ProjectNode, VERSION))
    (link,) = (
        ProjectNode.objects.using(hub).filter(project_id=project.id).include("node", "project")
    )
    assert link.node.id == node_id and link.project.id == project.id
    replayer.expect(CORE[12])
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="rec-65e542-analysis")
    replayer.expect(CORE[13], default_sort=default_sort(AnalysisBucket, VERSION))
    assert list(analysis.buckets.all()) == []
    replayer.expect(CORE[15])
    with pytest.raises(BadRequest):
        analysis.configuration_lock()


@pytest.mark.parametrize(("model", "index"), [(Registry, 16), (MasterImage, 17)])
def test_empty_collections(replayer: Replayer, hub: Hub, model: type, index: int) -> None:
    replayer.expect(CORE[index], default_sort=default_sort(model, VERSION))
    assert list(model.objects.using(hub)[:5]) == []


def test_single_record_include_is_read_through_the_list(replayer: Replayer, hub: Hub) -> None:
    single, listed = BUCKETS[12], BUCKETS[13]
    assert "project" not in single.response_body  # what GET /analyses/<id>?include= gives
    analysis_id = uuid.UUID(listed.rows[0]["id"])
    # get() reads a window of two rows (to tell MultipleObjectsReturned)
    replayer.expect(
        listed,
        default_sort=default_sort(Analysis, VERSION),
        query=[*listed.query, ("page[limit]", "2")],
    )
    analysis = Analysis.objects.using(hub).include("project").get(id=analysis_id)
    assert analysis.project is not None
    assert analysis.project.id == analysis.project_id == uuid.UUID(listed.rows[0]["project_id"])


def test_a_single_record_without_include_is_a_direct_get(replayer: Replayer, hub: Hub) -> None:
    replayer.expect(CORE[14], query=[])
    analysis = Analysis.objects.using(hub).get(id=uuid.UUID(CORE[14].record["id"]))
    # nothing embedded (reading analysis.project would now load it: relations, #13)
    assert loaded_relation(analysis, "project") is None and analysis.project_id is not None


# -- analysis buckets and their files (the model of Hub >= 0.8.22, snake_case) -----------------


def test_analysis_buckets_store_the_storage_bucket(replayer: Replayer, hub: Hub) -> None:
    recorded = replayer.expect(BUCKETS[4])
    bucket = AnalysisBucket.objects.using(hub).create(
        type=AnalysisBucketType.CODE,
        analysis_id=uuid.UUID(recorded.body["analysis_id"]),
        bucket_id=uuid.UUID(recorded.body["bucket_id"]),
    )
    assert bucket.bucket_id == uuid.UUID(recorded.body["bucket_id"])
    replayer.expect(BUCKETS[5])
    assert AnalysisBucket.objects.using(hub).get(id=bucket.id).bucket_id == bucket.bucket_id


def test_analysis_bucket_files_have_the_current_model(replayer: Replayer, hub: Hub) -> None:
    assert BUCKETS[7].status == 400  # 0.8.13's body is refused
    recorded = replayer.expect(BUCKETS[8])
    body = recorded.body
    files = AnalysisBucketFile.objects.using(hub)
    created = files.create(
        analysis_bucket_id=uuid.UUID(body["analysis_bucket_id"]),
        bucket_id=uuid.UUID(body["bucket_id"]),
        bucket_file_id=uuid.UUID(body["bucket_file_id"]),
        path="main.py",
        root=True,
    )
    assert created.analysis_bucket is not None
    assert created.analysis_bucket.id == created.analysis_bucket_id
    sort = default_sort(AnalysisBucketFile, VERSION)
    for index in (9, 10, 11):
        replayer.expect(BUCKETS[index], default_sort=sort)
    assert [f.id for f in files.filter(analysis_bucket_id=created.analysis_bucket_id)] == [
        created.id
    ]
    assert list(files.filter(analysis_bucket_id=uuid.UUID(BUCKETS[10].query[0][1]))) == []
    assert [f.path for f in files.filter(analysis_id=created.analysis_id)] == ["main.py"]


# -- storage --------------------------------------------------------------------------------


def test_bucket_files(replayer: Replayer, hub: Hub, tmp_path: Path) -> None:
    replayer.expect(STORAGE[0])
    bucket = Bucket.objects.using(hub).create(name="rec-65e542-bucket")
    replayer.expect(STORAGE[2], default_sort=default_sort(BucketFile, VERSION))
    (bucket_file,) = BucketFile.objects.using(hub).filter(bucket_id=bucket.id)
    replayer.expect(STORAGE[3])
    assert bucket_file.download(to=tmp_path).read_bytes() == STORAGE[3].content()
    replayer.expect(STORAGE[4])
    bucket_file.delete()
