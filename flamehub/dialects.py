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

import attrs

from .errors import InvalidResponse

__all__ = [
    "CURRENT_GENERATION_SINCE",
    "MAX_PAGE_SIZE",
    "RAPIQ2_SINCE",
    "AnswerShape",
    "Dialect",
    "Generation",
    "camel_case",
    "parse_authup_version",
    "parse_version",
    "shipped_authup",
    "snake_case",
]

#: First Hub version with camelCase JSON and record envelopes.
CURRENT_GENERATION_SINCE = (0, 13, 0)
#: First Hub version on rapiq 2 (``~x`` means ends-with there) and without robots.
RAPIQ2_SINCE = (0, 12, 3)
#: The page size cap every Hub list endpoint enforces.
MAX_PAGE_SIZE = 50
#: First authup release with camelCase JSON, rapiq 2 filters and no robots (its changelog).
AUTHUP_CAMEL_CASE_SINCE = (1, 0, 0, 54)
#: First authup release with ``{data, meta}`` record envelopes and ``meta.schema``.
AUTHUP_ENVELOPE_SINCE = (1, 0, 0, 57)
#: The authup each Hub release ships: (first Hub release, the authup its lockfile pins),
#: read from the Hub's release tags (0.8.13 recorded with beta.26).
SHIPPED_AUTHUP: tuple[tuple[tuple[int, int, int], str], ...] = (
    ((0, 0, 0), "1.0.0-beta.26"),
    ((0, 10, 0), "1.0.0-beta.41"),
    ((0, 10, 1), "1.0.0-beta.42"),
    ((0, 11, 0), "1.0.0-beta.48"),
    ((0, 12, 0), "1.0.0-beta.50"),
    ((0, 12, 1), "1.0.0-beta.51"),
    ((0, 12, 2), "1.0.0-beta.52"),
    ((0, 12, 3), "1.0.0-beta.54"),
    ((0, 12, 4), "1.0.0-beta.56"),
    ((0, 13, 0), "1.0.0-beta.57"),
    ((0, 13, 1), "1.0.0-beta.59"),
    ((0, 14, 0), "1.0.0-beta.62"),
)
#: The rank :func:`parse_authup_version` gives a release without a pre-release suffix.
_FINAL_RELEASE = 10**9


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


def parse_authup_version(text: str) -> tuple[int, int, int, int]:
    """``"1.0.0-beta.56"`` -> ``(1, 0, 0, 56)``; a final release ranks after its pre-releases.

    >>> parse_authup_version("1.0.0-beta.56") < parse_authup_version("1.0.0")
    True
    """
    match = re.match(r"^\s*v?(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z]+\.?(\d+))?", str(text))
    if not match:
        raise ValueError(f"not an authup version: {text!r} (expected e.g. '1.0.0-beta.56')")
    major, minor, patch, pre = match.groups()
    return int(major), int(minor), int(patch), int(pre) if pre else _FINAL_RELEASE


def shipped_authup(hub_version: tuple[int, int, int]) -> str:
    """The authup version a Hub release ships (:data:`SHIPPED_AUTHUP`).

    >>> shipped_authup((0, 12, 7))
    '1.0.0-beta.56'
    """
    found = SHIPPED_AUTHUP[0][1]
    for since, authup in SHIPPED_AUTHUP:
        if hub_version >= since:
            found = authup
    return found


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])([A-Z])")
_CAMEL_KEY = re.compile(r"^[a-z][a-z0-9]*[A-Z]")
_SNAKE_KEY = re.compile(r"^[a-z][a-z0-9]*_[a-z0-9_]*$")


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


