"""Resources of the core service: nodes, projects, registries, master images, analyses ...

Declarations and their actions: the machinery lives in :mod:`flamehub.resources.base`.
Every action is a method declared with :func:`~flamehub.resources.base.action`
(its endpoint and the Hubs that have it) whose body sends that endpoint with
``Resource.call_action`` / ``Resource.call_collection_action`` and reads the answer
with ``Resource.reload_from`` (or updates with ``Resource.update_fields``).

Example::

    from flamehub.models import Node
    Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import attrs

from .. import errors
from ..dialects import Dialect, Generation
from ..hub import resolve_hub
from ..query.queryset import Manager, QuerySet, load
from .auth import ClientPermission, Permission, Policy
from .base import (
    Availability,
    RelatedManagerField,
    Resource,
    action,
    id_segment,
    objects_on,
    resource,
)
from .enums import (
    AnalysisBucketType,
    AnalysisCommand,
    ApprovalStatus,
    LogChannel,
    LogLevel,
    MasterImageCommand,
    NodeType,
    ProcessStatus,
    RegistryCommand,
    RegistryProjectType,
)
from .fields import (
    VersionRange,
    create_only,
    readonly,
    relation,
    update_only,
    variant,
    writable,
)
from .storage import AnalysisBucketFileTransferMixin, AnalysisBucketTransferMixin

if TYPE_CHECKING:
    from ..hub import Hub
    from .auth import Client, Realm, Robot, User
    from .storage import Bucket, BucketFile

__all__ = [
    "ANALYSIS_COMMANDS",
    "CLIENT_CREDENTIALS_SINCE",
    "PROCESS_STATUS_SINCE",
    "REGISTRY_CREDENTIALS_SINCE",
    "REGISTRY_SERVICE_COMMAND",
    "Analysis",
    "AnalysisBucket",
    "AnalysisBucketFile",
    "AnalysisLog",
    "AnalysisNode",
    "AnalysisNodeEvent",
    "AnalysisNodeLog",
    "AnalysisPermission",
    "ClientCredentials",
    "MasterImage",
    "MasterImageEventLog",
    "MasterImageGroup",
    "MasterImageManager",
    "Node",
    "Project",
    "ProjectNode",
    "Registry",
    "RegistryCredentials",
    "RegistryProject",
    "analysis_commands",
]

_LEGACY = {Generation.LEGACY}
_CURRENT = {Generation.CURRENT}
#: First Hub release whose analysis buckets store ``bucket_id`` and whose analysis bucket
#: files have ``path``, ``bucket_id`` (storage), ``bucket_file_id`` and
#: ``analysis_bucket_id`` (the Hub's entities at the tags 0.8.21 and 0.8.22).
BUCKET_FILES_SINCE = (0, 8, 22)
#: Releases whose single-record GET of these collections ignores the query (``include``):
#: the Hub's controllers from 0.8.32 (recorded on 0.12.2 and 0.12.7) to 0.13.0.
INCLUDE_IGNORED_BY_ID = VersionRange(since=(0, 8, 32), until=(0, 13, 0))

#: Hub 0.8.22 replaced the analysis status model and its commands; ``run_status`` became
#: ``execution_status`` with build/distribution/execution progress (the Hub's core-kit
#: entities at the tags 0.8.21 and 0.8.22; recorded in snake_case on 0.12.2 and 0.12.7).
PROCESS_STATUS_SINCE = (0, 8, 22)
#: Hub 0.10.1 added ``display_name`` to projects and analyses (core-kit entities).
DISPLAY_NAME_SINCE = (0, 10, 1)
#: Hub 0.8.20 added the ``configuration_*_valid`` flags of analyses (core-kit entities).
CONFIGURATION_VALID_SINCE = (0, 8, 20)
#: Hub 0.11.4 added the client-credential endpoints of nodes and analyses (and ``client_id``
#: of analyses).
CLIENT_CREDENTIALS_SINCE = (0, 11, 4)
#: Hub 0.11.5 added ``GET /nodes/<id>/registry/credentials``.
REGISTRY_CREDENTIALS_SINCE = (0, 11, 5)

#: The registry service's command endpoint (``POST /services/registry/command``).
REGISTRY_SERVICE_COMMAND = "services/registry/command"


def _flat(body: Any, dialect: Dialect, what: str) -> dict[str, Any]:
    """A flat answer (credentials) as ``{python_name: value}``."""
    if (
        isinstance(body, dict)
        and set(body) <= {"data", "meta"}
        and isinstance(body.get("data"), dict)
    ):
        body = body["data"]
    if not isinstance(body, dict):
        raise errors.InvalidResponse(
            f"expected {what} as a JSON object, got {type(body).__name__}",
            body_preview=repr(body)[:200],
        )
    return {dialect.python_name(str(key)): value for key, value in body.items()}


def _uuid_or_none(value: Any) -> UUID | None:
    return value if isinstance(value, UUID) or value is None else UUID(str(value))


@attrs.frozen
class ClientCredentials:
    """The OAuth2 client of a node or an analysis, with its secret (hidden in ``repr``).

    ``id`` is the authup client id: log in with ``ClientAuth(str(creds.id), creds.secret)``.

    Example::

        creds = node.client_credentials()
        hub = Hub(url, auth=ClientAuth(str(creds.id), creds.secret))
    """

    id: UUID | None = None
    name: str | None = None
    display_name: str | None = None
    secret: str | None = attrs.field(default=None, repr=errors.hidden_repr)

    @classmethod
    def from_wire(cls, body: Any, dialect: Dialect) -> ClientCredentials:
        """Parse the flat ``{id, name, displayName, secret}`` answer of ``dialect``'s Hub.

        Example::

            ClientCredentials.from_wire({"id": client_id, "secret": "..."}, hub.dialect)
        """
        data = _flat(body, dialect, "client credentials")
        try:
            client_id = _uuid_or_none(data.get("id"))
        except ValueError as error:
            raise errors.InvalidResponse(
                f"client credentials carry an id that is not a UUID: {error}",
                body_preview=repr(body)[:200],
            ) from None
        return cls(
            id=client_id,
            name=data.get("name"),
            display_name=data.get("display_name"),
            secret=data.get("secret"),
        )


@attrs.frozen
class RegistryCredentials:
    """The registry login of a node: its registry project's robot account (secret hidden).

    Example::

        creds = node.registry_credentials()
        docker_login(creds.host, creds.account_name, creds.account_secret)
    """

    host: str | None = None
    external_name: str | None = None
    account_name: str | None = None
    account_secret: str | None = attrs.field(default=None, repr=errors.hidden_repr)

    @classmethod
    def from_wire(cls, body: Any, dialect: Dialect) -> RegistryCredentials:
        """Parse the flat ``{host, externalName, accountName, accountSecret}`` answer.

        Example::

            RegistryCredentials.from_wire({"host": "harbor.example.com"}, hub.dialect)
        """
        data = _flat(body, dialect, "registry credentials")
        return cls(
            host=data.get("host"),
            external_name=data.get("external_name"),
            account_name=data.get("account_name"),
            account_secret=data.get("account_secret"),
        )


# -- registries -------------------------------------------------------------------------


@resource
class Registry(Resource):
    """A container registry (Harbor) that analysis images are pushed to.

    Example::

        Registry.objects.with_fields("account_secret").get(id=registry_id)
        registry.setup()            # provision its Harbor projects
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    host: str | None = writable(required=True)
    account_name: str | None = writable()
    account_secret: str | None = writable(secret=True)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    projects: ClassVar[RelatedManagerField[RegistryProject]] = RelatedManagerField(
        "RegistryProject", "registry_id"
    )

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

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "<command>", "id": <registry id>, "secret"?}',
    )
    def command(
        self,
        name: RegistryCommand | str,
        *,
        secret: str | None = None,
        using: Hub | None = None,
    ) -> None:
        """Send a registry service command for this registry (asynchronous, answers 202).

        ``name`` is one of :class:`~flamehub.models.RegistryCommand`; the project
        commands (``projectLink``/``projectUnlink``) belong to
        :meth:`RegistryProject.link` / :meth:`RegistryProject.unlink`.

        Example::

            registry.command("setup")
        """
        command = _registry_command(name)
        if command in (RegistryCommand.PROJECT_LINK, RegistryCommand.PROJECT_UNLINK):
            raise errors.QueryError(
                f"{command.value} takes a registry project's id: use "
                "RegistryProject.link() / RegistryProject.unlink()"
            )
        _send_registry_command(self, command, secret=secret, using=using)

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "setup", "id": <registry id>}',
    )
    def setup(self, *, using: Hub | None = None) -> None:
        """Provision this registry in Harbor (projects, robot accounts, webhooks).

        Example::

            registry.setup()
        """
        _send_registry_command(self, RegistryCommand.SETUP, using=using)

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "cleanup", "id": <registry id>}',
    )
    def cleanup(self, *, using: Hub | None = None) -> None:
        """Remove Harbor projects of this registry that the Hub no longer knows.

        Example::

            registry.cleanup()
        """
        _send_registry_command(self, RegistryCommand.CLEANUP, using=using)

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "delete", "id": <registry id>}',
    )
    def delete_remote(self, *, using: Hub | None = None) -> None:
        """Send the registry service's ``delete`` command: drop what the Hub provisioned in
        Harbor for this registry. The Hub's registry record stays (see :meth:`delete`).

        Example::

            registry.delete_remote()
        """
        _send_registry_command(self, RegistryCommand.DELETE, using=using)


