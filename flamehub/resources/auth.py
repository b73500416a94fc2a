"""Resources of the auth service (authup): realms, users, roles, permissions, clients ...

Declarations only: the machinery lives in :mod:`flamehub.resources.base`.

Authup differs from the Hub's core and storage services in ways the declarations
encode: updates are ``POST /<path>/<id>`` (its ``PUT`` is an upsert, which
flamehub does not use), its error bodies carry no ``statusCode`` (the transport
takes the HTTP status), and current versions drop a multi-key ``sort`` whole, so
every authup resource sorts by one key only.

Example::

    from flamehub.models import Realm, User
    master = Realm.objects.get(name="master")
    admins = master.users.filter(name__startswith="admin")
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from ..dialects import Generation
from .base import RelatedManagerField, Resource, resource
from .enums import ClientAuthMethod, DecisionStrategy, RealmScope, TokenBindingMethod
from .fields import create_only, readonly, relation, variant, writable

if TYPE_CHECKING:
    from .core import Node, Project

__all__ = [
    "AUTHUP_SINGLE_KEY_SORT",
    "Client",
    "ClientPermission",
    "ClientRole",
    "Permission",
    "Policy",
    "Realm",
    "Robot",
    "Role",
    "RolePermission",
    "User",
    "UserPermission",
    "UserRole",
]

#: authup declares ``indexed: true`` sorts and drops a multi-key ``sort`` whole.
AUTHUP_SINGLE_KEY_SORT = False

_LEGACY = {Generation.LEGACY}
_CURRENT = {Generation.CURRENT}
#: First Hub release whose authup (1.0.0-beta.28) requires ``email`` when a user is created.
USER_EMAIL_REQUIRED_SINCE = (0, 8, 22)


@resource
class Realm(Resource):
    """A realm: the tenant that users, clients, nodes and projects belong to.

    Example::

        realm = Realm.objects.create(name="site-a", display_name="Site A")
        realm.users.count()
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    built_in: bool | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    users: ClassVar[RelatedManagerField[User]] = RelatedManagerField("User", "realm_id")
    roles: ClassVar[RelatedManagerField[Role]] = RelatedManagerField("Role", "realm_id")
    clients: ClassVar[RelatedManagerField[Client]] = RelatedManagerField("Client", "realm_id")
    robots: ClassVar[RelatedManagerField[Robot]] = RelatedManagerField("Robot", "realm_id")
    nodes: ClassVar[RelatedManagerField[Node]] = RelatedManagerField("Node", "realm_id")
    projects: ClassVar[RelatedManagerField[Project]] = RelatedManagerField("Project", "realm_id")

    class Meta:
        service = "auth"
        path = "realms"
        filters = ("id", "name", "display_name", "built_in")
        sorts = ("id", "name", "created_at", "updated_at")
        includes = ()
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT


