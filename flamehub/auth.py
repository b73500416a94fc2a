"""Auth adapters: ``requests`` auth objects that log in to the Hub's auth service.

- :class:`PasswordAuth`: the password grant, then refresh-token grants before
  the access token expires, and a fresh password grant when the refresh token
  is rejected or has expired.
- :class:`RobotAuth`: the ``robot_credentials`` grant of legacy Hubs (0.8.x).
- :class:`ClientAuth`: the OAuth2 ``client_credentials`` grant (nodes, analyses,
  service clients; every Hub generation).
- :class:`TokenAuth`: a token you already have.

They are :class:`requests.auth.AuthBase` subclasses and thread safe: however
many threads share one adapter, an expired token triggers exactly one token
request. ``base_url`` is the auth service URL; when omitted, the :class:`~flamehub.Hub`
the adapter is given to supplies it.

Example::

    hub = Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123"))
    # standalone, with any requests session:
    requests.get(url, auth=ClientAuth(client_id, secret, base_url="https://auth.privateaim.dev"))
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import requests

from . import errors
from .transport import Transport

if TYPE_CHECKING:
    from .dialects import Dialect

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "TOKEN_PATH",
    "TOKEN_RENEWAL_MARGIN",
    "TOKEN_RENEWAL_MARGIN_FRACTION",
    "ClientAuth",
    "HubAuth",
    "PasswordAuth",
    "RobotAuth",
    "Secret",
    "TokenAuth",
]

logger = logging.getLogger("flamehub.auth")

#: Renew an access token this many seconds before it expires ...
TOKEN_RENEWAL_MARGIN = 30.0
#: ... but never earlier than this fraction of its lifetime before expiry.
TOKEN_RENEWAL_MARGIN_FRACTION = 0.1
#: Lifetime assumed when the token endpoint gives no ``expires_in``.
DEFAULT_TOKEN_LIFETIME = 300.0
#: The token endpoint, relative to the auth service URL.
TOKEN_PATH = "token"

_HIDDEN = errors.SECRET_MARKER
#: What a key of an answer must look like for an error message to name it.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}\Z")


@attrs.frozen(repr=False)
class _Token:
    access: str
    expires_at: float
    refresh: str | None = None
    refresh_expires_at: float | None = None

    def access_valid(self, now: float) -> bool:
        return now < self.expires_at

    def refresh_valid(self, now: float) -> bool:
        if not self.refresh:
            return False
        return self.refresh_expires_at is None or now < self.refresh_expires_at

    def __repr__(self) -> str:  # never show the token itself
        return f"<token expires_at={self.expires_at:.0f}>"


class Secret:
    """A credential that never shows itself in ``repr``, ``str`` or ``vars()`` dumps.

    Example::

        secret = Secret("start123")
        secret.reveal()     # 'start123'
        repr(secret)        # '<hidden>'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value itself, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return _HIDDEN

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _renew_at(issued_at: float, lifetime: float) -> float:
    margin = min(TOKEN_RENEWAL_MARGIN, lifetime * TOKEN_RENEWAL_MARGIN_FRACTION)
    return issued_at + lifetime - margin


class HubAuth(requests.auth.AuthBase):
    """Base of the flamehub auth adapters: puts ``Authorization: Bearer <token>`` on requests."""

    #: Whether a rejected token can be replaced by a new one.
    can_renew = True

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = _normalise_base(base_url) if base_url else None
        self._transport: Transport | None = None
        self._dialect: Callable[[], Dialect] | None = None
        self._owns_transport = False

    def bind(
        self,
        *,
        base_url: str,
        transport: Transport,
        dialect: Callable[[], Dialect] | None = None,
    ) -> None:
        """Attach to a Hub: its auth URL (unless one was given) and its transport."""
        if not self.base_url and base_url:
            self.base_url = _normalise_base(base_url)
        self.close()  # a transport of its own from standalone use is not needed any more
        self._transport = transport
        self._dialect = dialect
        self._owns_transport = False

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        """A valid access token (obtained or renewed when needed)."""
        raise NotImplementedError

    def invalidate(self, token: str) -> None:
        """Forget ``token`` when the Hub rejected it; the next request obtains a new one."""

    @property
    def token_url(self) -> str:
        """The URL of the token endpoint."""
        if not self.base_url:
            raise errors.ConfigurationError(
                f"{type(self).__name__} has no auth service URL: pass base_url=... or give "
                "it to a Hub, which supplies its auth URL"
            )
        return self.base_url + TOKEN_PATH

    def close(self) -> None:
        """Close the transport a standalone adapter opened for its token requests.

        A Hub's adapter uses the Hub's transport, which :meth:`Hub.close` closes; this
        closes only a transport of the adapter's own (used again, it opens a new one).

        Example::

            auth = ClientAuth(client_id, secret, base_url="https://auth.privateaim.dev")
            with auth:
                requests.get(url, auth=auth)
        """
        if self._owns_transport and self._transport is not None:
            self._transport.close()
            self._transport = None
        self._owns_transport = False

    def __enter__(self) -> HubAuth:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _get_transport(self) -> Transport:
        if self._transport is None:
            self._transport = Transport()
            self._owns_transport = True
        return self._transport


