"""Endpoints of Hub core that are not plain CRUD.

The status page, entity commands (analyses, master images), node and analysis client /
registry credentials, the telemetry-backed log endpoints and the registry service commands.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ._auth import (
    new_secret,
)
from ._authup import now_ms
from ._crud import JsonResponse, find_row, record_body, render_row, validate_body
from ._effects import create_analysis_buckets, insert, recount_analysis
from ._errors import HubError, bad_request, not_found
from ._query import schema_meta
from ._schema import LOG_RESOURCES, MAX_PAGE_LIMIT, Field, Resource, resource
from ._state import RequestContext
from ._store import Row, format_timestamp
from ._worker import on_command

__all__ = [
    "LOG_LEVELS",
    "analysis_client_credentials",
    "analysis_client_permission_delete",
    "analysis_client_permissions",
    "analysis_command",
    "create_node_log",
    "hub_status",
    "logs",
    "master_image_command",
    "node_client_credentials",
    "node_registry_credentials",
    "registry_service",
]

LOG_LEVELS = ("emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")
CURRENT_COMMANDS = (
    "buildStart",
    "buildCheck",
    "configurationLock",
    "configurationUnlock",
    "distributionStart",
    "distributionCheck",
    "storageCheck",
)
LEGACY_COMMANDS = (
    "spinUp",
    "tearDown",
    "buildStart",
    "buildStop",
    "buildStatus",
    "configurationLock",
    "configurationUnlock",
)
REGISTRY_COMMANDS = ("setup", "cleanup", "delete", "projectLink", "projectUnlink")
ASSIGNABLE_ANALYSIS_PERMISSIONS = ("analysis_self_storage_use", "analysis_self_message_broker_use")
#: How long a 0.8.x master-image event log is kept.
MASTER_IMAGE_EVENT_LIFETIME = timedelta(days=3)
_SIMULATED_BUILD_OS = "linux"
_SIMULATED_BUILD_SIZE = 1024


# --------------------------------------------------------------------------- status


def hub_status(ctx: RequestContext) -> JsonResponse:
    """``GET /core/`` and ``GET /storage/``."""
    if ctx.legacy and ctx.service == "storage":
        return 200, {"timestamp": now_ms()}  # the 0.8.13 storage answered no version
    return 200, {"version": ctx.state.config.version, "timestamp": now_ms()}


# --------------------------------------------------------------------------- credentials


def _client_credentials_body(client: Row) -> dict[str, Any]:
    return {
        "id": client["id"],
        "name": client["name"],
        "displayName": client.get("displayName"),
        "secret": client.get("secret"),
    }


def _is_own_client(ctx: RequestContext, client_id: str | None) -> bool:
    identity = ctx.identity
    return identity is not None and identity.kind == "client" and identity.id == client_id


def node_client_credentials(ctx: RequestContext, key: str) -> JsonResponse:
    """``GET|POST /nodes/:id/client/credentials`` (flat answer, 200)."""
    with ctx.store.lock:
        node = find_row(ctx, resource("nodes"), key)
        if not _is_own_client(ctx, node.get("clientId")):
            ctx.require((("node_update",),))
        client = ctx.store.get("clients", node.get("clientId"))
        if client is None:
            raise bad_request("The node has no client provisioned yet.")
        if ctx.request.method == "POST":
            body = ctx.body()
            secret = body.get("secret")
            client["secret"] = secret if isinstance(secret, str) and secret else new_secret()
            for key_name in ("name", "displayName"):
                if isinstance(body.get(key_name), str):
                    client[key_name] = body[key_name]
            ctx.store.touch(client)
        return 200, _client_credentials_body(client)


def node_registry_credentials(ctx: RequestContext, key: str) -> JsonResponse:
    """``GET /nodes/:id/registry/credentials`` (flat answer)."""
    with ctx.store.lock:
        node = find_row(ctx, resource("nodes"), key)
        if not _is_own_client(ctx, node.get("clientId")):
            ctx.require((("registry_manage",),))
        project = ctx.store.get("registry-projects", node.get("registryProjectId"))
        registry = ctx.store.get("registries", node.get("registryId"))
        if project is None or registry is None:
            raise bad_request("The node has no registry project provisioned yet.")
        return 200, {
            "host": registry["host"],
            "externalName": project["externalName"],
            "accountName": project.get("accountName"),
            "accountSecret": project.get("accountSecret"),
        }


def analysis_client_credentials(ctx: RequestContext, key: str) -> JsonResponse:
    """``GET|POST /analyses/:id/client/credentials`` (flat answer, 200)."""
    with ctx.store.lock:
        analysis = find_row(ctx, resource("analyses"), key)
        if ctx.request.method == "POST" or not _node_of_approved_analysis(ctx, analysis):
            ctx.require((("analysis_update",),))
        client = ctx.store.get("clients", analysis.get("clientId"))
        if client is None:
            raise bad_request("The analysis has no client provisioned yet.")
        if ctx.request.method == "POST":
            secret = ctx.body().get("secret")
            client["secret"] = secret if isinstance(secret, str) and secret else new_secret()
            ctx.store.touch(client)
        return 200, _client_credentials_body(client)


def _node_of_approved_analysis(ctx: RequestContext, analysis: Row) -> bool:
    identity = ctx.identity
    if identity is None or identity.kind != "client":
        return False
    node = ctx.store.first("nodes", clientId=identity.id)
    if node is None:
        return False
    link = ctx.store.first("analysis-nodes", analysisId=analysis["id"], nodeId=node["id"])
    return link is not None and link.get("approvalStatus") == "approved"


def analysis_client_permissions(ctx: RequestContext, key: str) -> JsonResponse:
    """``GET|POST /analyses/:id/client/permissions``."""
    links = resource("client-permissions")
    with ctx.store.lock:
        analysis = find_row(ctx, resource("analyses"), key)
        ctx.require((("analysis_update",),))
        client_id = analysis.get("clientId")
        if ctx.request.method == "GET":
            rows = ctx.store.find("client-permissions", clientId=client_id)
            data = [render_row(ctx, links, row, "list", includes=("permission",)) for row in rows]
            return 200, {
                "data": data,
                "meta": {"total": len(data), "limit": MAX_PAGE_LIMIT, "offset": 0},
            }
        if analysis.get("configurationLocked"):
            raise bad_request("The analysis configuration is locked.")
        wanted = str(ctx.body().get("permissionId") or "")
        permission = ctx.store.get("permissions", wanted) or ctx.store.first(
            "permissions", name=wanted
        )
        if permission is None:
            raise not_found("permission")
        if permission["name"] not in ASSIGNABLE_ANALYSIS_PERMISSIONS:
            raise HubError(
                403,
                "permission_denied",
                f"The permission {permission['name']} can not be assigned.",
            )
        row = ctx.store.first(
            "client-permissions", clientId=client_id, permissionId=permission["id"]
        )
        if row is None:
            row = insert(
                ctx,
                "client-permissions",
                {
                    "clientId": client_id,
                    "clientRealmId": analysis.get("realmId"),
                    "permissionId": permission["id"],
                    "permissionRealmId": permission.get("realmId"),
                },
            )
        return 201, record_body(ctx, render_row(ctx, links, row, "get"))


def analysis_client_permission_delete(
    ctx: RequestContext, key: str, permission_id: str
) -> JsonResponse:
    """``DELETE /analyses/:id/client/permissions/:permissionId``."""
    links = resource("client-permissions")
    with ctx.store.lock:
        analysis = find_row(ctx, resource("analyses"), key)
        ctx.require((("analysis_update",),))
        if analysis.get("configurationLocked"):
            raise bad_request("The analysis configuration is locked.")
        permission = ctx.store.get("permissions", permission_id) or ctx.store.first(
            "permissions", name=permission_id
        )
        row = None
        if permission is not None:
            row = ctx.store.first(
                "client-permissions",
                clientId=analysis.get("clientId"),
                permissionId=permission["id"],
            )
        if row is None:
            raise not_found("client-permission")
        ctx.store.delete("client-permissions", row["id"])
        return 202, record_body(ctx, render_row(ctx, links, row, "delete"))


# --------------------------------------------------------------------------- commands


def _analysis_error(ctx: RequestContext, message: str) -> HubError:
    return HubError(400, "ANALYSIS_ERROR", message, legacy_code="BAD_REQUEST")


def analysis_command(ctx: RequestContext, key: str) -> JsonResponse:
    """``POST /analyses/:id/command``."""
    analyses = resource("analyses")
    command = ctx.body().get("command")
    with ctx.store.lock:
        analysis = find_row(ctx, analyses, key)
        identity = ctx.identity
        if (
            identity is not None
            and not identity.in_master_realm
            and (analysis.get("realmId") != identity.realm_id)
        ):
            raise HubError(
                403, "permission_denied", "You are not permitted to run commands on this analysis."
            )
        commands = LEGACY_COMMANDS if ctx.legacy else CURRENT_COMMANDS
        if command not in commands:
            raise bad_request("Invalid command.")
        if ctx.legacy:
            _run_legacy_command(ctx, analysis, str(command))
        else:
            _run_command(ctx, analysis, str(command))
        on_command(ctx, analysis, str(command))  # the simulated worker, when one is attached
        ctx.store.touch(analysis)
        recount_analysis(ctx, analysis["id"])
        if ctx.legacy:
            _write_legacy_analysis_log(ctx, analysis, str(command))
        else:
            _write_log(
                ctx,
                "analysis",
                f"The {command} command was executed.",
                "info",
                {"refType": "analysis", "refId": analysis["id"], "command": str(command)},
            )
        data = render_row(ctx, analyses, analysis, "get")
    return 202, record_body(ctx, data)


def _run_command(ctx: RequestContext, analysis: Row, command: str) -> None:
    locked = bool(analysis.get("configurationLocked"))
    build = analysis.get("buildStatus")
    fail = _analysis_error
    if command == "configurationLock":
        recount_analysis(ctx, analysis["id"])
        if locked:
            raise fail(ctx, "The analysis configuration is already locked.")
        if build is not None:
            raise fail(ctx, "The analysis build has already been started.")
        if not analysis.get("configurationNodeDefaultValid"):
            raise fail(ctx, "At least one default node must be selected.")
        if not analysis.get("configurationNodeAggregatorValid"):
            raise fail(ctx, "An aggregator node must be selected.")
        if not analysis.get("configurationEntrypointValid"):
            raise fail(ctx, "An entrypoint must be selected.")
        if not analysis.get("masterImageId"):
            raise fail(ctx, "A master image must be selected.")
        analysis["configurationLocked"] = True
    elif command == "configurationUnlock":
        if not locked:
            raise fail(ctx, "The analysis configuration is not locked.")
        if build not in (None, "failed", "stopped", "stopping"):
            raise fail(ctx, "The analysis build is in progress.")
        analysis["configurationLocked"] = False
        analysis["buildStatus"] = None
        if not ctx.state.config.skip_approval:
            for link in ctx.store.find("analysis-nodes", analysisId=analysis["id"]):
                node = ctx.store.get("nodes", link["nodeId"]) or {}
                if node.get("type") != "aggregator":
                    link["approvalStatus"] = None
    elif command == "buildStart":
        if not locked:
            raise fail(ctx, "The analysis configuration is not locked.")
        if not analysis.get("buildNodesValid"):
            raise fail(ctx, "Not all nodes have approved the analysis.")
        if build not in (None, "failed", "stopped"):
            raise fail(ctx, "The analysis build has already been started.")
        analysis.update(buildStatus="starting", buildProgress=0)
    elif command == "buildCheck":
        if not locked:
            raise fail(ctx, "The analysis configuration is not locked.")
        if build is None:
            raise fail(ctx, "The analysis build has not been started.")
        if build in ("starting", "started", "executing"):  # the simulated worker finishes
            analysis.update(
                buildStatus="executed",
                buildProgress=100,
                buildHash=new_secret(),
                buildOs=_SIMULATED_BUILD_OS,
                buildSize=_SIMULATED_BUILD_SIZE,
            )
    elif command == "distributionStart":
        if build != "executed":
            raise fail(ctx, "The analysis build has not been executed.")
        if analysis.get("distributionStatus") not in (None, "failed", "stopped"):
            raise fail(ctx, "The analysis distribution has already been started.")
        if analysis.get("registryId") is None:
            raise fail(ctx, "No docker registry is defined.")
        analysis.update(distributionStatus="starting", distributionProgress=0)
    elif command == "distributionCheck":
        status = analysis.get("distributionStatus")
        if build != "executed" or status is None:
            raise fail(ctx, "The analysis distribution has not been started.")
        if status in ("starting", "started", "executing"):
            analysis.update(distributionStatus="executed", distributionProgress=100)
    elif command == "storageCheck":
        create_analysis_buckets(ctx, analysis)


def _run_legacy_command(ctx: RequestContext, analysis: Row, command: str) -> None:
    locked = bool(analysis.get("configurationLocked"))
    fail = _analysis_error
    if command == "configurationLock":
        if locked:
            raise fail(ctx, "The analysis configuration is already locked.")
        if not analysis.get("masterImageId"):
            raise fail(ctx, "A master image must be assigned to the analysis.")
        analysis["configurationLocked"] = True
    elif command == "configurationUnlock":
        if not locked:
            raise fail(ctx, "The analysis configuration is not locked.")
        analysis.update(configurationLocked=False, buildStatus=None)
    elif command == "buildStart":
        if not locked:
            raise fail(ctx, "The analysis configuration must be locked before starting the build.")
        analysis["buildStatus"] = "starting"
    elif command == "buildStop":
        analysis["buildStatus"] = "stopping" if analysis.get("buildStatus") else None
    elif command == "buildStatus":
        if analysis.get("buildStatus") in ("starting", "started"):
            analysis["buildStatus"] = "finished"
    elif command == "spinUp":
        analysis["runStatus"] = "starting"
    elif command == "tearDown":
        analysis["runStatus"] = "stopping"


def _write_legacy_analysis_log(ctx: RequestContext, analysis: Row, command: str) -> None:
    """The ``/analysis-logs`` record a 0.8.x Hub saves when a command has been carried out.

    The real Hub writes it when the component that ran the command reports back; the
    simulated components of the local Hub finish at once.
    """
    status = None
    if command in ("spinUp", "tearDown"):
        status = analysis.get("runStatus")
    elif command.startswith("build"):
        status = analysis.get("buildStatus")
    insert(
        ctx,
        "analysis-logs",
        {
            "component": "core",
            "command": command,
            "event": "executed",
            "error": False,
            "status": status,
            "statusMessage": f"The {command} command was executed.",
            "meta": "{}",
            "analysisId": analysis["id"],
            "realmId": analysis.get("realmId"),
        },
    )


def master_image_command(ctx: RequestContext) -> JsonResponse:
    """``POST /master-images/command``: ``sync`` (and ``build`` on current Hubs)."""
    ctx.require((("master_image_manage",),))
    body = ctx.body()
    command = body.get("command")
    if command == "sync":
        with ctx.store.lock:
            _sync_master_images(ctx)
        return 202, record_body(ctx, None)
    if command == "build" and not ctx.legacy:
        image_id = body.get("id")
        if not isinstance(image_id, str) or not image_id:
            raise bad_request("Property id is invalid")
        images = resource("master-images")
        with ctx.store.lock:
            image = find_row(ctx, images, image_id)
            image.update(buildStatus="starting", buildProgress=0)
            ctx.store.touch(image)
            data = render_row(ctx, images, image, "get")
        return 202, record_body(ctx, data)
    raise bad_request("Invalid command.")


def _log_master_image_event(ctx: RequestContext, name: str) -> None:
    """A 0.8.x ``/master-image-event-logs`` record: expiring three days after it was written."""
    expires = datetime.now(timezone.utc) + MASTER_IMAGE_EVENT_LIFETIME
    insert(
        ctx,
        "master-image-event-logs",
        {
            "name": name,
            "data": None,
            "expiring": True,
            "expiresAt": format_timestamp(expires),
            "masterImageId": None,
        },
    )


def _sync_master_images(ctx: RequestContext) -> None:
    if ctx.legacy:  # the worker reports the start and the end of a synchronisation
        _log_master_image_event(ctx, "synchronizing")
    _sync_images(ctx)
    if ctx.legacy:
        _log_master_image_event(ctx, "synchronized")


def _sync_images(ctx: RequestContext) -> None:
    for virtual_path in ctx.state.master_images:
        group_path, _, name = virtual_path.rpartition("/")
        if group_path and ctx.store.first("master-image-groups", virtualPath=group_path) is None:
            insert(
                ctx,
                "master-image-groups",
                {
                    "name": group_path.rsplit("/", 1)[-1],
                    "path": group_path,
                    "virtualPath": group_path,
                },
            )
        if ctx.store.first("master-images", virtualPath=virtual_path) is None:
            insert(
                ctx,
                "master-images",
                {
                    "name": name,
                    "path": virtual_path,
                    "virtualPath": virtual_path,
                    "groupVirtualPath": group_path,
                    "command": "python",
                    "commandArguments": None,
                },
            )


def registry_service(ctx: RequestContext, service_id: str, action: str) -> JsonResponse:
    """``POST /services/registry/command|hook`` (202, body ``null``)."""
    if service_id != "registry":
        raise not_found("service")
    if action == "hook":
        return 202, None
    ctx.require((("registry_manage",),))
    body = ctx.body()
    command = body.get("command")
    if command not in REGISTRY_COMMANDS:
        raise bad_request("Invalid command.")
    target = "registry-projects" if command in ("projectLink", "projectUnlink") else "registries"
    with ctx.store.lock:
        find_row(ctx, resource(target), str(body.get("id") or ""))
    return 202, None


# --------------------------------------------------------------------------- logs


def _write_log(
    ctx: RequestContext, kind: str, message: str, level: str, labels: dict[str, str]
) -> dict[str, Any]:
    entry = {
        "time": ctx.store.now(),
        "message": message,
        "level": level,
        "service": "hub-server-core",
        "channel": "http",
        "labels": labels,
    }
    ctx.store.table("logs")[ctx.store.new_id()] = {"kind": kind, **entry}
    return entry


def _log_filters(ctx: RequestContext, res: Resource) -> dict[str, str]:
    wanted: dict[str, str] = {}
    fields = {f.wire(ctx.generation): f.name for f in res.fields_for(ctx.generation)}
    for key, value in ctx.args:
        if key.startswith("filter[") and key.endswith("]"):
            name = fields.get(key[len("filter[") : -1])
            if name in res.allowed_filters(ctx.generation):
                wanted[name] = value
    return wanted


def _matching_logs(ctx: RequestContext, kind: str, wanted: dict[str, str]) -> list[str]:
    ids = []
    for log_id, entry in ctx.store.table("logs").items():
        labels = entry["labels"]
        if entry["kind"] != kind:
            continue
        analysis_label = labels.get("analysisId") if kind == "analysisNode" else labels.get("refId")
        if "analysisId" in wanted and analysis_label != wanted["analysisId"]:
            continue
        if "nodeId" in wanted and labels.get("nodeId") != wanted["nodeId"]:
            continue
        if "level" in wanted and entry["level"] != wanted["level"]:
            continue
        ids.append(log_id)
    return ids


def logs(ctx: RequestContext, kind: str) -> JsonResponse:
    """``GET|DELETE /analysis-logs`` and ``/analysis-node-logs`` of current Hubs."""
    res = LOG_RESOURCES[0] if kind == "analysis" else LOG_RESOURCES[1]
    wanted = _log_filters(ctx, res)
    required = ("analysisId",) if kind == "analysis" else ("nodeId", "analysisId")
    if any(name not in wanted for name in required):
        names = " and ".join(required)
        noun = "filter" if len(required) == 1 else "filters"
        raise bad_request(f"The {noun} {names} must be defined.")
    with ctx.store.lock:
        ids = _matching_logs(ctx, kind, wanted)
        if ctx.request.method == "DELETE":
            for log_id in ids:
                ctx.store.table("logs").pop(log_id, None)
            return 202, None
        entries = [ctx.store.table("logs")[log_id] for log_id in reversed(ids)]
    limit, offset = MAX_PAGE_LIMIT, 0
    for key, value in ctx.args:
        if key in ("page[limit]", "page[offset]") and value.lstrip("-").isdigit():
            number = int(value)
            if key == "page[limit]" and number > 0:
                limit = min(number, MAX_PAGE_LIMIT)
            elif key == "page[offset]" and number >= 0:
                offset = number
    page = [{k: v for k, v in entry.items() if k != "kind"} for entry in entries]
    page = page[offset : offset + limit]
    meta = {
        "total": len(entries),
        "limit": limit,
        "offset": offset,
        "schema": schema_meta(res, ctx.generation, record=False, version=ctx.profile.version),
    }
    return 200, {"data": page, "meta": meta}


_LOG_BODY = Resource(
    key="analysis-node-log-body",
    service="core",
    schema_name="log",
    label="log",
    fields=(
        Field("analysisId", "uuid", create="req", nullable=False),
        Field("nodeId", "uuid", create="req", nullable=False),
        Field("message", create="req", nullable=False, min_len=3, max_len=2048),
        Field("level", create="req", nullable=False, choices=LOG_LEVELS),
        Field("status", create="opt", min_len=3, max_len=64),
        Field("code", create="opt", min_len=3, max_len=64),
        Field("labels", "json", create="opt"),
    ),
)


def create_node_log(ctx: RequestContext) -> JsonResponse:
    """``POST /analysis-node-logs`` of current Hubs (202 with the written log)."""
    body = dict(ctx.body())
    labels = body.pop("labels", None)
    values = validate_body(ctx, _LOG_BODY, body, "create")
    if labels is not None and (
        not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values())
    ):
        raise bad_request("Property labels is invalid")
    with ctx.store.lock:
        for name, table in (("analysisId", "analyses"), ("nodeId", "nodes")):
            if ctx.store.get(table, values[name]) is None:
                raise bad_request(
                    f"Property {name} is invalid",
                    issues=[
                        {"type": "item", "path": [name], "message": f"The {name} is not valid."}
                    ],
                )
        merged = {
            **(labels or {}),
            "refType": "analysisNode",
            "analysisId": values["analysisId"],
            "nodeId": values["nodeId"],
        }
        for extra in ("code", "status"):
            if values.get(extra):
                merged[extra] = values[extra]
        entry = _write_log(ctx, "analysisNode", values["message"], values["level"], merged)
    return 202, record_body(ctx, entry)
