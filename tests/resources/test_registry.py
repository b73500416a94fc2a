"""The resource registry is keyed by module + qualified name (issue #16, item 5).

An application that declares ``class Node(flamehub.models.Node)`` in its own module
(this test module does, below) gets its own class registered beside flamehub's: it
must change neither what ``realm.nodes`` returns, nor flamehub's lookups by name, nor
the resources the CLI and the compat facade offer. Relations named by a class of the
declaring module resolve to that module's class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from uuid import UUID

import pytest

import flamehub.models
from flamehub import compat
from flamehub.cli import _resource_commands
from flamehub.models import Realm
from flamehub.resources.base import (
    REGISTRY,
    RelatedManagerField,
    Resource,
    meta_of,
    registry_key,
    resource,
)
from flamehub.resources.fields import readonly, relation
from tests.conftest import CURRENT_VERSION, make_hub

REALM_ID = UUID("0b4c1a4e-6b5d-4a28-9d1c-1f5f3b8a7c10")


@resource
class Node(flamehub.models.Node):
    """An application's own node class, named like flamehub's."""

    def label(self) -> str:
        return f"site {self.name}"


@pytest.fixture
def site() -> Iterator[type[Resource]]:
    """A resource of this module whose relations name ``Node``: this module's Node."""

    @resource
    class Site(Resource):
        id: UUID | None = readonly()
        node_id: UUID | None = readonly()
        node: Node | None = relation()

        nodes: ClassVar[RelatedManagerField[Node]] = RelatedManagerField("Node", "site_id")

        class Meta:
            service = "core"
            path = "sites"
            filters = ("id",)

    try:
        yield Site
    finally:
        del REGISTRY[registry_key(Site)]


def test_both_classes_are_registered_under_their_qualified_names() -> None:
    assert REGISTRY[registry_key(Node)] is Node
    assert REGISTRY["flamehub.resources.core.Node"] is flamehub.models.Node
    assert registry_key(Node) == f"{__name__}.Node"


def test_flamehub_lookups_by_name_still_find_flamehub_classes() -> None:
    assert REGISTRY["Node"] is flamehub.models.Node
    assert "Node" in REGISTRY and "NoSuchResource" not in REGISTRY
    assert REGISTRY.resolve("Node", "flamehub.resources.auth") is flamehub.models.Node
    assert flamehub.models.UpdateNode is compat.update_model_for(flamehub.models.Node)


def test_realm_nodes_keeps_returning_flamehub_nodes() -> None:
    realm = Realm(id=REALM_ID)
    realm._mark_loaded(make_hub(CURRENT_VERSION))
    assert realm.nodes.model is flamehub.models.Node
    # the relation field of a flamehub class resolves to flamehub's class, too
    assert meta_of(flamehub.models.AnalysisNode).fields["node"].type is flamehub.models.Node


def test_relations_resolve_in_the_declaring_module(site: Any) -> None:
    assert REGISTRY.resolve("Node", __name__) is Node
    stub = site(id=REALM_ID)
    stub._mark_loaded(make_hub(CURRENT_VERSION))
    assert stub.nodes.model is Node
    assert meta_of(site).fields["node"].type is Node
    # names the module does not declare come from flamehub
    assert REGISTRY.resolve("Project", __name__) is flamehub.models.Project


def test_cli_and_compat_see_only_flamehub_resources(site: Any) -> None:
    assert _resource_commands()["node"] is flamehub.models.Node
    assert "site" not in _resource_commands()
    assert Node not in compat._resources() and site not in compat._resources()
    assert flamehub.models.Node in compat._resources()
    assert all(model.__module__.startswith("flamehub.") for model in REGISTRY.library())


def test_an_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(flamehub.ConfigurationError, match="no resource 'Gizmo'"):
        REGISTRY.resolve("Gizmo", __name__)
