"""The Hub's rate limits: reading ``ratelimit-*`` headers and remembering them per service.

Every service of real Hubs announces its limit on each answer (recorded on 0.8.13 and
0.14.0, e.g. ``tests/recordings/hub-0.14.0/auth-10-realms.json``)::

    ratelimit-limit: 1200
    ratelimit-remaining: 1164
    ratelimit-reset: 47          # seconds until the window starts again

The transport records the latest announcement of each service in a :class:`RateLimits`
book, and resends a ``429`` answer (the Hub did not act) after :func:`wait_after_429`.
Bulk loops (:mod:`flamehub.query.bulk`) ask :meth:`RateLimits.pause` before each request
and wait while a service's window is used up, instead of letting rows fail.

Example::

    limit = parse_rate_limit({"ratelimit-remaining": "0", "ratelimit-reset": "12"}, now=100.0)
    limit.remaining, limit.reset_at        # (0, 112.0)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping

import attrs

__all__ = [
    "EPOCH_THRESHOLD",
    "RateLimit",
    "RateLimits",
    "parse_rate_limit",
    "wait_after_429",
]

#: A ``ratelimit-reset`` above this is a Unix time, not a number of seconds (some
#: servers send the epoch; the Hub's recorded values are seconds, 0 to 60).
EPOCH_THRESHOLD = 1_000_000_000
#: Header prefixes read (the Hub's; ``x-ratelimit-*`` is the older spelling of others).
_PREFIXES = ("ratelimit-", "x-ratelimit-")


@attrs.frozen
class RateLimit:
    """One service's limit as its last answer announced it.

    ``reset_at`` is a :func:`time.monotonic` time (``None`` when unannounced).
    """

    limit: int | None
    remaining: int | None
    reset_at: float | None

    def pause(self, now: float) -> float:
        """Seconds to wait before the next request: until the reset while nothing remains."""
        if self.remaining is None or self.remaining > 0 or self.reset_at is None:
            return 0.0
        return max(0.0, self.reset_at - now)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for prefix in _PREFIXES:
        value = headers.get(prefix + name)
        if value is not None:
            return value
    return None


def _count(text: str | None) -> int | None:
    """A non-negative integer header value, or ``None`` (absent or not a count)."""
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def _reset_seconds(text: str | None, wall_now: float) -> float | None:
    """Seconds until the window resets: delta seconds, or a Unix time turned into one."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    if value > EPOCH_THRESHOLD:
        return max(0.0, value - wall_now)
    return value


def parse_rate_limit(
    headers: Mapping[str, str], *, now: float | None = None, wall_now: float | None = None
) -> RateLimit | None:
    """The limit an answer's headers announce, or ``None`` when they announce none.

    ``headers`` must look names up case-insensitively (``requests``' headers do).
    Unparsable values count as absent: a server's headers are untrusted.
    """
    limit = _count(_header(headers, "limit"))
    remaining = _count(_header(headers, "remaining"))
    reset = _reset_seconds(_header(headers, "reset"), time.time() if wall_now is None else wall_now)
    if limit is None and remaining is None and reset is None:
        return None
    moment = time.monotonic() if now is None else now
    return RateLimit(limit, remaining, None if reset is None else moment + reset)


def wait_after_429(headers: Mapping[str, str], retry_after: float | None) -> float | None:
    """Seconds a 429 answer asks to wait: ``Retry-After`` (already parsed), else
    ``ratelimit-reset``; ``None`` when it names no wait (then the backoff applies)."""
    if retry_after is not None:
        return retry_after
    return _reset_seconds(_header(headers, "reset"), time.time())


class RateLimits:
    """The latest :class:`RateLimit` of each service (or origin); thread-safe.

    Example::

        book = RateLimits()
        book.observe("core", response.headers)
        time.sleep(book.pause("core"))
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits: dict[str, RateLimit] = {}

    def observe(self, key: str, headers: Mapping[str, str], *, now: float | None = None) -> None:
        """Remember what an answer from ``key`` announced (nothing if it announced nothing)."""
        found = parse_rate_limit(headers, now=now)
        if found is None:
            return
        with self._lock:
            self._limits[key] = found

    def get(self, key: str) -> RateLimit | None:
        """The last announcement of ``key``, or ``None``."""
        with self._lock:
            return self._limits.get(key)

    def pause(self, key: str, *, now: float | None = None) -> float:
        """Seconds to wait before sending to ``key`` (0 unless its window is used up)."""
        found = self.get(key)
        if found is None:
            return 0.0
        return found.pause(time.monotonic() if now is None else now)

    def clear(self) -> None:
        """Forget every announcement."""
        with self._lock:
            self._limits.clear()
