"""get_or_create, update_or_create, in_bulk, latest/earliest, none() and contains() on a
LocalHub of each generation, with the requests each one sends (issue #14)."""

from __future__ import annotations

import uuid

import pytest

from flamehub import Conflict, Hub, QueryError
from flamehub.models import Node
from flamehub.query import bulk
from flamehub.testing import Fault, LocalHub

from .conftest import core_requests


def test_get_or_create_creates_once_then_finds(hub: Hub, local: LocalHub, realm_id: str):
    nodes = Node.objects.using(hub)
    local.requests.clear()
    node, created = nodes.get_or_create(name="site-a", defaults={"realm_id": realm_id})
    assert created and node.name == "site-a" and str(node.realm_id) == realm_id
    assert core_requests(local) == [("GET", "/core/nodes"), ("POST", "/core/nodes")]
    local.requests.clear()
    again, created = nodes.get_or_create(name="site-a", defaults={"realm_id": realm_id})
    assert not created and again.id == node.id
    assert core_requests(local) == [("GET", "/core/nodes")]


def test_get_or_create_refuses_lookups_other_than_equality(hub: Hub, local: LocalHub):
    local.requests.clear()
    for lookups in ({"name__startswith": "site"}, {"name__in": ["a"]}, {"realm__name": "x"}):
        with pytest.raises(QueryError, match="only exact-equality lookups") as caught:
            Node.objects.using(hub).get_or_create(**lookups)
        assert repr(next(iter(lookups))) in str(caught.value)
    with pytest.raises(QueryError, match="only exact-equality"):
        Node.objects.using(hub).update_or_create(name__contains="a", defaults={"hidden": True})
    assert core_requests(local) == []


def test_get_or_create_matches_strings_exactly(hub: Hub, local: LocalHub, realm_id: str):
    existing = Node.objects.using(hub).create(name="site-a", realm_id=realm_id)
    other, created = Node.objects.using(hub).get_or_create(
        name="SITE-A", defaults={"realm_id": realm_id}
    )
    assert created and other.id != existing.id and other.name == "SITE-A"
    found, created = Node.objects.using(hub).get_or_create(name="site-a")
    assert not created and found.id == existing.id


def test_get_or_create_reads_again_after_a_409(
    hub: Hub, local: LocalHub, realm_id: str, monkeypatch: pytest.MonkeyPatch
):
    # Another client creates the row between our read and our create: simulated by a
    # first read that missed it and a 409 for the create.
    winner = Node.objects.using(hub).create(name="site-a", realm_id=realm_id)
    real = bulk._find_exact
    reads: list[object] = []

    def stale_then_real(query, values):  # type: ignore[no-untyped-def]
        reads.append(values)
        return None if len(reads) == 1 else real(query, values)

    monkeypatch.setattr(bulk, "_find_exact", stale_then_real)
    local.inject(Fault("status", route=r"^/core/nodes$", method="POST", status=409, times=1))
    node, created = Node.objects.using(hub).get_or_create(name="site-a", realm_id=realm_id)
    assert not created and node.id == winner.id and len(reads) == 2
    local.inject(Fault("status", route=r"^/core/nodes$", method="POST", status=409, times=1))
    with pytest.raises(Conflict):  # nothing to read again: the conflict is the answer
        Node.objects.using(hub).get_or_create(name="site-b", realm_id=realm_id)


def test_update_or_create_writes_only_what_differs(hub: Hub, local: LocalHub, realm_id: str):
    nodes = Node.objects.using(hub)
    local.requests.clear()
    node, created = nodes.update_or_create(
        name="site-a", defaults={"hidden": True}, create_defaults={"realm_id": realm_id}
    )
    assert created and node.hidden is False  # create_defaults, not defaults, on create
    assert core_requests(local, "POST") == [("POST", "/core/nodes")]
    local.requests.clear()
    updated, created = nodes.update_or_create(name="site-a", defaults={"hidden": True})
    assert not created and updated.id == node.id and updated.hidden is True
    assert core_requests(local) == [("GET", "/core/nodes"), ("POST", f"/core/nodes/{node.id}")]
    local.requests.clear()
    same, created = nodes.update_or_create(name="site-a", defaults={"hidden": True})
    assert not created and same.hidden is True
    assert core_requests(local) == [("GET", "/core/nodes")]  # nothing differs: no write
    with pytest.raises(QueryError, match="colour"):
        nodes.update_or_create(name="site-a", defaults={"colour": "red"})


def test_in_bulk_reads_50_ids_per_request(hub: Hub, local: LocalHub, realm_id: str):
    created = Node.objects.using(hub).bulk_create(
        [Node(name=f"site-{i:03}", realm_id=realm_id) for i in range(120)]
    )
    missing = uuid.uuid4()
    ids = [node.id for node in created]
    local.requests.clear()
    found = Node.objects.using(hub).in_bulk([*ids, missing, ids[0]])
    assert set(found) == set(ids) and all(found[pk].id == pk for pk in ids)
    reads = [record for record in local.requests if record.path == "/core/nodes"]
    assert len(reads) == 3  # 121 distinct ids: 50 + 50 + 21
    sizes = sorted(len(record.params["filter[id]"][0].split(",")) for record in reads)
    assert sizes == [21, 50, 50]
    local.requests.clear()
    assert Node.objects.using(hub).in_bulk([]) == {}
    assert Node.objects.using(hub).none().in_bulk(ids) == {}
    assert core_requests(local) == []


def test_latest_and_earliest(hub: Hub, local: LocalHub, realm_id: str):
    nodes = Node.objects.using(hub)
    with pytest.raises(Node.DoesNotExist, match="latest"):
        nodes.filter(name__startswith="site-").latest("name")
    for name in ("site-b", "site-c", "site-a"):
        nodes.create(name=name, realm_id=realm_id)
    site = nodes.filter(name__startswith="site-")
    assert site.latest("name").name == "site-c" and site.earliest("name").name == "site-a"
    assert site.earliest("-name").name == "site-c"
    newest = site.order_by("-created_at").first()
    oldest = site.order_by("created_at").first()
    assert newest is not None and oldest is not None and newest.id != oldest.id
    local.requests.clear()
    assert site.latest().created_at == newest.created_at  # created_at by default
    assert site.earliest().created_at == oldest.created_at
    assert len(core_requests(local)) == 2


def test_none_matches_nothing_and_sends_nothing(hub: Hub, local: LocalHub, realm_id: str):
    node = Node.objects.using(hub).create(name="site-a", realm_id=realm_id)
    local.requests.clear()
    empty = Node.objects.using(hub).none()
    assert list(empty) == [] and empty.count() == 0 and not empty.exists()
    assert empty.filter(name="site-a").first() is None
    with pytest.raises(Node.DoesNotExist):
        empty.get(id=node.id)
    assert Node.objects.none().using(hub).count() == 0
    assert core_requests(local) == []


def test_contains(hub: Hub, local: LocalHub, realm_id: str):
    inside = Node.objects.using(hub).create(name="site-a", realm_id=realm_id)
    outside = Node.objects.using(hub).create(name="other", realm_id=realm_id)
    site = Node.objects.using(hub).filter(name__startswith="site-")
    local.requests.clear()
    assert site.contains(inside) and not site.contains(outside)
    assert len(core_requests(local)) == 2
    evaluated = site.all()
    list(evaluated)
    local.requests.clear()
    assert evaluated.contains(inside) and not evaluated.contains(outside)
    assert core_requests(local) == []  # from the evaluated rows
    with pytest.raises(TypeError, match="needs a Node"):
        site.contains("site-a")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="saved object"):
        site.contains(Node(name="site-x"))
