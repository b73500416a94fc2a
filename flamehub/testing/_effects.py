"""Side effects of individual resources (the only per-resource code of the CRUD engine).

Each :class:`ResourceHooks` plugs into the generic create/update/delete flow of ``_crud``:
defaults that depend on the caller, counters, provisioning of node and analysis identities,
analysis buckets, cascades, and the business rules the recordings show.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._auth import hash_password, new_secret
from ._errors import HubError, bad_request, internal_error
from ._schema import LEGACY_RUN_STATUSES, fill_defaults, resource
from ._state import RequestContext
from ._store import Row

__all__ = [
    "ANALYSIS_BUCKET_TYPES",
    "HOOKS",
    "NO_HOOKS",
    "ResourceHooks",
    "analysis_bucket_name",
    "create_analysis_buckets",
    "delete_bucket_files",
    "insert",
    "recount_analysis",
]

#: The storage buckets core requests for every analysis.
ANALYSIS_BUCKET_TYPES: tuple[str, ...] = ("CODE", "RESULT", "TEMP")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_NODE_PERMISSIONS = ("analysis_update",)
_ANALYSIS_PERMISSIONS = ("analysis_self_storage_use", "analysis_self_message_broker_use")

Values = dict[str, Any]


@dataclass(frozen=True)
class ResourceHooks:
    """Optional callbacks of one resource; see ``_crud`` for when each runs."""

    normalize: Callable[[RequestContext, Values, str], None] | None = None
    prepare_create: Callable[[RequestContext, Values], Row | None] | None = None
    after_create: Callable[[RequestContext, Row], None] | None = None
    prepare_update: Callable[[RequestContext, Row, Values], None] | None = None
    after_update: Callable[[RequestContext, Row, Values], None] | None = None
    before_delete: Callable[[RequestContext, Row], None] | None = None
    after_delete: Callable[[RequestContext, Row], None] | None = None


NO_HOOKS = ResourceHooks()


# --------------------------------------------------------------------------- helpers


def insert(ctx: RequestContext, key: str, values: Values) -> Row:
    """Insert a row of resource ``key`` with its declared defaults (no validation)."""
    row = fill_defaults(resource(key), ctx.generation, values)
    return ctx.store.insert(key, row)


def _caller_realm(ctx: RequestContext) -> str | None:
    if ctx.identity is not None and ctx.identity.realm_id is not None:
        return ctx.identity.realm_id
    master = ctx.store.first("realms", name="master")
    return None if master is None else master["id"]


def _actor(ctx: RequestContext) -> tuple[str | None, str | None]:
    if ctx.identity is None:
        return None, None
    return ctx.identity.id, ctx.identity.kind


def _owner_fields(ctx: RequestContext) -> Values:
    """``userId``/``clientId``/``robotId`` of the caller (one of them set)."""
    kind = None if ctx.identity is None else ctx.identity.kind
    owner = None if ctx.identity is None else ctx.identity.id
    return {
        "userId": owner if kind == "user" else None,
        "clientId": owner if kind == "client" else None,
        "robotId": owner if kind == "robot" else None,
    }


def _grant_client_permissions(ctx: RequestContext, client: Row, names: tuple[str, ...]) -> None:
    for name in names:
        permission = ctx.store.first("permissions", name=name)
        if permission is not None:
            insert(
                ctx,
                "client-permissions",
                {
                    "clientId": client["id"],
                    "clientRealmId": client.get("realmId"),
                    "permissionId": permission["id"],
                    "permissionRealmId": permission.get("realmId"),
                },
            )


def _provision_identity(
    ctx: RequestContext, name: str, realm_id: str | None, permissions: tuple[str, ...]
) -> Row:
    """The authup client (current) or robot (legacy) Hub core creates for an entity."""
    if ctx.legacy:
        return insert(
            ctx,
            "robots",
            {
                "name": name,
                "realmId": realm_id,
                "secret": new_secret(),
                "_permissions": permissions,
            },
        )
    client = insert(
        ctx,
        "clients",
        {
            "name": name,
            "displayName": name,
            "realmId": realm_id,
            "authMethod": "secret",
            "secret": new_secret(),
        },
    )
    _grant_client_permissions(ctx, client, permissions)
    return client


def _delete_identity(ctx: RequestContext, row: Row) -> None:
    for key, fk in (("clients", "clientId"), ("robots", "robotId")):
        identity_id = row.get(fk)
        if identity_id is not None and ctx.store.delete(key, identity_id) is not None:
            _cascade(ctx, ("client-permissions", "client-roles"), clientId=identity_id)
        row[fk] = None


def _cascade(ctx: RequestContext, keys: tuple[str, ...], **criteria: Any) -> None:
    for key in keys:
        for row in ctx.store.find(key, **criteria):
            ctx.store.delete(key, row["id"])


def delete_bucket_files(ctx: RequestContext, bucket_id: str) -> None:
    """Remove every file row (and its bytes on disk) of a storage bucket."""
    for file_row in ctx.store.find("bucket-files", bucketId=bucket_id):
        ctx.store.delete("bucket-files", file_row["id"])
        _unlink(file_row)


def _unlink(file_row: Row) -> None:
    path = file_row.get("_path")
    if path:
        Path(path).unlink(missing_ok=True)


def analysis_bucket_name(bucket_type: str, analysis_id: str) -> str:
    """Name of an analysis' storage bucket, e.g. ``analysis-code-files.<id>``."""
    return f"analysis-{bucket_type.lower()}-files.{analysis_id}"


