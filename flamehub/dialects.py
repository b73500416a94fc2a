"""Per-generation wire rules of the Hub API.

Two API generations exist (see ``docs/generations.rst``):

- **legacy**: Hub 0.8.x .. 0.12.x with authup <= beta.53: snake_case JSON,
  bare single records, rapiq 0.x filters where ``~x`` is a prefix ``LIKE``,
  robots and the ``robot_credentials`` grant;
- **current**: Hub >= 0.13 with authup >= beta.57: camelCase JSON, ``{data, meta}``
  envelopes everywhere, rapiq 2 filters (``x~`` starts with, ``~x`` ends with,
  ``~x~`` contains) and the expression dialect (``filter=or(...)``).

A :class:`Dialect` is everything flamehub needs to know to talk to one of
them. The rest of the library asks the dialect instead of testing versions.

Example::

    >>> dialect = Dialect.for_version("0.8.13")
    >>> dialect.generation, dialect.wire_name("realm_id")
    (<Generation.LEGACY: 'legacy'>, 'realm_id')
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache
from typing import Any

from .errors import InvalidResponse

__all__ = [
    "CURRENT_GENERATION_SINCE",
    "MAX_PAGE_SIZE",
    "RAPIQ2_SINCE",
    "Dialect",
    "Generation",
    "camel_case",
    "parse_version",
    "snake_case",
]

#: First Hub version with camelCase JSON and record envelopes.
CURRENT_GENERATION_SINCE = (0, 13, 0)
#: First Hub version on rapiq 2 (``~x`` means ends-with there) and without robots.
RAPIQ2_SINCE = (0, 12, 3)
#: The page size cap every Hub list endpoint enforces.
MAX_PAGE_SIZE = 50


class Generation(str, enum.Enum):
    """The two API generations of the FLAME Hub."""

    LEGACY = "legacy"
    CURRENT = "current"


def parse_version(text: str) -> tuple[int, int, int]:
    """``"0.8.13"`` -> ``(0, 8, 13)``; pre-release suffixes are ignored.

    >>> parse_version("v0.14.0-rc.1")
    (0, 14, 0)
    """
    match = re.match(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    if not match:
        raise ValueError(f"not a Hub version: {text!r} (expected something like '0.14.0')")
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return major, minor, patch


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])([A-Z])")


@lru_cache(maxsize=4096)
def camel_case(name: str) -> str:
    """``realm_id`` -> ``realmId``; dotted paths are converted segment by segment."""
    if "." in name:
        return ".".join(camel_case(part) for part in name.split("."))
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """``realmId`` -> ``realm_id``; dotted paths are converted segment by segment."""
    if "." in name:
        return ".".join(snake_case(part) for part in name.split("."))
    return _CAMEL_BOUNDARY.sub(lambda match: "_" + match.group(1).lower(), name)


class Dialect:
    """The wire rules of one Hub version.

    Example::

        dialect = Dialect.for_version("0.14.0")
        dialect.wire_name("created_at")        # 'createdAt'
    """

    def __init__(self, version: str | tuple[int, int, int]) -> None:
        self.version = parse_version(version) if isinstance(version, str) else tuple(version)
        self.version_string = ".".join(str(part) for part in self.version)
        current = self.version >= CURRENT_GENERATION_SINCE
        self.generation = Generation.CURRENT if current else Generation.LEGACY
        #: JSON keys (bodies, responses, query keys) are camelCase.
        self.camel_case = current
        #: Single records come as ``{data, meta}``.
        self.record_envelope = current
        #: rapiq 2 like syntax (``x~`` / ``~x`` / ``~x~``) instead of ``~x`` prefix.
        self.rapiq2 = self.version >= RAPIQ2_SINCE
        #: The expression dialect (``filter=or(...)``, ``codec=url-expression``).
        self.expressions = current
        #: Robots and the ``robot_credentials`` grant exist.
        self.robots = not self.rapiq2
        #: ``~`` patterns treat ``%`` and ``_`` as SQL wildcards (the bracket forms of
        #: each lookup on either like syntax are declared in :mod:`flamehub.query.lookups`).
        self.like_wildcards = not self.rapiq2

    @classmethod
    def for_version(cls, version: str | tuple[int, int, int]) -> Dialect:
        """The dialect of a Hub version string such as ``"0.8.13"``."""
        return _dialect_cache(parse_version(version) if isinstance(version, str) else version)

    def __repr__(self) -> str:
        return f"<Dialect {self.generation.value} (Hub {self.version_string})>"

    # -- names ---------------------------------------------------------------

    def wire_name(self, python_name: str) -> str:
        """The JSON/query key of a snake_case Python name on this generation."""
        return camel_case(python_name) if self.camel_case else python_name

    def python_name(self, wire_name: str) -> str:
        """The snake_case Python name of a JSON/query key of this generation."""
        return snake_case(wire_name) if self.camel_case else wire_name

    # -- envelopes -----------------------------------------------------------

    def unwrap_record(self, body: Any, *, method: str = "", url: str = "") -> dict[str, Any]:
        """The entity dict of a single-record answer (enveloped or bare)."""
        if (
            isinstance(body, dict)
            and "data" in body
            and (self.record_envelope or set(body) <= {"data", "meta"})
        ):
            body = body["data"]
        if not isinstance(body, dict):
            raise InvalidResponse(
                f"expected a JSON object (one record) from {method} {url}, "
                f"got {type(body).__name__}",
                method=method,
                url=url,
                body_preview=repr(body)[:200],
            )
        return body

    def unwrap_collection(
        self, body: Any, *, method: str = "", url: str = ""
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """``(rows, meta)`` of a list answer ``{data: [...], meta: {...}}``."""
        if not (isinstance(body, dict) and isinstance(body.get("data"), list)):
            raise InvalidResponse(
                f"expected a collection {{data: [...], meta: {{...}}}} from {method} {url}, "
                f"got {type(body).__name__}",
                method=method,
                url=url,
                body_preview=repr(body)[:200],
            )
        rows = body["data"]
        if not all(isinstance(row, dict) for row in rows):
            raise InvalidResponse(
                f"expected objects in the collection from {method} {url}",
                method=method,
                url=url,
                body_preview=repr(rows)[:200],
            )
        meta = body.get("meta")
        return rows, meta if isinstance(meta, dict) else {}


@lru_cache(maxsize=32)
def _dialect_cache(version: tuple[int, int, int]) -> Dialect:
    return Dialect(version)
