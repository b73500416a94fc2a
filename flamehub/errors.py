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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "BODY_PREVIEW_CHARS",
    "SECRET_MARKER",
    "AnalysisFilesTimeout",
    "AuthenticationError",
    "BadRequest",
    "BulkError",
    "ConfigurationError",
    "Conflict",
    "DownloadTargetExists",
    "DownloadTooLarge",
    "ErrorResponse",
    "FlamehubError",
    "Forbidden",
    "GenerationMismatch",
    "HubAPIError",
    "HubTimeout",
    "InvalidResponse",
    "MultipleObjectsReturned",
    "NotFound",
    "ObjectDoesNotExist",
    "QueryError",
    "QueryStateError",
    "RateLimited",
    "ServerError",
    "TransferError",
    "TransferSizeMismatch",
    "TransportError",
    "Unauthorized",
    "UnsafeArchiveMember",
    "UnsafeDownloadTarget",
    "UnsupportedByHub",
    "UploadNotResent",
    "UploadSourceChanged",
    "WorkflowError",
    "WorkflowTimeout",
    "error_class_for",
    "hidden_repr",
    "is_secret_key",
    "mask_secrets",
    "mask_secrets_in",
    "redact_preview",
]

#: How many characters of an unexpected body an error message shows.
BODY_PREVIEW_CHARS = 200
#: What stands in for a secret in ``repr``, messages and body previews.
SECRET_MARKER = "<hidden>"


def hidden_repr(value: Any) -> str:
    """The ``repr`` of a secret value: ``None`` shows, anything else is :data:`SECRET_MARKER`.

    Example::

        secret: str | None = attrs.field(default=None, repr=hidden_repr)
        hidden_repr("s3cret")       # "'<hidden>'"
    """
    return "None" if value is None else repr(SECRET_MARKER)


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


#: The words that make a body key a credential's key.
_SECRET_WORDS = "secret|password|passwd|token"
#: A ``"...secret...": "value"`` pair in JSON or Python repr text (the value may be cut off).
_SECRET_PAIR = re.compile(
    r"""(?P<key>(?P<q>['"])[A-Za-z_]*(?:""" + _SECRET_WORDS + r""")[A-Za-z_]*(?P=q)\s*:\s*)"""
    r"""(?:'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?)""",
    re.IGNORECASE,
)


#: A ``...secret...=value`` pair of a form-encoded body or query string.
_SECRET_FORM_PAIR = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_])[A-Za-z_]*(?:" + _SECRET_WORDS + r")[A-Za-z_]*=)[^&\s\"']*",
    re.IGNORECASE,
)
#: A key whose value is a credential (``password``, ``client_secret``, ``access_token`` ...).
_SECRET_KEY = re.compile(_SECRET_WORDS, re.IGNORECASE)
#: What may stand right before and after a secret for :func:`mask_secrets` to replace it.
_SECRET_EDGE = r"[A-Za-z0-9_]"


def is_secret_key(key: str) -> bool:
    """Whether a body key names a credential (its value is never shown).

    Example::

        is_secret_key("refresh_token")   # True
        is_secret_key("name")            # False
    """
    return bool(_SECRET_KEY.search(key))