def create_analysis_buckets(ctx: RequestContext, analysis: Row) -> None:
    """Create the missing CODE/RESULT/TEMP storage buckets and analysis-bucket rows."""
    existing = {
        row["type"] for row in ctx.store.find("analysis-buckets", analysisId=analysis["id"])
    }
    for bucket_type in ANALYSIS_BUCKET_TYPES:
        if bucket_type in existing:
            continue
        bucket = insert(
            ctx,
            "buckets",
            {
                "name": analysis_bucket_name(bucket_type, analysis["id"]),
                "realmId": analysis.get("realmId"),
            },
        )
        insert(
            ctx,
            "analysis-buckets",
            {
                "type": bucket_type,
                "bucketId": bucket["id"],
                "analysisId": analysis["id"],
                "realmId": analysis.get("realmId"),
            },
        )


def _node_of(ctx: RequestContext, analysis_node: Row) -> Row | None:
    return ctx.store.get("nodes", analysis_node.get("nodeId"))


def recount_analysis(ctx: RequestContext, analysis_id: str | None) -> None:
    """Recalculate the analysis aggregates (node counts, validity flags, statuses)."""
    analysis = ctx.store.get("analyses", analysis_id)
    if analysis is None:
        return
    links = ctx.store.find("analysis-nodes", analysisId=analysis_id)
    analysis["nodes"] = len(links)
    if ctx.legacy:
        return
    approved = [link for link in links if link.get("approvalStatus") == "approved"]
    types = [(_node_of(ctx, link) or {}).get("type") for link in links]
    analysis["nodesApproved"] = len(approved)
    analysis["configurationNodeAggregatorValid"] = "aggregator" in types
    analysis["configurationNodeDefaultValid"] = "default" in types
    analysis["configurationNodesValid"] = "aggregator" in types and "default" in types
    analysis["buildNodesValid"] = bool(links) and len(approved) == len(links)
    analysis["configurationImageValid"] = analysis.get("masterImageId") is not None
    analysis["configurationEntrypointValid"] = any(
        row.get("root") for row in ctx.store.find("analysis-bucket-files", analysisId=analysis_id)
    )
    if links:
        progress = [link.get("executionProgress") or 0 for link in links]
        analysis["executionProgress"] = sum(progress) // len(progress)
        statuses = [link.get("executionStatus") for link in links]
        analysis["executionStatus"] = _aggregate_status(statuses)
    else:
        analysis["executionProgress"] = None


def _aggregate_status(statuses: list[str | None]) -> str | None:
    known = [status for status in statuses if status is not None]
    if not known:
        return None
    if "failed" in known:
        return "failed"
    if len(known) == len(statuses) and all(status == "executed" for status in known):
        return "executed"
    for status in ("executing", "started", "starting", "stopping", "stopped", "executed"):
        if status in known:
            return status
    return None


# --------------------------------------------------------------------------- auth


def _default_realm(ctx: RequestContext, values: Values) -> None:
    values.setdefault("realmId", _caller_realm(ctx))


def _realm_for_current(ctx: RequestContext, values: Values) -> None:
    if not ctx.legacy:
        _default_realm(ctx, values)


