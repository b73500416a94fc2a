"""Declarative table of every resource the local Hub serves.

One :class:`Resource` per collection: its service, fields (with per-generation wire names
and body rules), query allow-lists, unique constraints, permissions and the few
response-shape quirks the recordings show. The generic CRUD engine (``_crud``) is driven
entirely by this table; resource-specific side effects live in ``_effects``.

Field names here are the *canonical* camelCase names (the current wire names); the legacy
wire name is derived with :func:`camel_to_snake` unless a field says otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flamehub.dialects import RAPIQ2_SINCE
from flamehub.resources.fields import VersionRange

from ._generations import CURRENT_FROM, CURRENT_MODEL_FROM, Generation, camel_to_snake

__all__ = [
    "ALL_PERMISSIONS",
    "BOTH",
    "CURRENT",
    "HUB_PERMISSIONS",
    "LEGACY",
    "LOG_RESOURCES",
    "MAX_PAGE_LIMIT",
    "PROCESS_STATUSES",
    "RESOURCES",
    "Field",
    "PermRule",
    "Relation",
    "Resource",
    "SchemaMeta",
    "Unique",
    "View",
    "fill_defaults",
    "resource",
    "resources_for",
]

#: rapiq ``pagination.maxLimit`` of every Hub and authup schema.
MAX_PAGE_LIMIT = 50

LEGACY = frozenset({Generation.LEGACY})
CURRENT = frozenset({Generation.CURRENT})
BOTH = frozenset({Generation.LEGACY, Generation.CURRENT})

FieldType = Literal["string", "uuid", "bool", "int", "datetime", "json", "email"]
Mode = Literal["req", "opt"] | None
ViewName = Literal["list", "get", "create", "update", "delete"]
#: Any-of groups, each group all-of: ``(("a", "b"), ("c",))`` means (a and b) or c.
PermRule = tuple[tuple[str, ...], ...]

PROCESS_STATUSES = ("starting", "started", "stopping", "stopped", "executing", "executed", "failed")
LEGACY_BUILD_STATUSES = ("starting", "started", "stopping", "stopped", "finished", "failed")
LEGACY_RUN_STATUSES = (
    "starting",
    "started",
    "running",
    "stopping",
    "stopped",
    "finished",
    "failed",
)
APPROVAL_STATUSES = ("rejected", "approved")
SLUG_PATTERN = r"^[a-z0-9-_.]+$"
EXTERNAL_NAME_PATTERN = r"^[a-z0-9-_]*$"

_CONFLICT = "An entry with some unique attributes already exists."
_DB_CONFLICT = "A db entry with some unique attributes already exists."


def _names(text: str) -> tuple[str, ...]:
    """The whitespace-separated names of ``text``."""
    return tuple(text.split())


# Hub permission names (hub-api.md §4.4); the rest of ALL_PERMISSIONS belongs to authup.
HUB_PERMISSIONS: tuple[str, ...] = _names(
    """
    project_create project_update project_delete project_approve node_create node_update
    node_delete analysis_create analysis_update analysis_delete analysis_approve
    analysis_execution_start analysis_execution_stop analysis_result_read
    analysis_self_storage_use analysis_self_message_broker_use registry_manage
    registry_project_manage master_image_manage master_image_group_manage service_manage
    bucket_create bucket_update bucket_delete log_create log_read log_delete event_create
    event_read event_delete
    """
)

# The permissions a fresh Hub's admin holds, in the order the recorded servers listed them.
ALL_PERMISSIONS: dict[Generation, tuple[str, ...]] = {
    Generation.LEGACY: _names(
        """
        client_create client_delete client_update client_read client_self_manage
        client_permission_create client_permission_delete client_permission_read
        client_role_create client_role_delete client_role_update client_role_read
        client_scope_create client_scope_delete identity_provider_create
        identity_provider_delete identity_provider_update identity_provider_read
        identity_provider_role_create identity_provider_role_delete
        identity_provider_role_update permission_create permission_delete permission_update
        permission_read realm_create realm_delete realm_update realm_read robot_create
        robot_delete robot_update robot_read robot_self_manage robot_permission_create
        robot_permission_delete robot_permission_read robot_role_create robot_role_delete
        robot_role_update robot_role_read role_create role_delete role_update role_read
        role_permission_create role_permission_delete role_permission_read scope_create
        scope_delete scope_update scope_read user_create user_delete user_update user_read
        user_self_update user_permission_create user_permission_delete user_permission_read
        user_role_create user_role_delete user_role_update user_role_read bucket_create
        bucket_update bucket_delete project_create project_delete project_update project_approve
        registry_manage registry_project_manage node_create node_delete node_update
        analysis_approve analysis_update analysis_create analysis_execution_start
        analysis_execution_stop analysis_delete analysis_result_read
        analysis_self_message_broker_use analysis_self_storage_use master_image_manage
        master_image_group_manage service_manage
        """
    ),
    Generation.CURRENT: _names(
        """
        client_create client_delete client_update client_read client_self_manage
        client_permission_create client_permission_delete client_permission_read
        client_permission_update client_role_create client_role_delete client_role_update
        client_role_read client_scope_create client_scope_delete client_scope_read consent_read
        consent_delete event_read identity_provider_create identity_provider_delete
        identity_provider_update identity_provider_read identity_provider_account_read
        identity_provider_account_delete identity_provider_role_create
        identity_provider_role_delete identity_provider_role_update identity_provider_role_read
        key_create key_delete key_update key_read permission_create permission_delete
        permission_update permission_read realm_create realm_delete realm_update realm_read
        role_create role_delete role_update role_read role_permission_create
        role_permission_delete role_permission_read role_permission_update scope_create
        scope_delete scope_update scope_read session_read session_delete user_create user_delete
        user_update user_read user_self_manage user_authenticator_create
        user_authenticator_delete user_authenticator_update user_authenticator_read
        user_permission_create user_permission_delete user_permission_read
        user_permission_update user_role_create user_role_delete user_role_update user_role_read
        event_create event_delete bucket_create bucket_update bucket_delete log_create
        log_delete log_read project_create project_delete project_update project_approve
        registry_manage registry_project_manage node_create node_delete node_update
        analysis_approve analysis_update analysis_create analysis_execution_start
        analysis_execution_stop analysis_delete analysis_result_read
        analysis_self_message_broker_use analysis_self_storage_use master_image_manage
        master_image_group_manage service_manage
        """
    ),
}


#: The release range of a field every release of its generations has.
_EVERY_RELEASE = VersionRange()


@dataclass(frozen=True)
class Field:
    """One column of a resource.

    ``create``/``update`` say whether a request body may carry the field (``"req"``,
    ``"opt"`` or ``None`` = silently dropped). ``hidden`` fields are only returned with
    ``fields=+name``; ``internal`` fields only appear in create/update responses;
    ``secret`` fields are stored but always rendered as ``null``. ``legacy`` overrides
    attributes on legacy Hubs, ``gens`` limits the field to some generations.
    """

    name: str
    type: FieldType = "string"
    create: Mode = None
    update: bool = False
    nullable: bool = True
    min_len: int | None = None
    max_len: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    lower: bool = False
    default: Any = None
    hidden: bool = False
    internal: bool = False
    secret: bool = False
    gens: frozenset[Generation] = BOTH
    legacy_name: str | None = None
    legacy: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: The Hub releases that have the field (unbounded: every release of ``gens``);
    #: applied where the release is known (rendering and validating bodies).
    releases: VersionRange = _EVERY_RELEASE

    def in_release(self, version: tuple[int, int, int] | None) -> bool:
        """Whether the Hub release ``version`` (``None``: unknown) has this field."""
        return version is None or self.releases.contains(version)

    def for_generation(self, generation: Generation) -> Field:
        """This field with the legacy overrides applied when ``generation`` is legacy."""
        if generation is Generation.LEGACY and self.legacy:
            return dataclasses.replace(self, legacy={}, **self.legacy)
        return self

    @property
    def sensitive(self) -> bool:
        """Passwords and secrets: never echoed back in error bodies."""
        lowered = self.name.lower()
        return self.secret or "secret" in lowered or "password" in lowered

    def wire(self, generation: Generation) -> str:
        """The JSON key of this field on ``generation``."""
        if generation is Generation.LEGACY:
            return self.legacy_name or camel_to_snake(self.name)
        return self.name


@dataclass(frozen=True)
class Relation:
    """A many-to-one relation reachable through the foreign key ``fk``
    (``legacy_name``: its key on legacy Hubs, if not the snake_case name)."""

    name: str
    target: str | None
    fk: str
    legacy_name: str | None = None


@dataclass(frozen=True)
class Unique:
    """A unique constraint; ``nulls_distinct`` follows SQL (a NULL never conflicts)."""

    fields: tuple[str, ...]
    nulls_distinct: bool = False


@dataclass(frozen=True)
class View:
    """Which fields a response shows: the default selection or all fields, adjusted."""

    base: Literal["default", "all"] = "default"
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    expand: tuple[str, ...] = ()


@dataclass(frozen=True)
class RangedViews:
    """Views of the Hub releases in ``span`` where they differ from their generation's
    (``Resource.views``); e.g. what 0.12.x answered before 0.13 changed it."""

    span: VersionRange
    views: Mapping[str, View]


#: The releases with the current data model and the answers of Hubs before 0.13 (recorded: 0.12.2
#: and 0.12.7; from 0.8.22 on, the Hub source dates the model).
PRE_0_13 = VersionRange(CURRENT_MODEL_FROM, CURRENT_FROM)
#: The 0.12.x releases shipping a camelCase authup (beta.54+: ``flamehub.dialects``'
#: RAPIQ2_SINCE, the first Hub on it); recorded with beta.56 (0.12.7).
HUB_0_12_CAMEL_AUTHUP = VersionRange(RAPIQ2_SINCE, CURRENT_FROM)
#: Every release before / since the camelCase authup (for fields it added or dropped).
BEFORE_CAMEL_AUTHUP = VersionRange(until=RAPIQ2_SINCE)
SINCE_CAMEL_AUTHUP = VersionRange(since=RAPIQ2_SINCE)


def ranged(span: VersionRange, **views: View) -> RangedViews:
    """``RangedViews`` of the release ``span``."""
    return RangedViews(span, views)


@dataclass(frozen=True)
class SchemaMeta:
    """How the resource describes itself in ``meta.schema`` (current Hubs)."""

    style: Literal["hub", "authup"] = "hub"
    fields_allowed: Literal["none", "all", "extras"] = "none"
    fields_default_none: bool = False


_DEFAULT_VIEW = View()
CRUD = frozenset({"list", "get", "create", "update", "delete"})
READ_ONLY = frozenset({"list", "get"})


@dataclass(frozen=True)
class Resource:
    """One collection of one service, e.g. ``core`` ``/nodes``."""

    key: str
    service: Literal["auth", "core", "storage"]
    schema_name: str
    label: str
    fields: tuple[Field, ...]
    filters: tuple[str, ...] = ()
    sorts: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    includes: tuple[str, ...] = ()
    default_sort: tuple[tuple[str, bool], ...] = ()
    unique: tuple[Unique, ...] = ()
    ops: frozenset[str] = CRUD
    gens: frozenset[Generation] = BOTH
    perms: Mapping[str, PermRule] = field(default_factory=dict, compare=False, hash=False)
    read_perms: PermRule = ()
    views: Mapping[Generation, Mapping[str, View]] = field(
        default_factory=dict, compare=False, hash=False
    )
    #: Views of release spans that differ from ``views`` (first match wins).
    ranged_views: tuple[RangedViews, ...] = ()
    legacy_filters: tuple[str, ...] | None = None
    legacy_sorts: tuple[str, ...] | None = None
    #: Legacy (recorded on 0.8.13): without ``page[limit]``/``page[offset]`` the answer
    #: holds every row and ``meta: {total}``; with either, 50 at most and the full meta.
    legacy_meta_total_only: bool = False
    #: Like ``legacy_meta_total_only``, but only when more rows than this match. Recorded
    #: for authup beta.26 roles: 55 matching rows came all at once with ``meta: {total}``
    #: (``paging.json``), one matching row with ``meta: {total, limit, offset}``
    #: (``auth-12-roles-permissions.json``); this is the one rule that fits both.
    legacy_unpaged_above: int | None = None
    lookup_by_name: bool = False
    conflict_message: str = _CONFLICT
    conflict_error: str = "AuthupError"
    meta: SchemaMeta = SchemaMeta()
    upsert: bool = False

    def legacy_unpaged(self, total: int) -> bool:
        """Whether a legacy list without page parameters answers all ``total`` rows."""
        if self.legacy_unpaged_above is not None:
            return total > self.legacy_unpaged_above
        return self.legacy_meta_total_only

    @property
    def path(self) -> str:
        """The collection path inside its service, e.g. ``/nodes``."""
        return "/" + self.key

    def fields_for(
        self, generation: Generation, version: tuple[int, int, int] | None = None
    ) -> tuple[Field, ...]:
        """The fields that exist on ``generation`` (and the Hub release ``version``, when
        given), with legacy overrides applied."""
        return tuple(
            f.for_generation(generation)
            for f in self.fields
            if generation in f.gens and f.in_release(version)
        )

    def view(
        self, generation: Generation, name: str, version: tuple[int, int, int] | None = None
    ) -> View:
        """The response view ``name`` (list/get/create/update/delete) on ``generation``
        (of the Hub release ``version``, when its span declares one)."""
        if version is not None:
            for ranged_views in self.ranged_views:
                if ranged_views.span.contains(version) and name in ranged_views.views:
                    return ranged_views.views[name]
        by_gen = self.views.get(generation, {})
        if name in by_gen:
            return by_gen[name]
        if name == "get" and "list" in by_gen:
            return by_gen["list"]
        return _DEFAULT_VIEW

    def relation(self, name: str) -> Relation | None:
        """The relation called ``name`` (canonical), if any."""
        for rel in self.relations:
            if rel.name == name:
                return rel
        return None

    def allowed_filters(self, generation: Generation) -> tuple[str, ...]:
        """Canonical filter keys on ``generation``."""
        if generation is Generation.LEGACY and self.legacy_filters is not None:
            return self.legacy_filters
        names = {f.name for f in self.fields_for(generation)}
        return tuple(k for k in self.filters if k in names)

    def allowed_sorts(self, generation: Generation) -> tuple[str, ...]:
        """Canonical sort keys on ``generation``."""
        if generation is Generation.LEGACY and self.legacy_sorts is not None:
            return self.legacy_sorts
        names = {f.name for f in self.fields_for(generation)}
        return tuple(k for k in self.sorts if k in names or "." in k)


# --------------------------------------------------------------------------- field helpers


def _id() -> Field:
    return Field("id", "uuid", nullable=False)


def _timestamps() -> tuple[Field, Field]:
    return Field("createdAt", "datetime", nullable=False), Field(
        "updatedAt", "datetime", nullable=False
    )


def _ro(name: str, type_: FieldType = "string", **kwargs: Any) -> Field:
    return Field(name, type_, **kwargs)


def _display_name(**kwargs: Any) -> Field:
    return Field("displayName", create="opt", update=True, min_len=3, max_len=256, **kwargs)


def _description(min_len: int = 5) -> Field:
    return Field("description", create="opt", update=True, min_len=min_len, max_len=4096)


def _slug_name(create: Mode = "req", **kwargs: Any) -> Field:
    return Field(
        "name",
        create=create,
        update=True,
        nullable=False,
        min_len=3,
        max_len=128,
        pattern=SLUG_PATTERN,
        lower=True,
        **kwargs,
    )


def _fk(name: str, create: Mode = "req", update: bool = False, **kwargs: Any) -> Field:
    return Field(name, "uuid", create=create, update=update, **kwargs)


def _junction(
    key: str,
    schema: str,
    label: str,
    left: str,
    right: str,
    *,
    policy: bool,
    perm: str,
) -> Resource:
    """An authup junction table such as ``/role-permissions``."""
    left_target = {"role": "roles", "user": "users", "client": "clients"}[left]
    right_target = {"permission": "permissions", "role": "roles"}[right]
    policy_fields: tuple[Field, ...] = ()
    if policy:
        policy_fields = (
            Field("policyId", "uuid", create="opt", update=True, legacy={"update": False}),
            _ro("realmScope", default="own", gens=CURRENT),
        )
    fields = (
        _id(),
        *_timestamps(),
        *policy_fields,
        _fk(f"{left}Id"),
        _ro(f"{left}RealmId", "uuid"),
        _fk(f"{right}Id"),
        _ro(f"{right}RealmId", "uuid"),
    )
    filters = (f"{left}Id", f"{right}Id", "id", f"{left}RealmId", f"{right}RealmId")
    expand = (left, right) if right == "permission" else (right, left)
    return Resource(
        key=key,
        service="auth",
        schema_name=schema,
        label=label,
        fields=fields,
        filters=filters + (("policyId",) if policy else ()),
        sorts=("id", "createdAt", "updatedAt"),
        relations=(
            Relation(left, left_target, f"{left}Id"),
            Relation(right, right_target, f"{right}Id"),
        ),
        includes=(left, right),
        unique=(Unique((f"{left}Id", f"{right}Id")),),
        ops=CRUD if policy else CRUD - {"update"},
        perms={
            "create": ((f"{perm}_create",),),
            "update": ((f"{perm}_update",),),
            "delete": ((f"{perm}_delete",),),
        },
        views={
            Generation.LEGACY: {"create": View(expand=expand), "delete": View(expand=expand)},
            Generation.CURRENT: {"create": View(expand=expand)},
        },
        conflict_error="EntityConflictError",
        conflict_message=f"The {label} already exists.",
        meta=SchemaMeta("authup"),
    )


def _crud_perms(prefix: str) -> dict[str, PermRule]:
    return {op: ((f"{prefix}_{op}",),) for op in ("create", "update", "delete")}


_AUTHUP_META_ALL = SchemaMeta("authup", fields_allowed="all", fields_default_none=True)

# --------------------------------------------------------------------------- auth (authup)

REALMS = Resource(
    key="realms",
    service="auth",
    schema_name="realm",
    label="realm",
    fields=(
        _id(),
        _slug_name(),
        _display_name(),
        _description(),
        _ro("builtIn", "bool", default=False),
        *_timestamps(),
    ),
    filters=("id", "builtIn", "displayName", "name"),
    sorts=("id", "name", "createdAt", "updatedAt"),
    unique=(Unique(("name",)),),
    perms=_crud_perms("realm"),
    lookup_by_name=True,
    upsert=True,
    meta=_AUTHUP_META_ALL,
)

USERS = Resource(
    key="users",
    service="auth",
    schema_name="user",
    label="user",
    fields=(
        _id(),
        _slug_name(),
        Field("nameLocked", "bool", create="opt", update=True, nullable=False, default=True),
        Field("firstName", create="opt", update=True, min_len=3, max_len=128),
        Field("lastName", create="opt", update=True, min_len=3, max_len=128),
        _display_name(),
        Field(
            "email",
            "email",
            create="req",
            update=True,
            lower=True,
            hidden=True,
            legacy={"create": "opt"},
        ),
        Field(
            "password",
            create="opt",
            update=True,
            min_len=10,
            max_len=512,
            internal=True,
            secret=True,
        ),
        _ro("avatar"),
        _ro("cover"),
        _ro("resetHash", internal=True),
        _ro("resetAt", internal=True),
        _ro("resetExpires", internal=True),
        Field("status", create="opt", update=True, min_len=3, max_len=256),
        Field("statusMessage", create="opt", update=True, min_len=3, max_len=256),
        Field("active", "bool", create="opt", update=True, nullable=False, default=True),
        _ro("activateHash", internal=True),
        *_timestamps(),
        _fk("realmId", create="opt"),
        _ro("clientId", "uuid", gens=LEGACY),
    ),
    filters=("id", "name", "displayName", "realmId", "active"),
    sorts=("id", "name", "displayName", "createdAt", "updatedAt"),
    relations=(Relation("realm", "realms", "realmId"),),
    includes=("realm",),
    unique=(Unique(("name", "realmId")),),
    perms=_crud_perms("user"),
    read_perms=(("user_read",), ("user_update",), ("user_delete",)),
    views={
        Generation.LEGACY: {
            "list": View(remove=("status", "statusMessage", "clientId")),
            "create": View(base="all", expand=("realm",)),
            "update": View(base="all"),
        },
        Generation.CURRENT: {
            "create": View(base="all", expand=("realm",)),
            "update": View(base="all", remove=("email",)),
        },
    },
    ranged_views=(ranged(PRE_0_13, list=View(remove=("status", "statusMessage"))),),
    lookup_by_name=True,
    upsert=True,
    meta=SchemaMeta("authup", fields_allowed="extras"),
)

ROLES = Resource(
    key="roles",
    service="auth",
    schema_name="role",
    label="role",
    fields=(
        _id(),
        _ro("builtIn", "bool", default=False),
        Field("name", create="req", update=True, nullable=False, min_len=3, max_len=128),
        _display_name(),
        _ro("target"),
        _description(),
        Field("clientId", "uuid", create="opt", update=True),
        _fk("realmId", create="opt"),
        *_timestamps(),
    ),
    filters=("id", "builtIn", "name", "displayName", "target", "clientId", "realmId"),
    sorts=("id", "name", "updatedAt", "createdAt"),
    relations=(Relation("realm", "realms", "realmId"),),
    includes=("realm",),
    unique=(Unique(("name", "clientId", "realmId")),),
    perms=_crud_perms("role"),
    views={Generation.LEGACY: {"get": View(remove=("builtIn", "clientId"))}},
    ranged_views=(
        ranged(HUB_0_12_CAMEL_AUTHUP, list=View(remove=("builtIn", "clientId"))),
        ranged(PRE_0_13, create=View(base="all", expand=("realm",))),
    ),
    lookup_by_name=True,
    upsert=True,
    legacy_unpaged_above=MAX_PAGE_LIMIT,
    meta=_AUTHUP_META_ALL,
)

PERMISSIONS = Resource(
    key="permissions",
    service="auth",
    schema_name="permission",
    label="permission",
    fields=(
        _id(),
        _ro("builtIn", "bool", default=False),
        Field("name", create="req", update=True, nullable=False, min_len=3, max_len=128),
        _display_name(),
        _description(),
        _ro("target", gens=LEGACY),
        Field("policyId", "uuid", create="opt", update=True, gens=LEGACY),
        Field(
            "decisionStrategy",
            create="opt",
            update=True,
            choices=("affirmative", "unanimous", "consensus"),
            gens=CURRENT,
        ),
        Field("clientId", "uuid", create="opt", update=True),
        _fk("realmId", create="opt"),
        *_timestamps(),
    ),
    filters=("id", "displayName", "name", "builtIn", "realmId", "clientId"),
    sorts=("id", "name", "createdAt", "updatedAt"),
    unique=(Unique(("name", "clientId", "realmId")),),
    perms=_crud_perms("permission"),
    conflict_error="DatabaseConflictError",
    conflict_message=_DB_CONFLICT,
    lookup_by_name=True,
    upsert=True,
    meta=_AUTHUP_META_ALL,
)

POLICIES = Resource(
    key="policies",
    service="auth",
    schema_name="policy",
    label="policy",
    fields=(
        _id(),
        _ro("builtIn", "bool", default=False),
        _ro("type"),
        _ro("name"),
        _ro("displayName"),
        _ro("description"),
        _ro("invert", "bool", default=False),
        _ro("parentId", "uuid"),
        _ro("realmId", "uuid"),
        *_timestamps(),
    ),
    # authup beta.26's read handler (its source at the tag)
    filters=("id", "name", "type", "parentId", "realmId"),
    sorts=("id", "createdAt", "updatedAt"),
    ops=READ_ONLY,
    meta=_AUTHUP_META_ALL,
)

ROLE_PERMISSIONS = _junction(
    "role-permissions",
    "rolePermission",
    "role-permission",
    "role",
    "permission",
    policy=True,
    perm="role_permission",
)
USER_ROLES = _junction(
    "user-roles", "userRole", "user-role", "user", "role", policy=False, perm="user_role"
)
USER_PERMISSIONS = _junction(
    "user-permissions",
    "userPermission",
    "user-permission",
    "user",
    "permission",
    policy=True,
    perm="user_permission",
)
CLIENT_PERMISSIONS = _junction(
    "client-permissions",
    "clientPermission",
    "client-permission",
    "client",
    "permission",
    policy=True,
    perm="client_permission",
)
CLIENT_ROLES = _junction(
    "client-roles", "clientRole", "client-role", "client", "role", policy=False, perm="client_role"
)

CLIENTS = Resource(
    key="clients",
    service="auth",
    schema_name="client",
    label="client",
    fields=(
        _id(),
        Field(
            "active", "bool", create="opt", update=True, nullable=False, default=True, gens=CURRENT
        ),
        _ro("builtIn", "bool", default=False),
        Field(
            "authMethod",
            create="opt",
            update=True,
            nullable=False,
            choices=("none", "secret", "tls"),
            default="none",
            gens=CURRENT,
            releases=SINCE_CAMEL_AUTHUP,
        ),
        Field(
            "tokenBindingMethod",
            create="opt",
            update=True,
            nullable=False,
            choices=("none", "tls"),
            default="none",
            gens=CURRENT,
            releases=SINCE_CAMEL_AUTHUP,
        ),
        _slug_name(),
        _display_name(),
        Field("description", create="opt", update=True, min_len=3, max_len=4096),
        Field("secret", create="opt", update=True, min_len=3, max_len=256, hidden=True),
        Field(
            "secretHashed",
            "bool",
            create="opt",
            update=True,
            nullable=False,
            default=False,
            gens=CURRENT,
        ),
        Field(
            "secretEncrypted",
            "bool",
            create="opt",
            update=True,
            nullable=False,
            default=False,
            gens=CURRENT,
        ),
        Field("redirectUri", create="opt", update=True),
        Field("postLogoutRedirectUri", create="opt", update=True, gens=CURRENT),
        Field(
            "accessPolicyId",
            "uuid",
            create="opt",
            update=True,
            gens=CURRENT,
            releases=SINCE_CAMEL_AUTHUP,
        ),
        Field("grantTypes", create="opt", update=True),
        Field("scope", create="opt", update=True),
        Field("baseUrl", create="opt", update=True),
        Field("rootUrl", create="opt", update=True),
        # authup beta.52 (Hub 0.12.2) still has isConfidential and none of authMethod,
        # tokenBindingMethod, accessPolicyId (recorded); beta.56 (0.12.7) has the current set
        Field(
            "isConfidential",
            "bool",
            create="opt",
            update=True,
            nullable=False,
            default=False,
            releases=BEFORE_CAMEL_AUTHUP,
        ),
        *_timestamps(),
        _fk("realmId", create="opt"),
        _ro("userId", "uuid", gens=LEGACY),
    ),
    filters=("id", "name", "displayName", "realmId", "active", "builtIn"),
    sorts=("id", "createdAt", "updatedAt"),
    relations=(
        Relation("realm", "realms", "realmId"),
        Relation("accessPolicy", None, "accessPolicyId"),
    ),
    includes=("realm", "accessPolicy"),
    unique=(Unique(("name", "realmId")),),
    perms=_crud_perms("client"),
    views={
        Generation.LEGACY: {
            "list": View(remove=("builtIn",)),
            "create": View(base="all", expand=("realm",)),
            "update": View(base="all"),
        },
        Generation.CURRENT: {
            "create": View(base="all", expand=("realm",)),
            "update": View(base="all"),
        },
    },
    conflict_error="DatabaseConflictError",
    conflict_message=_DB_CONFLICT,
    lookup_by_name=True,
    upsert=True,
    meta=SchemaMeta("authup", fields_allowed="extras"),
)

ROBOTS = Resource(
    key="robots",
    service="auth",
    schema_name="robot",
    label="robot",
    fields=(
        _id(),
        Field("name", create="req", update=True, nullable=False, min_len=3, max_len=128),
        _display_name(),
        Field("description", create="opt", update=True, min_len=3),
        Field("active", "bool", create="opt", update=True, nullable=False, default=True),
        Field("secret", create="opt", update=True, min_len=3, max_len=256, internal=True),
        *_timestamps(),
        _ro("userId", "uuid"),
        _ro("clientId", "uuid"),
        _fk("realmId", create="opt"),
    ),
    filters=("id", "name", "realmId", "userId"),
    sorts=("id", "name", "createdAt", "updatedAt"),
    relations=(Relation("realm", "realms", "realmId"),),
    includes=("realm",),
    unique=(Unique(("name", "realmId")),),
    gens=LEGACY,
    perms=_crud_perms("robot"),
    views={
        Generation.LEGACY: {
            "list": View(remove=("clientId",)),
            "create": View(base="all", expand=("realm",)),
        }
    },
    # authup beta.52 (Hub 0.12.2) still serves robots, without client_id (recorded)
    ranged_views=(ranged(PRE_0_13, list=View(remove=("clientId",))),),
    lookup_by_name=True,
)

# --------------------------------------------------------------------------- core

NODES = Resource(
    key="nodes",
    service="core",
    schema_name="node",
    label="node",
    fields=(
        _id(),
        Field(
            "externalName",
            create="opt",
            update=True,
            min_len=1,
            max_len=64,
            pattern=EXTERNAL_NAME_PATTERN,
        ),
        Field("publicKey", create="opt", update=True, min_len=5, max_len=4096),
        Field("name", create="req", update=True, nullable=False, min_len=3, max_len=128),
        Field("hidden", "bool", create="opt", update=True, nullable=False, default=False),
        Field(
            "type",
            create="opt",
            update=True,
            nullable=False,
            choices=("aggregator", "default"),
            default="default",
        ),
        _ro("online", "bool", default=False),
        Field("registryId", "uuid", create="opt", update=True),
        _ro("registryProjectId", "uuid"),
        Field("clientId", "uuid", create="opt", update=True, gens=CURRENT),
        _ro("robotId", "uuid"),
        _fk("realmId", create="opt"),
        *_timestamps(),
    ),
    filters=("id", "name", "online", "hidden", "clientId", "realmId", "robotId"),
    sorts=("name", "updatedAt", "createdAt"),
    relations=(
        Relation("registryProject", "registry-projects", "registryProjectId"),
        Relation("registry", "registries", "registryId"),
    ),
    includes=("registryProject", "registry"),
    unique=(Unique(("name", "realmId")), Unique(("externalName", "registryId"), True)),
    perms=_crud_perms("node"),
    meta=SchemaMeta(fields_allowed="all"),
)

PROJECTS = Resource(
    key="projects",
    service="core",
    schema_name="project",
    label="project",
    fields=(
        _id(),
        _slug_name(create="opt", legacy={"create": "req", "pattern": None, "lower": False}),
        _display_name(gens=CURRENT),
        _description(),
        _ro("analyses", "int", nullable=False, default=0),
        _ro("nodes", "int", nullable=False, default=0),
        *_timestamps(),
        _ro("realmId", "uuid"),
        _ro("clientId", "uuid", gens=CURRENT),
        _ro("userId", "uuid"),
        _ro("robotId", "uuid"),
        Field("masterImageId", "uuid", create="opt", update=True),
    ),
    filters=("id", "name", "displayName", "realmId", "userId"),
    sorts=("id", "name", "displayName", "updatedAt", "createdAt"),
    relations=(Relation("masterImage", "master-images", "masterImageId"),),
    includes=("masterImage",),
    unique=(Unique(("name",)),),
    perms=_crud_perms("project"),
    conflict_message=_DB_CONFLICT,
    legacy_meta_total_only=True,
    meta=SchemaMeta(fields_allowed="all"),
)

PROJECT_NODES = Resource(
    key="project-nodes",
    service="core",
    schema_name="projectNode",
    label="project-node",
    fields=(
        _id(),
        Field("approvalStatus", create=None, update=True, choices=APPROVAL_STATUSES),
        Field("comment", update=True, min_len=3, max_len=4096),
        *_timestamps(),
        _fk("projectId"),
        _ro("projectRealmId", "uuid"),
        _fk("nodeId"),
        _ro("nodeRealmId", "uuid"),
    ),
    filters=("approvalStatus", "projectRealmId", "projectId", "nodeRealmId", "nodeId"),
    sorts=("createdAt", "updatedAt", "project.name", "node.name"),
    relations=(Relation("project", "projects", "projectId"), Relation("node", "nodes", "nodeId")),
    includes=("node", "project"),
    unique=(Unique(("projectId", "nodeId")),),
    perms={
        "create": (("project_create", "project_update"),),
        "update": (("project_approve",),),
        "delete": (("project_create", "project_update"),),
    },
    views={
        gen: {"create": View(expand=("project", "node")), "delete": View(expand=("project",))}
        for gen in BOTH
    },
    legacy_meta_total_only=True,
)

ANALYSES = Resource(
    key="analyses",
    service="core",
    schema_name="analysis",
    label="analysis",
    fields=(
        _id(),
        _slug_name(create="opt", legacy={"pattern": None, "lower": False}),
        _display_name(gens=CURRENT),
        _description(),
        _ro("nodes", "int", nullable=False, default=0),
        _ro("nodesApproved", "int", nullable=False, default=0, gens=CURRENT),
        _ro("configurationLocked", "bool", nullable=False, default=False),
        *(
            _ro(name, "bool", nullable=False, default=False, gens=CURRENT)
            for name in (
                "configurationEntrypointValid",
                "configurationImageValid",
                "configurationNodeAggregatorValid",
                "configurationNodeDefaultValid",
                "configurationNodesValid",
            )
        ),
        _ro("distributionStatus", gens=CURRENT),
        _ro("distributionProgress", "int", gens=CURRENT),
        _ro("buildNodesValid", "bool", nullable=False, default=False, gens=CURRENT),
        _ro("buildStatus"),
        _ro("buildProgress", "int", gens=CURRENT),
        _ro("buildHash", gens=CURRENT),
        _ro("buildOs", gens=CURRENT),
        _ro("buildSize", "int", gens=CURRENT),
        _ro("runStatus", gens=LEGACY),
        _ro("executionStatus", gens=CURRENT),
        _ro("executionProgress", "int", gens=CURRENT),
        Field("imageCommandArguments", "json", create="opt", update=True),
        *_timestamps(),
        Field("registryId", "uuid", create="opt", update=True),
        _ro("clientId", "uuid", gens=CURRENT),
        _ro("realmId", "uuid"),
        _ro("userId", "uuid"),
        _fk("projectId", create="req"),
        Field("masterImageId", "uuid", create="opt", update=True),
    ),
    filters=(
        "id",
        "name",
        "displayName",
        "description",
        "projectId",
        "realmId",
        "buildStatus",
        "executionStatus",
        "configurationLocked",
    ),
    legacy_filters=(
        "id",
        "name",
        "description",
        "projectId",
        "realmId",
        "buildStatus",
        "runStatus",
        "configurationLocked",
    ),
    sorts=("name", "displayName", "createdAt", "updatedAt"),
    default_sort=(("updatedAt", True),),
    relations=(
        Relation("project", "projects", "projectId"),
        Relation("masterImage", "master-images", "masterImageId"),
    ),
    includes=("project", "masterImage"),
    perms=_crud_perms("analysis"),
    views={
        Generation.LEGACY: {
            "list": View(remove=("imageCommandArguments",)),
            "create": View(expand=("project",)),
            "delete": View(remove=("imageCommandArguments",), expand=("project",)),
        },
        Generation.CURRENT: {
            "create": View(expand=("project",)),
            "delete": View(expand=("project",)),
        },
    },
    ranged_views=(ranged(PRE_0_13, list=View(remove=("imageCommandArguments",))),),
    legacy_meta_total_only=True,
    meta=SchemaMeta(fields_allowed="all"),
)

ANALYSIS_NODES = Resource(
    key="analysis-nodes",
    service="core",
    schema_name="analysisNode",
    label="analysis-node",
    fields=(
        _id(),
        Field("approvalStatus", update=True, choices=APPROVAL_STATUSES),
        Field("executionStatus", update=True, choices=PROCESS_STATUSES, gens=CURRENT),
        Field("executionProgress", "int", update=True, min_value=0, max_value=100, gens=CURRENT),
        Field("runStatus", update=True, choices=LEGACY_RUN_STATUSES, gens=LEGACY),
        Field("comment", update=True, max_len=4096),
        _ro("index", "int", nullable=False, default=0, gens=LEGACY),
        _ro("artifactTag"),
        _ro("artifactDigest"),
        *_timestamps(),
        _fk("analysisId"),
        _ro("analysisRealmId", "uuid"),
        _fk("nodeId"),
        _ro("nodeRealmId", "uuid"),
    ),
    filters=(
        "executionStatus",
        "approvalStatus",
        "analysisId",
        "analysisRealmId",
        "nodeId",
        "nodeRealmId",
    ),
    legacy_filters=(
        "runStatus",
        "approvalStatus",
        "analysisId",
        "analysisRealmId",
        "nodeId",
        "nodeRealmId",
    ),
    sorts=("createdAt", "updatedAt", "analysis.name", "node.name"),
    relations=(Relation("analysis", "analyses", "analysisId"), Relation("node", "nodes", "nodeId")),
    includes=("node", "analysis"),
    unique=(Unique(("analysisId", "nodeId")),),
    perms={
        "create": (("analysis_update",),),
        "update": (("analysis_update",), ("analysis_approve",)),
        "delete": (("analysis_update",), ("analysis_approve",)),
    },
    views={
        Generation.LEGACY: {
            "create": View(expand=("analysis", "node")),
            "update": View(expand=("analysis",)),
        }
    },
    legacy_meta_total_only=True,
)

ANALYSIS_BUCKETS = Resource(
    key="analysis-buckets",
    service="core",
    schema_name="analysisBucket",
    label="analysis-bucket",
    fields=(
        _id(),
        Field("type", create="req", nullable=False, choices=("CODE", "RESULT", "TEMP")),
        # Hub 0.8.13 keeps the storage bucket in external_id, set by its analysis manager
        # only: a create body's bucket_id or external_id is dropped (recorded)
        _fk("bucketId", legacy_name="external_id", legacy={"create": None}),
        _fk("analysisId"),
        _ro("realmId", "uuid"),
        *_timestamps(),
    ),
    filters=("analysisId", "type"),
    sorts=("type", "createdAt", "updatedAt"),
    relations=(Relation("analysis", "analyses", "analysisId"),),
    includes=("analysis",),
    unique=(Unique(("bucketId", "analysisId")),),
    # 0.8.13 answers a create with the analysis embedded (recorded)
    views={Generation.LEGACY: {"create": View(expand=("analysis",))}},
    ranged_views=(ranged(PRE_0_13, create=View(expand=("analysis",))),),  # 0.12.2 too
    legacy_meta_total_only=True,
)

ANALYSIS_BUCKET_FILES = Resource(
    key="analysis-bucket-files",
    service="core",
    schema_name="analysisBucketFile",
    label="analysis-bucket-file",
    fields=(
        _id(),
        Field(
            "path",
            create="req",
            update=True,
            nullable=False,
            min_len=1,
            max_len=256,
            legacy_name="name",
        ),
        Field("root", "bool", create="opt", update=True, nullable=False, default=False),
        # Hub 0.8.13 has no storage bucket here and names the analysis bucket bucket_id,
        # embedded as `bucket` (recorded)
        _fk("bucketId", gens=CURRENT),
        _fk("bucketFileId", legacy_name="external_id"),
        _ro("clientId", "uuid", gens=CURRENT),
        _ro("robotId", "uuid"),
        _ro("userId", "uuid"),
        _ro("realmId", "uuid"),
        _ro("analysisId", "uuid"),
        _fk("analysisBucketId", legacy_name="bucket_id"),
        *_timestamps(),
    ),
    filters=("path", "root", "analysisBucketId", "analysisId"),
    sorts=("path", "createdAt", "updatedAt"),
    relations=(
        Relation("analysis", "analyses", "analysisId"),
        Relation("analysisBucket", "analysis-buckets", "analysisBucketId", legacy_name="bucket"),
    ),
    includes=("analysis", "analysisBucket"),
    unique=(Unique(("analysisId", "path")),),
    # 0.8.13 answers a create with the analysis bucket embedded as `bucket` (recorded)
    views={Generation.LEGACY: {"create": View(expand=("analysisBucket",))}},
    ranged_views=(ranged(PRE_0_13, create=View(expand=("analysisBucket",))),),
    legacy_meta_total_only=True,
)

ANALYSIS_NODE_EVENTS = Resource(
    key="analysis-node-events",
    service="core",
    schema_name="analysisNodeEvent",
    label="analysis-node-event",
    fields=(
        _id(),
        _ro("eventId", "uuid"),
        *_timestamps(),
        _ro("analysisId", "uuid"),
        _ro("analysisRealmId", "uuid"),
        _ro("nodeId", "uuid"),
        _ro("nodeRealmId", "uuid"),
    ),
    filters=("analysisId", "nodeId"),
    sorts=("createdAt", "updatedAt"),
    relations=(Relation("analysis", "analyses", "analysisId"), Relation("node", "nodes", "nodeId")),
    includes=("analysis", "node"),
    ops=READ_ONLY,
    gens=CURRENT,
)

# Hub 0.8.x - 0.11.3: a permission granted to an analysis (removed in 0.11.4, replaced by
# the client permissions of /analyses/:id/client/permissions).
ANALYSIS_PERMISSIONS = Resource(
    key="analysis-permissions",
    service="core",
    schema_name="analysisPermission",
    label="analysis-permission",
    fields=(
        _id(),
        _fk("analysisId"),
        _ro("analysisRealmId", "uuid"),
        _fk("permissionId"),
        _ro("permissionRealmId", "uuid"),
        _fk("policyId", create="opt"),
        *_timestamps(),
    ),
    filters=("permissionId", "permissionRealmId", "analysisId", "analysisRealmId"),
    sorts=("createdAt", "updatedAt"),
    relations=(
        Relation("analysis", "analyses", "analysisId"),
        Relation("permission", "permissions", "permissionId"),
    ),
    includes=("analysis", "permission"),
    unique=(Unique(("permissionId", "analysisId")),),
    ops=CRUD - {"update"},
    gens=LEGACY,
    perms={"create": (("analysis_update",),), "delete": (("analysis_update",),)},
    views={Generation.LEGACY: {"create": View(expand=("analysis", "permission"))}},
    legacy_meta_total_only=True,
)

MASTER_IMAGES = Resource(
    key="master-images",
    service="core",
    schema_name="masterImage",
    label="master-image",
    fields=(
        _id(),
        _ro("name", nullable=False),
        _ro("path"),
        _ro("virtualPath", nullable=False),
        _ro("groupVirtualPath", nullable=False),
        _ro("command"),
        _ro("commandArguments", "json"),
        _ro("buildStatus", gens=CURRENT),
        _ro("buildProgress", "int", gens=CURRENT),
        _ro("buildHash", gens=CURRENT),
        _ro("buildSize", "int", gens=CURRENT),
        *_timestamps(),
    ),
    filters=("id", "name", "path", "virtualPath", "groupVirtualPath"),
    sorts=("path",),
    default_sort=(("path", False),),
    ops=frozenset({"list", "get", "delete"}),
    perms={"delete": (("master_image_manage",),)},
    legacy_meta_total_only=True,
)

MASTER_IMAGE_GROUPS = Resource(
    key="master-image-groups",
    service="core",
    schema_name="masterImageGroup",
    label="master-image-group",
    fields=(_id(), _ro("name", nullable=False), _ro("path"), _ro("virtualPath"), *_timestamps()),
    filters=("id", "name", "path", "virtualPath"),
    ops=frozenset({"list", "get", "delete"}),
    perms={"delete": (("master_image_group_manage",),)},
    legacy_meta_total_only=True,
)

# Written by the Hub itself when its worker reports master-image events (sync, build,
# push); 0.8.x served them read-only until 0.8.20 removed them.
MASTER_IMAGE_EVENT_LOGS = Resource(
    key="master-image-event-logs",
    service="core",
    schema_name="masterImageEventLog",
    label="master-image-event-log",
    fields=(
        _id(),
        _ro("name", nullable=False),
        _ro("data", "json"),
        _ro("expiring", "bool", nullable=False, default=False),
        _ro("expiresAt", "datetime", nullable=False),
        _ro("masterImageId", "uuid"),
        *_timestamps(),
    ),
    filters=("name", "masterImageId", "createdAt", "updatedAt"),
    sorts=("expiresAt", "createdAt", "updatedAt"),
    relations=(Relation("masterImage", "master-images", "masterImageId"),),
    includes=("masterImage",),
    ops=READ_ONLY,
    gens=LEGACY,
    legacy_meta_total_only=True,
)

REGISTRIES = Resource(
    key="registries",
    service="core",
    schema_name="registry",
    label="registry",
    fields=(
        _id(),
        Field("name", create="req", update=True, nullable=False, min_len=3, max_len=128),
        Field("host", create="req", update=True, nullable=False, min_len=3, max_len=512),
        Field("accountName", create="opt", update=True, min_len=3, max_len=256),
        Field("accountSecret", create="opt", update=True, min_len=3, max_len=256, hidden=True),
        *_timestamps(),
    ),
    filters=("id", "name"),
    sorts=("id", "updatedAt", "createdAt"),
    unique=(Unique(("name",)), Unique(("host",))),
    perms={op: (("registry_manage",),) for op in ("create", "update", "delete")},
    views={gen: {"create": View(base="all"), "update": View(base="all")} for gen in BOTH},
    meta=SchemaMeta(fields_allowed="all"),
)

REGISTRY_PROJECTS = Resource(
    key="registry-projects",
    service="core",
    schema_name="registryProject",
    label="registry-project",
    fields=(
        _id(),
        Field("name", create="req", update=True, nullable=False, min_len=5, max_len=128),
        Field(
            "type",
            create="req",
            nullable=False,
            choices=("default", "aggregator", "incoming", "outgoing", "masterImages", "node"),
        ),
        _ro("public", "bool", nullable=False, default=True),
        Field(
            "externalName",
            create="req",
            update=True,
            nullable=False,
            min_len=3,
            max_len=64,
            pattern=EXTERNAL_NAME_PATTERN,
        ),
        _ro("externalId"),
        _ro("accountId"),
        _ro("accountName"),
        _ro("accountSecret", hidden=True),
        _ro("webhookName"),
        _ro("webhookExists", "bool", nullable=False, default=False),
        _fk("registryId"),
        _ro("realmId", "uuid"),
        *_timestamps(),
    ),
    filters=("id", "name", "registryId", "externalName", "type"),
    sorts=("id", "updatedAt", "createdAt"),
    relations=(Relation("registry", "registries", "registryId"),),
    includes=("registry",),
    unique=(Unique(("name", "registryId")), Unique(("externalName", "registryId"))),
    perms={op: (("registry_project_manage",),) for op in ("create", "update", "delete")},
    meta=SchemaMeta(fields_allowed="all"),
)

# --------------------------------------------------------------------------- storage

BUCKETS = Resource(
    key="buckets",
    service="storage",
    schema_name="bucket",
    label="bucket",
    fields=(
        _id(),
        Field("name", create="req", nullable=False, min_len=3, max_len=256),
        Field("region", create="opt", min_len=3, max_len=256),
        *_timestamps(),
        _ro("actorId", "uuid"),
        _ro("actorType"),
        Field("realmId", "uuid", create="opt"),
    ),
    filters=("id", "name", "realmId", "actorType", "actorId"),
    sorts=("id", "updatedAt", "createdAt"),
    perms={
        "create": (("bucket_create",),),
        "update": (("bucket_update",),),
        "delete": (("bucket_delete",),),
    },
    lookup_by_name=True,
    legacy_meta_total_only=True,
)

BUCKET_FILES = Resource(
    key="bucket-files",
    service="storage",
    schema_name="bucketFile",
    label="bucket-file",
    fields=(
        _id(),
        _ro("name", nullable=False),
        _ro("path", nullable=False),
        _ro("hash"),
        _ro("directory"),
        _ro("size", "int"),
        *_timestamps(),
        _ro("actorType"),
        _ro("actorId", "uuid"),
        _ro("realmId", "uuid"),
        _ro("bucketId", "uuid"),
    ),
    filters=("id", "name", "directory", "realmId", "actorType", "actorId", "bucketId"),
    sorts=("id", "directory", "name", "updatedAt", "createdAt"),
    relations=(Relation("bucket", "buckets", "bucketId"),),
    includes=("bucket",),
    unique=(Unique(("bucketId", "path")),),
    ops=frozenset({"list", "get", "delete"}),
    perms={"delete": (("bucket_update",),)},
    views={gen: {"delete": View(expand=("bucket",))} for gen in BOTH},
    legacy_meta_total_only=True,
)

# Hub 0.8.x kept analysis and node logs as database records (until 0.8.20): the analysis
# logs are written by the Hub itself as its components report on commands, node logs are
# posted by the nodes.
LEGACY_ANALYSIS_LOGS = Resource(
    key="analysis-logs",
    service="core",
    schema_name="analysisLog",
    label="analysis-log",
    fields=(
        _id(),
        _ro("component"),
        _ro("command"),
        _ro("event"),
        _ro("error", "bool", nullable=False, default=False),
        _ro("errorCode"),
        _ro("status"),
        _ro("statusMessage"),
        _ro("meta"),
        *_timestamps(),
        _ro("analysisId", "uuid"),
        _ro("realmId", "uuid"),
    ),
    filters=("command", "error", "status", "analysisId"),
    sorts=("command", "status", "createdAt", "updatedAt"),
    relations=(Relation("analysis", "analyses", "analysisId"),),
    includes=("analysis",),
    ops=frozenset({"list", "get", "delete"}),
    gens=LEGACY,
    legacy_meta_total_only=True,
)

LEGACY_ANALYSIS_NODE_LOGS = Resource(
    key="analysis-node-logs",
    service="core",
    schema_name="analysisNodeLog",
    label="analysis-node-log",
    fields=(
        _id(),
        _ro("error", "bool", nullable=False, default=False),
        _ro("errorCode"),
        Field("status", create="req", update=True, nullable=False),
        Field("statusMessage", create="opt", update=True),
        *_timestamps(),
        _fk("analysisId"),
        _ro("analysisRealmId", "uuid"),
        _fk("nodeId"),
        _ro("nodeRealmId", "uuid"),
    ),
    filters=("error", "status", "analysisId", "nodeId"),
    sorts=("status", "createdAt", "updatedAt"),
    relations=(Relation("analysis", "analyses", "analysisId"), Relation("node", "nodes", "nodeId")),
    includes=("analysis", "node"),
    gens=LEGACY,
    views={Generation.LEGACY: {"create": View(expand=("analysis", "node"))}},
    legacy_meta_total_only=True,
)

# Telemetry-backed logs of current Hubs: not CRUD tables, declared for their query
# vocabulary only.
ANALYSIS_LOGS = Resource(
    key="analysis-logs",
    service="core",
    schema_name="analysisLog",
    label="analysis-log",
    fields=(
        _ro("time"),
        _ro("message"),
        _ro("level"),
        _ro("service"),
        _ro("channel"),
        _ro("labels", "json"),
        _ro("analysisId", "uuid"),
    ),
    filters=("level", "analysisId"),
    sorts=("time",),
    ops=frozenset(),
    legacy_meta_total_only=True,
)

ANALYSIS_NODE_LOGS = Resource(
    key="analysis-node-logs",
    service="core",
    schema_name="analysisNodeLog",
    label="analysis-node-log",
    fields=(
        _ro("time"),
        _ro("message"),
        _ro("level"),
        _ro("service"),
        _ro("channel"),
        _ro("labels", "json"),
        _ro("analysisId", "uuid"),
        _ro("nodeId", "uuid"),
    ),
    filters=("level", "analysisId", "nodeId"),
    sorts=("time",),
    ops=frozenset(),
    legacy_meta_total_only=True,
)

RESOURCES: tuple[Resource, ...] = (
    REALMS,
    USERS,
    ROLES,
    PERMISSIONS,
    POLICIES,
    ROLE_PERMISSIONS,
    USER_ROLES,
    USER_PERMISSIONS,
    CLIENTS,
    CLIENT_PERMISSIONS,
    CLIENT_ROLES,
    ROBOTS,
    NODES,
    PROJECTS,
    PROJECT_NODES,
    ANALYSES,
    ANALYSIS_NODES,
    ANALYSIS_BUCKETS,
    ANALYSIS_BUCKET_FILES,
    ANALYSIS_NODE_EVENTS,
    ANALYSIS_PERMISSIONS,
    LEGACY_ANALYSIS_LOGS,
    LEGACY_ANALYSIS_NODE_LOGS,
    MASTER_IMAGES,
    MASTER_IMAGE_GROUPS,
    MASTER_IMAGE_EVENT_LOGS,
    REGISTRIES,
    REGISTRY_PROJECTS,
    BUCKETS,
    BUCKET_FILES,
)

LOG_RESOURCES: tuple[Resource, ...] = (ANALYSIS_LOGS, ANALYSIS_NODE_LOGS)

# The store tables win over the query vocabularies of the same key: ``analysis-logs`` and
# ``analysis-node-logs`` are tables on legacy Hubs (current Hubs keep their lines apart).
_BY_KEY = {res.key: res for res in LOG_RESOURCES + RESOURCES}


def resource(key: str) -> Resource:
    """The resource declared under ``key`` (e.g. ``"nodes"``)."""
    return _BY_KEY[key]


def resources_for(generation: Generation) -> tuple[Resource, ...]:
    """The CRUD resources that exist on ``generation``."""
    return tuple(res for res in RESOURCES if generation in res.gens)


def fill_defaults(res: Resource, generation: Generation, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` completed with the declared defaults (``None`` where none is declared)."""
    row = dict(values)
    for field_ in res.fields_for(generation):
        if field_.name not in row and field_.name not in ("id", "createdAt", "updatedAt"):
            default = field_.default
            row[field_.name] = list(default) if isinstance(default, list) else default
    return row