def mask_secrets(text: str, secrets: Iterable[str | None], mask: str = SECRET_MARKER) -> str:
    """``text`` with every whole occurrence of a secret replaced by ``mask``.

    A secret is replaced where it stands as a token of its own, not where it is part
    of a longer word: the password ``admin`` is masked in ``user admin:admin`` but
    ``administrator`` stays readable.

    Example::

        mask_secrets("login admin/admin failed for administrator", ["admin"])
        # 'login <hidden>/<hidden> failed for administrator'
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        pattern = rf"(?<!{_SECRET_EDGE}){re.escape(secret)}(?!{_SECRET_EDGE})"
        text = re.sub(pattern, lambda _match: mask, text)
    return text


def mask_secrets_in(value: Any, secrets: Iterable[str | None]) -> Any:
    """``value`` (decoded JSON) with :func:`mask_secrets` applied to every string in it.

    Example::

        mask_secrets_in({"message": "bad password hunter2"}, ["hunter2"])
        # {'message': 'bad password <hidden>'}
    """
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return value
    if isinstance(value, str):
        return mask_secrets(value, secrets)
    if isinstance(value, dict):
        return {key: mask_secrets_in(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_secrets_in(item, secrets) for item in value]
    return value


def redact_preview(text: str) -> str:
    """``text`` with the values of secret-looking keys (``secret``, ``password``,
    ``access_token`` ...) replaced, so that a body preview never shows a credential.

    Form-encoded pairs (``access_token=abc&...``) are covered too.

    Example::

        redact_preview('{"access_token": "abc", "id": 1}')
        # '{"access_token": "<hidden>", "id": 1}'
        redact_preview("access_token=abc&expires_in=900")
        # 'access_token=<hidden>&expires_in=900'
    """
    text = _SECRET_PAIR.sub(lambda match: f'{match.group("key")}"{SECRET_MARKER}"', text)
    return _SECRET_FORM_PAIR.sub(lambda match: match.group("key") + SECRET_MARKER, text)


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
        described = _describe_issues(self.issues)
        if described:
            details = f"; invalid: {', '.join(described)}"
        where = f" [{self.request_line}]" if self.request_line else ""
        return f"{self.status_code}{code}: {message}{details}{where}"


def _issue_path(issue: Mapping[str, Any]) -> str:
    path = issue.get("path")
    if isinstance(path, list):
        return ".".join(str(part) for part in path)
    return str(path) if path else ""


#: At most this many validation issues are spelled out in an error message ...
MAX_ISSUES_SHOWN = 10
#: ... each message cut to this many characters.
ISSUE_MESSAGE_CHARS = 120


def _describe_issues(issues: list[Any], depth: int = 0) -> list[str]:
    """``name (Too small: expected string to have >=3 characters)`` per issue (current
    Hubs' ``issues``, nested groups flattened) or ``name`` (legacy ``children``, which
    carry no message; their ``received`` value is never shown: it may be a password)."""
    described: list[str] = []
    for issue in issues:
        if not isinstance(issue, Mapping):
            continue
        nested = issue.get("issues")
        if isinstance(nested, list) and nested and depth < 3:
            described += _describe_issues(nested, depth + 1)
            continue
        path = _issue_path(issue)
        message = issue.get("message")
        if isinstance(message, str) and message.strip():
            text = " ".join(message.split())[:ISSUE_MESSAGE_CHARS]
            described.append(f"{path} ({text})" if path else text)
        elif path:
            described.append(path)
    if depth == 0 and len(described) > MAX_ISSUES_SHOWN:
        more = len(described) - MAX_ISSUES_SHOWN
        described = [*described[:MAX_ISSUES_SHOWN], f"and {more} more (see error.issues)"]
    return described


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


class RateLimited(HubAPIError):
    """The Hub answered 429: too many requests from this address or identity.

    The Hub did not act, so flamehub resends any request (a create too) after the wait
    the answer names (``Retry-After``, else ``ratelimit-reset``), as long as the retries
    and the Hub's ``deadline`` allow; this is raised when they do not.
    ``retry_after`` is that wait in seconds (``None`` when the answer named none).
    """

    #: Seconds the Hub asked to wait before the next request (``None`` if unsaid).
    retry_after: float | None = None


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
    429: RateLimited,
}


# -- bulk work (flamehub.query.bulk) -------------------------------------------------------


class BulkError(FlamehubError):
    """Some rows of a bulk operation failed; every row that could be done was done.

    Raised after the loop of ``bulk_create()``, ``QuerySet.update()`` or
    ``QuerySet.delete()`` has finished every row it could. Each row appears exactly once,
    either in ``succeeded`` or in ``failed``.

    Attributes:
        operation: ``"bulk_create"``, ``"update"`` or ``"delete"``.
        succeeded: the rows done, in input order (created or updated objects as the
            Hub returned them; for ``delete`` the deleted objects).
        failed: ``(row, error)`` pairs in input order: the object that failed and the
            flamehub exception it met. A create that timed out (:class:`HubTimeout`) has
            an unknown outcome: it is never resent, look it up before creating it again.

    Example::

        try:
            Node.objects.bulk_create(nodes)
        except flamehub.BulkError as error:
            for node, failure in error.failed:
                print(node.name, failure)
    """

    def __init__(
        self,
        operation: str,
        succeeded: Sequence[Any],
        failed: Sequence[tuple[Any, BaseException]],
    ) -> None:
        self.operation = operation
        self.succeeded = list(succeeded)
        self.failed = list(failed)
        super().__init__(self._describe())

    def _describe(self) -> str:
        total = len(self.succeeded) + len(self.failed)
        first = self.failed[0][1] if self.failed else None
        kinds = sorted({type(error).__name__ for _, error in self.failed})
        return (
            f"{self.operation}: {len(self.failed)} of {total} rows failed "
            f"({', '.join(kinds)}), {len(self.succeeded)} succeeded; the first failure: {first}"
            "; error.failed holds each failed row with its error"
        )


# -- file transfers (flamehub.files) ----------------------------------------------------


class TransferError(TransportError):
    """A transfer broke off: the connection dropped mid-body or the body ended early.

    ``done`` bytes had arrived of ``total`` (``None`` when unknown); ``resumes`` is how many
    ``Range`` resumptions were tried.

    Example::

        try:
            bucket_file.download(to="data.bin")
        except TransferError as error:
            print(f"stopped after {error.done} of {error.total} bytes; try again later")
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        done: int = 0,
        total: int | None = None,
        resumes: int = 0,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.done = done
        self.total = total
        self.resumes = resumes