def _user_create(ctx: RequestContext, values: Values) -> Row | None:
    _default_realm(ctx, values)
    values.setdefault("displayName", values["name"])
    password = values.pop("password", None)
    values["_password"] = hash_password(password) if password else None
    return None


def _user_update(ctx: RequestContext, row: Row, values: Values) -> None:
    password = values.pop("password", None)
    if password:
        row["_password"] = hash_password(password)
        values["password"] = None  # rendered as null, never the hash


def _user_delete(ctx: RequestContext, row: Row) -> None:
    _cascade(ctx, ("user-roles", "user-permissions"), userId=row["id"])


def _role_create(ctx: RequestContext, values: Values) -> Row | None:
    _realm_for_current(ctx, values)
    return None


def _role_delete(ctx: RequestContext, row: Row) -> None:
    _cascade(ctx, ("role-permissions", "user-roles", "client-roles"), roleId=row["id"])


def _permission_delete(ctx: RequestContext, row: Row) -> None:
    _cascade(
        ctx, ("role-permissions", "user-permissions", "client-permissions"), permissionId=row["id"]
    )


def _client_create(ctx: RequestContext, values: Values) -> Row | None:
    _default_realm(ctx, values)
    if not ctx.legacy:
        values.setdefault("displayName", values["name"])
        if values.get("authMethod") == "secret" and not values.get("secret"):
            values["secret"] = new_secret()
    return None


def _client_delete(ctx: RequestContext, row: Row) -> None:
    _cascade(ctx, ("client-permissions", "client-roles"), clientId=row["id"])


def _robot_create(ctx: RequestContext, values: Values) -> Row | None:
    _default_realm(ctx, values)
    values.setdefault("secret", new_secret())
    return None


# --------------------------------------------------------------------------- core


def _node_normalize(ctx: RequestContext, values: Values, mode: str) -> None:
    key = values.get("publicKey")
    if isinstance(key, str) and not _HEX.match(key):
        values["publicKey"] = binascii.hexlify(key.encode()).decode()


def _node_create(ctx: RequestContext, values: Values) -> Row | None:
    _default_realm(ctx, values)
    if values.get("registryId") and not values.get("externalName"):
        values["externalName"] = new_secret()[:12]
    return None


def _ensure_registry_project(ctx: RequestContext, node: Row) -> None:
    old = ctx.store.get("registry-projects", node.get("registryProjectId"))
    if old is not None and old.get("registryId") == node.get("registryId"):
        return
    if old is not None:
        ctx.store.delete("registry-projects", old["id"])
        node["registryProjectId"] = None
    if node.get("registryId") is None:
        return
    external = node.get("externalName") or new_secret()[:12]
    node["externalName"] = external
    project = insert(
        ctx,
        "registry-projects",
        {
            "name": f"node-{external}",
            "type": "node",
            "externalName": external,
            "registryId": node["registryId"],
            "realmId": node.get("realmId"),
            "accountName": f"robot${external}",
            "accountSecret": new_secret(),
        },
    )
    node["registryProjectId"] = project["id"]


def _node_after_create(ctx: RequestContext, row: Row) -> None:
    identity = _provision_identity(ctx, row["id"], row.get("realmId"), _NODE_PERMISSIONS)
    row["robotId" if ctx.legacy else "clientId"] = identity["id"]
    _ensure_registry_project(ctx, row)


def _node_after_update(ctx: RequestContext, row: Row, values: Values) -> None:
    if "registryId" in values:
        _ensure_registry_project(ctx, row)


def _node_after_delete(ctx: RequestContext, row: Row) -> None:
    _delete_identity(ctx, row)
    if row.get("registryProjectId"):
        ctx.store.delete("registry-projects", row["registryProjectId"])
    for link in ctx.store.find("project-nodes", nodeId=row["id"]):
        ctx.store.delete("project-nodes", link["id"])
        _project_node_delete(ctx, link)
    for link in ctx.store.find("analysis-nodes", nodeId=row["id"]):
        ctx.store.delete("analysis-nodes", link["id"])
        recount_analysis(ctx, link.get("analysisId"))
    _cascade(ctx, ("analysis-node-events", "analysis-node-logs"), nodeId=row["id"])


def _project_create(ctx: RequestContext, values: Values) -> Row | None:
    values["realmId"] = _caller_realm(ctx)
    values.update(_owner_fields(ctx))
    if not values.get("name"):
        values["name"] = f"project-{new_secret()[:10]}"
    return None


