"""HTTP transport: one pooled session, timeouts, retries and error mapping.

Everything flamehub sends goes through :class:`Transport.send`. It

- applies the default timeouts (connect, read) unless the caller gives others;
- retries connection failures, timeouts and 502/503/504 answers with an
  exponential backoff, but only for idempotent methods (GET, HEAD, DELETE,
  OPTIONS): creates and updates are POSTs on the Hub and are never resent;
- resends a ``429`` (rate limited: the Hub did not act) for any method, after the
  answer's ``Retry-After`` or ``ratelimit-reset`` (else the backoff), within the
  ``deadline``, and remembers each service's ``ratelimit-*`` headers
  (:attr:`Transport.rate_limits`);
- re-authenticates once and resends once when the Hub provably rejected the token
  before acting (:func:`is_token_rejection`);
- turns error answers into :class:`~flamehub.errors.HubAPIError` subclasses
  and non-JSON answers into :class:`~flamehub.errors.InvalidResponse`;
- reads a non-streamed body up to ``max_response_bytes`` (decoded) and, with a
  ``deadline``, no longer than the whole request may take;
- never follows a redirect of a request with a body to another origin or to http.

Example::

    transport = Transport(timeout=(3.05, 10), retry=RetryPolicy(total=5))
    response = transport.send("GET", "https://core.privateaim.dev/nodes")
    body = transport.json(response)
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import functools
import json as jsonlib
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeGuard, runtime_checkable
from urllib.parse import urlencode, urljoin

import attrs
import requests
import urllib3

from . import errors
from ._version import __version__
from .ratelimit import RateLimits, wait_after_429

__all__ = [
    "DEFAULT_BACKOFF_FACTOR",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_RATE_LIMIT_RETRIES",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_RETRIES",
    "IDEMPOTENT_METHODS",
    "MAX_BACKOFF",
    "MAX_RATE_LIMIT_WAIT",
    "RATE_LIMITED",
    "RETRY_STATUSES",
    "USER_AGENT",
    "RenewableAuth",
    "Request",
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
#: The status of a rate-limited request (resent for any method: the Hub did not act).
#: Assumption: no recording shows a 429; hub-api.md §1.5 infers it from the Hub's
#: rate-limit middleware, whose ``ratelimit-*`` headers are recorded on every answer.
RATE_LIMITED = 429
#: How many times a request is resent after 429 answers.
DEFAULT_RATE_LIMIT_RETRIES = 5
#: The longest wait a 429 answer may impose before a resend (the Hub's window is 60 s);
#: a longer one raises :class:`~flamehub.errors.RateLimited` at once.
MAX_RATE_LIMIT_WAIT = 60.0
#: Answers that mean "try again later".
RETRY_STATUSES = frozenset({502, 503, 504})
#: Methods that are safe to resend.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
#: Largest decoded body of a non-streamed answer read into memory (a 50-row page is
#: well under 1 MB); ``Hub(..., max_response_bytes=...)`` changes it.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: Bytes read at a time when a body is read in pieces (encoded, unknown or large length).
READ_CHUNK_BYTES = 64 * 1024
#: Same-origin 307/308 redirects followed for a request with a body (or a DELETE).
MAX_REDIRECTS = 5
#: Methods whose redirects requests follows itself (it drops the token on another host).
_REDIRECTABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: authup's token-verification messages (without the final dot) that current Hubs'
#: core/storage answer as 500 ``internal_error``.
TOKEN_REJECTION_MESSAGES = frozenset(
    {
        # recorded: hub-0.14.0/auth-01-token-password.json (a revoked session's token)
        "The JWT is not active",
        # recorded: hub-0.14.0/auth-04-unauthorized.json (a garbage token)
        "The token header could not be extracted",
        # hub-api.md §3.3 (inferred from the Hub's source there, not recorded)
        "The JWT is invalid",
        "Only Bearer tokens are accepted as authentication method",
    }
)
#: Retried statuses of a gateway that may have passed the request on to the Hub.
_GATEWAY_STATUSES = frozenset({502, 504})
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
    #: Resends after 429 answers (any method; ``0`` raises RateLimited at the first one).
    rate_limit_retries: int = DEFAULT_RATE_LIMIT_RETRIES
    #: The longest wait for one 429 resend, in seconds.
    max_rate_limit_wait: float = MAX_RATE_LIMIT_WAIT

    def allows(self, method: str) -> bool:
        """Whether ``method`` may be resent at all."""
        return method.upper() in self.methods

    def delay(self, attempt: int, response: requests.Response | None = None) -> float:
        """Seconds to sleep before retry number ``attempt`` (1-based)."""
        if response is not None:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None:
                return min(retry_after, self.max_backoff)
        return self._backoff(attempt)

    def rate_limit_delay(self, attempt: int, response: requests.Response) -> float:
        """Seconds to wait before resend number ``attempt`` after a 429 ``response``:
        its ``Retry-After``, else its ``ratelimit-reset``, else the exponential backoff
        (may exceed :attr:`max_rate_limit_wait`; the transport then gives up)."""
        asked = _wait_after_429(response)
        return asked if asked is not None else self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """The exponential backoff before retry number ``attempt``, capped."""
        return min(self.backoff_factor * (2 ** (attempt - 1)), self.max_backoff)


def _wait_after_429(response: requests.Response) -> float | None:
    """Seconds a 429 ``response`` asks to wait (``Retry-After``, else ``ratelimit-reset``)."""
    headers = response.headers
    return wait_after_429(headers, _retry_after_seconds(headers.get("Retry-After")))


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or
    ``None`` for a missing or unparsable value (then the normal backoff applies)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def is_token_rejection(response: requests.Response) -> bool:
    """Whether the Hub refused the request because of the bearer token itself, before acting.

    Only the answers the Hub gives for that (``tests/recordings``, hub-api.md §3.3/§3.4):
    any 401 (no identity: nothing was done), authup's 400 ``invalid_token`` (both
    generations; legacy core too), and current core/storage's 500 ``internal_error``
    whose message is one of authup's token-verification messages
    (:data:`TOKEN_REJECTION_MESSAGES`). A 500 that merely mentions a token is a failure
    of the Hub, not a rejection: it is not resent.
    """
    status = response.status_code
    if status == 401:
        return True
    if status not in (400, 500):
        return False
    body = _peek_json(response)
    if not isinstance(body, dict):
        return False
    code = body.get("code")
    if status == 400:
        return code == "invalid_token"
    message = body.get("message")
    return (
        code == "internal_error"
        and isinstance(message, str)
        and message.strip().rstrip(".") in TOKEN_REJECTION_MESSAGES
    )


def _peek_json(response: requests.Response) -> Any:
    try:
        return jsonlib.loads(response.content or b"null")
    except (ValueError, RecursionError, requests.RequestException):
        return None


@attrs.define(slots=True)
class Request:
    """One request as :meth:`Transport.send` sends it; every attempt reads it from here.

    ``deadline`` is the :func:`time.monotonic` time by which the whole answer must be in
    (``None``: no overall bound). The transport builds it; callers use :meth:`Transport.send`.

    Example::

        request = Request("GET", "http://localhost:3000/core/nodes", timeout=(3.05, 10))
    """

    method: str
    url: str
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None
    json: Any = None
    data: Any = None
    files: Any = None
    headers: Mapping[str, str] | None = None
    auth: requests.auth.AuthBase | None = None
    stream: bool = False
    timeout: Timeout = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
    allow_retry: bool = True
    deadline: float | None = None
    #: Where the answer's ``ratelimit-*`` headers are remembered (a service name).
    rate_limit_key: str | None = None

    @property
    def has_body(self) -> bool:
        """Whether the request carries a body (JSON, form data, files or a stream)."""
        return self.json is not None or self.data is not None or self.files is not None

    def replayable(self) -> bool:
        """Whether the body can be sent a second time (not a one-shot iterator or file)."""
        if self.files is not None:
            return False
        data = self.data
        if data is None or isinstance(data, (bytes, str, Mapping, list, tuple)):
            return True
        # an iterable object that hands out a fresh iterator each time can be resent
        return (
            hasattr(data, "__iter__")
            and not hasattr(data, "__next__")
            and not hasattr(data, "read")
        )

    def remaining(self) -> float | None:
        """Seconds left until the deadline (``None`` without one)."""
        return None if self.deadline is None else self.deadline - time.monotonic()


class Transport:
    """Sends requests over one pooled :class:`requests.Session`.

    Args:
        session: a session to use (flamehub configures it); a new one by default.
        timeout: seconds, or ``(connect, read)``.
        retry: the :class:`RetryPolicy`.
        verify: TLS verification, ``True`` or a CA bundle path. Never turn it off
            for a Hub reached over a network you do not control.
        max_response_bytes: the largest answer body read into memory (decoded bytes;
            streamed downloads are not limited), :data:`DEFAULT_MAX_RESPONSE_BYTES`.
        deadline: seconds one request may take as a whole, retries and the reading of
            the body included (``None``, the default: only the per-read ``timeout``).

    Example::

        transport = Transport(timeout=(5, 30), deadline=120)
        transport.send("GET", "http://localhost:3000/core/")
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        if max_response_bytes <= 0:
            raise errors.ConfigurationError(
                f"max_response_bytes must be a positive number of bytes, not {max_response_bytes!r}"
            )
        if deadline is not None and not deadline > 0:
            raise errors.ConfigurationError(f"deadline must be positive seconds, not {deadline!r}")
        self.session = session if session is not None else requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout: Timeout = (
            timeout if timeout is not None else (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT)
        )
        self.retry = retry if retry is not None else RetryPolicy()
        self.verify = verify
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline
        self._sleep = time.sleep
        self._closed = False
        #: The ``ratelimit-*`` announcements of each service (or origin), latest first.
        self.rate_limits = RateLimits()
        #: What the fast path keeps per scheme://host:port (see :meth:`_request`).
        self._origins: dict[str, _Origin] = {}

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (then every request is refused)."""
        return self._closed

    def close(self) -> None:
        """Close the pooled connections; the transport sends nothing afterwards."""
        self._closed = True
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
        rate_limit_key: str | None = None,
    ) -> requests.Response:
        """Send one request (with retries and one re-authentication) and return the answer.

        Error statuses are returned, not raised: call :meth:`raise_for_status`.
        Raises :class:`~flamehub.errors.TransportError` (or ``HubTimeout``) when
        no answer arrived after the allowed retries, :class:`~flamehub.errors.InvalidResponse`
        when a body exceeds ``max_response_bytes``, and
        :class:`~flamehub.errors.ConfigurationError` after :meth:`close`.
        """
        method = method.upper()
        if self._closed:
            raise errors.ConfigurationError(
                f"{method} {url}: this Hub (its transport) was closed; create a new Hub "
                "to send more requests"
            )
        return self._send(
            Request(
                method,
                url,
                params,
                json,
                data,
                files,
                headers,
                auth,
                stream,
                timeout if timeout is not None else self.timeout,
                allow_retry,
                None if self.deadline is None else time.monotonic() + self.deadline,
                rate_limit_key,
            )
        )

    def _send(self, request: Request) -> requests.Response:
        """The retry loop: one attempt, then resend, re-authenticate or return."""
        method, url = request.method, request.url
        may_retry = request.allow_retry and self.retry.allows(method)
        attempt = 0
        renewed = False
        limited = 0  # resends after 429 answers
        limit_key = request.rate_limit_key or _origin(url)
        #: an earlier attempt may have reached the Hub without its answer reaching us
        uncertain = False
        while True:
            started = time.monotonic()
            try:
                response = self._attempt(request)
            except OSError as exc:  # requests.RequestException is an OSError too
                retryable, failure = _classify(request, exc, attempt)
                if retryable and may_retry and attempt < self.retry.total:
                    attempt += 1
                    uncertain = uncertain or _may_have_arrived(exc)
                    self._backoff(request, attempt, None, type(exc).__name__)
                    continue
                raise failure from None
            logger.debug(
                "%s %s -> %s (%.0f ms)",
                method,
                response.url,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            self.rate_limits.observe(limit_key, response.headers)
            if response.status_code == RATE_LIMITED and self._wait_rate_limit(
                request, response, limited + 1
            ):
                limited += 1
                response.close()
                continue
            if not renewed and self._renew_token(request, response):
                renewed = True
                continue
            if (
                response.status_code in self.retry.statuses
                and may_retry
                and attempt < self.retry.total
            ):
                attempt += 1
                uncertain = uncertain or response.status_code in _GATEWAY_STATUSES
                self._backoff(request, attempt, response, f"status {response.status_code}")
                response.close()
                continue
            if uncertain and method == "DELETE" and response.status_code == 404:
                logger.info("%s %s: 404 after a retry; the first attempt deleted it", method, url)
                return _deleted(response)
            return response

    def _wait_rate_limit(self, request: Request, response: requests.Response, attempt: int) -> bool:
        """Sleep before resending a 429'd request; ``False`` when it must not be resent
        (retries used up, a wait beyond ``max_rate_limit_wait`` or the deadline, or a
        body that cannot be sent twice)."""
        policy = self.retry
        if attempt > policy.rate_limit_retries or not request.replayable():
            return False
        delay = policy.rate_limit_delay(attempt, response)
        remaining = request.remaining()
        if delay > policy.max_rate_limit_wait or (remaining is not None and delay >= remaining):
            return False
        logger.info(
            "%s %s: rate limited (429); resend %d/%d in %.2f s",
            request.method,
            request.url,
            attempt,
            policy.rate_limit_retries,
            delay,
        )
        self._sleep(delay)
        return True

    def _renew_token(self, request: Request, response: requests.Response) -> bool:
        """Drop the rejected token when the Hub provably refused it; whether to resend."""
        auth = request.auth
        if not (
            response.status_code in _MAYBE_TOKEN_REJECTION
            and isinstance(auth, RenewableAuth)
            and auth.can_renew
            and request.replayable()
            and is_token_rejection(response)
        ):
            return False
        used = response.request.headers.get("Authorization", "")
        auth.invalidate(used.removeprefix("Bearer ").strip())
        logger.info(
            "%s %s: token rejected (%s); re-authenticating once",
            request.method,
            request.url,
            response.status_code,
        )
        response.close()
        return True

    def _attempt(self, request: Request) -> requests.Response:
        """One attempt: send, refuse unsafe redirects, read a non-streamed body (bounded)."""
        timeout = _within_deadline(request)
        response = self._request(request, timeout)
        if request.stream and response.status_code < 400:
            return response
        self._read_body(request, response)
        return response

    def _request(self, request: Request, timeout: Timeout) -> requests.Response:
        """One ``session.request(...)``, without the per-request costs that cannot matter.

        An authenticated GET/HEAD/DELETE without a body on a plain :class:`requests.Session`
        (no session hooks or params) is prepared here and handed to the mounted adapter,
        or for a GET/HEAD through requests' own adapter and no proxy straight to the
        origin's connection pool (:meth:`_send_pooled`): this skips re-reading the proxy
        and CA-bundle environment variables on every request (they are read once per
        origin, as httpx reads them once per client), the hook dispatch and redirect
        handling (a redirect answer is sent again through ``session.request``). Mounts,
        session headers, cookies, proxies and TLS settings are honoured. Anything else
        goes through ``session.request`` unchanged. The answer's body is not read yet.
        """
        session = self.session
        method, url = request.method, request.url
        if (
            request.auth is None
            or method not in _FAST_METHODS
            or request.has_body
            or type(session) is not requests.Session
            or session.params
            or any(session.hooks.values())
        ):
            return self._full_request(request, timeout)
        origin = _origin(url)
        state = self._origins.get(origin)
        if state is None:
            settings = session.merge_environment_settings(url, {}, None, self.verify, None)
            proxied = bool(requests.utils.select_proxy(url, settings["proxies"]))
            state = self._origins[origin] = _Origin(settings, proxied)
        settings = state.settings
        merged = requests.structures.CaseInsensitiveDict(session.headers)
        if request.headers:
            merged.update(request.headers)
            for key in [key for key, value in merged.items() if value is None]:
                del merged[key]
        prepared = requests.PreparedRequest()
        query = _encode_query(request.params)
        if len(session.cookies):
            prepared.prepare(
                method=method,
                url=url,
                headers=merged,
                params=query,
                auth=request.auth,
                cookies=session.cookies,
            )
        else:  # prepare() without an empty cookie jar's header pass
            prepared.prepare_method(method)
            if _PLAIN_URL.fullmatch(url):  # what prepare_url would make of it, as is
                prepared.url = f"{url}?{query}" if query else url
            else:
                prepared.prepare_url(url, query)
            prepared.prepare_headers(merged)
            prepared.prepare_body(None, None)
            prepared.prepare_auth(request.auth, url)
            prepared.prepare_hooks(None)
        started = time.perf_counter()
        adapter = session.get_adapter(url)
        if method != "DELETE" and not state.proxied and _sends_itself(adapter):
            response = self._send_pooled(adapter, prepared, state, timeout)
        else:
            response = adapter.send(
                prepared,
                stream=True,
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
            return self._full_request(request, timeout)
        return response

    def _send_pooled(
        self,
        adapter: requests.adapters.HTTPAdapter,
        prepared: requests.PreparedRequest,
        state: _Origin,
        timeout: Timeout,
    ) -> requests.Response:
        """What ``adapter.send`` does for a bodiless read, with the pool looked up once.

        ``HTTPAdapter.send`` finds the connection pool of the URL (parsing it twice and
        checking the CA bundle path on disk), re-applies the TLS settings to it, and
        only then calls ``urlopen``; the pool and its TLS settings depend only on the
        origin and the transport's ``verify``/``cert``, so they are resolved once per
        origin here (again once that pool has been closed), through requests' public
        ``get_connection_with_tls_context`` and ``cert_verify``. The pool stays this
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
        return response

    def _full_request(self, request: Request, timeout: Timeout) -> requests.Response:
        """``session.request`` (its body not read yet); a request that is not a plain
        read follows no redirect to another origin or to plain http (its body may carry
        a password, a client secret or data): see :func:`_redirect_target`."""
        url, params = request.url, request.params
        follows = request.method in _REDIRECTABLE_METHODS
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.request(
                request.method,
                url,
                params=params,
                json=request.json,
                data=request.data,
                files=request.files,
                headers=request.headers,
                auth=request.auth,
                stream=True,
                timeout=timeout,
                verify=self.verify,
                allow_redirects=follows,
            )
            if follows or not response.is_redirect:
                return response
            response.close()
            url = _redirect_target(request, response)
            params = None  # the Location carries the query of the new URL
            timeout = _within_deadline(request)
        raise errors.TransportError(
            f"{request.method} {request.url}: more than {MAX_REDIRECTS} redirects",
            method=request.method,
            url=request.url,
        )

    def _read_body(self, request: Request, response: requests.Response) -> None:
        """Read the whole body into ``response.content``, at most ``max_response_bytes``
        decoded bytes and, with a deadline, no longer than it allows.

        Raises :class:`~flamehub.errors.InvalidResponse` for a larger body (read no
        further than the limit), :class:`~flamehub.errors.HubTimeout` past the deadline,
        and requests' exceptions for a broken body (retried as such).
        """
        limit = self.max_response_bytes
        raw = response.raw
        length = response.headers.get("Content-Length", "")
        watchdog = _Watchdog.start(request, raw) if request.deadline is not None else None
        try:
            if (
                watchdog is None
                and isinstance(raw, urllib3.HTTPResponse)
                and length.isdigit()
                and int(length) <= limit
                and "Content-Encoding" not in response.headers
            ):
                # one read, bounded by the announced length (http.client reads no further)
                body = _read_whole(raw, response.request)
            else:
                body = self._read_chunks(request, response, limit, watchdog)
        except requests.RequestException:
            if watchdog is not None and watchdog.fired:
                raise _past_deadline(request) from None
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if watchdog is not None and watchdog.fired:
            raise _past_deadline(request)
        # what Response.content sets (requests' own attributes; see setup.cfg's pins)
        response._content = body
        response._content_consumed = True

    @staticmethod
    def _read_chunks(
        request: Request,
        response: requests.Response,
        limit: int,
        watchdog: _Watchdog | None,
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                response.close()
                raise errors.InvalidResponse(
                    f"{request.method} {request.url}: the answer is larger than "
                    f"max_response_bytes={limit} (decoded); it was not read further. Raise "
                    "Hub(..., max_response_bytes=...) if the Hub really sends that much",
                    status_code=response.status_code,
                    method=request.method,
                    url=request.url,
                )
            chunks.append(chunk)
            if watchdog is not None and watchdog.expired():
                response.close()
                raise _past_deadline(request)
        return b"".join(chunks)

    def _backoff(
        self,
        request: Request,
        attempt: int,
        response: requests.Response | None,
        reason: str,
    ) -> None:
        delay = self.retry.delay(attempt, response)
        remaining = request.remaining()
        if remaining is not None:
            delay = max(0.0, min(delay, remaining))
        logger.info(
            "%s %s: %s; retry %d/%d in %.2f s",
            request.method,
            request.url,
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
        except RecursionError:
            raise errors.InvalidResponse(
                f"the answer to {method} {url} (status {response.status_code}) nests JSON "
                "deeper than Python can decode",
                status_code=response.status_code,
                method=method,
                url=url,
                body_preview=_preview(content),
            ) from None
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


def _classify(request: Request, error: OSError, attempts: int) -> tuple[bool, errors.FlamehubError]:
    """Whether a failed attempt may be retried, and the flamehub error it ends in.

    Timeouts, connection failures and bodies cut off are transient (retried for
    idempotent methods); other request errors and local ``OSError`` (a missing CA
    bundle) are not.
    """
    method, url = request.method, request.url
    retried = _retried(attempts)
    if isinstance(error, requests.Timeout):
        unknown = ""
        if method not in IDEMPOTENT_METHODS and not isinstance(error, requests.ConnectTimeout):
            unknown = (
                ". The outcome is unknown: the Hub may have carried it out (a created row "
                "may exist). Look it up before sending it again, for example "
                "Model.objects.filter(name=...).exists()"
            )
        return True, errors.HubTimeout(
            f"{method} {url} got no answer within {_describe_timeout(request.timeout)}"
            + retried
            + unknown,
            method=method,
            url=url,
        )
    if isinstance(error, requests.ConnectionError):
        return True, errors.TransportError(
            f"{method} {url} failed: {_connection_reason(error)}" + retried,
            method=method,
            url=url,
        )
    if isinstance(
        error,
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError),
    ):
        # the connection broke while the body was read (fewer bytes than announced)
        return True, errors.TransportError(
            f"{method} {url}: the answer was cut off or could not be decoded "
            f"({_connection_reason(error)})" + retried,
            method=method,
            url=url,
        )
    if isinstance(error, requests.RequestException):
        return False, errors.TransportError(
            f"{method} {url} failed: {type(error).__name__}: {_connection_reason(error)}",
            method=method,
            url=url,
        )
    if "TLS" in str(error) and "invalid path" in str(error):  # requests' cert_verify
        return False, errors.ConfigurationError(
            f"{method} {url}: {error}. Point verify=... (or REQUESTS_CA_BUNDLE / "
            "CURL_CA_BUNDLE) at an existing CA bundle file, and a client certificate at "
            "existing files"
        )
    return False, errors.TransportError(f"{method} {url} failed: {error}", method=method, url=url)


def _may_have_arrived(error: OSError) -> bool:
    """Whether a failed attempt may have reached the Hub (and been carried out there):
    not for a connection that was never made."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)


def _within_deadline(request: Request) -> Timeout:
    """The request's timeout, no longer than what its deadline leaves (HubTimeout if none)."""
    remaining = request.remaining()
    if remaining is None:
        return request.timeout
    if remaining <= 0:
        raise _past_deadline(request)
    if isinstance(request.timeout, tuple):
        connect, read = request.timeout
        return (min(connect, remaining), min(read, remaining))
    return min(request.timeout, remaining)


def _past_deadline(request: Request) -> errors.HubTimeout:
    return errors.HubTimeout(
        f"{request.method} {request.url}: the answer did not complete within the "
        "deadline of the Hub (Hub(..., deadline=...))",
        method=request.method,
        url=request.url,
    )


def _redirect_target(request: Request, response: requests.Response) -> str:
    """Where a redirect of a request with a body (or a DELETE) may go: a 307/308 to the
    same scheme, host and port; anything else is refused with a TransportError."""
    location = response.headers.get("Location", "")
    target = urljoin(request.url, location)
    if response.status_code in (307, 308) and _origin(target) == _origin(request.url):
        return target
    raise errors.TransportError(
        f"{request.method} {request.url} was redirected ({response.status_code}) to "
        f"{target!r}; flamehub does not follow redirects of {request.method} requests to "
        "another origin, to plain http or that change the method (the body may carry "
        "credentials or data). Configure the Hub with its final URL",
        method=request.method,
        url=request.url,
    )


def _deleted(response: requests.Response) -> requests.Response:
    """A ``204`` standing for a DELETE whose first attempt did it (the retry got 404)."""
    response.close()
    deleted = requests.Response()
    deleted.status_code = 204
    deleted.reason = "No Content (deleted by an earlier attempt)"
    deleted.url = response.url
    deleted.request = response.request
    deleted.headers = requests.structures.CaseInsensitiveDict()
    deleted._content = b""
    deleted._content_consumed = True
    return deleted


class _Watchdog:
    """Cuts the connection of an answer still being read at the request's deadline."""

    def __init__(self, request: Request, timer: threading.Timer | None) -> None:
        self._request = request
        self._timer = timer
        self.fired = False

    @classmethod
    def start(cls, request: Request, raw: Any) -> _Watchdog:
        remaining = request.remaining() or 0.0
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        watchdog = cls(request, None)
        if isinstance(sock, socket.socket):
            timer = threading.Timer(max(0.0, remaining), watchdog._cut, (sock,))
            timer.daemon = True
            watchdog._timer = timer
            timer.start()
        return watchdog

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def expired(self) -> bool:
        remaining = self._request.remaining()
        return self.fired or (remaining is not None and remaining <= 0)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def error_from_response(
    response: requests.Response, secrets: Sequence[str] = ()
) -> errors.HubAPIError:
    """Build the :class:`~flamehub.errors.HubAPIError` for an error answer.

    ``secrets``: what the request sent that must not come back in the error, should the
    server echo it (masked wherever it stands in the body).
    """
    request = response.request
    method, url = (request.method or "", request.url or "") if request else ("", "")
    body: Any
    try:
        body = jsonlib.loads(response.content) if response.content else None
    except (ValueError, RecursionError):
        body = errors.redact_preview(_preview(response.content))
    body = errors.mask_secrets_in(body, secrets)
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
    error = cls(
        response.status_code,
        code=code,
        message=message,
        issues=issues,
        body=body,
        method=method,
        url=url,
    )
    if isinstance(error, errors.RateLimited):
        error.retry_after = _wait_after_429(response)
    return error


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


def _read_whole(raw: Any, prepared: requests.PreparedRequest | None) -> bytes:
    """The body in one read instead of 10 kB chunks through a generator (the caller
    checked that its announced length is within the limit and it is not encoded).

    Raises the exceptions ``Response.content`` raises for a broken body.
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
        raise exc.ConnectionError(error, request=prepared) from error
    except u3.SSLError as error:
        raise exc.SSLError(error, request=prepared) from error
    return body or b""


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
