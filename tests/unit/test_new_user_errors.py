"""What a new user meets first (#17 items 1-4): introspection of the resource classes,
typo'd attributes, save() after delete(), and bad values in a create or an update."""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
import uuid

import pytest

from flamehub import QueryError
from flamehub.models import Node, NodeType, Project, Realm
from flamehub.query.queryset import Manager
from flamehub.resources.base import Resource, _ManagerDescriptor
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub
from tests.unit.test_persistence import NODE_ID, REALM_ID, record

# -- 1. help(), pydoc, inspect, IPython ----------------------------------------------


@pytest.mark.parametrize("model", [Resource, Node, Realm])
def test_introspection_of_resource_classes_does_not_crash(model: type) -> None:
    text = pydoc.render_doc(model)
    assert "save" in text
    names = dict(inspect.getmembers(model))
    assert "delete" in names
    assert isinstance(names["objects"], _ManagerDescriptor if model is Resource else Manager)


def test_the_base_class_has_no_manager_and_says_why() -> None:
    with pytest.raises(AttributeError, match="no inner 'class Meta'.*Node.objects"):
        Resource.objects  # noqa: B018
    assert not hasattr(Resource, "objects")
    assert Node.objects.model is Node


def test_pydoc_command_line_documents_a_model() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pydoc", "flamehub.models.Node"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "class Node" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_ipython_object_info_of_a_model() -> None:
    oinspect = pytest.importorskip("IPython.core.oinspect")
    for model in (Resource, Node):
        info = oinspect.Inspector().info(model, detail_level=1)  # what ``Node??`` shows
        assert info["found"]
        assert f"class {model.__name__}(" in info["source"] or model is Resource


# -- 2. a typo'd attribute ------------------------------------------------------------


def test_setting_a_misspelled_field_names_the_closest_one() -> None:
    node = Node(name="site-a")
    with pytest.raises(AttributeError, match="Node has no field 'hiden'; did you mean 'hidden'"):
        node.hiden = True  # type: ignore[attr-defined]
    assert "hiden" not in vars(node)
    fields = "its fields: client, client_id"
    with pytest.raises(AttributeError, match=f"Node has no field 'colour'; {fields}"):
        node.colour = "red"  # type: ignore[attr-defined]
    node.hidden = True
    assert node.hidden is True


def test_internal_state_and_properties_keep_working(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(CURRENT_VERSION))
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    node._scratch = 1  # private names stay free (subclasses keep state there)
    assert node._scratch == 1
    with pytest.raises(AttributeError, match="setter"):
        node.pk = "x"  # type: ignore[misc]  # a property without setter: Python's own error
    node.name = "renamed"
    assert node.changed_fields() == {"name": "renamed"}


def test_subclass_fields_are_settable() -> None:
    import attrs

    from flamehub.resources.base import REGISTRY, registry_key, resource
    from flamehub.resources.fields import writable

    @resource
    class Site(Node):
        colour: str | None = writable()

        class Meta(Node.Meta):
            pass

    try:
        site = Site(name="s")
        site.colour = "red"
        assert attrs.asdict(site)["colour"] == "red"
        with pytest.raises(AttributeError, match="did you mean 'colour'"):
            site.color = "red"  # type: ignore[attr-defined]
    finally:  # a throwaway class: later tests list every registered resource
        del REGISTRY[registry_key(Site)]


# -- 3. save() after delete() -----------------------------------------------------------


def test_save_after_delete_says_the_row_was_deleted(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(CURRENT_VERSION))
    rsps.add("DELETE", f"{HUB_URL}/core/nodes/{NODE_ID}", status=202, json=record(CURRENT_VERSION))
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    node.delete()
    node.hidden = True
    with pytest.raises(QueryError, match="was deleted from the Hub") as refused:
        node.save()
    message = str(refused.value)
    assert "read-only" not in message
    assert "Node.objects.create(name=..., " in message
    assert "realm_id=..." in message
    assert "site-a" not in message  # names only: values may be secrets
    assert len(rsps.calls) == 2


# -- 4. values checked before sending ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hidden": "yes"}, "Node.hidden is a boolean: set it to True or False, not 'yes'"),
        (
            {"type": "supercomputer"},
            "Node.type is one of: aggregator, default; not 'supercomputer'",
        ),
        ({"realm_id": "master"}, "Node.realm_id holds ids: 'master' is not a UUID"),
        ({"name": 42}, "Node.name is text: int 42"),
        ({"name": True}, "Node.name is not a boolean"),
    ],
)
def test_create_refuses_values_that_do_not_fit(rsps, version, values, message) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        Node.objects.using(make_hub(version)).create(**{"name": "a", **values})
    assert len(rsps.calls) == 0


def test_update_refuses_values_that_do_not_fit(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/nodes/{NODE_ID}", json=record(CURRENT_VERSION))
    node = Node.objects.using(make_hub(CURRENT_VERSION)).get(id=NODE_ID)
    node.hidden = "no"  # type: ignore[assignment]
    with pytest.raises(QueryError, match="Node.hidden is a boolean"):
        node.save()
    node.hidden = False
    node.type = "quantum"  # type: ignore[assignment]
    with pytest.raises(QueryError, match=r"NodeType\('quantum'\)"):
        node.save()
    assert len(rsps.calls) == 1


def test_fitting_values_of_every_spelling_are_sent(rsps) -> None:
    rsps.add("POST", f"{HUB_URL}/core/nodes", status=201, json=record(CURRENT_VERSION))
    rsps.add("POST", f"{HUB_URL}/core/nodes", status=201, json=record(CURRENT_VERSION))
    hub = make_hub(CURRENT_VERSION)
    realm = Realm(id=uuid.UUID(REALM_ID), name="master")
    Node.objects.using(hub).create(name="a", type="aggregator", hidden=False, realm_id=REALM_ID)
    # an enum value this flamehub does not know, said explicitly, and an object for an id
    Node.objects.using(hub).create(name="b", type=NodeType("quantum"), realm_id=realm)
    assert [call.request.body for call in rsps.calls][1] is not None
    assert b'"type": "quantum"' in rsps.calls[1].request.body


def test_other_resources_are_checked_too(version) -> None:
    with pytest.raises(QueryError, match="Project.name is text"):
        Project.objects.using(make_hub(version)).create(name=["p"])