class TransferSizeMismatch(FlamehubError):
    """The bytes transferred do not match the size the Hub announced.

    The Hub's ``hash`` field is an object key, not a checksum, so flamehub checks sizes:
    ``expected`` is the size the Hub gave, ``actual`` the size transferred.

    Example::

        try:
            bucket_file.download(to="data.bin")
        except TransferSizeMismatch as error:
            print(error.name, error.expected, error.actual)
    """

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        expected: int | None = None,
        actual: int | None = None,
    ) -> None:
        super().__init__(message)
        self.name = name
        self.expected = expected
        self.actual = actual


class DownloadTooLarge(FlamehubError):
    """A download or an archive's extraction would write more than it may.

    ``limit`` is the bound (``max_bytes=``, or the default multiple of the bytes received
    plus a margin); ``written`` how many bytes it had reached.

    Example::

        try:
            bucket.download_all(to="results/")
        except DownloadTooLarge as error:
            bucket.download_all(to="results/", max_bytes=4 * error.limit)
    """

    def __init__(self, message: str, *, limit: int = 0, written: int = 0) -> None:
        super().__init__(message)
        self.limit = limit
        self.written = written


class DownloadTargetExists(FlamehubError, FileExistsError):
    """A download would replace an existing file; pass ``overwrite=True`` to allow it.

    ``path`` names the file; nothing was written.

    Example::

        try:
            bucket_file.download(to="data.csv")
        except DownloadTargetExists as error:
            print("kept", error.path)
    """

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path!r} exists; flamehub does not replace files unless told to "
            "(overwrite=True, or --overwrite on the command line)"
        )
        self.path = path


class UnsafeDownloadTarget(FlamehubError):
    """A download would write where flamehub never writes (inside a ``.git`` directory).

    Example::

        try:
            bucket_file.download(to=".git/hooks/")
        except UnsafeDownloadTarget as error:
            print(error)
    """


class UploadNotResent(FlamehubError):
    """Something tried to send an upload body a second time; flamehub never does that.

    It happens when the Hub rejects the token after the body was sent: the transport has
    renewed the token, and calling the upload again sends the files with the new one.

    Example::

        try:
            bucket.upload("data/")
        except UploadNotResent:
            bucket.upload("data/")
    """


class UploadSourceChanged(FlamehubError):
    """A file changed size while it was being uploaded (the announced length is then wrong).

    Example::

        try:
            bucket.upload("growing.log")
        except UploadSourceChanged:
            bucket.upload(("growing.log", snapshot_bytes))
    """


class UnsafeArchiveMember(FlamehubError):
    """A tar member that would be written outside the target directory, or is a link or device.

    ``member`` is its name in the archive, ``reason`` why it was refused.

    Example::

        try:
            bucket.download_all(to="results/")
        except UnsafeArchiveMember as error:
            print(error.member, error.reason)
    """

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"refusing to extract {member!r}: {reason}")
        self.member = member
        self.reason = reason


class AnalysisFilesTimeout(FlamehubError, TimeoutError):
    """Core did not list analysis-bucket-file rows for every uploaded file in time.

    ``missing`` holds the paths still without a row.

    Example::

        try:
            code.wait_for_analysis_files(uploaded, timeout=30)
        except AnalysisFilesTimeout as error:
            print("not yet listed:", error.missing)
    """

    def __init__(self, message: str, *, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


# -- analysis workflow (flamehub.workflow) ---------------------------------------------------


class WorkflowError(FlamehubError):
    """A step of the analysis workflow cannot run or has failed (:mod:`flamehub.workflow`).

    Attributes:
        step: the workflow step (``"lock"``, ``"build"``, ``"wait_for_results"`` ...).
        status: the Hub's status of that step when it stopped (``"failed"``), or ``None``.
        missing: the unmet preconditions, each named (``"no root entrypoint file"``).
        node: the name (or id) of the node that failed, or ``None``.
        logs: the latest log lines the Hub offered about the failure (newest first).

    Example::

        try:
            analysis.lock()
        except flamehub.errors.WorkflowError as error:
            print(error.step, error.missing)
    """

    def __init__(
        self,
        message: str,
        *,
        step: str = "",
        status: str | None = None,
        missing: list[str] | None = None,
        node: str | None = None,
        logs: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.step = step
        self.status = status
        self.missing = list(missing or [])
        self.node = node
        self.logs = list(logs or [])


class WorkflowTimeout(WorkflowError, TimeoutError):
    """A workflow step did not finish in time; ``status`` is the status it was stuck in.

    Example::

        try:
            analysis.build(timeout=600)
        except flamehub.errors.WorkflowTimeout as error:
            print(f"still {error.status} after {error.timeout} s")
    """

    def __init__(
        self, message: str, *, step: str = "", status: str | None = None, timeout: float = 0.0
    ) -> None:
        super().__init__(message, step=step, status=status)
        self.timeout = timeout
