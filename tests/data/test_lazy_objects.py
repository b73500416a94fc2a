"""Lazy objects: ``Node(id=x)``, fields set, ``save()`` updates that row with those fields only
(python-gitlab's ``lazy=True`` objects)."""

from __future__ import annotations

import json

import pytest

from flamehub import QueryError
from flamehub.models import Node
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub

from .conftest import Seeded

NODE_ID = "a99721cc-d7f4-4ff2-9b95-8fec1396d348"


@pytest.fixture
def node(data: Seeded):
    created = Node.objects.using(data.hub).create(
        name="site-lazy", realm_id=data.realm_id, external_name="before"
    )
    data.local.requests.clear()
    yield created
    created.delete()


def test_save_updates_the_row_with_the_fields_set(data: Seeded, node: Node) -> None:
    lazy = Node(id=node.id)
    lazy.hidden = True
    lazy.save(using=data.hub)
    assert data.requests() == [("POST", f"/core/nodes/{node.id}")]  # no read, no create
    assert lazy.is_saved and lazy.hub is data.hub and lazy.name == "site-lazy"
    fresh = Node.objects.using(data.hub).get(id=node.id)
    assert (fresh.hidden, fresh.name, fresh.external_name) == (True, "site-lazy", "before")


def test_nothing_set_sends_nothing(data: Seeded, node: Node) -> None:
    lazy = Node(id=node.id)
    assert lazy.save(using=data.hub) is lazy
    assert data.requests() == []


def test_constructor_fields_count_as_set(data: Seeded, node: Node) -> None:
    Node(id=node.id, external_name="after").save(using=data.hub)
    assert Node.objects.using(data.hub).get(id=node.id).external_name == "after"


def test_a_read_only_field_set_is_refused_before_sending(data: Seeded, node: Node) -> None:
    lazy = Node(id=node.id)
    lazy.online = True
    with pytest.raises(QueryError, match=r"Node\.online is read-only"):
        lazy.save(using=data.hub)
    assert data.requests() == []


def test_the_body_holds_only_the_fields_set_even_none(rsps) -> None:
    # the LocalHub logs no bodies: the exact body is checked against a `responses` Hub
    answer = {"data": {"id": NODE_ID, "name": "site-a", "externalName": None}, "meta": {}}
    rsps.add("POST", f"{HUB_URL}/core/nodes/{NODE_ID}", json=answer)
    lazy = Node(id=NODE_ID, hidden=False)  # type: ignore[arg-type]
    lazy.external_name = None  # assigned: sent, although it is the default
    lazy.save(using=make_hub(CURRENT_VERSION))
    assert json.loads(rsps.calls[0].request.body) == {"hidden": False, "externalName": None}
    assert lazy.name == "site-a" and lazy.is_saved


def test_a_relation_set_to_none_sends_its_id_field(rsps) -> None:
    answer = {"data": {"id": NODE_ID, "name": "site-a", "registryId": None}, "meta": {}}
    rsps.add("POST", f"{HUB_URL}/core/nodes/{NODE_ID}", json=answer)
    lazy = Node(id=NODE_ID)  # type: ignore[arg-type]
    lazy.registry = None  # Django: clears the foreign key, although None is the default
    lazy.save(using=make_hub(CURRENT_VERSION))
    assert json.loads(rsps.calls[0].request.body) == {"registryId": None}
