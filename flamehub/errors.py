"""The flamehub exception tree.

Every failure a user can meet is a :class:`FlamehubError`:

- :class:`HubAPIError` and its status subclasses for answers of the Hub
  (with the HTTP status, the Hub's ``code``/``message``/``issues`` and the
  request method + URL, never a token or password);
- :class:`AuthenticationError` when the token endpoint refuses a grant;
- :class:`InvalidResponse` when the Hub answered something that is not what
  it promised (an HTML error page, truncated JSON, a body of the wrong shape);
- :class:`TransportError` when no answer arrived (connection refused or reset,
  timeout);
- :class:`QueryError` for bad input caught locally, before any request;
- :class:`ObjectDoesNotExist` / :class:`MultipleObjectsReturned`, the bases of
  the per-model ``Node.DoesNotExist`` and ``Node.MultipleObjectsReturned``.

Example::

    try:
        Node.objects.create(name="x")
    except flamehub.BadRequest as error:
        print(error.status_code, error.code, error.issues)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

#: How many characters of an unexpected body an error message shows.
BODY_PREVIEW_CHARS = 200


class FlamehubError(Exception):
    """Base class of every exception raised by flamehub."""


class QueryError(FlamehubError, ValueError):
    """A query, field or value that flamehub refuses locally, before any request.

    Raised for an unknown field, a lookup the resource or the Hub generation
    cannot express, a value the wire cannot carry, or a negative index.
    """


class QueryStateError(QueryError, TypeError):
    """An operation that the QuerySet's state forbids (e.g. filtering after slicing)."""


class ConfigurationError(FlamehubError):
    """flamehub is missing something it needs to reach a Hub (URL, credentials, a default hub)."""


class GenerationMismatch(ConfigurationError):
    """An answer's shape contradicts the configured Hub version (``hub_version=...``).

    Raised on the first telling answer of each service, instead of dropping fields
    silently; ``method`` and ``url`` name the request.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class UnsupportedByHub(QueryError):
    """The connected Hub generation does not have this resource, field or action."""


class TransportError(FlamehubError):
    """No usable HTTP answer arrived: connection refused or reset, or a timeout.

    ``method`` and ``url`` name the request.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class HubTimeout(TransportError):
    """The Hub did not answer within the configured timeout."""