def _project_before_delete(ctx: RequestContext, row: Row) -> None:
    if (row.get("analyses") or 0) > 0:
        raise bad_request("The project still has associated analyses.")


def _project_after_delete(ctx: RequestContext, row: Row) -> None:
    _cascade(ctx, ("project-nodes",), projectId=row["id"])


def _project_node_create(ctx: RequestContext, values: Values) -> Row | None:
    node = ctx.store.get("nodes", values.get("nodeId"))
    auto = ctx.state.config.skip_approval or (node is not None and node.get("type") == "aggregator")
    values["approvalStatus"] = "approved" if auto else None
    return None


def _project_node_after_create(ctx: RequestContext, row: Row) -> None:
    project = ctx.store.get("projects", row["projectId"])
    if project is not None:
        project["nodes"] = len(ctx.store.find("project-nodes", projectId=project["id"]))


def _project_node_delete(ctx: RequestContext, row: Row) -> None:
    _project_node_after_create(ctx, row)


def _analysis_create(ctx: RequestContext, values: Values) -> Row | None:
    if not ctx.legacy:
        ctx.require_user("Only user accounts are permitted to create an analysis.")
    project = ctx.store.get("projects", values["projectId"])
    assert project is not None  # checked as a relation before
    values["id"] = values.get("id") or ctx.store.new_id()
    values["realmId"] = project.get("realmId")
    values["userId"] = ctx.identity.id if ctx.identity and ctx.identity.kind == "user" else None
    values.setdefault("masterImageId", project.get("masterImageId"))
    if not ctx.legacy and not values.get("name"):
        values["name"] = f"analysis-{values['id'][:8]}"
    return None


def _analysis_after_create(ctx: RequestContext, row: Row) -> None:
    project = ctx.store.get("projects", row["projectId"])
    if project is not None:
        project["analyses"] = len(ctx.store.find("analyses", projectId=project["id"]))
    if not ctx.legacy:
        client = _provision_identity(ctx, row["id"], row.get("realmId"), _ANALYSIS_PERMISSIONS)
        row["clientId"] = client["id"]
        for link in ctx.store.find("project-nodes", projectId=row["projectId"]):
            if link.get("approvalStatus") == "approved":
                _insert_analysis_node(ctx, row, link["nodeId"])
    create_analysis_buckets(ctx, row)
    recount_analysis(ctx, row["id"])


def _analysis_update(ctx: RequestContext, row: Row, values: Values) -> None:
    if ctx.legacy:
        return
    registry = values.get("registryId")
    if row.get("registryId") and registry is not None and registry != row["registryId"]:
        raise bad_request("The registry can not be changed after it is specified.")
    if "masterImageId" in values and values["masterImageId"] != row.get("masterImageId"):
        values["imageCommandArguments"] = None


def _analysis_after_update(ctx: RequestContext, row: Row, values: Values) -> None:
    recount_analysis(ctx, row["id"])


def _analysis_after_delete(ctx: RequestContext, row: Row) -> None:
    project = ctx.store.get("projects", row["projectId"])
    if project is not None:
        project["analyses"] = len(ctx.store.find("analyses", projectId=project["id"]))
    _cascade(
        ctx,
        (
            "analysis-nodes",
            "analysis-bucket-files",
            "analysis-node-events",
            "analysis-permissions",
            "analysis-logs",
            "analysis-node-logs",
        ),
        analysisId=row["id"],
    )
    for link in ctx.store.find("analysis-buckets", analysisId=row["id"]):
        ctx.store.delete("analysis-buckets", link["id"])
        if ctx.store.delete("buckets", link["bucketId"]) is not None:
            delete_bucket_files(ctx, link["bucketId"])
    _delete_identity(ctx, row)


def _insert_analysis_node(ctx: RequestContext, analysis: Row, node_id: str) -> Row:
    node = ctx.store.get("nodes", node_id) or {}
    auto = ctx.state.config.skip_approval or node.get("type") == "aggregator"
    values: Values = {
        "analysisId": analysis["id"],
        "analysisRealmId": analysis.get("realmId"),
        "nodeId": node_id,
        "nodeRealmId": node.get("realmId"),
        "approvalStatus": "approved" if auto else None,
    }
    if ctx.legacy:
        values["index"] = len(ctx.store.find("analysis-nodes", analysisId=analysis["id"]))
    row = insert(ctx, "analysis-nodes", values)
    _record_analysis_node_event(ctx, row)
    return row


