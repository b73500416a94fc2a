"""The :class:`Hub`: where the services are, how to log in, which API generation they speak.

Example::

    import flamehub
    from flamehub import Hub, PasswordAuth

    hub = Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123"))
    flamehub.connect(hub)          # the default hub of Model.objects
    print(hub.version)             # '0.14.0', detected once from GET <core>/
"""

from __future__ import annotations

import logging
import os
import threading
import typing
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from . import errors
from .auth import ClientAuth, HubAuth, PasswordAuth, RobotAuth, TokenAuth
from .dialects import AnswerShape, Dialect, Generation
from .transport import DEFAULT_MAX_RESPONSE_BYTES, RetryPolicy, Timeout, Transport

__all__ = [
    "ENV_AUTH_URL",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_CORE_URL",
    "ENV_HUB_VERSION",
    "ENV_PASSWORD",
    "ENV_ROBOT_ID",
    "ENV_ROBOT_SECRET",
    "ENV_STORAGE_URL",
    "ENV_TOKEN",
    "ENV_URL",
    "ENV_USERNAME",
    "PUBLIC_AUTH_URL",
    "PUBLIC_CORE_URL",
    "PUBLIC_STORAGE_URL",
    "SERVICES",
    "Hub",
    "auth_from_env",
    "connect",
    "default_hub",
    "resolve_hub",
    "sibling_service_url",
]

logger = logging.getLogger("flamehub.hub")

#: The public FLAME Hub, used when no URL is given at all.
PUBLIC_AUTH_URL = "https://auth.privateaim.dev/"
PUBLIC_CORE_URL = "https://core.privateaim.dev/"
PUBLIC_STORAGE_URL = "https://storage.privateaim.dev/"

#: The three services and the path prefix the Hub's reverse proxy gives each.
SERVICES = ("auth", "core", "storage")

#: Paths whose answers are not resource rows (OAuth2/OIDC keys are snake_case on every
#: Hub): the generation check of :meth:`Hub.send` skips them.
UNSHAPED_PATHS = ("token", ".well-known", "jwks", "userinfo", "authorize")

#: Environment variables read by :meth:`Hub.from_env`.
ENV_URL = "FLAMEHUB_URL"
ENV_AUTH_URL = "FLAMEHUB_AUTH_URL"
ENV_CORE_URL = "FLAMEHUB_CORE_URL"
ENV_STORAGE_URL = "FLAMEHUB_STORAGE_URL"
ENV_USERNAME = "FLAMEHUB_USERNAME"
ENV_PASSWORD = "FLAMEHUB_PASSWORD"
ENV_ROBOT_ID = "FLAMEHUB_ROBOT_ID"
ENV_ROBOT_SECRET = "FLAMEHUB_ROBOT_SECRET"
ENV_CLIENT_ID = "FLAMEHUB_CLIENT_ID"
ENV_CLIENT_SECRET = "FLAMEHUB_CLIENT_SECRET"
ENV_TOKEN = "FLAMEHUB_TOKEN"
ENV_HUB_VERSION = "FLAMEHUB_HUB_VERSION"