class TokenAuth(HubAuth):
    """A static bearer token (for example from ``FLAMEHUB_TOKEN``); it is never renewed.

    Example::

        hub = Hub("https://hub.example.org", auth=TokenAuth(os.environ["MY_TOKEN"]))
    """

    can_renew = False

    def __init__(self, token: str) -> None:
        super().__init__(None)
        if not token:
            raise errors.ConfigurationError("TokenAuth needs a non-empty token")
        self._static_token = Secret(token)

    def token(self) -> str:
        return self._static_token.reveal()

    def __repr__(self) -> str:
        return f"TokenAuth(token={_HIDDEN})"


class _GrantAuth(HubAuth):
    """Obtains tokens from the token endpoint and caches them until shortly before expiry."""

    #: The grant's name, for messages.
    grant_name = ""

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__(base_url)
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._clock: Callable[[], float] = time.monotonic

    @property
    def clock(self) -> Callable[[], float]:
        """The clock (seconds, ``time.monotonic`` by default) token lifetimes are measured on.

        Replace it to test expiry and renewal without waiting.

        Example::

            auth = PasswordAuth("admin", "start123")
            auth.clock = lambda: 1000.0   # a frozen clock: no token is renewed until it moves
        """
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._clock = clock

    def token(self) -> str:
        current = self._token
        if current is not None and current.access_valid(self._clock()):
            return current.access
        with self._lock:
            current = self._token
            now = self._clock()
            if current is not None and current.access_valid(now):
                return current.access
            self._token = self._obtain(current, now)
            return self._token.access

    def invalidate(self, token: str) -> None:
        with self._lock:
            current = self._token
            if current is not None and current.access == token:
                self._token = attrs.evolve(current, expires_at=0.0)

    def _obtain(self, previous: _Token | None, now: float) -> _Token:
        if previous is not None and previous.refresh_valid(now):
            try:
                return self._request_token(
                    {"grant_type": "refresh_token", "refresh_token": previous.refresh},
                    "refresh_token",
                )
            except errors.AuthenticationError as error:
                logger.info(
                    "refresh token rejected (%s); logging in again with the %s grant",
                    error.code or error.status_code,
                    self.grant_name,
                )
        return self._request_token(self._grant_body(), self.grant_name)

    def _grant_body(self) -> dict[str, Any]:
        raise NotImplementedError

    def _request_token(self, body: dict[str, Any], grant: str) -> _Token:
        transport = self._get_transport()
        url = self.token_url
        issued_at = self._clock()
        try:
            response = transport.send("POST", url, json=body, allow_retry=False)
        except errors.TransportError as error:
            raise errors.TransportError(
                f"could not reach the token endpoint for the {grant} grant: {error}",
                method="POST",
                url=url,
            ) from None
        if response.status_code >= 400:
            # a hostile or careless server may echo what it was sent: never the credentials
            sent_secrets = [str(v) for k, v in body.items() if v and errors.is_secret_key(k)]
            raise _authentication_error(response, grant, sent_secrets)
        # The token endpoint's answer is never echoed: it may carry a token in any shape.
        try:
            payload = transport.json(response)
        except errors.InvalidResponse:
            payload = None
        if not isinstance(payload, dict) or not payload.get("access_token"):
            raise errors.InvalidResponse(
                f"the token endpoint answered the {grant} grant without a JSON access_token "
                f"(status {response.status_code}, "
                f"{response.headers.get('Content-Type', 'no content type')}, "
                f"{len(response.content)} bytes; not shown, it may carry a token)",
                status_code=response.status_code,
                method="POST",
                url=url,
                body_preview=_key_names(payload),
            )
        lifetime = _seconds(payload.get("expires_in"), DEFAULT_TOKEN_LIFETIME)
        refresh = payload.get("refresh_token") or None
        refresh_lifetime = _seconds(payload.get("refresh_token_expires_in"), None)
        logger.debug(
            "obtained an access token with the %s grant (expires in %.0f s)", grant, lifetime
        )
        return _Token(
            access=str(payload["access_token"]),
            expires_at=_renew_at(issued_at, lifetime),
            refresh=str(refresh) if refresh else None,
            refresh_expires_at=(
                _renew_at(issued_at, refresh_lifetime) if refresh_lifetime is not None else None
            ),
        )