def _record_analysis_node_event(ctx: RequestContext, link: Row) -> None:
    """The ``/analysis-node-events`` row of a new analysis-node (current Hubs).

    The Hub publishes the creation of the analysis-node, its telemetry service records
    the event and reports back, and core then saves the row with the event's id.
    """
    if ctx.legacy:
        return
    insert(
        ctx,
        "analysis-node-events",
        {
            "eventId": ctx.store.new_id(),
            "analysisId": link["analysisId"],
            "analysisRealmId": link.get("analysisRealmId"),
            "nodeId": link["nodeId"],
            "nodeRealmId": link.get("nodeRealmId"),
        },
    )


def _forget_analysis_node_event(ctx: RequestContext, link: Row) -> None:
    """The telemetry report of a deleted analysis-node removes its event row."""
    event = ctx.store.first(
        "analysis-node-events", analysisId=link.get("analysisId"), nodeId=link.get("nodeId")
    )
    if event is not None:
        ctx.store.delete("analysis-node-events", event["id"])


def _analysis_node_create(ctx: RequestContext, values: Values) -> Row | None:
    analysis = ctx.store.get("analyses", values["analysisId"])
    assert analysis is not None  # checked as a relation before
    existing = ctx.store.first(
        "analysis-nodes", analysisId=values["analysisId"], nodeId=values["nodeId"]
    )
    if existing is not None and not ctx.legacy:
        return existing  # 0.14 answers 201 with the existing row
    if analysis.get("configurationLocked"):
        raise bad_request("The analysis configuration is locked.")
    if (
        ctx.store.first("project-nodes", projectId=analysis["projectId"], nodeId=values["nodeId"])
        is None
    ):
        raise HubError(
            404, "entity_not_found", "The referenced node is not part of the analysis project."
        )
    node = ctx.store.get("nodes", values["nodeId"]) or {}
    auto = ctx.state.config.skip_approval or node.get("type") == "aggregator"
    values["approvalStatus"] = "approved" if auto else None
    if ctx.legacy:
        values["index"] = len(ctx.store.find("analysis-nodes", analysisId=analysis["id"]))
    return None


def _analysis_node_changed(ctx: RequestContext, row: Row, *_: Any) -> None:
    recount_analysis(ctx, row.get("analysisId"))


def _analysis_node_after_create(ctx: RequestContext, row: Row) -> None:
    _record_analysis_node_event(ctx, row)
    recount_analysis(ctx, row.get("analysisId"))


def _analysis_node_after_delete(ctx: RequestContext, row: Row) -> None:
    _forget_analysis_node_event(ctx, row)
    recount_analysis(ctx, row.get("analysisId"))


def _is_realm_writable(ctx: RequestContext, realm_id: str | None) -> bool:
    identity = ctx.identity
    return identity is None or identity.in_master_realm or identity.realm_id == realm_id


def _analysis_permission_create(ctx: RequestContext, values: Values) -> Row | None:
    permission = ctx.store.get("permissions", values["permissionId"])
    assert permission is not None  # checked as a relation before
    if permission["name"] not in ctx.permissions():
        raise HubError(
            403, "permission_denied", f"You don't own the permission {permission['name']}"
        )
    if values.get("policyId") is not None:  # the local authup has no policies
        raise bad_request("The policy_id is invalid.")
    return None


def _analysis_permission_delete(ctx: RequestContext, row: Row) -> None:
    if not _is_realm_writable(ctx, row.get("analysisRealmId")):
        raise HubError(403, "permission_denied", "You are not permitted to delete this permission.")


def _analysis_node_log_create(ctx: RequestContext, values: Values) -> Row | None:
    """``POST /analysis-node-logs`` of 0.8.x: a record, sent by (an actor of) the node."""
    node = ctx.store.get("nodes", values["nodeId"]) or {}
    if not _is_realm_writable(ctx, node.get("realmId")):
        raise HubError(403, "permission_denied", "You are not an actor of to the node realm.")
    link = ctx.store.first(
        "analysis-nodes", analysisId=values["analysisId"], nodeId=values["nodeId"]
    )
    if link is None:
        raise bad_request("A relation between analysis and node must exist to create logs.")
    if values.get("status") in LEGACY_RUN_STATUSES:
        link["runStatus"] = values["status"]
        ctx.store.touch(link)
    return None


