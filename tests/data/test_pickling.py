"""Pickling and copying instances (without their Hub) and QuerySets (as their query)."""

from __future__ import annotations

import copy
import pickle

import pytest

import flamehub
from flamehub import ConfigurationError
from flamehub.models import Node

from .conftest import Seeded


def test_an_instance_pickles_without_its_hub_and_binds_to_the_default_one(data: Seeded) -> None:
    node = Node.objects.using(data.hub).get(name=data.names[1])
    payload = pickle.dumps(node)
    assert b"access_token" not in payload and b"start123" not in payload
    thawed = pickle.loads(payload)
    assert thawed == node and thawed.hub is None and thawed.is_saved
    assert node.hub is data.hub  # the original keeps its hub
    with pytest.raises(ConfigurationError):
        thawed.refresh()  # no default hub connected, no using=
    assert thawed.refresh(using=data.hub).hub is data.hub
    thawed = pickle.loads(payload)
    flamehub.connect(data.hub)
    assert thawed.refresh().name == data.names[1]


def test_a_pickled_instance_saves_only_its_changes(data: Seeded) -> None:
    node = Node.objects.using(data.hub).create(name="site-pickled", realm_id=data.realm_id)
    try:
        thawed = pickle.loads(pickle.dumps(node))
        thawed.external_name = "from-a-worker"
        data.local.requests.clear()
        thawed.save(using=data.hub)
        assert data.requests() == [("POST", f"/core/nodes/{node.id}")]
        assert Node.objects.using(data.hub).get(id=node.id).external_name == "from-a-worker"
    finally:
        node.delete()


def test_deepcopy_copies_the_fields_and_keeps_the_hub(data: Seeded) -> None:
    node = Node.objects.using(data.hub).get(name=data.names[2])
    twin = copy.deepcopy(node)
    assert twin == node and twin is not node and twin.hub is data.hub
    twin.external_name = "changed"
    assert node.external_name != "changed" and twin.changed_fields() == {"external_name": "changed"}
    assert copy.copy(node).hub is data.hub


def test_a_queryset_pickles_as_its_query(data: Seeded) -> None:
    query = Node.objects.using(data.hub).filter(name__startswith="site-00").order_by("-name")[:3]
    list(query)  # evaluated: the rows are not pickled
    data.local.requests.clear()
    thawed = pickle.loads(pickle.dumps(query))
    assert thawed._result_cache is None and thawed._hub is None
    flamehub.connect(data.hub)
    assert [node.name for node in thawed] == ["site-009", "site-008", "site-007"]
    assert len(data.node_lists()) == 1  # it ran again, on the default hub


def test_values_querysets_and_named_rows_pickle(data: Seeded) -> None:
    rows = Node.objects.using(data.hub).values_list("name", "hidden", named=True)[:2]
    thawed_rows = pickle.loads(pickle.dumps(list(rows)))
    assert [(row.name, row.hidden) for row in thawed_rows] == [
        (data.names[0], True),
        (data.names[1], False),
    ]
    query = pickle.loads(pickle.dumps(rows))
    assert query._result_cache is None
    assert list(query.using(data.hub)) == list(rows)


def test_deepcopy_of_a_queryset_keeps_the_hub_and_drops_the_rows(data: Seeded) -> None:
    query = Node.objects.using(data.hub).filter(hidden=True)
    list(query)
    twin = copy.deepcopy(query)
    assert twin._hub is data.hub and twin._result_cache is None and twin._where == query._where
    values = copy.deepcopy(query.values_list("name", flat=True))
    assert list(values)[:2] == [data.names[0], data.names[3]]