def _registry_command(name: RegistryCommand | str) -> RegistryCommand:
    command = RegistryCommand(name)
    if not command.known:
        known = ", ".join(member.value for member in RegistryCommand)
        raise errors.QueryError(f"unknown registry command {name!r}; the commands are {known}")
    return command


def _send_registry_command(
    target: Resource,
    command: RegistryCommand,
    *,
    secret: str | None = None,
    using: Hub | None = None,
) -> None:
    body: dict[str, Any] = {"command": command.value, "id": id_segment(target)}
    if secret is not None:
        body["secret"] = secret
    target.call_action(json=body, using=using)


@resource
class RegistryProject(Resource):
    """A project inside a registry (one per node, aggregator, incoming/outgoing ...).

    ``account_name`` and ``account_secret`` are filled in by the Hub when the
    project is linked in Harbor; the create body cannot set them.

    Example::

        RegistryProject.objects.filter(registry_id=registry.id)
        project.link()
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
    realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    registry: Registry | None = relation()

    class Meta:
        service = "core"
        path = "registry-projects"
        filters = ("id", "name", "registry_id", "external_name", "type")
        sorts = ("id", "created_at", "updated_at")
        includes = ("registry",)
        fields = (
            "id",
            "name",
            "type",
            "public",
            "external_name",
            "external_id",
            "account_id",
            "account_name",
            "webhook_name",
            "webhook_exists",
            "registry_id",
            "realm_id",
            "created_at",
            "updated_at",
        )
        optional_fields = ("account_secret",)
        ordering = ("created_at", "id")
        legacy = {
            "fields": (
                "id",
                "name",
                "type",
                "public",
                "external_name",
                "external_id",
                "webhook_name",
                "webhook_exists",
                "registry_id",
                "realm_id",
                "created_at",
                "updated_at",
            ),
            "optional_fields": ("account_name", "account_id", "account_secret"),
        }

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "projectLink", "id": <registry project id>, "secret"?}',
    )
    def link(self, *, secret: str | None = None, using: Hub | None = None) -> None:
        """(Re)create this project, its robot account and webhook in Harbor (asynchronous).

        Example::

            registry_project.link()
        """
        _send_registry_command(self, RegistryCommand.PROJECT_LINK, secret=secret, using=using)

    @action(
        "POST",
        REGISTRY_SERVICE_COMMAND,
        scope="service",
        body='{"command": "projectUnlink", "id": <registry project id>}',
    )
    def unlink(self, *, using: Hub | None = None) -> None:
        """Remove this project from Harbor; the Hub's record stays (asynchronous).

        Example::

            registry_project.unlink()
        """
        _send_registry_command(self, RegistryCommand.PROJECT_UNLINK, using=using)


# -- master images ----------------------------------------------------------------------


class MasterImageManager(Manager["MasterImage"]):
    """``MasterImage.objects``: the usual manager plus ``sync()``.

    Example::

        MasterImage.objects.sync()
    """

    @action("POST", "command", scope="collection", body='{"command": "sync"}')
    def sync(self, *, using: Hub | None = None) -> None:
        """Ask the Hub to synchronise master images from their Git repository (asynchronous).

        Poll the list afterwards; the answer carries no data.

        Example::

            MasterImage.objects.sync()
            MasterImage.objects.count()
        """
        self.model.call_collection_action(
            json={"command": MasterImageCommand.SYNC.value}, using=resolve_hub(using, self._hub)
        )


@resource
class MasterImage(Resource):
    """A base image analyses build on (synchronised from a Git repository by the Hub).

    Example::

        MasterImage.objects.filter(virtual_path__startswith="python")
        image.build()               # current Hubs: build it in the Hub's registry
    """

    objects: ClassVar[MasterImageManager]

    id: UUID | None = readonly()
    name: str | None = readonly()
    path: str | None = readonly()
    virtual_path: str | None = readonly()
    group_virtual_path: str | None = readonly()
    command: str | None = readonly()
    command_arguments: list[dict[str, Any]] | None = readonly()
    build_status: ProcessStatus | None = readonly(generations=_CURRENT)
    build_progress: int | None = readonly(generations=_CURRENT)
    build_hash: str | None = readonly(generations=_CURRENT)
    build_size: int | None = readonly(generations=_CURRENT)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "core"
        path = "master-images"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        filters = ("id", "name", "path", "virtual_path", "group_virtual_path")
        sorts = ("path",)
        includes = ()
        ordering = ("path",)
        server_ordering = ("path",)
        creatable = False
        updatable = False
        manager = MasterImageManager

    @action(
        "POST",
        "command",
        scope="collection",
        generations=_CURRENT,
        body='{"command": "build", "id": <master image id>}',
    )
    def build(self, *, using: Hub | None = None) -> MasterImage:
        """Build this image in the Hub's registry; reloads it (``build_status`` ``starting``).

        Example::

            image.build()
            print(image.build_status)
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(
            json={"command": MasterImageCommand.BUILD.value, "id": id_segment(self)}, using=hub
        )
        return self.reload_from(body, using=hub)