class Hub:
    """A connection to one FLAME Hub (its auth, core and storage services).

    Args:
        url: the Hub's base URL behind its reverse proxy; ``<url>/auth/``,
            ``<url>/core/`` and ``<url>/storage/`` are derived from it.
        auth_url, core_url, storage_url: service URLs one by one (each
            overrides the derived one). With no URL at all, the public
            instance (``auth.privateaim.dev`` ...) is used.
        auth: a :class:`~flamehub.PasswordAuth`, :class:`~flamehub.RobotAuth`,
            :class:`~flamehub.ClientAuth` or :class:`~flamehub.TokenAuth`.
        hub_version: skip detection and assume this Hub version (e.g. ``"0.8.13"``).
        timeout: seconds, or ``(connect, read)``.
        retry: a :class:`~flamehub.transport.RetryPolicy`.
        session: a :class:`requests.Session` to use (proxies, CA bundles ...).
        verify: TLS verification (``True`` or a CA bundle path).
        max_response_bytes: the largest answer body read into memory, counted
            decoded (default :data:`~flamehub.transport.DEFAULT_MAX_RESPONSE_BYTES`,
            32 MiB); streamed downloads are not limited by it.
        deadline: seconds one request may take as a whole (retries and reading the
            body included); ``None`` (the default) leaves only the per-read ``timeout``.

    Example::

        with Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123")) as hub:
            print(Node.objects.using(hub).count())
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        auth_url: str | None = None,
        core_url: str | None = None,
        storage_url: str | None = None,
        auth: HubAuth | None = None,
        hub_version: str | None = None,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        verify: bool | str = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        if url is None and not (auth_url or core_url or storage_url):
            defaults = (PUBLIC_AUTH_URL, PUBLIC_CORE_URL, PUBLIC_STORAGE_URL)
        elif url is not None:
            base = _with_slash(url)
            defaults = tuple(urljoin(base, f"{service}/") for service in SERVICES)  # type: ignore[assignment]
        else:
            defaults = (None, None, None)  # type: ignore[assignment]
        given = (auth_url, core_url, storage_url)
        self._urls: dict[str, str | None] = {
            service: _with_slash(explicit) if explicit else default
            for service, explicit, default in zip(SERVICES, given, defaults, strict=True)
        }
        self.transport = Transport(
            session,
            timeout=timeout,
            retry=retry,
            verify=verify,
            max_response_bytes=max_response_bytes,
            deadline=deadline,
        )
        self.auth = auth
        if auth is not None:
            auth.bind(
                base_url=self._urls["auth"] or "",
                transport=self.transport,
                dialect=lambda: self.dialect_for("auth"),
            )
        self._dialect: Dialect | None = Dialect.for_version(hub_version) if hub_version else None
        #: The version the user configured (``None``: detected); its answers are checked.
        self._configured_version = hub_version
        #: Dialects of the services that do not follow the core's (see :meth:`dialect_for`).
        self._service_dialects: dict[str, Dialect] = {}
        #: The views :meth:`for_service` gives out, one per service.
        self._service_views: dict[str, Hub] = {}
        #: Services whose answers matched the configured version (checked once each).
        self._shape_checked: set[str] = set()
        self._detect_lock = threading.Lock()
        #: ``meta.schema`` seen per collection path (current Hubs), used to check query keys.
        self.schemas: dict[tuple[str, str], Mapping[str, Any]] = {}

    # -- construction --------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Hub:
        """A Hub configured from ``FLAMEHUB_*`` environment variables.

        ``FLAMEHUB_URL`` (or ``FLAMEHUB_AUTH_URL`` / ``_CORE_URL`` / ``_STORAGE_URL``);
        credentials from the first complete pair of ``FLAMEHUB_TOKEN``,
        ``FLAMEHUB_CLIENT_ID``/``_SECRET``, ``FLAMEHUB_ROBOT_ID``/``_SECRET``,
        ``FLAMEHUB_USERNAME``/``FLAMEHUB_PASSWORD``; ``FLAMEHUB_HUB_VERSION`` skips
        detection. Keyword arguments override what the environment says.

        Credentials are never sent to the public Hub by default: with credentials but
        no URL (neither a ``FLAMEHUB_*URL`` variable nor ``url=...``) it raises
        :class:`~flamehub.errors.ConfigurationError`. For the public Hub say so, with its
        service URLs (``FLAMEHUB_AUTH_URL=https://auth.privateaim.dev/`` ...) or
        ``Hub(auth=...)``.

        Example::

            hub = Hub.from_env()       # FLAMEHUB_URL=http://localhost:3000 ...
        """
        env = os.environ if environ is None else environ
        kwargs: dict[str, Any] = {
            "url": env.get(ENV_URL) or None,
            "auth_url": env.get(ENV_AUTH_URL) or None,
            "core_url": env.get(ENV_CORE_URL) or None,
            "storage_url": env.get(ENV_STORAGE_URL) or None,
            "hub_version": env.get(ENV_HUB_VERSION) or None,
            "auth": auth_from_env(env),
        }
        kwargs.update(overrides)
        if kwargs.get("auth") is not None and not any(
            kwargs.get(name) for name in ("url", "auth_url", "core_url", "storage_url")
        ):
            raise errors.ConfigurationError(
                f"credentials are set ({type(kwargs['auth']).__name__}) but no Hub URL: set "
                f"{ENV_URL} (or {ENV_AUTH_URL}/{ENV_CORE_URL}/{ENV_STORAGE_URL}). flamehub does "
                "not send them to the public Hub unless a URL says so: for the public Hub set "
                f"{ENV_AUTH_URL}={PUBLIC_AUTH_URL} and the others, or use Hub(auth=...)"
            )
        return cls(**kwargs)

    # -- services ------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        """The auth service (authup) URL, ending in ``/``."""
        return self.service_url("auth")

    @property
    def core_url(self) -> str:
        """The core service URL, ending in ``/``."""
        return self.service_url("core")

    @property
    def storage_url(self) -> str:
        """The storage service URL, ending in ``/``."""
        return self.service_url("storage")

    def service_url(self, service: str) -> str:
        """The base URL of ``"auth"``, ``"core"`` or ``"storage"``."""
        if service not in self._urls:
            raise errors.ConfigurationError(
                f"unknown Hub service {service!r}; the services are {', '.join(SERVICES)}"
            )
        url = self._urls[service]
        if not url:
            raise errors.ConfigurationError(
                f"this Hub has no {service} URL: pass url=... or {service}_url=..."
            )
        return url

    def url_for(self, service: str, path: str) -> str:
        """The absolute URL of ``path`` on ``service``."""
        return self.service_url(service) + path.lstrip("/")

    # -- generation ----------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        """The wire dialect, detected once from ``GET <core>/`` unless ``hub_version`` was given."""
        if self._dialect is None:
            with self._detect_lock:
                if self._dialect is None:
                    self._dialect = Dialect.for_version(self._detect_version())
        return self._dialect

    def dialect_for(self, service: str) -> Dialect:
        """The wire dialect of one service: each service speaks its own.

        Core decides :attr:`dialect`. The auth service follows its authup
        (``GET <auth>/``; with ``hub_version`` given, the authup that Hub release
        ships), so Hub 0.12.7's camelCase authup is read as such next to its
        snake_case core. Storage follows its own version when it was given its own
        URL apart from core's.

        Example::

            hub = Hub("http://localhost:3000", hub_version="0.12.7")
            hub.dialect_for("auth").camel_case, hub.dialect_for("core").camel_case
            # (True, False)
        """
        hub_dialect = self.dialect
        if service not in ("auth", "storage"):
            return hub_dialect
        found = self._service_dialects.get(service)
        if found is None:
            with self._detect_lock:
                found = self._service_dialects.get(service)
                if found is None:
                    found = self._detect_service_dialect(service, hub_dialect)
                    self._service_dialects[service] = found
        return found

    def for_service(self, service: str) -> Hub:
        """This hub as one service sees it: itself, unless that service speaks another dialect.

        The QuerySets of a service's resources run through it, so that every rule
        they read from ``hub.dialect`` is that service's.

        Example::

            Hub("http://localhost:3000", hub_version="0.12.7").for_service("auth").dialect
            # <Dialect current (Hub 0.12.7, authup 1.0.0-beta.56)>
        """
        dialect = self.dialect_for(service)
        if dialect.camel_case == self.dialect.camel_case and (
            dialect.generation is self.dialect.generation
        ):
            return self
        view = self._service_views.get(service)
        if view is None or view.dialect is not dialect:
            view = self._service_views[service] = _ServiceHub(self, dialect)
        return view

    def _detect_service_dialect(self, service: str, hub_dialect: Dialect) -> Dialect:
        if service == "auth":
            authup = None
            if self._configured_version is None and self._urls.get("auth"):
                authup = self._optional_version_at(self.service_url("auth"))
            return Dialect.for_service(hub_dialect.version, "auth", authup=authup)
        storage, core = self._urls.get("storage"), self._urls.get("core")
        if self._configured_version is not None or not storage or not core:
            return hub_dialect
        if sibling_service_url(core, "storage") == storage:
            return hub_dialect  # one Hub behind one proxy: one release
        version = self._optional_version_at(storage)
        return Dialect.for_version(version) if version else hub_dialect

    def _optional_version_at(self, url: str) -> str | None:
        try:
            return self._version_at(url)
        except errors.FlamehubError as error:
            logger.debug("no version from %s: %s", url, error)
            return None

    @property
    def version(self) -> str:
        """The Hub version (``"0.14.0"``)."""
        return self.dialect.version_string

    @property
    def generation(self) -> Generation:
        """:attr:`Generation.LEGACY` (0.8.x - 0.12.x) or :attr:`Generation.CURRENT` (>= 0.13)."""
        return self.dialect.generation

    def _detect_version(self) -> str:
        for service in ("core", "storage"):
            if self._urls.get(service):
                version = self._version_at(self.service_url(service))
                if version:
                    return version
        # A Hub given only some service URLs (e.g. only auth, or a legacy storage whose
        # root answer has no version): ask the core service next to them.
        for url in self._sibling_core_urls():
            try:
                version = self._version_at(url)
            except errors.FlamehubError as error:
                logger.debug("no Hub version from sibling %s: %s", url, error)
                continue
            if version:
                return version
        raise errors.ConfigurationError(
            "could not detect the Hub version: GET <core>/ gave no 'version'; pass "
            "hub_version='0.14.0' (or the Hub's real version) to Hub(...)"
        )

    def _version_at(self, url: str) -> str | None:
        """The ``version`` of a service's root answer (``GET <service>/``), if it has one."""
        response = self.transport.send("GET", url)
        Transport.raise_for_status(response)
        body = Transport.json(response)
        if isinstance(body, dict) and body.get("version"):
            logger.debug("detected Hub version %s from %s", body["version"], url)
            return str(body["version"])
        return None

    def _sibling_core_urls(self) -> list[str]:
        """Core URLs next to the configured services, when no core URL was given."""
        if self._urls.get("core"):
            return []
        found: list[str] = []
        for service in ("storage", "auth"):
            url = self._urls.get(service)
            sibling = sibling_service_url(url, "core") if url else None
            if sibling and sibling not in found:
                found.append(sibling)
        return found

    # -- requests ------------------------------------------------------------

    def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        authenticated: bool = True,
        timeout: Timeout | None = None,
    ) -> requests.Response:
        """Send a request to a service and return the raw answer (raises on error statuses).

        Example::

            response = hub.send("storage", "GET", "bucket-files/<id>/stream", stream=True)
        """
        url = self.url_for(service, path)
        response = self.transport.send(
            method,
            url,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=headers,
            auth=self.auth if authenticated else None,
            stream=stream,
            timeout=timeout,
            rate_limit_key=service,
        )
        if response.status_code >= 400:
            try:
                Transport.raise_for_status(response)
            finally:
                response.close()
        if (
            self._configured_version is not None
            and service not in self._shape_checked
            and not stream
            and not path.lstrip("/").startswith(UNSHAPED_PATHS)
        ):
            self._check_shape(service, method, path, url, response)
        return response

    def _check_shape(
        self, service: str, method: str, path: str, url: str, response: requests.Response
    ) -> None:
        """Raise :class:`~flamehub.errors.GenerationMismatch` if the answer contradicts
        the configured version (the first telling answer of each service is checked)."""
        try:
            collection = method.upper() == "GET" and "/" not in path.strip("/")
            shape = AnswerShape.of(Transport.json(response), collection=collection)
        except errors.InvalidResponse:
            return  # not JSON: the caller reports it
        if not shape.conclusive:
            return
        dialect = self.dialect_for(service)
        seen = dialect.contradiction(shape)
        if seen is None:
            self._shape_checked.add(service)
            return
        done = "" if method.upper() == "GET" else f" (the Hub did carry out this {method})"
        raise errors.GenerationMismatch(
            f"Hub configured as version {self._configured_version} ({service}: "
            f"{dialect.describe()}), but {method} {url} answered with {seen}{done}: the Hub "
            "speaks another API generation, and fields would be silently dropped or read as "
            "None. Drop hub_version (--hub-version, FLAMEHUB_HUB_VERSION) to let flamehub "
            "detect the version, or set the Hub's real version.",
            method=method,
            url=url,
        )

    def request(
        self,
        service: str,
        method: str,
        path: str,
        **kwargs: Any,
    ) -> Any:
        """Like :meth:`send`, but returns the decoded JSON body.

        Example::

            body = hub.request("core", "GET", "nodes", params={"filter[name]": "site-a"})
        """
        response = self.send(service, method, path, **kwargs)
        return Transport.json(response)

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Close the pooled connections. This is final: later requests through this hub
        raise :class:`~flamehub.errors.ConfigurationError` instead of reconnecting."""
        self.transport.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        version = self._dialect.version_string if self._dialect else "undetected"
        return (
            f"<Hub core={self._urls['core']!r} auth={self._urls['auth']!r} "
            f"storage={self._urls['storage']!r} version={version} auth={self.auth!r}>"
        )


class _ServiceHub(Hub):
    """A :class:`Hub` seen by one service whose dialect differs from the core's.

    Everything but :attr:`dialect` is the hub's own (sessions, URLs, auth, schemas).
    """

    def __init__(self, hub: Hub, dialect: Dialect) -> None:  # no Hub.__init__: a view
        self.__dict__["_root"] = hub
        self.__dict__["_view_dialect"] = dialect

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_root"], name)

    @property
    def dialect(self) -> Dialect:
        return typing.cast(Dialect, self.__dict__["_view_dialect"])

    def dialect_for(self, service: str) -> Dialect:
        return typing.cast(Hub, self.__dict__["_root"]).dialect_for(service)

    def for_service(self, service: str) -> Hub:
        return typing.cast(Hub, self.__dict__["_root"]).for_service(service)

    def __eq__(self, other: object) -> bool:
        root = self.__dict__["_root"]
        return (
            other is self
            or other is root
            or (isinstance(other, _ServiceHub) and other.__dict__["_root"] is root)
        )

    def __hash__(self) -> int:
        return hash(self.__dict__["_root"])

    def __repr__(self) -> str:
        return repr(self.__dict__["_root"])


def auth_from_env(env: Mapping[str, str]) -> HubAuth | None:
    """The auth adapter described by ``FLAMEHUB_*`` variables, or ``None``."""
    if env.get(ENV_TOKEN):
        return TokenAuth(env[ENV_TOKEN])
    if env.get(ENV_CLIENT_ID) and env.get(ENV_CLIENT_SECRET):
        return ClientAuth(env[ENV_CLIENT_ID], env[ENV_CLIENT_SECRET])
    if env.get(ENV_ROBOT_ID) and env.get(ENV_ROBOT_SECRET):
        return RobotAuth(env[ENV_ROBOT_ID], env[ENV_ROBOT_SECRET])
    if env.get(ENV_USERNAME) and env.get(ENV_PASSWORD):
        return PasswordAuth(env[ENV_USERNAME], env[ENV_PASSWORD])
    return None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def sibling_service_url(url: str, service: str) -> str | None:
    """The URL of ``service`` next to the service at ``url``, or ``None`` if unclear.

    Behind the Hub's reverse proxy the services share a host (``<base>/auth/``,
    ``<base>/core/``); the public instance gives each its own host
    (``auth.privateaim.dev``, ``core.privateaim.dev``).

    Example::

        sibling_service_url("http://localhost:3000/storage/", "core")
        # 'http://localhost:3000/core/'
        sibling_service_url("https://auth.privateaim.dev/", "core")
        # 'https://core.privateaim.dev/'
    """
    parts = urlsplit(_with_slash(url))
    segments = parts.path.rstrip("/").split("/")
    if segments and segments[-1] in SERVICES:
        path = "/".join([*segments[:-1], service]) + "/"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    host, _, rest = parts.netloc.partition(".")
    if rest and host in SERVICES:
        return urlunsplit((parts.scheme, f"{service}.{rest}", parts.path, "", ""))
    return None


# -- the default hub ----------------------------------------------------------

_default_hub: Hub | None = None


def connect(hub: Hub | None) -> Hub | None:
    """Make ``hub`` the default that ``Model.objects`` uses (``None`` disconnects).

    Returns the previous default.

    Example::

        flamehub.connect(Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123")))
        Node.objects.count()
    """
    global _default_hub
    previous, _default_hub = _default_hub, hub
    return previous


def default_hub() -> Hub:
    """The hub set by :func:`connect`; :class:`~flamehub.errors.ConfigurationError` if none."""
    if _default_hub is None:
        raise errors.ConfigurationError(
            "no Hub is connected: call flamehub.connect(Hub(...)) first, or pass one "
            "explicitly with Model.objects.using(hub)"
        )
    return _default_hub


def resolve_hub(*preferred: Hub | None) -> Hub:
    """The hub to use: the first of ``preferred`` that is not ``None``, else :func:`default_hub`.

    The one answer to "which hub do I use" for querysets (``.using(hub)``), objects
    (``using=`` or the hub they came from) and actions.

    Example::

        hub = resolve_hub(using, node.hub)      # using=, else the node's hub, else the default
    """
    for hub in preferred:
        if hub is not None:
            return hub
    return default_hub()
