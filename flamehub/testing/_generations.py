"""The two API generations of the FLAME Hub and the facts that tell them apart.

*Legacy* is Hub < 0.13 (recorded: 0.8.13 with authup 1.0.0-beta.26): snake_case JSON,
bare records, rapiq 0.x filters, robots. *Current* is Hub >= 0.13 (recorded: 0.14.0 with
authup 1.0.0-beta.62): camelCase, ``{data, meta}`` envelopes, rapiq 2 filters, clients only.
"""

from __future__ import annotations

import enum
import re

__all__ = [
    "AUTHUP_VERSIONS",
    "CURRENT_FROM",
    "DEFAULT_ACCESS_TOKEN_LIFETIME",
    "DEFAULT_REFRESH_TOKEN_LIFETIME",
    "Generation",
    "camel_to_snake",
    "generation_of",
    "parse_version",
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


#: The authup version that ships with each generation (as the recorded servers answered).
AUTHUP_VERSIONS: dict[Generation, str] = {
    Generation.LEGACY: "1.0.0-beta.26",
    Generation.CURRENT: "1.0.0-beta.62",
}


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