@resource
class MasterImageGroup(Resource):
    """A group (folder) of master images. The Hub sorts them by no key.

    Example::

        MasterImageGroup.objects.filter(virtual_path__startswith="python")
    """

    id: UUID | None = readonly()
    name: str | None = readonly()
    path: str | None = readonly()
    virtual_path: str | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "core"
        path = "master-image-groups"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        filters = ("id", "name", "path", "virtual_path")
        sorts = ()
        includes = ()
        ordering = ()
        creatable = False
        updatable = False


@resource
class MasterImageEventLog(Resource):
    """An event of a master image synchronisation (Hub 0.8.x; removed in 0.8.20).

    Example::

        MasterImageEventLog.objects.filter(master_image_id=image.id)
    """

    id: UUID | None = readonly()
    name: str | None = readonly()
    data: Any = readonly()
    expiring: bool | None = readonly()
    expires_at: datetime | None = readonly()
    master_image_id: UUID | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    master_image: MasterImage | None = relation()

    class Meta:
        service = "core"
        path = "master-image-event-logs"
        generations = _LEGACY
        filters = ("name", "master_image_id", "created_at", "updated_at")
        sorts = ("expires_at", "created_at", "updated_at")
        includes = ("master_image",)
        ordering = ("created_at",)
        creatable = False
        updatable = False
        deletable = False


# -- nodes and projects -----------------------------------------------------------------