class InvalidResponse(FlamehubError):
    """The Hub answered with a body that is not what the API promises.

    ``status_code``, ``method``, ``url`` and ``body_preview`` (the start of the
    body) help to see what came back instead.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str = "",
        url: str = "",
        body_preview: str = "",
    ) -> None:
        super().__init__(redact_preview(message))
        self.status_code = status_code
        self.method = method
        self.url = url
        self.body_preview = redact_preview(body_preview)


#: A ``"...secret...": "value"`` pair in JSON or Python repr text (the value may be cut off).
_SECRET_PAIR = re.compile(
    r"""(?P<key>(?P<q>['"])[A-Za-z_]*(?:secret|password|passwd|token)[A-Za-z_]*(?P=q)\s*:\s*)"""
    r"""(?:'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?)""",
    re.IGNORECASE,
)


def redact_preview(text: str) -> str:
    """``text`` with the values of secret-looking keys (``secret``, ``password``,
    ``access_token`` ...) replaced, so that a body preview never shows a credential.

    Example::

        redact_preview('{"access_token": "abc", "id": 1}')
        # '{"access_token": "<hidden>", "id": 1}'
    """
    return _SECRET_PAIR.sub(lambda match: match.group("key") + '"<hidden>"', text)


class HubAPIError(FlamehubError):
    """The Hub answered a request with an error status.

    Attributes:
        status_code: the HTTP status.
        code: the Hub's machine-readable error code (``entity_not_found``,
            ``bad_request``, ``invalid_credentials`` ...), or ``None``.
        message: the Hub's human-readable message.
        issues: validation details of current Hubs (``issues[]``), or legacy
            ``children`` entries, as a list of dicts.
        body: the decoded error body (a dict) or the raw text.
        method, url: the request that failed (tokens are never part of a URL).

    Example::

        try:
            Node.objects.get(id=some_id)
        except flamehub.NotFound as error:
            print(error.status_code, error.code, error.request_line)
    """

    def __init__(
        self,
        status_code: int,
        *,
        code: str | None = None,
        message: str = "",
        issues: list[dict[str, Any]] | None = None,
        body: Any = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.issues = list(issues or [])
        self.body = body
        self.method = method
        self.url = url
        super().__init__(self._describe())

    @property
    def request_line(self) -> str:
        """``"GET http://hub/core/nodes"``: the failed request, without credentials."""
        return f"{self.method} {self.url}".strip()

    @property
    def error_response(self) -> ErrorResponse:
        """The error body as an object with ``status_code``, ``code`` and ``message``.

        Kept for scripts written against flame-hub-client.
        """
        return ErrorResponse(self.status_code, self.code, self.message, self.body)

    def _describe(self) -> str:
        code = f" ({self.code})" if self.code else ""
        message = self.message or "no message"
        details = ""
        paths = [_issue_path(issue) for issue in self.issues]
        paths = [path for path in paths if path]
        if paths:
            details = f"; invalid: {', '.join(paths)}"
        where = f" [{self.request_line}]" if self.request_line else ""
        return f"{self.status_code}{code}: {message}{details}{where}"


def _issue_path(issue: Mapping[str, Any]) -> str:
    path = issue.get("path")
    if isinstance(path, list):
        return ".".join(str(part) for part in path)
    return str(path) if path else ""


#: Body keys :meth:`ErrorResponse.model_dump` leaves to its own fields.
_ENVELOPE = frozenset({"statusCode", "status_code", "code", "message"})


class ErrorResponse:
    """The parsed error body: ``status_code``, ``code``, ``message`` and any extra keys."""

    def __init__(self, status_code: int, code: str | None, message: str, body: Any) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.body = body

    def __getattr__(self, name: str) -> Any:
        body = self.__dict__.get("body")
        if isinstance(body, dict) and name in body:
            return body[name]
        raise AttributeError(name)

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        """``{"status_code", "code", "message", ...}``: the fields and any extra body keys.

        Named like pydantic's method for scripts written against flame-hub-client.

        Example::

            error.error_response.model_dump()["message"]
        """
        extra = self.body if isinstance(self.body, dict) else {}
        fields = {"status_code": self.status_code, "code": self.code, "message": self.message}
        merged = {**{key: value for key, value in extra.items() if key not in _ENVELOPE}, **fields}
        return merged if mode == "python" else json.loads(json.dumps(merged, default=str))

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The fields as JSON text (see :meth:`model_dump`).

        Example::

            print(error.error_response.model_dump_json(indent=2))
        """
        return json.dumps(self.model_dump(mode="json"), indent=indent)

    def __repr__(self) -> str:
        return (
            f"ErrorResponse(status_code={self.status_code}, code={self.code!r}, "
            f"message={self.message!r})"
        )


class BadRequest(HubAPIError):
    """400: the Hub rejected the request's body or query."""


class Unauthorized(HubAPIError):
    """401: no valid identity (missing or rejected token)."""


class Forbidden(HubAPIError):
    """403, or a 400 whose issues say ``permission_not_found``: the identity lacks a permission.

    Current Hubs answer a missing permission at core/storage with 400; flamehub
    raises ``Forbidden`` for both shapes (``status_code`` keeps the real status).
    """


class NotFound(HubAPIError):
    """404: no such entity or route."""


class Conflict(HubAPIError):
    """409: a unique constraint was violated (the name is taken, the pair exists)."""


class ServerError(HubAPIError):
    """5xx: the Hub failed to answer the request."""


class AuthenticationError(HubAPIError):
    """The auth service refused a token grant (wrong password, secret, expired refresh token).

    Carries the server's ``code`` (``invalid_credentials``, ``invalid_client``,
    ``invalid_grant`` ...) and description; never the credentials.
    """


class ObjectDoesNotExist(FlamehubError, LookupError):
    """Base of every ``<Model>.DoesNotExist``: a ``get()`` matched no row."""


class MultipleObjectsReturned(FlamehubError, LookupError):
    """Base of every ``<Model>.MultipleObjectsReturned``: a ``get()`` matched several rows."""


def error_class_for(
    status_code: int, issues: list[dict[str, Any]] | None = None
) -> type[HubAPIError]:
    """The :class:`HubAPIError` subclass for an HTTP status (and its issues)."""
    if status_code == 400 and any(
        isinstance(issue, Mapping) and issue.get("code") == "permission_not_found"
        for issue in issues or []
    ):
        return Forbidden
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, HubAPIError)


_BY_STATUS: dict[int, type[HubAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}
