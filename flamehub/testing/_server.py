"""The werkzeug application of the local Hub and its threaded loopback server.

Routes mimic the reverse proxy in front of a real Hub: ``/auth/...`` is authup,
``/core/...`` and ``/storage/...`` are the Hub services. Every request is logged
(method, path, query), may be disturbed by an injected fault, is authenticated the way the
answering service does it, then dispatched to an action or the generic CRUD engine.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any, Literal

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from . import _actions as actions
from . import _authup as authup
from . import _wire
from ._auth import Identity, verify_password
from ._crud import (
    create_resource,
    delete_resource,
    get_resource,
    list_resource,
    update_resource,
    upsert_resource,
)
from ._errors import (
    HubError,
    internal_error,
    invalid_token,
    render_error,
    route_not_found,
    unauthorized,
)
from ._faults import Fault
from ._files import HubRequest, stream_bucket, stream_file, upload
from ._generations import Generation
from ._schema import ROBOTS, Resource, resources_for
from ._state import HubState, RequestContext, RequestRecord

__all__ = ["HubApp", "ServerThread"]

logger = logging.getLogger("flamehub.testing")

Auth = Literal["none", "optional", "login"]
SERVICES = ("auth", "core", "storage")
#: Seconds ``serve_forever`` waits between shutdown checks.
POLL_INTERVAL = 0.05
#: Query keys whose values the request log never keeps.
SENSITIVE_QUERY_KEYS = frozenset(
    {"token", "access_token", "refresh_token", "client_secret", "secret", "password"}
)
REDACTED = "<redacted>"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: Bytes a ``truncate`` fault claims beyond an empty body.
TRUNCATE_PHANTOM_BYTES = 100


@dataclass(frozen=True)
class Route:
    """What a URL rule leads to."""

    handler: Callable[..., Any]
    service: str
    auth: Auth


class ResetConnection(ConnectionAbortedError):
    """Raised by the app to make the server drop the connection without answering."""


# --------------------------------------------------------------------------- routing


def _crud_rules(res: Resource, generation: Generation) -> list[Rule]:
    base = f"/{res.service}{res.path}"
    hub = res.service != "auth"
    read_auth: Auth
    if hub:
        read_auth = "login"
    elif generation is Generation.LEGACY or res.key in ("realms", "clients"):
        read_auth = "optional"
    else:
        read_auth = "login"
    rules: list[Rule] = []

    def add(path: str, method: str, handler: Callable[..., Any], auth: Auth) -> None:
        rules.append(Rule(path, methods=[method], endpoint=Route(handler, res.service, auth)))

    if "list" in res.ops:
        add(base, "GET", partial(list_resource, res=res), read_auth)
    if "create" in res.ops:
        add(base, "POST", partial(create_resource, res=res), "login")
    if "get" in res.ops:
        add(f"{base}/<key>", "GET", partial(get_resource, res=res), read_auth)
    if "update" in res.ops:
        add(f"{base}/<key>", "POST", partial(update_resource, res=res), "login")
        if res.upsert and generation is Generation.CURRENT:
            add(f"{base}/<key>", "PUT", partial(upsert_resource, res=res), "login")
    if "delete" in res.ops:
        add(f"{base}/<key>", "DELETE", partial(delete_resource, res=res), "login")
    return rules


def build_url_map(generation: Generation, *, robots: bool = False) -> Map:
    """Every route of a hub of ``generation`` (``robots``: its authup still serves robots,
    as authup beta.52 of Hub 0.12.2 does next to the current model)."""
    current = generation is Generation.CURRENT
    rules: list[Rule] = []

    def add(
        path: str, methods: Iterable[str], handler: Callable[..., Any], service: str, auth: Auth
    ) -> None:
        rules.append(Rule(path, methods=list(methods), endpoint=Route(handler, service, auth)))

    add("/auth/", ["GET"], authup.auth_status, "auth", "none")
    add("/auth/token", ["POST"], authup.token, "auth", "none")
    add("/auth/token/introspect", ["GET", "POST"], authup.introspect, "auth", "none")
    add("/auth/jwks", ["GET"], authup.jwks, "auth", "none")
    add(
        "/auth/.well-known/openid-configuration",
        ["GET"],
        authup.openid_configuration,
        "auth",
        "none",
    )
    add("/auth/users/@me", ["GET"], authup.users_me, "auth", "login")
    if current:
        add("/auth/userinfo", ["GET"], authup.userinfo, "auth", "login")
        add(
            "/auth/realms/<realm>/.well-known/openid-configuration",
            ["GET"],
            authup.openid_configuration,
            "auth",
            "none",
        )
    for service in ("core", "storage"):
        add(f"/{service}/", ["GET"], actions.hub_status, service, "none")
    add("/core/analyses/<key>/command", ["POST"], actions.analysis_command, "core", "login")
    add("/core/master-images/command", ["POST"], actions.master_image_command, "core", "login")
    if current:  # legacy Hubs keep their logs as records (CRUD routes below)
        add(
            "/core/analysis-logs",
            ["GET", "DELETE"],
            partial(actions.logs, kind="analysis"),
            "core",
            "login",
        )
        add(
            "/core/analysis-node-logs",
            ["GET", "DELETE"],
            partial(actions.logs, kind="analysisNode"),
            "core",
            "login",
        )
        add("/core/analysis-node-logs", ["POST"], actions.create_node_log, "core", "login")
    add(
        "/core/services/<service_id>/command",
        ["POST"],
        partial(actions.registry_service, action="command"),
        "core",
        "login",
    )
    add(
        "/core/services/<service_id>/hook",
        ["POST"],
        partial(actions.registry_service, action="hook"),
        "core",
        "login",
    )
    if current:
        add(
            "/core/nodes/<key>/client/credentials",
            ["GET", "POST"],
            actions.node_client_credentials,
            "core",
            "login",
        )
        add(
            "/core/nodes/<key>/registry/credentials",
            ["GET"],
            actions.node_registry_credentials,
            "core",
            "login",
        )
        add(
            "/core/analyses/<key>/client/credentials",
            ["GET", "POST"],
            actions.analysis_client_credentials,
            "core",
            "login",
        )
        add(
            "/core/analyses/<key>/client/permissions",
            ["GET", "POST"],
            actions.analysis_client_permissions,
            "core",
            "login",
        )
        add(
            "/core/analyses/<key>/client/permissions/<permission_id>",
            ["DELETE"],
            actions.analysis_client_permission_delete,
            "core",
            "login",
        )
    add("/storage/buckets/<key>/upload", ["POST"], upload, "storage", "login")
    add("/storage/buckets/<key>/stream", ["GET"], stream_bucket, "storage", "login")
    add("/storage/bucket-files/<key>/stream", ["GET"], stream_file, "storage", "login")
    served = resources_for(generation)
    if robots and ROBOTS not in served:
        served = (*served, ROBOTS)
    for res in served:
        rules.extend(_crud_rules(res, generation))
    return Map(rules, strict_slashes=False, merge_slashes=False)


# --------------------------------------------------------------------------- application


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type=JSON_CONTENT_TYPE)


def _service_of(path: str) -> str:
    head = path.lstrip("/").split("/", 1)[0]
    return head if head in SERVICES else "core"


class HubApp:
    """The WSGI application of one local Hub."""

    def __init__(self, state: HubState) -> None:
        self.state = state
        self.url_map = build_url_map(state.config.generation, robots=state.config.profile.robots)

    def _renames_keys(self, path: str) -> bool:
        service = _service_of(path)
        profile = self.state.config.profile.service(service)
        return profile.renames_keys and _wire.renames_path(path)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = HubRequest(environ)
        if self._renames_keys(request.path):  # Hub 0.12.x: snake_case wire, current model
            query = tuple(request.args.items(multi=True))
            request = HubRequest(_wire.snake_environ(environ))
        else:
            query = tuple(request.args.items(multi=True))
        request.upload_dir = self.state.config.data_dir / "incoming"
        query = tuple(
            (key, REDACTED if key.lower() in SENSITIVE_QUERY_KEYS else value)
            for key, value in query
        )
        self.state.requests.append(RequestRecord(request.method, request.path, query))
        delays, fault = self.state.faults.draw(request.method, request.path)
        for delayed in delays:
            time.sleep(delayed.delay)
        if fault is not None and fault.kind == "reset":
            raise ResetConnection("injected connection reset")
        if fault is not None and fault.kind == "status":
            response = self._fault_response(fault, request.path)
        else:
            response = self.dispatch(request)
        if fault is not None and fault.kind == "truncate":
            response = _truncate(response)
        return response(environ, start_response)

    def _error_body(self, error: HubError, service: str, path: str) -> dict[str, Any]:
        profile = self.state.config.profile
        body = render_error(
            error,
            service,
            self.state.generation,
            hub_0_12=profile.between,
        )
        return _wire.snake_error(body) if self._renames_keys(path) else body

    def _fault_response(self, fault: Fault, path: str) -> Response:
        try:
            phrase = HTTPStatus(fault.status).phrase
        except ValueError:
            phrase = "Injected Fault"
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        error = HubError(fault.status, code, f"Injected fault: {phrase}.", legacy_code=code)
        response = _json(fault.status, self._error_body(error, _service_of(path), path))
        for name, value in fault.headers.items():
            response.headers[name] = value
        return response

    def dispatch(self, request: HubRequest) -> Response:
        """Route, authenticate and answer one request."""
        generation = self.state.generation
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            route, params = adapter.match()
        except HTTPException:
            status, body = route_not_found(generation)
            if body is None:
                return Response(b"", status=status)
            return _json(status, body)
        ctx = RequestContext(self.state, request, route.service)
        try:
            if route.auth != "none":
                ctx.identity = self._authenticate(ctx, required=route.auth == "login")
            result = route.handler(ctx, **params)
        except HubError as error:
            return _json(error.status, self._error_body(error, route.service, request.path))
        except Exception:
            logger.exception("local hub failed on %s %s", request.method, request.path)
            failure = internal_error("An internal server error occurred.")
            return _json(500, self._error_body(failure, route.service, request.path))
        if isinstance(result, Response):
            return result
        status, body = result
        if self._renames_keys(request.path):
            body = _wire.snake_body(body)
        return _json(status, body)

    def _authenticate(self, ctx: RequestContext, *, required: bool) -> Identity | None:
        request = ctx.request
        header = request.headers.get("Authorization")
        token: str | None = None
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                token = value.strip()
            elif scheme.lower() == "basic" and ctx.legacy and ctx.service != "auth":
                return self._basic_identity(ctx, value.strip())
            elif ctx.service != "auth" and not ctx.legacy:
                raise internal_error("Only Bearer tokens are accepted as authentication method.")
            else:
                raise HubError(
                    401,
                    "unsupported_auth_header_type",
                    "The authorization header type is not supported.",
                    legacy_code="invalid_token",
                )
        elif request.cookies.get("access_token"):
            token = request.cookies["access_token"]
        if token is None:
            if required:
                raise unauthorized()
            return None
        return self.state.tokens.identity_for(token, service=ctx.service)

    def _basic_identity(self, ctx: RequestContext, encoded: str) -> Identity:
        """Hub 0.8 core turned ``Basic user:password`` into a password grant."""
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise invalid_token("The token header could not be extracted.") from None
        store = ctx.store
        with store.lock:
            master = store.first("realms", name="master")
            user = store.first("users", name=username, realmId=master and master["id"])
            if user is None or not verify_password(password, user.get("_password")):
                raise invalid_token("The user credentials are invalid.")
            return Identity("user", user["id"], user["name"], user.get("realmId"), "master")


def _truncate(response: Response) -> Response:
    """The response with half of its body but its full ``Content-Length``."""
    declared = response.content_length
    collected = bytearray()
    try:
        for chunk in response.iter_encoded():
            collected.extend(chunk)
            if declared is not None and len(collected) >= declared // 2:
                break
    finally:
        response.close()
    if declared is None:
        declared = len(collected)
    sent = bytes(collected[: declared // 2])
    claimed = declared if declared > len(sent) else len(sent) + TRUNCATE_PHANTOM_BYTES
    truncated = Response(sent, status=response.status_code, headers=response.headers)
    truncated.headers["Content-Length"] = str(claimed)
    return truncated


# --------------------------------------------------------------------------- server


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, quiet, and able to drop a connection with a TCP reset."""

    _reset = False

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, ResetConnection):
            self._reset = True
        self.close_connection = True

    def finish(self) -> None:
        if self._reset:
            with contextlib.suppress(OSError):  # linger 0: closing sends RST, not FIN
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are in ``hub.requests``; nothing is printed."""

    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug("local hub %s: %s", type, message % args if args else message)


class ServerThread:
    """A werkzeug server on a loopback port, served from a daemon thread."""

    def __init__(self, app: HubApp, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_RequestHandler
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"flamehub-local-hub-{self.port}",
            daemon=True,
        )

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        return int(self._server.server_port)

    def start(self) -> None:
        """Start serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