@resource
class User(Resource):
    """A user account (``email`` is left out of reads unless asked for).

    Example::

        user = User.objects.create(name="alice", email="alice@example.com", realm_id=realm.id)
        User.objects.with_fields("email").get(id=user.id).email
        user.roles.include("role")          # the user's UserRole rows
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    name_locked: bool | None = writable()
    first_name: str | None = writable()
    last_name: str | None = writable()
    display_name: str | None = writable()
    #: required on create from authup 1.0.0-beta.28 (shipped from Hub 0.8.22; its source)
    email: str | None = writable(
        variants=(variant(since=USER_EMAIL_REQUIRED_SINCE, required=True),)
    )
    password: str | None = writable(secret=True)
    avatar: str | None = readonly()
    cover: str | None = readonly()
    status: str | None = writable()
    status_message: str | None = writable()
    active: bool | None = writable()
    client_id: UUID | None = readonly(generations=_LEGACY)
    client: Client | None = relation()
    realm_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    realm: Realm | None = relation()

    roles: ClassVar[RelatedManagerField[UserRole]] = RelatedManagerField("UserRole", "user_id")
    permissions: ClassVar[RelatedManagerField[UserPermission]] = RelatedManagerField(
        "UserPermission", "user_id"
    )

    class Meta:
        service = "auth"
        path = "users"
        filters = ("id", "name", "display_name", "realm_id", "active")
        sorts = ("id", "name", "display_name", "created_at", "updated_at")
        includes = ("realm",)
        fields = (
            "id",
            "name",
            "name_locked",
            "first_name",
            "last_name",
            "display_name",
            "avatar",
            "cover",
            "active",
            "status",
            "status_message",
            "created_at",
            "updated_at",
            "realm_id",
        )
        optional_fields = ("email",)
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        #: authup >= beta.54 requires an e-mail address; beta.26 (Hub 0.8.x) did not.
        required = ("name", "email")
        legacy = {
            "filters": ("id", "name", "realm_id"),
            "fields": (
                "id",
                "name",
                "name_locked",
                "first_name",
                "last_name",
                "display_name",
                "avatar",
                "cover",
                "active",
                "created_at",
                "updated_at",
                "realm_id",
            ),
            "required": ("name",),
        }


@resource
class Role(Resource):
    """A role: a named set of permissions that users and clients receive.

    Example::

        role = Role.objects.create(name="analyst", description="runs analyses")
        role.permissions.include("permission")     # its RolePermission rows
    """

    id: UUID | None = readonly()
    built_in: bool | None = readonly()
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    target: str | None = readonly()
    client_id: UUID | None = writable()
    client: Client | None = relation()
    realm_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    realm: Realm | None = relation()

    permissions: ClassVar[RelatedManagerField[RolePermission]] = RelatedManagerField(
        "RolePermission", "role_id"
    )
    users: ClassVar[RelatedManagerField[UserRole]] = RelatedManagerField("UserRole", "role_id")

    class Meta:
        service = "auth"
        path = "roles"
        filters = ("id", "built_in", "name", "display_name", "target", "client_id", "realm_id")
        sorts = ("id", "name", "created_at", "updated_at")
        includes = ("realm",)
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        legacy = {"filters": ("id", "name", "target", "realm_id"), "includes": ()}


@resource
class Policy(Resource):
    """An authup policy: the condition a permission (or a client's access) is bound to.

    Read here; its type-specific attributes are managed in authup's UI. Included by
    ``Permission`` (legacy), ``AnalysisPermission`` and ``Client`` (``access_policy``).

    Example::

        Permission.objects.include("policy").get(name="node_create").policy
    """

    id: UUID | None = readonly()
    built_in: bool | None = readonly()
    type: str | None = readonly()
    name: str | None = readonly()
    display_name: str | None = readonly()
    description: str | None = readonly()
    invert: bool | None = readonly()
    parent_id: UUID | None = readonly()
    parent: Policy | None = relation()
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "auth"
        path = "policies"
        plural = "policies"
        #: authup beta.26's read handler (its source at the tag); assumed on later authups
        filters = ("id", "name", "type", "parent_id", "realm_id")
        sorts = ("id", "created_at", "updated_at")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        creatable = False
        updatable = False
        deletable = False


@resource
class Permission(Resource):
    """A permission name (``node_create`` ...). Current authup has no ``policy_id`` on it.

    Example::

        Permission.objects.filter(name__in=["node_create", "node_delete"])
    """

    id: UUID | None = readonly()
    built_in: bool | None = readonly()
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    decision_strategy: DecisionStrategy | None = writable(generations=_CURRENT)
    target: str | None = readonly(generations=_LEGACY)
    policy_id: UUID | None = readonly(generations=_LEGACY)
    client_id: UUID | None = writable()
    client: Client | None = relation()
    realm_id: UUID | None = create_only()
    realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    policy: Policy | None = relation(generations=_LEGACY)

    roles: ClassVar[RelatedManagerField[RolePermission]] = RelatedManagerField(
        "RolePermission", "permission_id"
    )

    class Meta:
        service = "auth"
        path = "permissions"
        filters = ("id", "display_name", "name", "built_in", "realm_id", "client_id")
        sorts = ("id", "name", "created_at", "updated_at")
        #: ``include=realm`` is dropped by every authup version (flame-hub-client sends it).
        includes = ()
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        legacy = {"filters": ("id", "display_name", "name", "built_in"), "includes": ("policy",)}


@resource
class RolePermission(Resource):
    """A permission granted to a role.

    Example::

        RolePermission.objects.create(role_id=role.id, permission_id=permission.id)
    """

    id: UUID | None = readonly()
    role_id: UUID | None = create_only(required=True)
    role_realm_id: UUID | None = readonly()
    role_realm: Realm | None = relation()
    permission_id: UUID | None = create_only(required=True)
    permission_realm_id: UUID | None = readonly()
    permission_realm: Realm | None = relation()
    policy_id: UUID | None = writable()
    policy: Policy | None = relation()
    realm_scope: RealmScope | None = readonly(generations=_CURRENT)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    role: Role | None = relation()
    permission: Permission | None = relation()

    class Meta:
        service = "auth"
        path = "role-permissions"
        filters = (
            "role_id",
            "permission_id",
            "id",
            "role_realm_id",
            "permission_realm_id",
            "policy_id",
        )
        sorts = ("id", "created_at", "updated_at")
        includes = ("role", "permission")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        legacy = {"filters": ("role_id", "permission_id"), "updatable": False}


@resource
class UserPermission(Resource):
    """A permission granted to a user directly.

    Example::

        UserPermission.objects.create(user_id=user.id, permission_id=permission.id)
    """

    id: UUID | None = readonly()
    user_id: UUID | None = create_only(required=True)
    user_realm_id: UUID | None = readonly()
    user_realm: Realm | None = relation()
    permission_id: UUID | None = create_only(required=True)
    permission_realm_id: UUID | None = readonly()
    permission_realm: Realm | None = relation()
    policy_id: UUID | None = writable()
    policy: Policy | None = relation()
    realm_scope: RealmScope | None = readonly(generations=_CURRENT)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    user: User | None = relation()
    permission: Permission | None = relation()

    class Meta:
        service = "auth"
        path = "user-permissions"
        filters = (
            "user_id",
            "permission_id",
            "id",
            "user_realm_id",
            "permission_realm_id",
            "policy_id",
        )
        sorts = ("id", "created_at", "updated_at")
        includes = ("user", "permission")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        #: measured on 0.8.13 (hub-0.8.13/allowlists.md): these sorts and includes hold
        legacy = {"filters": ("user_id", "permission_id"), "updatable": False}


@resource
class UserRole(Resource):
    """A role given to a user (no update: delete and create again).

    Example::

        UserRole.objects.create(user_id=user.id, role_id=role.id)
    """

    id: UUID | None = readonly()
    user_id: UUID | None = create_only(required=True)
    user_realm_id: UUID | None = readonly()
    user_realm: Realm | None = relation()
    role_id: UUID | None = create_only(required=True)
    role_realm_id: UUID | None = readonly()
    role_realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    user: User | None = relation()
    role: Role | None = relation()

    class Meta:
        service = "auth"
        path = "user-roles"
        filters = ("role_id", "user_id", "id", "role_realm_id", "user_realm_id")
        sorts = ("id", "created_at", "updated_at")
        includes = ("user", "role")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        updatable = False
        legacy = {"filters": ("role_id", "user_id")}


@resource
class Client(Resource):
    """An OAuth2 client: the machine identity of nodes, analyses and services.

    ``backchannel_logout_uri`` does not exist on any authup version, so it is not
    declared; ``secret`` is only read when asked for (``with_fields("secret")``) and
    never shown in ``repr()``.

    Example::

        client = Client.objects.create(name="site-a-bot", auth_method=ClientAuthMethod.SECRET)
        Client.objects.with_fields("secret").get(id=client.id).secret
    """

    id: UUID | None = readonly()
    active: bool | None = writable(generations=_CURRENT)
    built_in: bool | None = readonly()
    auth_method: ClientAuthMethod | None = writable(generations=_CURRENT)
    token_binding_method: TokenBindingMethod | None = writable(generations=_CURRENT)
    is_confidential: bool | None = writable(generations=_LEGACY)
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    secret: str | None = writable(secret=True)
    secret_hashed: bool | None = writable(generations=_CURRENT)
    secret_encrypted: bool | None = writable(generations=_CURRENT)
    redirect_uri: str | None = writable()
    post_logout_redirect_uri: str | None = writable(generations=_CURRENT)
    base_url: str | None = writable()
    root_url: str | None = writable()
    grant_types: str | None = writable()
    scope: str | None = writable()
    access_policy_id: UUID | None = writable(generations=_CURRENT)
    user_id: UUID | None = readonly(generations=_LEGACY)
    user: User | None = relation()
    realm_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    realm: Realm | None = relation()
    access_policy: Policy | None = relation(generations=_CURRENT)

    permissions: ClassVar[RelatedManagerField[ClientPermission]] = RelatedManagerField(
        "ClientPermission", "client_id"
    )
    roles: ClassVar[RelatedManagerField[ClientRole]] = RelatedManagerField(
        "ClientRole", "client_id"
    )

    class Meta:
        service = "auth"
        path = "clients"
        filters = ("id", "name", "display_name", "realm_id", "active", "built_in")
        sorts = ("id", "created_at", "updated_at")
        includes = ("realm", "access_policy")
        fields = (
            "id",
            "active",
            "built_in",
            "auth_method",
            "token_binding_method",
            "name",
            "display_name",
            "description",
            "secret_hashed",
            "secret_encrypted",
            "redirect_uri",
            "post_logout_redirect_uri",
            "base_url",
            "root_url",
            "grant_types",
            "scope",
            "access_policy_id",
            "realm_id",
            "created_at",
            "updated_at",
        )
        optional_fields = ("secret",)
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        legacy = {
            "filters": ("name", "realm_id"),
            "fields": (
                "id",
                "name",
                "display_name",
                "description",
                "base_url",
                "root_url",
                "redirect_uri",
                "grant_types",
                "scope",
                "is_confidential",
                "realm_id",
                "user_id",
                "created_at",
                "updated_at",
            ),
            "includes": ("realm",),
        }


@resource
class ClientPermission(Resource):
    """A permission granted to an OAuth2 client (every authup; legacy ones too).

    Example::

        ClientPermission.objects.filter(client_id=client.id).include("permission")
    """

    id: UUID | None = readonly()
    client_id: UUID | None = create_only(required=True)
    client_realm_id: UUID | None = readonly()
    client_realm: Realm | None = relation()
    permission_id: UUID | None = create_only(required=True)
    permission_realm_id: UUID | None = readonly()
    permission_realm: Realm | None = relation()
    policy_id: UUID | None = writable()
    policy: Policy | None = relation()
    realm_scope: RealmScope | None = readonly(generations=_CURRENT)
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    client: Client | None = relation()
    permission: Permission | None = relation()

    class Meta:
        service = "auth"
        path = "client-permissions"
        filters = (
            "client_id",
            "permission_id",
            "id",
            "client_realm_id",
            "permission_realm_id",
            "policy_id",
        )
        sorts = ("id", "created_at", "updated_at")
        includes = ("client", "permission")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        #: authup beta.26 (Hub 0.8.13) serves them too (its source at the tag settles the keys)
        legacy = {"filters": ("client_id", "permission_id")}


@resource
class ClientRole(Resource):
    """A role given to an OAuth2 client (every authup; no update).

    Example::

        ClientRole.objects.create(client_id=client.id, role_id=role.id)
    """

    id: UUID | None = readonly()
    client_id: UUID | None = create_only(required=True)
    client_realm_id: UUID | None = readonly()
    client_realm: Realm | None = relation()
    role_id: UUID | None = create_only(required=True)
    role_realm_id: UUID | None = readonly()
    role_realm: Realm | None = relation()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    client: Client | None = relation()
    role: Role | None = relation()

    class Meta:
        service = "auth"
        path = "client-roles"
        filters = ("client_id", "role_id", "id", "client_realm_id", "role_realm_id")
        sorts = ("id", "created_at", "updated_at")
        includes = ("client", "role")
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
        updatable = False
        #: authup beta.26 (Hub 0.8.13) serves them too (its source at the tag settles the keys)
        legacy = {"filters": ("client_id", "role_id")}


@resource
class Robot(Resource):
    """A robot account: the machine identity of legacy Hubs (authup < beta.54 only).

    Robots log in with :class:`~flamehub.RobotAuth`; current Hubs replaced them
    with :class:`Client`.

    Example::

        robot = Robot.objects.create(name="site-a-robot", realm_id=realm.id)
        Robot.objects.with_fields("secret").get(id=robot.id).secret
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    active: bool | None = writable()
    secret: str | None = writable(secret=True)
    user_id: UUID | None = create_only()
    client_id: UUID | None = readonly()
    client: Client | None = relation()
    realm_id: UUID | None = create_only()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    realm: Realm | None = relation()
    user: User | None = relation()

    class Meta:
        service = "auth"
        path = "robots"
        generations = _LEGACY
        filters = ("id", "name", "realm_id", "user_id")
        sorts = ("id", "realm_id", "user_id", "created_at", "updated_at")
        includes = ("realm", "user")
        fields = (
            "id",
            "name",
            "display_name",
            "description",
            "active",
            "user_id",
            "realm_id",
            "created_at",
            "updated_at",
        )
        optional_fields = ("secret",)
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
