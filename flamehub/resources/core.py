"""Resources of the core service: nodes, projects, registries, master images, analyses ...

Declarations only: the machinery lives in :mod:`flamehub.resources.base`.

Example::

    from flamehub.models import Node
    Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..dialects import Generation
from .base import Resource, resource
from .enums import NodeType, ProcessStatus, RegistryProjectType
from .fields import create_only, readonly, relation, writable


@resource
class Registry(Resource):
    """A container registry (Harbor) that analysis images are pushed to.

    Example::

        Registry.objects.with_fields("account_secret").get(id=registry_id)
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    host: str | None = writable(required=True)
    account_name: str | None = writable()
    account_secret: str | None = writable(secret=True)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "core"
        path = "registries"
        plural = "registries"
        filters = ("id", "name")
        sorts = ("id", "created_at", "updated_at")
        includes = ()
        fields = ("id", "name", "host", "account_name", "created_at", "updated_at")
        optional_fields = ("account_secret",)
        ordering = ("created_at", "id")


@resource
class RegistryProject(Resource):
    """A project inside a registry (one per node, aggregator, incoming/outgoing ...).

    Example::

        RegistryProject.objects.filter(registry_id=registry.id)
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    type: RegistryProjectType | None = create_only(required=True)
    public: bool | None = readonly()
    external_name: str | None = writable(required=True)
    external_id: str | None = readonly()
    account_id: str | None = readonly()
    account_name: str | None = readonly()
    account_secret: str | None = readonly(secret=True)
    webhook_name: str | None = readonly()
    webhook_exists: bool | None = readonly()
    registry_id: UUID | None = create_only(required=True)
    realm_id: UUID | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    registry: Registry | None = relation()

    class Meta:
        service = "core"
        path = "registry-projects"
        filters = ("id", "name", "registry_id", "external_name", "type")
        sorts = ("id", "created_at", "updated_at")
        includes = ("registry",)
        optional_fields = ("account_secret",)
        ordering = ("created_at", "id")


@resource
class MasterImage(Resource):
    """A base image analyses build on (synchronised from a Git repository by the Hub).

    Example::

        MasterImage.objects.filter(virtual_path__startswith="python")
    """

    id: UUID | None = readonly()
    name: str | None = readonly()
    path: str | None = readonly()
    virtual_path: str | None = readonly()
    group_virtual_path: str | None = readonly()
    command: str | None = readonly()
    command_arguments: list[dict[str, Any]] | None = readonly()
    build_status: ProcessStatus | None = readonly(generations={Generation.CURRENT})
    build_progress: int | None = readonly(generations={Generation.CURRENT})
    build_hash: str | None = readonly(generations={Generation.CURRENT})
    build_size: int | None = readonly(generations={Generation.CURRENT})
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "core"
        path = "master-images"
        filters = ("id", "name", "path", "virtual_path", "group_virtual_path")
        sorts = ("path",)
        includes = ()
        ordering = ("path",)
        server_ordering = ("path",)
        creatable = False
        updatable = False


@resource
class Node(Resource):
    """A node: a site that runs analyses (``default``) or aggregates results (``aggregator``).

    Example::

        node = Node.objects.create(name="site-a", realm_id=realm.id, type=NodeType.DEFAULT)
        node.hidden = True
        node.save()
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    external_name: str | None = writable()
    type: NodeType | None = writable()
    hidden: bool | None = writable()
    public_key: str | None = writable()
    online: bool | None = readonly()
    registry_id: UUID | None = writable()
    registry_project_id: UUID | None = readonly()
    client_id: UUID | None = writable(generations={Generation.CURRENT})
    robot_id: UUID | None = readonly()
    realm_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    registry: Registry | None = relation()
    registry_project: RegistryProject | None = relation()

    class Meta:
        service = "core"
        path = "nodes"
        filters = ("id", "name", "online", "hidden", "client_id", "realm_id", "robot_id")
        sorts = ("name", "created_at", "updated_at")
        includes = ("registry", "registry_project")
        ordering = ("created_at", "name")


@resource
class Project(Resource):
    """A project: a set of nodes that agreed to run analyses together.

    Example::

        project = Project.objects.create(name="cancer-study", description="Survival analysis")
    """

    id: UUID | None = readonly()
    name: str | None = writable()
    display_name: str | None = writable(generations={Generation.CURRENT})
    description: str | None = writable()
    master_image_id: UUID | None = writable()
    nodes: int | None = readonly()
    analyses: int | None = readonly()
    realm_id: UUID | None = readonly()
    user_id: UUID | None = readonly()
    client_id: UUID | None = readonly()
    robot_id: UUID | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    master_image: MasterImage | None = relation()

    class Meta:
        service = "core"
        path = "projects"
        filters = ("id", "name", "display_name", "realm_id", "user_id")
        sorts = ("id", "name", "display_name", "created_at", "updated_at")
        includes = ("master_image",)
        ordering = ("created_at", "id")
        legacy = {
            "filters": ("id", "name", "realm_id", "user_id"),
            "sorts": ("id", "created_at", "updated_at"),
        }
