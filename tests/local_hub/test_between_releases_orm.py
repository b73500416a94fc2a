"""flamehub's ORM end to end against the local Hub of 0.12.2 and 0.12.7.

Each service's dialect is detected from that service (``flamehub/dialects.py``): on 0.12.7
the auth service is camelCase while core and storage are snake_case; on 0.12.2 everything
is snake_case. A realm-bound role reads back its realm and filters by it (issue #11 item 5:
it used to read ``realm_id=None`` and widen the filter to every role), nodes go through
their whole life, and analysis buckets carry their files.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import (
    Analysis,
    AnalysisBucketFile,
    AnalysisBucketType,
    Node,
    Project,
    Realm,
    Role,
)
from flamehub.testing import LocalHub

BETWEEN = ["0.12.2", "0.12.7"]


@pytest.fixture(params=BETWEEN)
def local(request: pytest.FixtureRequest) -> Iterator[LocalHub]:
    with LocalHub(str(request.param)) as running:
        yield running


@pytest.fixture
def hub(local: LocalHub) -> Iterator[Hub]:
    client = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
    yield client
    client.close()


def test_each_service_is_detected_from_itself(hub: Hub) -> None:
    auth, core = hub.dialect_for("auth"), hub.dialect_for("core")
    assert core.version_string in BETWEEN and not core.camel_case
    assert auth.camel_case is (core.version_string == "0.12.7")
    assert auth.robots is (core.version_string == "0.12.2")


def test_a_realm_bound_role_reads_back_and_filters_by_its_realm(hub: Hub) -> None:
    realm = Realm.objects.using(hub).create(name="orm-realm")
    role = Role.objects.using(hub).create(name="orm-role", realm_id=realm.id)
    assert role.realm_id == realm.id and role.created_at is not None
    Role.objects.using(hub).create(name="orm-other-role")  # in the caller's realm
    assert [r.id for r in Role.objects.using(hub).filter(realm_id=realm.id)] == [role.id]
    fetched = Role.objects.using(hub).get(id=role.id)
    assert (fetched.name, fetched.realm_id) == ("orm-role", realm.id)


def test_node_crud(hub: Hub) -> None:
    nodes = Node.objects.using(hub)
    node = nodes.create(name="orm-node", hidden=False)
    assert node.realm_id is not None and node.created_at is not None
    node.hidden = True
    node.save()
    assert nodes.get(id=node.id).hidden is True
    assert [n.id for n in nodes.filter(name="orm-node")] == [node.id]
    node.delete()
    with pytest.raises(Node.DoesNotExist):
        nodes.get(id=node.id)


def test_analysis_buckets_and_their_files(hub: Hub) -> None:
    project = Project.objects.using(hub).create(name="orm-project")
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="orm-analysis")
    assert analysis.execution_status is None and analysis.nodes_approved == 0
    types = sorted(bucket.type for bucket in analysis.buckets.all())
    assert types == sorted(AnalysisBucketType)
    code = analysis.buckets.get(type=AnalysisBucketType.CODE)
    assert code.bucket_id is not None  # 0.12.x stores the storage bucket (recorded)
    uploaded = code.upload(("main.py", b"print(1)\n"))
    (entry,) = code.wait_for_analysis_files(uploaded, timeout=10)
    assert (entry.path, entry.analysis_bucket_id, entry.bucket_id) == (
        "main.py",
        code.id,
        code.bucket_id,
    )
    entry.root = True
    entry.save()
    files = AnalysisBucketFile.objects.using(hub)
    assert [f.id for f in files.filter(analysis_bucket_id=code.id, root=True)] == [entry.id]
    assert files.get(id=entry.id).root is True


def test_include_on_get_by_id_reads_the_relation_by_its_key(local: LocalHub, hub: Hub) -> None:
    # 0.12.x ignores include on a single record and cannot filter these lists by id
    project = Project.objects.using(hub).create(name="inc-project")
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="inc-analysis")
    code = analysis.buckets.get(type=AnalysisBucketType.CODE)
    (entry,) = code.wait_for_analysis_files(code.upload(("main.py", b"x\n")), timeout=10)
    local.requests.clear()
    got = AnalysisBucketFile.objects.using(hub).include("analysis_bucket").get(id=entry.id)
    assert got.analysis_bucket is not None and got.analysis_bucket.id == code.id
    assert got.analysis_bucket.bucket_id == code.bucket_id
    assert [(r.method, r.path) for r in local.requests] == [
        ("GET", f"/core/analysis-bucket-files/{entry.id}"),
        ("GET", f"/core/analysis-buckets/{code.id}"),
    ]
    # a collection the list can filter by id still reads through the list (one request)
    local.requests.clear()
    assert Analysis.objects.using(hub).include("project").get(id=analysis.id).project is not None
    assert [(r.method, r.path) for r in local.requests] == [("GET", "/core/analyses")]