@resource
class Node(Resource):
    """A node: a site that runs analyses (``default``) or aggregates results (``aggregator``).

    Example::

        node = Node.objects.create(name="site-a", realm_id=realm.id, type=NodeType.DEFAULT)
        node.hidden = True
        node.save()
        creds = node.client_credentials()       # log the node in with ClientAuth
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
    client_id: UUID | None = writable(since=PROCESS_STATUS_SINCE)
    client: Client | None = relation()
    robot_id: UUID | None = readonly()
    robot: Robot | None = relation()
    realm_id: UUID | None = create_only()
    realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    registry: Registry | None = relation()
    registry_project: RegistryProject | None = relation()

    projects: ClassVar[RelatedManagerField[ProjectNode]] = RelatedManagerField(
        "ProjectNode", "node_id"
    )
    analyses: ClassVar[RelatedManagerField[AnalysisNode]] = RelatedManagerField(
        "AnalysisNode", "node_id"
    )

    class Meta:
        service = "core"
        path = "nodes"
        filters = ("id", "name", "online", "hidden", "client_id", "realm_id", "robot_id")
        sorts = ("name", "created_at", "updated_at")
        includes = ("registry", "registry_project")
        ordering = ("created_at", "name")

    @action("GET", "client/credentials", since=CLIENT_CREDENTIALS_SINCE)
    def client_credentials(self, *, using: Hub | None = None) -> ClientCredentials:
        """The node's OAuth2 client and secret (``GET /nodes/<id>/client/credentials``).

        Example::

            creds = node.client_credentials()
            ClientAuth(str(creds.id), creds.secret)
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(using=hub)
        return ClientCredentials.from_wire(body, hub.dialect)

    @action(
        "POST", "client/credentials", since=CLIENT_CREDENTIALS_SINCE, body='{"secret"?: string}'
    )
    def rotate_client_secret(
        self, secret: str | None = None, *, using: Hub | None = None
    ) -> ClientCredentials:
        """Set the node client's secret, or let the Hub generate a new one (``secret=None``).

        Example::

            creds = node.rotate_client_secret()      # a fresh random secret
        """
        hub = resolve_hub(using, self.hub)
        payload = {} if secret is None else {"secret": secret}
        body = self.call_action(json=payload, using=hub)
        return ClientCredentials.from_wire(body, hub.dialect)

    @action("GET", "registry/credentials", since=REGISTRY_CREDENTIALS_SINCE)
    def registry_credentials(self, *, using: Hub | None = None) -> RegistryCredentials:
        """The login of the node's registry project (``GET /nodes/<id>/registry/credentials``).

        Example::

            creds = node.registry_credentials()
            print(creds.host, creds.account_name)
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(using=hub)
        return RegistryCredentials.from_wire(body, hub.dialect)


@resource
class Project(Resource):
    """A project: a set of nodes that agreed to run analyses together.

    ``node_count`` and ``analysis_count`` are the Hub's counters (``nodes`` and
    ``analyses`` on the wire); ``project.nodes`` and ``project.analyses`` are the
    related project-nodes and analyses.

    Example::

        project = Project.objects.create(name="cancer-study", description="Survival analysis")
        project.nodes.create(node_id=node.id)       # a ProjectNode
    """

    id: UUID | None = readonly()
    name: str | None = writable()
    display_name: str | None = writable(since=DISPLAY_NAME_SINCE)
    description: str | None = writable()
    master_image_id: UUID | None = writable()
    node_count: int | None = readonly(legacy="nodes", current="nodes")
    analysis_count: int | None = readonly(legacy="analyses", current="analyses")
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    user_id: UUID | None = readonly()
    user: User | None = relation()
    client_id: UUID | None = readonly()
    client: Client | None = relation()
    robot_id: UUID | None = readonly()
    robot: Robot | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    master_image: MasterImage | None = relation()

    nodes: ClassVar[RelatedManagerField[ProjectNode]] = RelatedManagerField(
        "ProjectNode", "project_id"
    )
    analyses: ClassVar[RelatedManagerField[Analysis]] = RelatedManagerField(
        "Analysis", "project_id"
    )

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

    # -- the analysis workflow (flamehub.workflow) ------------------------------------

    def run_analysis(self, code: Any, **options: Any) -> Analysis:
        """Create an analysis and run it to its results (:func:`flamehub.workflow.run_analysis`).

        Example::

            project.run_analysis("src/", entrypoint="main.py", master_image=image, to="results/")
        """
        from .. import workflow

        return workflow.run_analysis(self, code, **options)


def _approval(status: ApprovalStatus, comment: str | None) -> dict[str, Any]:
    """The update values of ``approve()`` / ``reject()`` (the status is always sent)."""
    values: dict[str, Any] = {"approval_status": status}
    if comment is not None:
        values["comment"] = comment
    return values


@resource
class ProjectNode(Resource):
    """A node's membership in a project, approved (or rejected) by the node's realm.

    Example::

        membership = ProjectNode.objects.create(project_id=project.id, node_id=node.id)
        membership.approve(comment="fine by us")
    """

    id: UUID | None = readonly()
    approval_status: ApprovalStatus | None = update_only()
    comment: str | None = update_only()
    project_id: UUID | None = create_only(required=True)
    project_realm_id: UUID | None = readonly()
    project_realm: Realm | None = relation()
    node_id: UUID | None = create_only(required=True)
    node_realm_id: UUID | None = readonly()
    node_realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    project: Project | None = relation()
    node: Node | None = relation()

    class Meta:
        service = "core"
        path = "project-nodes"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        filters = ("approval_status", "project_realm_id", "project_id", "node_realm_id", "node_id")
        sorts = ("created_at", "updated_at")
        includes = ("node", "project")
        ordering = ("created_at",)
        legacy = {"filters": ("project_realm_id", "project_id", "node_realm_id", "node_id")}

    @action("POST", body='{"approvalStatus": "approved", "comment"?}')
    def approve(self, comment: str | None = None, *, using: Hub | None = None) -> ProjectNode:
        """Approve the node's participation (``POST /project-nodes/<id>``; the node's realm).

        Example::

            membership.approve(comment="approved by the data owner")
        """
        return self.update_fields(_approval(ApprovalStatus.APPROVED, comment), using=using)

    @action("POST", body='{"approvalStatus": "rejected", "comment"?}')
    def reject(self, comment: str | None = None, *, using: Hub | None = None) -> ProjectNode:
        """Reject the node's participation (``POST /project-nodes/<id>``).

        Example::

            membership.reject(comment="not covered by our ethics vote")
        """
        return self.update_fields(_approval(ApprovalStatus.REJECTED, comment), using=using)


# -- analyses ---------------------------------------------------------------------------

#: Which Hubs accept which analysis command (hub-api §9.1).
ANALYSIS_COMMANDS: dict[AnalysisCommand, Availability] = {
    AnalysisCommand.BUILD_START: Availability(),
    AnalysisCommand.CONFIGURATION_LOCK: Availability(),
    AnalysisCommand.CONFIGURATION_UNLOCK: Availability(),
    AnalysisCommand.BUILD_CHECK: Availability(since=PROCESS_STATUS_SINCE),
    AnalysisCommand.DISTRIBUTION_START: Availability(since=PROCESS_STATUS_SINCE),
    AnalysisCommand.DISTRIBUTION_CHECK: Availability(since=PROCESS_STATUS_SINCE),
    AnalysisCommand.STORAGE_CHECK: Availability(since=(0, 8, 24)),
    AnalysisCommand.SPIN_UP: Availability(until=PROCESS_STATUS_SINCE),
    AnalysisCommand.TEAR_DOWN: Availability(until=PROCESS_STATUS_SINCE),
    AnalysisCommand.BUILD_STOP: Availability(until=PROCESS_STATUS_SINCE),
    AnalysisCommand.BUILD_STATUS: Availability(until=PROCESS_STATUS_SINCE),
}


def analysis_commands(dialect: Dialect) -> list[AnalysisCommand]:
    """The analysis commands the Hub of ``dialect`` accepts.

    Example::

        analysis_commands(hub.dialect)   # [AnalysisCommand.BUILD_START, ...]
    """
    return [command for command, where in ANALYSIS_COMMANDS.items() if where.on(dialect)]


def _command_method(name: str, command: AnalysisCommand, summary: str) -> Callable[..., Any]:
    """One method per analysis command (``analysis.build_start()``), declared like any action."""
    availability = ANALYSIS_COMMANDS[command]

    def method(self: Analysis, *, using: Hub | None = None) -> Analysis:
        return self.command(command, using=using)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f"{summary}\n\n"
        f'Sends ``POST /analyses/<id>/command {{"command": "{command.value}"}}`` '
        f"(Hubs: {availability.describe()}) and reloads the analysis from the answer.\n\n"
        f"Example::\n\n    analysis.{name}()\n"
    )
    decorate = action(
        "POST",
        "command",
        generations=availability.generations,
        since=availability.since,
        until=availability.until,
        body=f'{{"command": "{command.value}"}}',
    )
    return decorate(method)


@resource
class Analysis(Resource):
    """An analysis of a project: code in buckets, built into an image, run on the nodes.

    ``node_count`` is the Hub's ``nodes`` counter; ``analysis.nodes`` is the
    related analysis-nodes. On legacy Hubs ``execution_status`` is the wire field
    ``run_status``.

    Example::

        analysis = Analysis.objects.create(project_id=project.id, name="survival")
        analysis.configuration_lock()
        analysis.build_start()
        analysis.refresh().build_status
    """

    id: UUID | None = readonly()
    name: str | None = writable()
    display_name: str | None = writable(since=DISPLAY_NAME_SINCE)
    description: str | None = writable()
    node_count: int | None = readonly(legacy="nodes", current="nodes")
    nodes_approved: int | None = readonly(since=PROCESS_STATUS_SINCE)
    configuration_locked: bool | None = readonly()
    configuration_entrypoint_valid: bool | None = readonly(since=CONFIGURATION_VALID_SINCE)
    configuration_image_valid: bool | None = readonly(since=CONFIGURATION_VALID_SINCE)
    configuration_node_aggregator_valid: bool | None = readonly(since=CONFIGURATION_VALID_SINCE)
    configuration_node_default_valid: bool | None = readonly(since=CONFIGURATION_VALID_SINCE)
    configuration_nodes_valid: bool | None = readonly(since=CONFIGURATION_VALID_SINCE)
    build_nodes_valid: bool | None = readonly(since=PROCESS_STATUS_SINCE)
    build_status: ProcessStatus | None = readonly()
    build_progress: int | None = readonly(since=PROCESS_STATUS_SINCE)
    build_hash: str | None = readonly(since=PROCESS_STATUS_SINCE)
    build_os: str | None = readonly(since=PROCESS_STATUS_SINCE)
    build_size: int | None = readonly(since=PROCESS_STATUS_SINCE)
    distribution_status: ProcessStatus | None = readonly(since=PROCESS_STATUS_SINCE)
    distribution_progress: int | None = readonly(since=PROCESS_STATUS_SINCE)
    execution_status: ProcessStatus | None = readonly(
        legacy="run_status",
        variants=(variant(since=PROCESS_STATUS_SINCE, legacy="execution_status"),),
    )
    execution_progress: int | None = readonly(since=PROCESS_STATUS_SINCE)
    image_command_arguments: list[dict[str, Any]] | None = writable()
    registry_id: UUID | None = writable()
    registry: Registry | None = relation()
    master_image_id: UUID | None = writable()
    project_id: UUID | None = create_only(required=True)
    client_id: UUID | None = readonly(since=CLIENT_CREDENTIALS_SINCE)
    client: Client | None = relation()
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    user_id: UUID | None = readonly()
    user: User | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    project: Project | None = relation()
    master_image: MasterImage | None = relation()

    nodes: ClassVar[RelatedManagerField[AnalysisNode]] = RelatedManagerField(
        "AnalysisNode", "analysis_id"
    )
    buckets: ClassVar[RelatedManagerField[AnalysisBucket]] = RelatedManagerField(
        "AnalysisBucket", "analysis_id"
    )
    bucket_files: ClassVar[RelatedManagerField[AnalysisBucketFile]] = RelatedManagerField(
        "AnalysisBucketFile", "analysis_id"
    )
    logs: ClassVar[RelatedManagerField[AnalysisLog]] = RelatedManagerField(
        "AnalysisLog", "analysis_id"
    )
    node_logs: ClassVar[RelatedManagerField[AnalysisNodeLog]] = RelatedManagerField(
        "AnalysisNodeLog", "analysis_id"
    )
    node_events: ClassVar[RelatedManagerField[AnalysisNodeEvent]] = RelatedManagerField(
        "AnalysisNodeEvent", "analysis_id"
    )
    permissions: ClassVar[RelatedManagerField[AnalysisPermission]] = RelatedManagerField(
        "AnalysisPermission", "analysis_id"
    )

    class Meta:
        service = "core"
        path = "analyses"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        plural = "analyses"
        filters = (
            "id",
            "name",
            "display_name",
            "description",
            "project_id",
            "realm_id",
            "build_status",
            "execution_status",
            "configuration_locked",
        )
        sorts = ("name", "display_name", "created_at", "updated_at")
        #: ``include=registry`` is not allowed by any Hub (flame-hub-client sends it).
        includes = ("project", "master_image")
        ordering = ("-updated_at",)
        server_ordering = ("-updated_at",)
        legacy = {
            "filters": (
                "id",
                "name",
                "description",
                "project_id",
                "realm_id",
                "build_status",
                "execution_status",
                "configuration_locked",
            ),
            "sorts": ("created_at", "updated_at"),
        }

    # -- commands -------------------------------------------------------------------

    @action("POST", "command", body='{"command": "<command>"}')
    def command(self, name: AnalysisCommand | str, *, using: Hub | None = None) -> Analysis:
        """Run an analysis command and reload the analysis from the answer.

        Commands the connected Hub does not have (``spinUp`` on a current Hub,
        ``distributionStart`` on 0.8.x ...) raise :class:`~flamehub.UnsupportedByHub`
        and unknown names :class:`~flamehub.QueryError`, before anything is sent.
        The Hub answers a failed precondition with 400 (``BadRequest``).

        Example::

            analysis.command("configurationLock")
            analysis.command(AnalysisCommand.BUILD_START)
        """
        hub = resolve_hub(using, self.hub)
        command = AnalysisCommand(name)
        where = ANALYSIS_COMMANDS.get(command)
        if where is None:
            offered = ", ".join(c.value for c in analysis_commands(hub.dialect))
            raise errors.QueryError(
                f"unknown analysis command {name!r}; Hub {hub.dialect.version_string} "
                f"accepts {offered}"
            )
        if not where.on(hub.dialect):
            offered = ", ".join(c.value for c in analysis_commands(hub.dialect))
            raise errors.UnsupportedByHub(
                f"analysis command {command.value!r} does not exist on Hub "
                f"{hub.dialect.version_string} (it exists on {where.describe()}); this Hub "
                f"accepts {offered}"
            )
        body = self.call_action(json={"command": command.value}, using=hub)
        return self.reload_from(body, using=hub)

    build_start = _command_method(
        "build_start", AnalysisCommand.BUILD_START, "Start building the analysis image."
    )
    build_check = _command_method(
        "build_check", AnalysisCommand.BUILD_CHECK, "Ask the Hub to reconcile the build status."
    )
    configuration_lock = _command_method(
        "configuration_lock",
        AnalysisCommand.CONFIGURATION_LOCK,
        "Lock the configuration (nodes, entrypoint, image) before building.",
    )
    configuration_unlock = _command_method(
        "configuration_unlock",
        AnalysisCommand.CONFIGURATION_UNLOCK,
        "Unlock the configuration (resets the build and non-aggregator approvals).",
    )
    distribution_start = _command_method(
        "distribution_start",
        AnalysisCommand.DISTRIBUTION_START,
        "Distribute the built image to the nodes' registries.",
    )
    distribution_check = _command_method(
        "distribution_check",
        AnalysisCommand.DISTRIBUTION_CHECK,
        "Ask the Hub to reconcile the distribution status.",
    )
    storage_check = _command_method(
        "storage_check",
        AnalysisCommand.STORAGE_CHECK,
        "(Re)create any missing CODE/RESULT/TEMP buckets of the analysis.",
    )
    spin_up = _command_method(
        "spin_up", AnalysisCommand.SPIN_UP, "Start the analysis (Hub 0.8.x before 0.8.22)."
    )
    tear_down = _command_method(
        "tear_down", AnalysisCommand.TEAR_DOWN, "Stop the analysis (Hub 0.8.x before 0.8.22)."
    )
    build_stop = _command_method(
        "build_stop", AnalysisCommand.BUILD_STOP, "Stop a running build (Hub before 0.8.22)."
    )
    request_build_status = _command_method(
        "request_build_status",
        AnalysisCommand.BUILD_STATUS,
        "Ask the worker for the build status (the ``buildStatus`` command, Hub before 0.8.22).",
    )

    # -- the analysis' own OAuth2 client -------------------------------------------

    @action("GET", "client/credentials", since=CLIENT_CREDENTIALS_SINCE)
    def client_credentials(self, *, using: Hub | None = None) -> ClientCredentials:
        """The analysis' OAuth2 client and secret (nodes may read it once approved).

        Example::

            creds = analysis.client_credentials()
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(using=hub)
        return ClientCredentials.from_wire(body, hub.dialect)

    @action(
        "POST", "client/credentials", since=CLIENT_CREDENTIALS_SINCE, body='{"secret"?: string}'
    )
    def rotate_client_secret(
        self, secret: str | None = None, *, using: Hub | None = None
    ) -> ClientCredentials:
        """Set the analysis client's secret, or have a random one generated (``None``).

        Only the secret can change here: the Hub ignores names in this request.

        Example::

            creds = analysis.rotate_client_secret()
        """
        hub = resolve_hub(using, self.hub)
        payload = {} if secret is None else {"secret": secret}
        body = self.call_action(json=payload, using=hub)
        return ClientCredentials.from_wire(body, hub.dialect)

    @action("GET", "client/permissions", since=CLIENT_CREDENTIALS_SINCE)
    def client_permissions(self, *, using: Hub | None = None) -> list[ClientPermission]:
        """The permissions of the analysis' client (each with its ``permission`` embedded).

        Example::

            [grant.permission.name for grant in analysis.client_permissions()]
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(using=hub)
        rows, _meta = hub.dialect.unwrap_collection(body, method="GET", url="client/permissions")
        return [load(ClientPermission, row, hub) for row in rows]

    @action(
        "POST",
        "client/permissions",
        since=CLIENT_CREDENTIALS_SINCE,
        body='{"permissionId": <permission id or name>}',
    )
    def add_client_permission(
        self, permission: Permission | UUID | str, *, using: Hub | None = None
    ) -> ClientPermission:
        """Grant a permission (object, id or name) to the analysis' client.

        The Hub only assigns ``analysis_self_storage_use`` and
        ``analysis_self_message_broker_use``, and only while the configuration is
        unlocked.

        Example::

            analysis.add_client_permission("analysis_self_storage_use")
        """
        hub = resolve_hub(using, self.hub)
        payload = {hub.dialect.wire_name("permission_id"): id_segment(permission, "permission")}
        body = self.call_action(json=payload, using=hub)
        return load(ClientPermission, hub.dialect.unwrap_record(body), hub)

    @action("DELETE", "client/permissions/:permissionId", since=CLIENT_CREDENTIALS_SINCE)
    def remove_client_permission(
        self, permission: Permission | UUID | str, *, using: Hub | None = None
    ) -> ClientPermission:
        """Take a permission (object, id or name) from the analysis' client.

        Returns the removed grant; :class:`~flamehub.NotFound` if it was not assigned.

        Example::

            analysis.remove_client_permission(permission)
        """
        hub = resolve_hub(using, self.hub)
        body = self.call_action(path_args={"permissionId": permission}, using=hub)
        return load(ClientPermission, hub.dialect.unwrap_record(body), hub)

    # -- the analysis workflow (steps live in flamehub.workflow) ----------------------

    def upload_code(self, source: Any, **options: Any) -> AnalysisBucketFile:
        """Upload code and mark the entrypoint (:func:`flamehub.workflow.upload_code`).

        Example::

            analysis.upload_code("src/", entrypoint="main.py")
        """
        from .. import workflow

        return workflow.upload_code(self, source, **options)

    def lock(self, **options: Any) -> Analysis:
        """Lock the configuration, preconditions checked (:func:`flamehub.workflow.lock`).

        Example::

            analysis.lock()
        """
        from .. import workflow

        return workflow.lock(self, **options)

    def build(self, **options: Any) -> Analysis:
        """Build the image and follow the build (:func:`flamehub.workflow.build`).

        Example::

            analysis.build(wait=True, timeout=1800)
        """
        from .. import workflow

        return workflow.build(self, **options)

    def distribute(self, **options: Any) -> Analysis:
        """Distribute the image to the nodes (:func:`flamehub.workflow.distribute`).

        Example::

            analysis.distribute(wait=True)
        """
        from .. import workflow

        return workflow.distribute(self, **options)

    def wait_for_results(self, **options: Any) -> Analysis:
        """Wait until every node has run the analysis (:func:`flamehub.workflow.wait_for_results`).

        Example::

            analysis.wait_for_results(timeout=3600)
        """
        from .. import workflow

        return workflow.wait_for_results(self, **options)

    def download_results(self, to: Any, **options: Any) -> list[Any]:
        """Download the RESULT bucket into ``to`` (:func:`flamehub.workflow.download_results`).

        Example::

            analysis.download_results(to="results/")
        """
        from .. import workflow

        return workflow.download_results(self, to, **options)


@resource
class AnalysisNode(Resource):
    """A node taking part in an analysis: its approval and its execution status.

    Example::

        assignment = analysis.nodes.get(node_id=node.id)
        assignment.approve(comment="reviewed")
        assignment.set_execution_status(ProcessStatus.STARTED)
    """

    id: UUID | None = readonly()
    approval_status: ApprovalStatus | None = update_only()
    execution_status: ProcessStatus | None = update_only(
        legacy="run_status",
        variants=(variant(since=PROCESS_STATUS_SINCE, legacy="execution_status"),),
    )
    execution_progress: int | None = update_only(since=PROCESS_STATUS_SINCE)
    comment: str | None = update_only()
    index: int | None = readonly(generations=_LEGACY)
    artifact_tag: str | None = readonly()
    artifact_digest: str | None = readonly()
    analysis_id: UUID | None = create_only(required=True)
    analysis_realm_id: UUID | None = readonly()
    analysis_realm: Realm | None = relation()
    node_id: UUID | None = create_only(required=True)
    node_realm_id: UUID | None = readonly()
    node_realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    analysis: Analysis | None = relation()
    node: Node | None = relation()

    class Meta:
        service = "core"
        path = "analysis-nodes"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        filters = (
            "execution_status",
            "approval_status",
            "analysis_id",
            "analysis_realm_id",
            "node_id",
            "node_realm_id",
        )
        sorts = ("created_at", "updated_at")
        includes = ("node", "analysis")
        ordering = ("created_at",)
        legacy = {"sorts": ("created_at", "updated_at", "index")}

    @property
    def logs(self) -> QuerySet[AnalysisNodeLog]:
        """The log lines of this node for this analysis (both filters the Hub requires).

        Example::

            for line in assignment.logs.filter(level="error"):
                print(line.time, line.message)
        """
        return objects_on(AnalysisNodeLog, self.hub).filter(
            analysis_id=self.analysis_id, node_id=self.node_id
        )

    @action("POST", body='{"approvalStatus": "approved", "comment"?}')
    def approve(self, comment: str | None = None, *, using: Hub | None = None) -> AnalysisNode:
        """Approve running the analysis on this node (the node's realm, ``analysis_approve``).

        Example::

            assignment.approve(comment="code reviewed")
        """
        return self.update_fields(_approval(ApprovalStatus.APPROVED, comment), using=using)

    @action("POST", body='{"approvalStatus": "rejected", "comment"?}')
    def reject(self, comment: str | None = None, *, using: Hub | None = None) -> AnalysisNode:
        """Refuse running the analysis on this node.

        Example::

            assignment.reject(comment="uses data we cannot share")
        """
        return self.update_fields(_approval(ApprovalStatus.REJECTED, comment), using=using)

    @action("POST", body='{"executionStatus": <status>, "executionProgress"?}')
    def set_execution_status(
        self,
        status: ProcessStatus | str | None,
        progress: int | None = None,
        *,
        using: Hub | None = None,
    ) -> AnalysisNode:
        """Report the node's execution status (and progress 0-100, current Hubs).

        On legacy Hubs the status travels as ``run_status``.

        Example::

            assignment.set_execution_status(ProcessStatus.EXECUTING, progress=40)
        """
        values: dict[str, Any] = {
            "execution_status": None if status is None else ProcessStatus(status)
        }
        if progress is not None:
            if not 0 <= progress <= 100:
                raise errors.QueryError(f"progress is a percentage (0-100), not {progress}")
            values["execution_progress"] = progress
        return self.update_fields(values, using=using)


@resource
class AnalysisBucket(AnalysisBucketTransferMixin, Resource):
    """One of an analysis' three storage buckets (CODE, RESULT, TEMP); created by the Hub.

    Example::

        code = analysis.buckets.get(type=AnalysisBucketType.CODE)
        code.files.all()
    """

    id: UUID | None = readonly()
    type: AnalysisBucketType | None = create_only(required=True)
    #: The storage bucket. Before Hub 0.8.22 the Hub keeps it in ``external_id``, which
    #: only its own analysis manager sets: read-only there (a create drops it).
    bucket_id: UUID | None = create_only(
        required=True,
        variants=(
            variant(until=BUCKET_FILES_SINCE, create=False, required=False, legacy="external_id"),
        ),
    )
    bucket: Bucket | None = relation()
    analysis_id: UUID | None = create_only(required=True)
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    analysis: Analysis | None = relation()

    files: ClassVar[RelatedManagerField[AnalysisBucketFile]] = RelatedManagerField(
        "AnalysisBucketFile", "analysis_bucket_id"
    )

    class Meta:
        service = "core"
        path = "analysis-buckets"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        #: ``bucket_id`` and ``id`` are not filterable: the Hub would ignore them.
        filters = ("analysis_id", "type")
        sorts = ("type", "created_at", "updated_at")
        includes = ("analysis",)
        ordering = ("created_at",)
        #: ``POST /analysis-buckets/<id>`` exists but mounts no field: nothing to update.
        updatable = False


@resource
class AnalysisBucketFile(AnalysisBucketFileTransferMixin, Resource):
    """A file of an analysis bucket; ``root=True`` marks the entrypoint.

    Example::

        entry = analysis.bucket_files.get(path="main.py")
        entry.root = True
        entry.save()
    """

    id: UUID | None = readonly()
    path: str | None = writable(since=BUCKET_FILES_SINCE)
    name: str | None = writable(until=BUCKET_FILES_SINCE)
    root: bool | None = writable()
    #: Hub < 0.8.22: the storage bucket-file id, given on create.
    external_id: str | None = create_only(until=BUCKET_FILES_SINCE)
    #: The storage bucket (Hub >= 0.8.22).
    bucket_id: UUID | None = create_only(since=BUCKET_FILES_SINCE)
    #: (before 0.8.22 the key ``bucket`` is the analysis bucket: no relation there)
    bucket: Bucket | None = relation(since=BUCKET_FILES_SINCE)
    bucket_file_id: UUID | None = create_only(since=BUCKET_FILES_SINCE)
    bucket_file: BucketFile | None = relation(since=BUCKET_FILES_SINCE)
    #: Hub < 0.8.22 names the analysis bucket ``bucket_id`` (body, row and filter).
    analysis_bucket_id: UUID | None = create_only(
        variants=(variant(until=BUCKET_FILES_SINCE, legacy="bucket_id"),)
    )
    analysis_id: UUID | None = readonly()
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    user_id: UUID | None = readonly()
    user: User | None = relation()
    client_id: UUID | None = readonly(generations=_CURRENT)
    client: Client | None = relation()
    robot_id: UUID | None = readonly()
    robot: Robot | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    analysis: Analysis | None = relation()
    analysis_bucket: AnalysisBucket | None = relation(
        variants=(variant(until=BUCKET_FILES_SINCE, legacy="bucket"),)
    )

    class Meta:
        service = "core"
        path = "analysis-bucket-files"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        #: ``id``, ``bucket_id`` and ``bucket_file_id`` are not filterable.
        filters = ("path", "root", "analysis_bucket_id", "analysis_id")
        sorts = ("path", "created_at", "updated_at")
        includes = ("analysis", "analysis_bucket")
        ordering = ("created_at",)
        #: narrowed to the fields of the Hub release (``analysis_bucket_id`` before 0.8.22)
        required = ("path", "bucket_id", "bucket_file_id", "analysis_bucket_id")
        legacy = {
            "filters": ("name", "path", "root", "analysis_bucket_id", "analysis_id"),
            "sorts": ("name", "path", "created_at", "updated_at"),
        }


@resource
class AnalysisNodeEvent(Resource):
    """A telemetry event of a node running an analysis (read-only; current Hubs).

    Example::

        AnalysisNodeEvent.objects.filter(analysis_id=analysis.id, node_id=node.id)
    """

    id: UUID | None = readonly()
    event_id: UUID | None = readonly()
    analysis_id: UUID | None = readonly()
    analysis_realm_id: UUID | None = readonly()
    analysis_realm: Realm | None = relation()
    node_id: UUID | None = readonly()
    node_realm_id: UUID | None = readonly()
    node_realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    analysis: Analysis | None = relation()
    node: Node | None = relation()

    class Meta:
        service = "core"
        path = "analysis-node-events"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        generations = _CURRENT
        filters = ("analysis_id", "node_id")
        sorts = ("created_at", "updated_at")
        includes = ("analysis", "node")
        ordering = ("created_at",)
        creatable = False
        updatable = False
        deletable = False


@resource
class AnalysisPermission(Resource):
    """A permission granted to an analysis (Hub 0.8.x - 0.11.3; replaced by client permissions).

    Example::

        AnalysisPermission.objects.filter(analysis_id=analysis.id).include("analysis")
    """

    id: UUID | None = readonly()
    analysis_id: UUID | None = create_only(required=True)
    analysis_realm_id: UUID | None = readonly()
    analysis_realm: Realm | None = relation()
    permission_id: UUID | None = create_only(required=True)
    permission_realm_id: UUID | None = readonly()
    permission_realm: Realm | None = relation()
    policy_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    analysis: Analysis | None = relation()
    permission: Permission | None = relation()
    policy: Policy | None = relation()

    class Meta:
        service = "core"
        path = "analysis-permissions"
        include_ignored_by_id = INCLUDE_IGNORED_BY_ID
        generations = _LEGACY
        filters = ("permission_id", "permission_realm_id", "analysis_id", "analysis_realm_id")
        sorts = ("created_at", "updated_at")
        includes = ("analysis", "permission", "policy")
        ordering = ("created_at",)
        updatable = False


# -- logs -------------------------------------------------------------------------------


@resource
class AnalysisLog(Resource):
    """A log line of an analysis.

    Current Hubs keep logs in a log store: a listing needs ``analysis_id``
    (flamehub refuses it otherwise), lines come newest first, have no id, and are
    removed in bulk with ``filter(...).delete()``. Legacy Hubs (0.8.x) store them as
    records with ids.

    Example::

        for line in AnalysisLog.objects.filter(analysis_id=analysis.id, level=LogLevel.ERROR):
            print(line.time, line.message)
        AnalysisLog.objects.filter(analysis_id=analysis.id).delete()
    """

    # current Hubs: a log-store line
    time: datetime | None = readonly(generations=_CURRENT)
    message: str | None = readonly(generations=_CURRENT)
    level: LogLevel | None = readonly(generations=_CURRENT)
    service: str | None = readonly(generations=_CURRENT)
    channel: LogChannel | None = readonly(generations=_CURRENT)
    labels: dict[str, str] | None = readonly(generations=_CURRENT)
    # legacy Hubs: a database record
    id: UUID | None = readonly(generations=_LEGACY)
    component: str | None = readonly(generations=_LEGACY)
    command: str | None = readonly(generations=_LEGACY)
    event: str | None = readonly(generations=_LEGACY)
    error: bool | None = readonly(generations=_LEGACY)
    error_code: str | None = readonly(generations=_LEGACY)
    status: str | None = readonly(generations=_LEGACY)
    status_message: str | None = readonly(generations=_LEGACY)
    meta: str | None = readonly(generations=_LEGACY)
    realm_id: UUID | None = readonly(generations=_LEGACY)
    realm: Realm | None = relation()
    created_at: datetime | None = readonly(generations=_LEGACY)
    updated_at: datetime | None = readonly(generations=_LEGACY)
    #: The analysis: a filter on current Hubs (the line carries it in ``labels``).
    analysis_id: UUID | None = readonly()
    analysis: Analysis | None = relation(generations=_LEGACY)

    class Meta:
        service = "core"
        path = "analysis-logs"
        filters = ("level", "analysis_id")
        #: current Hubs accept ``sort=time`` but do not apply it: lines come newest first.
        sorts = ()
        includes = ()
        ordering = ("created_at",)
        required_filters = ("analysis_id",)
        creatable = False
        updatable = False
        deletable = False
        gettable = False
        bulk_delete = True
        legacy = {
            "filters": ("command", "error", "status", "analysis_id"),
            "sorts": ("command", "status", "created_at", "updated_at"),
            "includes": ("analysis",),
            "required_filters": (),
            "deletable": True,
            "gettable": True,
            "bulk_delete": False,
        }


@resource
class AnalysisNodeLog(Resource):
    """A log line of a node running an analysis; nodes write them with ``create()``.

    On current Hubs a listing needs both ``analysis_id`` and ``node_id``, and
    ``create()`` answers 202 with the written line.

    Example::

        AnalysisNodeLog.objects.create(
            analysis_id=analysis.id, node_id=node.id, level=LogLevel.INFO, message="started"
        )
        AnalysisNodeLog.objects.filter(analysis_id=analysis.id, node_id=node.id).delete()
    """

    # current Hubs: a log-store line
    time: datetime | None = readonly(generations=_CURRENT)
    message: str | None = create_only(generations=_CURRENT)
    level: LogLevel | None = create_only(generations=_CURRENT)
    service: str | None = readonly(generations=_CURRENT)
    channel: LogChannel | None = readonly(generations=_CURRENT)
    labels: dict[str, str] | None = create_only(generations=_CURRENT)
    code: str | None = create_only(generations=_CURRENT)
    status: str | None = create_only()
    # legacy Hubs: a database record
    id: UUID | None = readonly(generations=_LEGACY)
    error: bool | None = readonly(generations=_LEGACY)
    error_code: str | None = readonly(generations=_LEGACY)
    status_message: str | None = create_only(generations=_LEGACY)
    analysis_realm_id: UUID | None = readonly(generations=_LEGACY)
    analysis_realm: Realm | None = relation()
    node_realm_id: UUID | None = readonly(generations=_LEGACY)
    node_realm: Realm | None = relation()
    created_at: datetime | None = readonly(generations=_LEGACY)
    updated_at: datetime | None = readonly(generations=_LEGACY)
    #: filters on current Hubs (the line carries them in ``labels``)
    analysis_id: UUID | None = create_only()
    node_id: UUID | None = create_only()
    analysis: Analysis | None = relation(generations=_LEGACY)
    node: Node | None = relation(generations=_LEGACY)

    class Meta:
        service = "core"
        path = "analysis-node-logs"
        filters = ("level", "analysis_id", "node_id")
        sorts = ()
        includes = ()
        ordering = ("created_at",)
        required_filters = ("analysis_id", "node_id")
        required = ("analysis_id", "node_id", "message", "level")
        updatable = False
        deletable = False
        gettable = False
        bulk_delete = True
        legacy = {
            "filters": ("error", "status", "analysis_id", "node_id"),
            "sorts": ("status", "created_at", "updated_at"),
            "includes": ("analysis", "node"),
            "required_filters": (),
            # until Hub 0.8.20 a node posted a status record (hub-api.md, 9.1)
            "required": ("analysis_id", "node_id", "status"),
            "creatable": True,
            "deletable": True,
            "gettable": True,
            "bulk_delete": False,
        }