def _seconds(value: Any, default: float | None) -> Any:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _key_names(payload: Any) -> str:
    """The key names of a decoded answer (only names that look like field names)."""
    if not isinstance(payload, dict):
        return ""
    return ", ".join(sorted(k for k in payload if isinstance(k, str) and _FIELD_NAME.match(k)))


def _authentication_error(
    response: requests.Response, grant: str, sent_secrets: list[str]
) -> errors.AuthenticationError:
    """The refusal of a grant, with the server's code and message but nothing of an odd
    body (a non-JSON answer or token-looking keys are not carried along) and none of the
    credentials the grant sent (a server that echoes them has them masked)."""
    from .transport import error_from_response

    base = error_from_response(response, sent_secrets)
    if isinstance(base.body, dict):
        body: Any = {
            key: value for key, value in base.body.items() if not errors.is_secret_key(str(key))
        }
        message = base.message
    else:
        body = None
        message = (
            f"non-JSON answer ({response.headers.get('Content-Type', 'no content type')}, "
            f"{len(response.content)} bytes; not shown, it may carry a token)"
        )
    return errors.AuthenticationError(
        base.status_code,
        code=base.code,
        message=f"{grant} grant refused: {message}",
        issues=base.issues,
        body=body,
        method=base.method,
        url=base.url,
    )


class PasswordAuth(_GrantAuth):
    """Log in as a user with the password grant; renew with refresh tokens.

    Args:
        username: the user's name.
        password: the user's password (never shown in repr, logs or errors).
        base_url: the auth service URL; supplied by the Hub when omitted.
        realm: optional realm name to log into (default: the master realm).

    Example::

        hub = Hub("http://localhost:3000", auth=PasswordAuth("admin", "start123"))
    """

    grant_name = "password"

    def __init__(
        self,
        username: str,
        password: str,
        base_url: str | None = None,
        *,
        realm: str | None = None,
    ) -> None:
        super().__init__(base_url)
        if not username or not password:
            raise errors.ConfigurationError("PasswordAuth needs a username and a password")
        self.username = username
        self.realm = realm
        self.__password = Secret(password)

    def _grant_body(self) -> dict[str, Any]:
        body = {
            "grant_type": "password",
            "username": self.username,
            "password": self.__password.reveal(),
        }
        if self.realm:
            body["realm_name"] = self.realm
        return body

    def __repr__(self) -> str:
        return f"PasswordAuth(username={self.username!r}, password={_HIDDEN})"


class RobotAuth(_GrantAuth):
    """Log in as a robot with the ``robot_credentials`` grant (legacy Hubs only).

    Robots were removed in authup 1.0.0-beta.54 (Hub 0.12.3); on a current Hub
    use :class:`ClientAuth` with the node's client id and secret.

    Example::

        hub = Hub("http://localhost:3000", auth=RobotAuth(robot_id, robot_secret))
    """

    grant_name = "robot_credentials"

    def __init__(self, robot_id: str, robot_secret: str, base_url: str | None = None) -> None:
        super().__init__(base_url)
        if not robot_id or not robot_secret:
            raise errors.ConfigurationError("RobotAuth needs a robot id and a robot secret")
        self.robot_id = str(robot_id)
        self.__secret = Secret(robot_secret)

    def _grant_body(self) -> dict[str, Any]:
        if self._dialect is not None and not self._dialect().robots:
            raise errors.UnsupportedByHub(
                f"Hub {self._dialect().version_string} has no robots (removed in authup "
                "1.0.0-beta.54 / Hub 0.12.3): use ClientAuth(client_id, client_secret) instead"
            )
        return {
            "grant_type": "robot_credentials",
            "id": self.robot_id,
            "secret": self.__secret.reveal(),
        }

    def __repr__(self) -> str:
        return f"RobotAuth(robot_id={self.robot_id!r}, robot_secret={_HIDDEN})"


class ClientAuth(_GrantAuth):
    """Log in as an OAuth2 client with the ``client_credentials`` grant.

    A node logs in with ``client_id = node.client_id`` (not the node's id) and
    the secret from ``node.client_credentials()``. No refresh token is issued:
    flamehub repeats the grant shortly before the token expires.

    Example::

        hub = Hub("https://hub.example.org", auth=ClientAuth(client_id, client_secret))
    """

    grant_name = "client_credentials"

    def __init__(self, client_id: str, client_secret: str, base_url: str | None = None) -> None:
        super().__init__(base_url)
        if not client_id or not client_secret:
            raise errors.ConfigurationError("ClientAuth needs a client id and a client secret")
        self.client_id = str(client_id)
        self.__secret = Secret(client_secret)

    def _grant_body(self) -> dict[str, Any]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.__secret.reveal(),
        }

    def __repr__(self) -> str:
        return f"ClientAuth(client_id={self.client_id!r}, client_secret={_HIDDEN})"


def _normalise_base(url: str) -> str:
    return url if url.endswith("/") else url + "/"