@attrs.frozen
class AnswerShape:
    """What a decoded answer looks like: its key casing and whether a record is enveloped.

    Example::

        AnswerShape.of({"data": {"realmId": "r"}, "meta": {}}).casing     # 'camelCase'
    """

    #: ``"camelCase"``, ``"snake_case"`` or ``None`` (no multi-word key to tell).
    casing: str | None
    #: A few keys of that casing, for messages.
    keys: tuple[str, ...] = ()
    #: A single record came as ``{data: {...}, meta}``.
    envelope: bool = False

    @classmethod
    def of(cls, body: Any, *, collection: bool = False) -> AnswerShape:
        """The shape of a decoded answer: a record, or the first row of a collection
        (``collection``: a list was asked for, so only its rows can tell)."""
        if not isinstance(body, dict):
            return cls(None)
        record: Any = body
        envelope = False
        data = body.get("data")
        if isinstance(data, list):
            record = next((row for row in data if isinstance(row, dict)), {})
        elif collection:
            return cls(None)  # not a list: malformed, for the caller to report
        elif isinstance(data, dict) and set(body) <= {"data", "meta"}:
            record, envelope = data, True
        camel = tuple(key for key in record if _CAMEL_KEY.match(key))
        snake = tuple(key for key in record if _SNAKE_KEY.match(key))
        if camel and not snake:
            return cls("camelCase", camel[:3], envelope)
        if snake and not camel:
            return cls("snake_case", snake[:3], envelope)
        return cls(None, (), envelope)

    @property
    def conclusive(self) -> bool:
        """Whether the answer tells a casing or an envelope at all."""
        return self.casing is not None or self.envelope

    def describe(self) -> str:
        parts = []
        if self.casing:
            parts.append(f"{self.casing} keys ({', '.join(self.keys)})")
        if self.envelope:
            parts.append("a {data, meta} record envelope")
        return " and ".join(parts) or "no telling keys"


class Dialect:
    """The wire rules of one Hub version (and, for the auth service, of its authup).

    Example::

        dialect = Dialect.for_version("0.14.0")
        dialect.wire_name("created_at")        # 'createdAt'
        Dialect.for_service("0.12.7", "auth").camel_case   # True (authup beta.56)
    """

    def __init__(self, version: str | tuple[int, int, int], *, authup: str | None = None) -> None:
        self.version = parse_version(version) if isinstance(version, str) else tuple(version)
        self.version_string = ".".join(str(part) for part in self.version)
        #: The authup version whose rules this dialect follows (auth service only).
        self.authup_version = authup
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
        if authup is not None:
            # authup changed casing (beta.54) and envelopes (beta.57) apart from the Hub:
            # Hub 0.12.3 - 0.12.7 ship a camelCase authup next to snake_case core/storage
            release = parse_authup_version(authup)
            camel = release >= AUTHUP_CAMEL_CASE_SINCE
            enveloped = release >= AUTHUP_ENVELOPE_SINCE
            self.generation = Generation.CURRENT if camel else Generation.LEGACY
            self.camel_case = camel
            self.record_envelope = enveloped
            self.rapiq2 = camel
            self.expressions = enveloped
            self.robots = not camel
            self.like_wildcards = not camel

    @classmethod
    def for_version(cls, version: str | tuple[int, int, int]) -> Dialect:
        """The dialect of a Hub version string such as ``"0.8.13"``."""
        return _dialect_cache(parse_version(version) if isinstance(version, str) else version)

    @classmethod
    def for_service(
        cls, version: str | tuple[int, ...], service: str, *, authup: str | None = None
    ) -> Dialect:
        """The dialect of one service of a Hub: auth follows its authup, the others the Hub.

        ``authup`` is the version ``GET <auth>/`` answered; without it, the authup
        the Hub release ships (:data:`SHIPPED_AUTHUP`).

        Example::

            Dialect.for_service("0.12.7", "auth").generation     # Generation.CURRENT
            Dialect.for_service("0.12.7", "core").generation     # Generation.LEGACY
        """
        hub_version = parse_version(
            ".".join(map(str, version)) if isinstance(version, tuple) else version
        )
        if service != "auth":
            return _dialect_cache(hub_version)
        return _authup_dialect_cache(hub_version, authup or shipped_authup(hub_version))

    def __repr__(self) -> str:
        authup = f", authup {self.authup_version}" if self.authup_version else ""
        return f"<Dialect {self.generation.value} (Hub {self.version_string}{authup})>"

    def contradiction(self, shape: AnswerShape) -> str | None:
        """What in ``shape`` this dialect would not send, or ``None`` if nothing.

        Example::

            Dialect.for_version("0.8.13").contradiction(AnswerShape("camelCase", ("realmId",)))
            # 'camelCase keys (realmId)'
        """
        wrong_casing = shape.casing is not None and (shape.casing == "camelCase") != self.camel_case
        wrong_envelope = shape.envelope and not self.record_envelope
        if not (wrong_casing or wrong_envelope):
            return None
        return shape.describe()

    def describe(self) -> str:
        """A short text of the rules, for messages: ``'legacy: snake_case keys, bare records'``."""
        casing = "camelCase" if self.camel_case else "snake_case"
        records = "{data, meta} records" if self.record_envelope else "bare records"
        return f"{self.generation.value}: {casing} keys, {records}"

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


@lru_cache(maxsize=32)
def _authup_dialect_cache(version: tuple[int, int, int], authup: str) -> Dialect:
    return Dialect(version, authup=authup)
