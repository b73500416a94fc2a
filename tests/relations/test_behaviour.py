"""Identity, assignment, relations across save()/refresh(), deferred fields, missing rows
and refused inputs, on a LocalHub of each generation (rows are created per test)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth, QueryError
from flamehub.models import Analysis, AnalysisBucket, Bucket, Node, Project, Realm
from flamehub.testing import LocalHub

from .world import GENERATION_IDS, TOKEN_PATH, VERSIONS, start_local


@pytest.fixture(scope="module", params=VERSIONS, ids=GENERATION_IDS)
def started(request: pytest.FixtureRequest) -> Iterator[tuple[LocalHub, Hub]]:
    local = start_local(str(request.param))
    hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
    try:
        yield local, hub
    finally:
        hub.close()
        local.stop()


@pytest.fixture
def local(started: tuple[LocalHub, Hub]) -> LocalHub:
    return started[0]


@pytest.fixture
def hub(started: tuple[LocalHub, Hub]) -> Hub:
    return started[1]


def sent(local: LocalHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in local.requests.snapshot() if r.path != TOKEN_PATH]


def tag() -> str:
    return uuid.uuid4().hex[:8]


def make_realm(hub: Hub) -> Realm:
    return Realm.objects.using(hub).create(name=f"realm-{tag()}")


# -- identity ---------------------------------------------------------------------------


def test_rows_compare_and_hash_by_class_and_id(hub: Hub) -> None:
    realm = make_realm(hub)
    node = Node.objects.using(hub).create(name=f"node-{tag()}", realm_id=realm.id)
    again = Node.objects.using(hub).get(id=node.id)
    assert again is not node and again == node and hash(again) == hash(node)
    node.name = "changed locally"  # equality is identity of the row, not of the values
    assert again == node
    assert len({node, again}) == 1
    other = Node.objects.using(hub).create(name=f"node-{tag()}", realm_id=realm.id)
    assert other != node
    # another class with the same id is another row
    assert Realm(id=node.id) != node


def test_unsaved_rows_equal_only_themselves_and_are_unhashable() -> None:
    a, b = Node(name="same"), Node(name="same")
    assert a == a and a != b
    with pytest.raises(TypeError, match="unsaved Node"):
        hash(a)


# -- assignment ---------------------------------------------------------------------------


def test_assigning_a_related_object_sets_its_id_as_django_does(local: LocalHub, hub: Hub) -> None:
    realm = make_realm(hub)
    node = Node(name=f"node-{tag()}", realm=realm)
    assert node.realm_id == realm.id and node.realm is realm
    local.requests.clear()
    node.save(using=hub)
    assert sent(local) == [("POST", "/core/nodes")]
    assert Node.objects.using(hub).get(id=node.id).realm_id == realm.id
    created = Node.objects.using(hub).create(name=f"node-{tag()}", realm=realm)
    assert created.realm_id == realm.id
    with pytest.raises(QueryError, match="Node.realm takes a resource or None, not str"):
        node.realm = "not a realm"
    with pytest.raises(QueryError, match="no id"):
        node.realm = Realm(name="unsaved")


# -- save() and refresh() --------------------------------------------------------------


def test_loaded_relations_survive_save_and_refresh(local: LocalHub, hub: Hub) -> None:
    realm = make_realm(hub)
    node = Node.objects.using(hub).create(name=f"node-{tag()}", realm_id=realm.id)
    loaded = node.realm
    local.requests.clear()
    node.hidden = True
    node.save()
    node.refresh()
    assert node.realm is loaded  # no request for the realm
    assert sent(local) == [("POST", f"/core/nodes/{node.id}"), ("GET", f"/core/nodes/{node.id}")]


def test_a_relation_whose_id_changed_on_save_is_loaded_again(local: LocalHub, hub: Hub) -> None:
    Project.objects.using(hub).count()  # sync below needs no listing: the hub is detected
    from flamehub.models import MasterImage

    MasterImage.objects.sync(using=hub)
    first, second = list(MasterImage.objects.using(hub).order_by("path"))[:2]
    project = Project.objects.using(hub).create(name=f"study-{tag()}", master_image_id=first.id)
    assert project.master_image.id == first.id
    project.master_image_id = second.id
    project.save()
    local.requests.clear()
    assert project.master_image.id == second.id
    assert sent(local) == [("GET", f"/core/master-images/{second.id}")]


# -- deferred fields ----------------------------------------------------------------------


def test_a_field_only_left_out_loads_the_row_once_on_read(local: LocalHub, hub: Hub) -> None:
    realm = make_realm(hub)
    name = f"node-{tag()}"
    Node.objects.using(hub).create(name=name, realm_id=realm.id, hidden=True)
    node = Node.objects.using(hub).only("name").get(name=name)
    local.requests.clear()
    assert repr(node) == f"<Node {name} {str(node.id).replace('-', '')[:8]}>"
    shown = io.StringIO()
    node.pprint(file=shown)  # neither repr() nor the full dump loads anything
    assert re.search(r"^hidden +<deferred>$", shown.getvalue(), re.M), shown.getvalue()
    assert sent(local) == []
    assert node.hidden is True and node.realm_id == realm.id
    assert sent(local) == [("GET", f"/core/nodes/{node.id}")]
    assert node.created_at is not None
    assert len(sent(local)) == 1
    node.name = "renamed"
    assert node.changed_fields() == {"name": "renamed"}


def test_a_deferred_field_of_a_deleted_row_raises_does_not_exist(hub: Hub) -> None:
    realm = make_realm(hub)
    name = f"node-{tag()}"
    Node.objects.using(hub).create(name=name, realm_id=realm.id)
    node = Node.objects.using(hub).only("name").get(name=name)
    Node.objects.using(hub).get(id=node.id).delete()
    with pytest.raises(Node.DoesNotExist, match="left out by only\\(\\).*no longer exists"):
        _ = node.hidden


def test_only_without_the_id_of_a_prefetched_relation_is_refused(local: LocalHub, hub: Hub) -> None:
    local.requests.clear()
    with pytest.raises(QueryError, match="only\\(\\) leaves out Node.realm_id"):
        list(Node.objects.using(hub).only("name").prefetch_related("realm"))
    assert sent(local) == []


# -- a related row the Hub no longer has ---------------------------------------------------


def test_a_missing_related_row_is_none_in_a_prefetch_and_an_error_when_loaded(
    local: LocalHub, hub: Hub
) -> None:
    project = Project.objects.using(hub).create(name=f"study-{tag()}")
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="dangling")
    code = AnalysisBucket.objects.using(hub).get(analysis_id=analysis.id, type="CODE")
    Bucket.objects.using(hub).get(id=code.bucket_id).delete()  # storage only: core keeps the id
    local.requests.clear()
    rows = {
        row.type.value: row
        for row in AnalysisBucket.objects.using(hub)
        .filter(analysis_id=analysis.id)
        .prefetch_related("bucket")
    }
    assert rows["CODE"].bucket is None and rows["CODE"].bucket_id == code.bucket_id
    assert rows["RESULT"].bucket is not None and rows["TEMP"].bucket is not None
    assert sent(local) == [("GET", "/core/analysis-buckets"), ("GET", "/storage/buckets")]
    with pytest.raises(
        Bucket.DoesNotExist, match="AnalysisBucket.bucket: Bucket .* does not exist"
    ):
        _ = code.bucket


# -- refused before any request -----------------------------------------------------------


def test_unknown_relations_are_refused_when_the_query_is_built() -> None:
    with pytest.raises(QueryError, match="Node has no relation 'relam'; its relations: analyses"):
        Node.objects.prefetch_related("relam")
    with pytest.raises(QueryError, match="Project.nodes is a reverse relation"):
        Project.objects.select_related("nodes")
    with pytest.raises(QueryError, match="Realm has no relation 'name'"):
        Node.objects.prefetch_related("realm__name")


def test_filters_on_relations(local: LocalHub, hub: Hub) -> None:
    realm = make_realm(hub)
    node = Node.objects.using(hub).create(name=f"node-{tag()}", realm=realm)
    assert list(Node.objects.using(hub).filter(realm=realm)) == [node]
    assert list(Node.objects.using(hub).filter(realm__in=[realm])) == [node]
    local.requests.clear()
    with pytest.raises(QueryError, match="not across the relation 'realm'.*realm_id__in="):
        Node.objects.using(hub).filter(realm__name="x").count()
    assert sent(local) == []


def test_in_bulk_of_a_collection_the_hub_cannot_filter_by_id_gets_each_row(
    local: LocalHub, hub: Hub
) -> None:
    # AnalysisBucket declares no id filter (the Hub would ignore it): one GET per id
    project = Project.objects.using(hub).create(name=f"study-{tag()}")
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="three")
    ids = [row.id for row in AnalysisBucket.objects.using(hub).filter(analysis_id=analysis.id)]
    missing = uuid.uuid4()
    local.requests.clear()
    found = AnalysisBucket.objects.using(hub).concurrency(2).in_bulk([*ids, missing])
    assert set(found) == set(ids)
    assert sorted(sent(local)) == sorted(
        [("GET", f"/core/analysis-buckets/{pk}") for pk in [*ids, missing]]
    )