def _analysis_bucket_create(ctx: RequestContext, values: Values) -> Row | None:
    analysis = ctx.store.get("analyses", values["analysisId"]) or {}
    values["realmId"] = analysis.get("realmId")
    return None


def _analysis_bucket_file_create(ctx: RequestContext, values: Values) -> Row | None:
    analysis_bucket = ctx.store.get("analysis-buckets", values.get("analysisBucketId")) or {}
    values["analysisId"] = analysis_bucket.get("analysisId")
    values["realmId"] = _caller_realm(ctx)
    values.update(_owner_fields(ctx))
    return None


def _registry_normalize(ctx: RequestContext, values: Values, mode: str) -> None:
    host = values.get("host")
    if isinstance(host, str) and "://" in host:
        values["host"] = urlsplit(host).hostname or host


def _registry_after_delete(ctx: RequestContext, row: Row) -> None:
    for key in ("nodes", "analyses"):
        for dependent in ctx.store.find(key, registryId=row["id"]):
            dependent["registryId"] = None
    _cascade(ctx, ("registry-projects",), registryId=row["id"])


# --------------------------------------------------------------------------- storage


def _bucket_create(ctx: RequestContext, values: Values) -> Row | None:
    _default_realm(ctx, values)
    if ctx.legacy:  # 0.14 leaves the actor empty, as recorded
        values["actorId"], values["actorType"] = _actor(ctx)
    return None


def _bucket_before_delete(ctx: RequestContext, row: Row) -> None:
    if ctx.legacy and ctx.store.find("bucket-files", bucketId=row["id"]):
        raise internal_error("An internal server error occurred.", legacy_code="BucketNotEmpty")


def _bucket_after_delete(ctx: RequestContext, row: Row) -> None:
    delete_bucket_files(ctx, row["id"])


def _bucket_file_after_delete(ctx: RequestContext, row: Row) -> None:
    _unlink(row)


HOOKS: dict[str, ResourceHooks] = {
    "users": ResourceHooks(
        prepare_create=_user_create, prepare_update=_user_update, after_delete=_user_delete
    ),
    "roles": ResourceHooks(prepare_create=_role_create, after_delete=_role_delete),
    "permissions": ResourceHooks(prepare_create=_role_create, after_delete=_permission_delete),
    "clients": ResourceHooks(prepare_create=_client_create, after_delete=_client_delete),
    "robots": ResourceHooks(prepare_create=_robot_create),
    "nodes": ResourceHooks(
        normalize=_node_normalize,
        prepare_create=_node_create,
        after_create=_node_after_create,
        after_update=_node_after_update,
        after_delete=_node_after_delete,
    ),
    "projects": ResourceHooks(
        prepare_create=_project_create,
        before_delete=_project_before_delete,
        after_delete=_project_after_delete,
    ),
    "project-nodes": ResourceHooks(
        prepare_create=_project_node_create,
        after_create=_project_node_after_create,
        after_delete=_project_node_delete,
    ),
    "analyses": ResourceHooks(
        prepare_create=_analysis_create,
        after_create=_analysis_after_create,
        prepare_update=_analysis_update,
        after_update=_analysis_after_update,
        after_delete=_analysis_after_delete,
    ),
    "analysis-nodes": ResourceHooks(
        prepare_create=_analysis_node_create,
        after_create=_analysis_node_after_create,
        after_update=_analysis_node_changed,
        after_delete=_analysis_node_after_delete,
    ),
    "analysis-permissions": ResourceHooks(
        prepare_create=_analysis_permission_create, before_delete=_analysis_permission_delete
    ),
    "analysis-node-logs": ResourceHooks(prepare_create=_analysis_node_log_create),
    "analysis-buckets": ResourceHooks(prepare_create=_analysis_bucket_create),
    "analysis-bucket-files": ResourceHooks(
        prepare_create=_analysis_bucket_file_create,
        after_create=_analysis_node_changed,
        after_update=_analysis_node_changed,
        after_delete=_analysis_node_changed,
    ),
    "registries": ResourceHooks(normalize=_registry_normalize, after_delete=_registry_after_delete),
    "buckets": ResourceHooks(
        prepare_create=_bucket_create,
        before_delete=_bucket_before_delete,
        after_delete=_bucket_after_delete,
    ),
    "bucket-files": ResourceHooks(after_delete=_bucket_file_after_delete),
}
