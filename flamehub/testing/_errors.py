"""Error answers of the local Hub, rendered the way each service and generation does.

Handlers raise :class:`HubError` (built with the helpers below); the server renders it
for the service that answers (Hub core/storage or authup) and the generation:

- current Hub: ``{statusCode, code, message, issues}``;
- current authup: ``{name, message, code, [issues], @instanceof, [error, hint]}`` (no
  ``statusCode``);
- legacy (both): ``{statusCode, code, message}`` plus ``children``/``attributes`` for
  validation errors and ``error``/``error_description`` for OAuth errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._generations import Generation

__all__ = [
    "HubError",
    "Issue",
    "bad_request",
    "conflict",
    "forbidden_authup",
    "forbidden_hub",
    "internal_error",
    "invalid_token",
    "key_not_allowed",
    "not_found",
    "query_syntax_error",
    "render_error",
    "route_not_found",
    "unauthorized",
    "validation_error",
]

_BASE_CHAIN = ("@ebec/core/BaseError", "@authup/errors/AuthupError")
_LEGACY_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    500: "undefined",
}
_LEGACY_CONFLICT_MESSAGE = "An entry with some unique attributes already exist."
_LEGACY_CORE_CONFLICT_CODE = "SQLITE_CONSTRAINT_UNIQUE"

Issue = dict[str, Any]


@dataclass
class HubError(Exception):
    """An HTTP error answer, independent of its wire shape until rendered."""

    status: int
    code: str
    message: str
    issues: list[Issue] = field(default_factory=list)
    #: authup error class name and extra ``@instanceof`` entries (current authup only)
    name: str = "AuthupError"
    chain: tuple[str, ...] = ()
    authup_message: str | None = None
    #: extra keys of authup / legacy bodies (e.g. OAuth ``error``)
    extra: dict[str, Any] = field(default_factory=dict)
    #: legacy body overrides; ``None`` derives them from ``status``/``message``
    legacy_code: str | None = None
    legacy_message: str | None = None
    legacy_extra: dict[str, Any] = field(default_factory=dict)
    #: the code Hub 0.12.x (current model, before 0.13) answers instead of ``code``
    code_0_12: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def render_error(
    error: HubError, service: str, generation: Generation, *, hub_0_12: bool = False
) -> dict[str, Any]:
    """The JSON body of ``error`` as ``service`` of ``generation`` answers it (``hub_0_12``:
    of a Hub 0.12.x, which has the current model but some codes of its own)."""
    if generation is Generation.LEGACY:
        body: dict[str, Any] = {
            "statusCode": error.status,
            "code": error.legacy_code or _LEGACY_CODES.get(error.status, error.code),
            "message": error.message if error.legacy_message is None else error.legacy_message,
        }
        body.update(error.legacy_extra)
        return body
    if service == "auth":
        message = error.message if error.authup_message is None else error.authup_message
        body = {"name": error.name, "message": message, "code": error.code}
        if error.issues:
            body["issues"] = error.issues
        body["@instanceof"] = [*_BASE_CHAIN, *error.chain]
        body.update(error.extra)
        return body
    return {
        "statusCode": error.status,
        "code": error.code_0_12 if hub_0_12 and error.code_0_12 else error.code,
        "message": error.message,
        "issues": list(error.issues),
    }


def route_not_found(generation: Generation) -> tuple[int, Any]:
    """Status and body of an unknown route (express default handler)."""
    if generation is Generation.LEGACY:
        return 404, None
    return 404, {"status": 404, "message": "Not Found"}


# --------------------------------------------------------------------------- builders


def not_found(label: str) -> HubError:
    """404 ``entity_not_found`` for ``label`` (e.g. ``"node"``)."""
    return HubError(
        404,
        "entity_not_found",
        f"The {label} was not found.",
        name="EntityNotFoundError",
        chain=("@authup/errors/EntityNotFoundError",),
        authup_message="Entity not found.",
        legacy_message="",
    )


def unauthorized() -> HubError:
    """401: no identity on an endpoint that needs one."""
    return HubError(
        401,
        "identity_unauthorized",
        "Authentication required.",
        name="UnauthorizedError",
        chain=("@authup/errors/UnauthorizedError",),
        legacy_message="",
    )


def invalid_token(message: str, *, status: int = 400) -> HubError:
    """A token that cannot be used (authup: 400 ``invalid_token``; core: 500)."""
    if status >= 500:
        return HubError(status, "internal_error", message, legacy_code="invalid_token")
    return HubError(
        status,
        "invalid_token",
        message,
        name="JWTError",
        chain=("@authup/specs/JWTError",),
        legacy_code="invalid_token",
    )


def internal_error(message: str, *, legacy_code: str | None = None) -> HubError:
    """500 ``internal_error``."""
    return HubError(500, "internal_error", message, legacy_code=legacy_code)


def bad_request(
    message: str,
    *,
    code: str = "bad_request",
    issues: Sequence[Issue] = (),
    legacy_code: str | None = None,
) -> HubError:
    """400 with a free-form message (business rules, commands)."""
    return HubError(400, code, message, list(issues), legacy_code=legacy_code)


def conflict(service: str, *, message: str, name: str) -> HubError:
    """409 ``entity_conflict``."""
    legacy_code = "CONFLICT" if service == "auth" else _LEGACY_CORE_CONFLICT_CODE
    return HubError(
        409,
        "entity_conflict",
        message,
        name=name,
        chain=("@authup/errors/EntityConflictError",) if name == "EntityConflictError" else (),
        legacy_code=legacy_code,
        legacy_message=_LEGACY_CONFLICT_MESSAGE,
    )


def validation_error(
    issues: Sequence[Issue], service: str, received: Mapping[str, Any]
) -> HubError:
    """400 for a body that failed validation; ``received`` are the offending values."""
    paths = [str(issue["path"][0]) for issue in issues]
    unique_paths = list(dict.fromkeys(paths))
    if len(unique_paths) == 1:
        message = f"Property {unique_paths[0]} is invalid"
        legacy_message = f"The attribute {unique_paths[0]} is invalid."
    else:
        message = f"Properties {', '.join(unique_paths)} are invalid."
        legacy_message = f"The attributes {', '.join(unique_paths)} are invalid."
    children = []
    for path in paths:
        child: dict[str, Any] = {"path": path, "pathAbsolute": path}
        if path in received:
            child["received"] = received[path]
        children.append(child)
    return HubError(
        400,
        "bad_request",
        message,
        list(issues),
        legacy_code="BAD_REQUEST" if service == "auth" else "undefined",
        legacy_message="" if service == "auth" else legacy_message,
        legacy_extra={"children": children, "attributes": paths},
        code_0_12=None if service == "auth" else "VALIDUP_ERROR",  # recorded on 0.12.2
    )


def forbidden_hub(permissions: Sequence[str]) -> HubError:
    """A missing authup permission at core/storage: 400 on current, 403 on legacy."""
    names = ", ".join(permissions)
    issues = [
        {
            "type": "item",
            "code": "permission_not_found",
            "message": f"The {name} permission could not be resolved",
            "path": [name],
        }
        for name in permissions
    ]
    error = HubError(
        400,
        "bad_request",
        f"The evaluation of permissions {names} failed",
        issues,
        legacy_code="FORBIDDEN",
        legacy_message="You are not permitted to perform this action.",
    )
    return error


def forbidden_authup(permissions: Sequence[str]) -> HubError:
    """A missing permission at authup: 403 ``permission_evaluation_failed``."""
    word = "permission" if len(permissions) == 1 else "permissions"
    issues = [
        {
            "type": "group",
            "code": "permission_evaluation_failed",
            "issues": [],
            "message": f"The {name} permissions policy evaluation failed",
            "path": [name],
        }
        for name in permissions
    ]
    return HubError(
        403,
        "permission_evaluation_failed",
        f"The evaluation of {word} {', '.join(permissions)} failed",
        issues,
        name="PermissionError",
        chain=("@authup/access/PermissionError",),
        legacy_code="FORBIDDEN",
        legacy_message="You are not permitted to perform this action.",
    )


def key_not_allowed(key: str, parameter: str = "filters") -> HubError:
    """400 of the expression dialect for a disallowed key."""
    issue = {
        "type": "item",
        "code": "keyNotAllowed",
        "path": [key],
        "message": f"The key {key} is not permitted.",
        "meta": {"parameter": parameter, "key": key},
    }
    return bad_request("The input was rejected: 1 violation.", issues=[issue])


def query_syntax_error(detail: str, parameter: str = "filters") -> HubError:
    """400 of the expression dialect for input that does not parse."""
    issue = {
        "type": "item",
        "code": "syntaxInvalid",
        "path": [],
        "message": f"The input syntax is invalid: {detail}",
        "meta": {"parameter": parameter},
    }
    return bad_request("The input was rejected: 1 violation.", issues=[issue])
