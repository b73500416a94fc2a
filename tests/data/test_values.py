"""values() and values_list(): shapes, laziness, request counts, sparse fieldsets."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from flamehub import QueryError, UnsupportedByHub
from flamehub.models import Node, Registry

from .conftest import SEEDED, Seeded


def test_values_list_flat_is_lazy_and_reads_one_page_per_50_rows(data: Seeded) -> None:
    ids = Node.objects.using(data.hub).values_list("id", flat=True)
    assert data.requests() == []  # nothing sent yet
    rows = list(ids)
    assert len(rows) == SEEDED and len(set(rows)) == SEEDED
    assert all(isinstance(row, uuid.UUID) for row in rows)
    lists = data.node_lists()
    assert len(lists) == 3  # 120 rows: 50 + 50 + 20
    pages = sorted((int(p.get("page[offset]", ["0"])[0]), int(p["page[limit]"][0])) for p in lists)
    assert pages == [(0, 50), (50, 50), (100, 20)]
    assert all(p["fields"] == ["id"] for p in lists)  # the sparse fieldset: ids only


def test_values_asks_for_the_sparse_fieldset(data: Seeded) -> None:
    rows = list(Node.objects.using(data.hub).values("name", "hidden")[:3])
    assert rows == [
        {"name": data.names[0], "hidden": True},
        {"name": data.names[1], "hidden": False},
        {"name": data.names[2], "hidden": False},
    ]
    (params,) = data.node_lists()
    # id rides along: paging drops rows an earlier page already yielded by their id
    assert params["fields"] == ["id,name,hidden"]
    assert params["page[limit]"] == ["3"]


def test_values_without_fields_gives_every_field_of_the_generation(data: Seeded) -> None:
    row = Node.objects.using(data.hub).values().first()
    assert row is not None
    expected = {
        "id", "name", "external_name", "type", "hidden", "public_key", "online",
        "registry_id", "registry_project_id", "robot_id", "realm_id", "created_at",
        "updated_at",
    }  # fmt: skip
    if not data.legacy:
        expected.add("client_id")  # Node.client_id exists on current Hubs only
    assert set(row) == expected
    assert row["name"] == data.names[0] and isinstance(row["created_at"], datetime)
    assert row["created_at"].tzinfo is not None


def test_values_list_tuples_and_named_rows(data: Seeded) -> None:
    nodes = Node.objects.using(data.hub).order_by("name")
    assert list(nodes.values_list("name", "hidden")[:2]) == [
        (data.names[0], True),
        (data.names[1], False),
    ]
    row = nodes.values_list("name", "hidden", named=True)[1]
    assert (row.name, row.hidden) == (data.names[1], False)
    assert type(row).__name__ == "Row" and row._fields == ("name", "hidden")


def test_values_querysets_chain_like_querysets(data: Seeded) -> None:
    names = Node.objects.using(data.hub).values_list("name", flat=True)
    chained = names.filter(name__startswith="site-1").exclude(hidden=True).order_by("-name")
    assert data.requests() == []
    expected = sorted(
        (n for i, n in enumerate(data.names) if n.startswith("site-1") and i % 3), reverse=True
    )
    assert list(chained) == expected
    assert chained.count() == len(expected)
    assert chained.first() == expected[0] and chained.last() == expected[-1]
    assert names.exists() is True and names.filter(name="nope").exists() is False


def test_an_evaluated_values_queryset_is_cached(data: Seeded) -> None:
    names = Node.objects.using(data.hub).values_list("name", flat=True)[:60]
    assert len(names) == 60 and names[59] == data.names[59] and list(names[:2]) == data.names[:2]
    assert len(data.node_lists()) == 2  # the two pages of the first len(); no more after


def test_count_is_one_request(data: Seeded) -> None:
    assert Node.objects.using(data.hub).values("name").count() == SEEDED
    (params,) = data.node_lists()
    assert params["page[limit]"] == ["1"] and "fields" not in params


def test_a_field_outside_the_declared_fieldset_reads_whole_rows(data: Seeded) -> None:
    # Registry.account_secret is an optional field (fields=+account_secret), not part of the
    # Hub's default fieldset, so no sparse fieldset is sent for it
    list(Registry.objects.using(data.hub).values("name", "account_secret"))
    (record,) = data.local.requests.filter("GET", "/core/registries")
    assert "fields" not in record.params


def test_a_field_the_generation_lacks(data: Seeded) -> None:
    nodes = Node.objects.using(data.hub)
    first = nodes.values("name", "client_id").first()
    assert first is not None
    if data.legacy:
        assert first == {"name": data.names[0]}  # left out, not None
        with pytest.raises(UnsupportedByHub, match=r"Node\.client_id does not exist on Hub"):
            list(nodes.values_list("name", "client_id"))
    else:
        assert set(first) == {"name", "client_id"} and isinstance(first["client_id"], uuid.UUID)
        assert isinstance(nodes.values_list("name", "client_id")[0][1], uuid.UUID)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Node.objects.values("nmae"), "Node has no field 'nmae'; its fields: id, name"),
        (lambda: Node.objects.values_list("registry"), r"Node\.registry is a relation"),
        (lambda: Node.objects.values_list("id", "name", flat=True), "exactly one field, not 2"),
        (lambda: Node.objects.values_list("id", flat=True, named=True), "not both"),
        (lambda: Node.objects.values("name", "name"), "a field is named twice"),
    ],
    ids=["unknown", "relation", "flat-two", "flat-named", "twice"],
)
def test_bad_fields_fail_before_any_request(data: Seeded, call, message) -> None:
    with pytest.raises(QueryError, match=message):
        call()
    assert data.requests() == []


def test_relation_spans_read_the_related_rows_once_per_page(data: Seeded) -> None:
    nodes = Node.objects.using(data.hub).order_by("name")
    rows = nodes.values("name", "realm__name", "registry__host")[:60]
    assert data.requests() == []  # lazy
    got = list(rows)
    assert [row["name"] for row in got] == sorted(data.names)[:60]
    # core -> auth: the one realm is read once, by id, for both pages; no registry is set
    assert {(row["realm__name"], row["registry__host"]) for row in got} == {("master", None)}
    assert data.requests() == [
        ("GET", "/core/nodes"),
        ("GET", "/auth/realms"),
        ("GET", "/core/nodes"),
    ]
    realm_reads = data.local.requests.filter("GET", "/auth/realms")
    assert [record.params.get("filter[id]") for record in realm_reads] == [[str(data.realm_id)]]


def test_relation_spans_in_flat_lists_and_unknown_steps(data: Seeded) -> None:
    flat = (
        Node.objects.using(data.hub).filter(name="site-001").values_list("realm__name", flat=True)
    )
    assert list(flat) == ["master"]
    for call in (
        lambda: Node.objects.using(data.hub).values("name", "realm__nmae"),
        lambda: Node.objects.using(data.hub).values_list("relam__name", flat=True),
    ):
        with pytest.raises(QueryError, match="no field 'nmae'|no to-one relation 'relam'"):
            call()
