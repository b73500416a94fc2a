"""The two API generations of the FLAME Hub and the facts that tell them apart.

*Legacy* is Hub < 0.13 (recorded: 0.8.13 with authup 1.0.0-beta.26): snake_case JSON,
bare records, rapiq 0.x filters, robots. *Current* is Hub >= 0.13 (recorded: 0.14.0 with
authup 1.0.0-beta.62): camelCase, ``{data, meta}`` envelopes, rapiq 2 filters, clients only.

The releases in between (recorded: 0.12.2 and 0.12.7) already have the current *data model*
(fields, rules, errors, paging, tokens) but speak it per service in the legacy *wire*
(snake_case keys, bare records) or, for 0.12.7's authup, camelCase: :func:`profile_of` says
which, per service, and the local Hub renames keys at its edge (``_wire``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CURRENT_FROM",
    "CURRENT_MODEL_FROM",
    "DEFAULT_ACCESS_TOKEN_LIFETIME",
    "DEFAULT_REFRESH_TOKEN_LIFETIME",
    "Generation",
    "HubProfile",
    "ServiceProfile",
    "camel_to_snake",
    "generation_of",
    "parse_version",
    "profile_of",
]

#: First Hub version of the current generation.
CURRENT_FROM: tuple[int, int, int] = (0, 13, 0)

#: Access token lifetime (seconds) a fresh authup of each generation uses by default.
DEFAULT_ACCESS_TOKEN_LIFETIME: dict[str, float] = {"legacy": 3600.0, "current": 900.0}

#: Refresh token lifetime (seconds): authup's ``TOKEN_REFRESH_MAX_AGE`` (3 days).
DEFAULT_REFRESH_TOKEN_LIFETIME: float = 259_200.0

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])([A-Z])")


class Generation(str, enum.Enum):
    """The wire generation of a Hub.

    Example::

        assert generation_of("0.8.13") is Generation.LEGACY
        assert LocalHub("0.14.0").generation is Generation.CURRENT
    """

    LEGACY = "legacy"
    CURRENT = "current"

    @property
    def is_legacy(self) -> bool:
        """True for Hub < 0.13."""
        return self is Generation.LEGACY


def parse_version(version: str) -> tuple[int, int, int]:
    """Parse ``"0.14.0"`` or ``"v0.8.13"`` into a tuple; raise ``ValueError`` otherwise."""
    match = _VERSION_RE.match(version.strip())
    if match is None:
        raise ValueError(f"not a Hub version: {version!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def generation_of(version: str) -> Generation:
    """Return the wire generation of a Hub version."""
    return Generation.LEGACY if parse_version(version) < CURRENT_FROM else Generation.CURRENT


def camel_to_snake(name: str) -> str:
    """``realmId`` -> ``realm_id`` (the legacy wire spelling of a field)."""
    return _CAMEL_BOUNDARY.sub(lambda m: "_" + m.group(1).lower(), name)


#: First Hub release whose services use rapiq 2 like syntax (``x~``, ``~x``, ``~x~``):
#: 0.12.7 was recorded with it, 0.12.2 with rapiq 0.9; releases in between are unknown.
RAPIQ2_FROM: tuple[int, int, int] = (0, 12, 7)

#: First Hub release with the current data model (analysis ``execution_status`` and progress
#: fields, analysis buckets storing ``bucket_id``, analysis bucket files with
#: ``bucket_file_id``/``path``/``root``): the Hub's core-kit entities at the tags 0.8.21 and
#: 0.8.22, as the client declares them (``flamehub.resources.core.PROCESS_STATUS_SINCE`` and
#: ``BUCKET_FILES_SINCE``; tests/local_hub/test_between_releases.py keeps them equal). Recorded
#: on 0.12.2 and 0.12.7, with validup errors, 15-minute tokens and paged collections; that
#: releases from 0.8.22 to 0.12.1 answer those the same way is an assumption.
CURRENT_MODEL_FROM: tuple[int, int, int] = (0, 8, 22)


@dataclass(frozen=True)
class ServiceProfile:
    """The wire facts of one service (``auth``, ``core`` or ``storage``) of one Hub release.

    Example::

        profile_of("0.12.7").service("auth").camel_case      # True (authup beta.56)
    """

    #: Generation whose casing and envelopes the service answers with (its *wire*).
    generation: Generation
    #: Generation whose data model (fields, rules, errors, paging) the service has.
    model: Generation
    #: ``"rapiq2"`` (``x~`` starts-with) or ``"rapiq0"`` (``~x`` is ``LIKE 'x%'``).
    like_syntax: str
    #: A single-record GET honours ``include``.
    include_on_record: bool

    @property
    def camel_case(self) -> bool:
        """True when keys are camelCase."""
        return self.generation is Generation.CURRENT

    @property
    def renames_keys(self) -> bool:
        """The current model spoken in snake_case with bare records (Hub 0.12.x core)."""
        return self.model is Generation.CURRENT and self.generation is Generation.LEGACY


@dataclass(frozen=True)
class HubProfile:
    """Every per-service wire decision of a local Hub release, from one place.

    Casing and envelopes come from flamehub's own :meth:`flamehub.dialects.Dialect.for_service`
    (auth follows the authup the release ships); the rest from the recordings.

    Example::

        profile = profile_of("0.12.2")
        assert profile.robots and not profile.service("core").include_on_record
    """

    version: tuple[int, int, int]
    authup: str
    services: dict[str, ServiceProfile]
    #: authup serves ``/auth/robots`` (gone with the camelCase authup, beta.54+: recorded
    #: on 0.12.2 with beta.52, absent on 0.12.7 with beta.56).
    robots: bool
    #: The data model of every service (``CURRENT`` from Hub 0.8.22).
    model: Generation
    #: Single records come in ``{data, meta}`` and lists carry ``meta.schema`` (Hub >= 0.13;
    #: 0.12.2 and 0.12.7 answered bare records and no schema on every service).
    envelopes: bool

    def service(self, name: str) -> ServiceProfile:
        """The profile of ``auth``, ``core`` or ``storage``."""
        return self.services[name]

    @property
    def between(self) -> bool:
        """A release between the generations (recorded: 0.12.2, 0.12.7): the current
        model with the answers of Hubs before 0.13 (bare records, no ``meta.schema``)."""
        return self.model is Generation.CURRENT and not self.envelopes

    @property
    def current_bucket_file(self) -> bool:
        """Analysis bucket files have the current model (``bucket_file_id``, ``path``, ``root``)."""
        return self.model is Generation.CURRENT


@lru_cache(maxsize=64)
def profile_of(version: str) -> HubProfile:
    """The :class:`HubProfile` of a Hub release (``"0.12.7"``)."""
    from flamehub.dialects import Dialect, shipped_authup  # the client's facts, one source
    from flamehub.resources.core import INCLUDE_IGNORED_BY_ID

    parsed = parse_version(version)
    model = Generation.CURRENT if parsed >= CURRENT_MODEL_FROM else Generation.LEGACY
    services = {}
    for name in ("auth", "core", "storage"):
        dialect = Dialect.for_service(parsed, name)
        generation = Generation(dialect.generation.value)
        rapiq2 = generation is Generation.CURRENT or parsed >= RAPIQ2_FROM
        services[name] = ServiceProfile(
            generation=generation,
            model=model,
            like_syntax="rapiq2" if rapiq2 else "rapiq0",
            include_on_record=not INCLUDE_IGNORED_BY_ID.contains(parsed),
        )
    return HubProfile(
        version=parsed,
        authup=shipped_authup(parsed),
        services=services,
        robots=services["auth"].generation is Generation.LEGACY,
        model=model,
        envelopes=parsed >= CURRENT_FROM,
    )
