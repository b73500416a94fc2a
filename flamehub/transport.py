"""HTTP transport: one pooled session, timeouts, retries and error mapping.

Everything flamehub sends goes through :class:`Transport.send`. It

- applies the default timeouts (connect, read) unless the caller gives others;
- retries connection failures, timeouts and 502/503/504 answers with an
  exponential backoff, but only for idempotent methods (GET, HEAD, DELETE,
  OPTIONS): creates and updates are POSTs on the Hub and are never resent;
- re-authenticates once and resends once when the Hub rejects the token
  (401, ``invalid_token``, or the 500 "JWT is not active" of current Hubs);
- turns error answers into :class:`~flamehub.errors.HubAPIError` subclasses
  and non-JSON answers into :class:`~flamehub.errors.InvalidResponse`.

Example::

    transport = Transport(timeout=(3.05, 10), retry=RetryPolicy(total=5))
    response = transport.send("GET", "https://core.privateaim.dev/nodes")
    body = transport.json(response)
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import json as jsonlib
import logging
import re
import time
from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard, runtime_checkable
from urllib.parse import urlencode

import attrs
import requests
import urllib3

from . import errors
from ._version import __version__

__all__ = [
    "DEFAULT_BACKOFF_FACTOR",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_RETRIES",
    "IDEMPOTENT_METHODS",
    "MAX_BACKOFF",
    "RETRY_STATUSES",
    "USER_AGENT",
    "RenewableAuth",
    "RetryPolicy",
    "Timeout",
    "Transport",
    "error_from_response",
    "is_token_rejection",
]

logger = logging.getLogger("flamehub.transport")

#: Seconds to wait for a TCP connection.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds to wait for the first byte of an answer (and between bytes of a stream).
DEFAULT_READ_TIMEOUT = 60.0
#: How many times an idempotent request is resent after a transient failure.
DEFAULT_RETRIES = 3
#: First backoff delay in seconds; doubled on each further retry.
DEFAULT_BACKOFF_FACTOR = 0.25
#: Upper bound of one backoff delay (also for ``Retry-After``).
MAX_BACKOFF = 10.0
#: Answers that mean "try again later".
RETRY_STATUSES = frozenset({502, 503, 504})
#: Methods that are safe to resend.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
#: Statuses :func:`is_token_rejection` can accept (checked before the slow Protocol test).
_MAYBE_TOKEN_REJECTION = frozenset({400, 401, 500})
#: Bodiless methods sent straight to the session's adapter (see ``Transport._request``).
_FAST_METHODS = frozenset({"GET", "HEAD", "DELETE"})
#: An absolute URL that ``PreparedRequest.prepare_url`` would leave exactly as it is:
#: http(s), a lower-case ASCII host, an optional port, a path of unreserved characters,
#: sub-delimiters, ``:``, ``@`` and ``/`` (no ``%``, no query, no fragment), and no
#: segment starting with a dot (requests resolves ``.`` and ``..`` segments).
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?(?!.*/\.)/[A-Za-z0-9._~!$&'()*+,;=:@/-]*"
)
#: The User-Agent header flamehub sends.
USER_AGENT = f"flamehub/{__version__} python-requests/{requests.__version__}"

Timeout = float | tuple[float, float]


@runtime_checkable
class RenewableAuth(Protocol):
    """An auth adapter that can drop a rejected token and obtain a new one."""

    can_renew: bool

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is the current one."""


@attrs.frozen
class RetryPolicy:
    """When and how often the transport resends a request.

    Example::

        Hub(url, retry=RetryPolicy(total=5, backoff_factor=0.5))
    """

    total: int = DEFAULT_RETRIES
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR
    max_backoff: float = MAX_BACKOFF
    statuses: frozenset[int] = RETRY_STATUSES
    methods: frozenset[str] = IDEMPOTENT_METHODS

    def allows(self, method: str) -> bool:
        """Whether ``method`` may be resent at all."""
        return method.upper() in self.methods

    def delay(self, attempt: int, response: requests.Response | None = None) -> float:
        """Seconds to sleep before retry number ``attempt`` (1-based)."""
        if response is not None:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None:
                return min(retry_after, self.max_backoff)
        return min(self.backoff_factor * (2 ** (attempt - 1)), self.max_backoff)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def is_token_rejection(response: requests.Response) -> bool:
    """Whether the Hub refused the request because of the bearer token itself.

    Covers 401, authup's 400 ``invalid_token`` and the 500 that current Hub
    core/storage answer for an expired, revoked or malformed token.
    """
    status = response.status_code
    if status == 401:
        return True
    if status not in (400, 500):
        return False
    body = _peek_json(response)
    if not isinstance(body, dict):
        return False
    code = str(body.get("code") or "")
    if code == "invalid_token":
        return True
    message = str(body.get("message") or "")
    return (
        status == 500
        and code == "internal_error"
        and ("JWT" in message or "token" in message.lower())
    )


def _peek_json(response: requests.Response) -> Any:
    try:
        return jsonlib.loads(response.content or b"null")
    except (ValueError, requests.RequestException):
        return None


class Transport:
    """Sends requests over one pooled :class:`requests.Session`.

    Args:
        session: a session to use (flamehub configures it); a new one by default.
        timeout: seconds, or ``(connect, read)``.
        retry: the :class:`RetryPolicy`.
        verify: TLS verification, ``True`` or a CA bundle path. Never turn it off
            for a Hub reached over a network you do not control.

    Example::

        transport = Transport(timeout=(5, 30))
        transport.send("GET", "http://localhost:3000/core/")
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout: Timeout = (
            timeout if timeout is not None else (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
        )
        self.retry = retry if retry is not None else RetryPolicy()
        self.verify = verify
        self._sleep = time.sleep
        #: What the fast path keeps per scheme://host:port (see :meth:`_request`).
        self._origins: dict[str, _Origin] = {}

    def close(self) -> None:
        """Close the pooled connections."""
        origins, self._origins = self._origins, {}
        for state in origins.values():
            if state.pool is not None:
                state.pool.close()
        self.session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: requests.auth.AuthBase | None = None,
        stream: bool = False,
        timeout: Timeout | None = None,
        allow_retry: bool = True,
    ) -> requests.Response:
        """Send one request (with retries and one re-authentication) and return the answer.

        Error statuses are returned, not raised: call :meth:`raise_for_status`.
        Raises :class:`~flamehub.errors.TransportError` (or ``HubTimeout``) when
        no answer arrived after the allowed retries.
        """
        method = method.upper()
        may_retry = allow_retry and self.retry.allows(method)
        attempt = 0
        renewed = False
        effective_timeout = timeout if timeout is not None else self.timeout
        while True:
            started = time.monotonic()
            try:
                response = self._request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    files=files,
                    headers=headers,
                    auth=auth,
                    stream=stream,
                    timeout=effective_timeout,
                )
            except requests.Timeout as exc:
                if may_retry and attempt < self.retry.total:
                    attempt += 1
                    self._backoff(method, url, attempt, None, f"timeout ({exc.__class__.__name__})")
                    continue
                raise errors.HubTimeout(
                    f"{method} {url} got no answer within {_describe_timeout(effective_timeout)}"
                    + _retried(attempt),
                    method=method,
                    url=url,
                ) from None
            except requests.ConnectionError as exc:
                if may_retry and attempt < self.retry.total:
                    attempt += 1
                    self._backoff(method, url, attempt, None, "connection error")
                    continue
                raise errors.TransportError(
                    f"{method} {url} failed: {_connection_reason(exc)}" + _retried(attempt),
                    method=method,
                    url=url,
                ) from None
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                # the connection broke while the body was read (fewer bytes than announced)
                if may_retry and attempt < self.retry.total:
                    attempt += 1
                    self._backoff(method, url, attempt, None, "incomplete answer")
                    continue
                raise errors.TransportError(
                    f"{method} {url}: the answer was cut off or could not be decoded "
                    f"({_connection_reason(exc)})" + _retried(attempt),
                    method=method,
                    url=url,
                ) from None
            except requests.RequestException as exc:
                raise errors.TransportError(
                    f"{method} {url} failed: {type(exc).__name__}: {_connection_reason(exc)}",
                    method=method,
                    url=url,
                ) from None
            logger.debug(
                "%s %s -> %s (%.0f ms)",
                method,
                response.url,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if (
                not renewed
                and response.status_code in _MAYBE_TOKEN_REJECTION
                and isinstance(auth, RenewableAuth)
                and auth.can_renew
                and is_token_rejection(response)
            ):
                renewed = True
                used = response.request.headers.get("Authorization", "")
                auth.invalidate(used.removeprefix("Bearer ").strip())
                logger.info(
                    "%s %s: token rejected (%s); re-authenticating once",
                    method,
                    url,
                    response.status_code,
                )
                response.close()
                continue
            if (
                response.status_code in self.retry.statuses
                and may_retry
                and (attempt < self.retry.total)
            ):
                attempt += 1
                self._backoff(method, url, attempt, response, f"status {response.status_code}")
                response.close()
                continue
            return response

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Any,
        json: Any,
        data: Any,
        files: Any,
        headers: Mapping[str, str] | None,
        auth: requests.auth.AuthBase | None,
        stream: bool,
        timeout: Timeout,
    ) -> requests.Response:
        """One ``session.request(...)``, without the per-request costs that cannot matter.

        An authenticated GET/HEAD/DELETE without a body on a plain :class:`requests.Session`
        (no session hooks or params) is prepared here and handed to the mounted adapter,
        or for a GET/HEAD through requests' own adapter and no proxy straight to the
        origin's connection pool (:meth:`_send_pooled`): this skips re-reading the proxy
        and CA-bundle environment variables on every request (they are read once per
        origin, as httpx reads them once per client), the hook dispatch and redirect
        handling (a redirect answer is sent again through ``session.request``). Mounts,
        session headers, cookies, proxies and TLS settings are honoured. Anything else
        goes through ``session.request`` unchanged.
        """
        session = self.session
        if (
            auth is None
            or method not in _FAST_METHODS
            or json is not None
            or data is not None
            or files is not None
            or type(session) is not requests.Session
            or session.params
            or any(session.hooks.values())
        ):
            return self._full_request(
                method, url, params, json, data, files, headers, auth, stream, timeout
            )
        origin = _origin(url)
        state = self._origins.get(origin)
        if state is None:
            settings = session.merge_environment_settings(url, {}, None, self.verify, None)
            proxied = bool(requests.utils.select_proxy(url, settings["proxies"]))
            state = self._origins[origin] = _Origin(settings, proxied)
        settings = state.settings
        merged = requests.structures.CaseInsensitiveDict(session.headers)
        if headers:
            merged.update(headers)
            for key in [key for key, value in merged.items() if value is None]:
                del merged[key]
        prepared = requests.PreparedRequest()
        if len(session.cookies):
            prepared.prepare(
                method=method,
                url=url,
                headers=merged,
                params=_encode_query(params),
                auth=auth,
                cookies=session.cookies,
            )
        else:  # prepare() without an empty cookie jar's header pass
            prepared.prepare_method(method)
            query = _encode_query(params)
            if _PLAIN_URL.fullmatch(url):  # what prepare_url would make of it, as is
                prepared.url = f"{url}?{query}" if query else url
            else:
                prepared.prepare_url(url, query)
            prepared.prepare_headers(merged)
            prepared.prepare_body(None, None)
            prepared.prepare_auth(auth, url)
            prepared.prepare_hooks(None)
        started = time.perf_counter()
        adapter = session.get_adapter(url)
        if method != "DELETE" and not state.proxied and _sends_itself(adapter):
            response = self._send_pooled(adapter, prepared, state, timeout, stream)
        else:
            response = adapter.send(
                prepared,
                stream=stream,
                timeout=timeout,
                verify=settings["verify"],
                cert=settings["cert"],
                proxies=settings["proxies"],
            )
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        if "Set-Cookie" in response.headers:
            requests.cookies.extract_cookies_to_jar(session.cookies, prepared, response.raw)
        if response.is_redirect:
            response.close()
            return self._full_request(
                method, url, params, json, data, files, headers, auth, stream, timeout
            )
        if not stream:
            _ = response.content
        return response

    def _send_pooled(
        self,
        adapter: requests.adapters.HTTPAdapter,
        prepared: requests.PreparedRequest,
        state: _Origin,
        timeout: Timeout,
        stream: bool,
    ) -> requests.Response:
        """What ``adapter.send`` does for a bodiless read, with the pool looked up once.

        ``HTTPAdapter.send`` finds the connection pool of the URL (parsing it twice and
        checking the CA bundle path on disk), re-applies the TLS settings to it, and
        only then calls ``urlopen``; the pool and its TLS settings depend only on the
        origin and the transport's ``verify``/``cert``, so they are resolved once per
        origin here (again once that pool has been closed). The pool stays this
        transport's until :meth:`close`, also if the pool manager drops it to make room
        for other hosts (the Hub's services are at most three origins).
        Errors become the same requests exceptions ``HTTPAdapter.send`` raises.
        """
        pool = state.pool
        if pool is None or pool.pool is None:
            settings = state.settings
            verify, cert = settings["verify"], settings["cert"]
            pool = adapter.get_connection_with_tls_context(
                prepared, verify, proxies=settings["proxies"], cert=cert
            )
            adapter.cert_verify(pool, prepared.url or "", verify, cert)
            state.pool = pool
        try:
            raw = pool.urlopen(
                method=prepared.method or "GET",
                url=prepared.path_url,
                body=None,
                headers=prepared.headers,  # type: ignore[arg-type]  # str values here
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=adapter.max_retries,
                timeout=_pool_timeout(timeout),
            )
        except Exception as error:
            raise _as_requests_error(error, prepared) from error
        if "Set-Cookie" in raw.headers:
            return adapter.build_response(prepared, raw)
        # adapter.build_response without its cookie-jar pass (there is no cookie)
        response = requests.Response()
        response.status_code = raw.status
        response.headers = requests.structures.CaseInsensitiveDict(raw.headers)
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = raw.reason  # type: ignore[assignment]  # as build_response does
        response.url = prepared.url or ""
        response.request = prepared
        response.connection = adapter
        if not stream:
            _read_whole_body(response, raw, prepared)
        return response

    def _full_request(
        self,
        method: str,
        url: str,
        params: Any,
        json: Any,
        data: Any,
        files: Any,
        headers: Mapping[str, str] | None,
        auth: requests.auth.AuthBase | None,
        stream: bool,
        timeout: Timeout,
    ) -> requests.Response:
        return self.session.request(
            method,
            url,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=headers,
            auth=auth,
            stream=stream,
            timeout=timeout,
            verify=self.verify,
        )

    def _backoff(
        self,
        method: str,
        url: str,
        attempt: int,
        response: requests.Response | None,
        reason: str,
    ) -> None:
        delay = self.retry.delay(attempt, response)
        logger.info(
            "%s %s: %s; retry %d/%d in %.2f s",
            method,
            url,
            reason,
            attempt,
            self.retry.total,
            delay,
        )
        self._sleep(delay)

    # -- answers -------------------------------------------------------------

    @staticmethod
    def raise_for_status(response: requests.Response) -> None:
        """Raise the matching :class:`~flamehub.errors.HubAPIError` for an error status."""
        if response.status_code < 400:
            return
        raise error_from_response(response)

    @staticmethod
    def json(response: requests.Response) -> Any:
        """The decoded JSON body; :class:`~flamehub.errors.InvalidResponse` if it is not JSON."""
        request = response.request
        method, url = (request.method or "", request.url or "") if request else ("", "")
        content = response.content
        if not content:
            return None
        try:
            return jsonlib.loads(content)
        except ValueError:
            preview = _preview(content)
            content_type = response.headers.get("Content-Type", "no content type")
            raise errors.InvalidResponse(
                f"expected JSON from {method} {url} (status {response.status_code}), "
                f"got {content_type}: {preview!r}",
                status_code=response.status_code,
                method=method,
                url=url,
                body_preview=preview,
            ) from None


def error_from_response(response: requests.Response) -> errors.HubAPIError:
    """Build the :class:`~flamehub.errors.HubAPIError` for an error answer."""
    request = response.request
    method, url = (request.method or "", request.url or "") if request else ("", "")
    body: Any
    try:
        body = jsonlib.loads(response.content) if response.content else None
    except ValueError:
        body = _preview(response.content)
    code: str | None = None
    message = ""
    issues: list[dict[str, Any]] = []
    if isinstance(body, dict):
        raw_code = body.get("code")
        code = str(raw_code) if raw_code is not None else body.get("error")
        message = str(body.get("error_description") or body.get("message") or "")
        raw_issues = body.get("issues") or body.get("children") or []
        if isinstance(raw_issues, list):
            issues = [issue for issue in raw_issues if isinstance(issue, dict)]
    elif isinstance(body, str) and body:
        message = f"non-JSON error body: {body!r}"
    if not message:
        message = response.reason or ""
    cls = errors.error_class_for(response.status_code, issues)
    return cls(
        response.status_code,
        code=code,
        message=message,
        issues=issues,
        body=body,
        method=method,
        url=url,
    )


@attrs.define
class _Origin:
    """What the transport's fast path keeps per scheme://host:port, read once."""

    #: ``session.merge_environment_settings``: ``verify``, ``cert``, ``proxies``.
    settings: dict[str, Any]
    #: Whether a proxy applies (then reads keep ``HTTPAdapter.send``).
    proxied: bool
    #: Its urllib3 connection pool, once a read went straight to it.
    pool: urllib3.HTTPConnectionPool | None = None


def _sends_itself(adapter: Any) -> TypeGuard[requests.adapters.HTTPAdapter]:
    """Whether ``adapter`` is requests' own HTTPAdapter with its own ``send``.

    A custom or subclassed adapter, and mocking libraries such as ``responses`` that
    patch ``HTTPAdapter.send``, keep ``send`` in the path.
    """
    if type(adapter) is not requests.adapters.HTTPAdapter:
        return False
    send = type(adapter).send
    return (
        getattr(send, "__qualname__", None) == "HTTPAdapter.send"
        and getattr(send, "__module__", None) == "requests.adapters"
    )


@functools.lru_cache(maxsize=32)
def _pool_timeout(timeout: Timeout) -> urllib3.Timeout:
    """The urllib3 timeout of a ``(connect, read)`` pair or a single number."""
    if isinstance(timeout, tuple):
        connect, read = timeout
        return urllib3.Timeout(connect=connect, read=read)
    return urllib3.Timeout(connect=timeout, read=timeout)


def _read_whole_body(
    response: requests.Response, raw: Any, prepared: requests.PreparedRequest
) -> None:
    """``response.content`` in one read instead of 10 kB chunks through a generator.

    Sets the same private attributes ``Response.content`` sets (``_content``,
    ``_content_consumed``), and raises the same exceptions for a broken body.
    """
    exc = requests.exceptions
    u3 = urllib3.exceptions
    try:
        body = raw.read(decode_content=True)
    except u3.ProtocolError as error:
        raise exc.ChunkedEncodingError(error) from error
    except u3.DecodeError as error:
        raise exc.ContentDecodingError(error) from error
    except u3.ReadTimeoutError as error:
        raise exc.ConnectionError(error) from error
    except u3.SSLError as error:
        raise exc.SSLError(error) from error
    response._content = body or b""
    response._content_consumed = True


def _as_requests_error(error: Exception, prepared: requests.PreparedRequest) -> Exception:
    """The requests exception ``HTTPAdapter.send`` raises for a urllib3 ``urlopen`` error."""
    exc = requests.exceptions
    u3 = urllib3.exceptions
    if isinstance(error, u3.MaxRetryError):
        reason = error.reason
        if isinstance(reason, u3.ConnectTimeoutError) and not isinstance(
            reason, u3.NewConnectionError
        ):
            return exc.ConnectTimeout(error, request=prepared)
        if isinstance(reason, u3.ResponseError):
            return exc.RetryError(error, request=prepared)
        if isinstance(reason, u3.SSLError):
            return exc.SSLError(error, request=prepared)
        return exc.ConnectionError(error, request=prepared)
    if isinstance(error, u3.SSLError):
        return exc.SSLError(error, request=prepared)
    if isinstance(error, u3.ReadTimeoutError):
        return exc.ReadTimeout(error, request=prepared)
    if isinstance(error, u3.InvalidHeader):
        return exc.InvalidHeader(error, request=prepared)
    if isinstance(error, (u3.ProtocolError, u3.ClosedPoolError, OSError)):
        return exc.ConnectionError(error, request=prepared)
    return error


def _encode_query(params: Any) -> Any:
    """The query string requests would make of ``params`` (skipping its Protocol checks)."""
    if not params:
        return None
    if isinstance(params, (str, bytes)):
        return params
    pairs: list[tuple[Any, Any]] = []
    for key, values in params.items() if isinstance(params, Mapping) else params:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = (values,)
        pairs.extend((key, value) for value in values if value is not None)
    return urlencode(pairs, doseq=True)


def _origin(url: str) -> str:
    """``scheme://host:port`` of an absolute URL (what proxy settings depend on)."""
    path = url.find("/", url.find("//") + 2)
    return url if path < 0 else url[:path]


def _preview(content: bytes) -> str:
    return content[: errors.BODY_PREVIEW_CHARS].decode("utf-8", "replace")


def _describe_timeout(timeout: Timeout) -> str:
    if isinstance(timeout, tuple):
        return f"{timeout[0]:g} s to connect / {timeout[1]:g} s to read"
    return f"{timeout:g} s"


def _retried(attempts: int) -> str:
    return f" (after {attempts} retries)" if attempts else ""


def _connection_reason(exc: requests.RequestException) -> str:
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    text = str(reason)
    # urllib3 messages repeat the pool object; keep the part that says why.
    return text.split(": ", 1)[-1] if "Connection" in text else text
