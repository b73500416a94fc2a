"""Fault injection for the local Hub: slow answers, error statuses, broken connections.

A :class:`Fault` matches requests by route (a regular expression searched in the path,
including the service prefix, e.g. ``r"^/core/nodes"``) and method; it fires with
probability ``rate`` (drawn from the hub's seeded :class:`random.Random`) and at most
``times`` times.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FAULT_KINDS", "Fault", "FaultInjector", "FaultKind"]

FaultKind = Literal["latency", "status", "reset", "truncate"]
FAULT_KINDS: tuple[str, ...] = ("latency", "status", "reset", "truncate")
#: Status of a ``"status"`` fault unless another one is given.
DEFAULT_FAULT_STATUS = 503


@dataclass
class Fault:
    """A rule that disturbs matching requests.

    Kinds:

    - ``"latency"``: sleep ``delay`` seconds, then answer normally;
    - ``"status"``: answer ``status`` with a JSON error body of the service, plus
      ``headers`` (e.g. ``{"Retry-After": "1"}`` on a 429);
    - ``"reset"``: drop the connection without any HTTP response;
    - ``"truncate"``: send headers whose ``Content-Length`` exceeds the body, then close.

    Example::

        hub.inject(Fault("status", route=r"^/core/nodes", method="GET", status=502, times=2))
        hub.inject(Fault("latency", delay=0.2, rate=0.5))
        hub.inject(Fault("status", status=429, headers={"Retry-After": "0.1"}, times=3))

    ``fired`` counts how often the fault has fired so far.
    """

    kind: FaultKind
    route: str | None = None
    method: str | None = None
    rate: float = 1.0
    times: int | None = None
    status: int = DEFAULT_FAULT_STATUS
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    fired: int = field(default=0, init=False, compare=False)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.times is not None and self.times < 0:
            raise ValueError("times must be >= 0 or None")
        if self.delay < 0:
            raise ValueError("delay must be >= 0")
        if not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        self._pattern = re.compile(self.route) if self.route is not None else None

    @property
    def exhausted(self) -> bool:
        """True once the fault fired ``times`` times."""
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        """Whether the fault applies to a request (before the rate is drawn)."""
        if self.exhausted:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._pattern is None or self._pattern.search(path) is not None


class FaultInjector:
    """The active faults of one hub; thread-safe and reproducible with a seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault``."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Deactivate every fault."""
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def draw(self, method: str, path: str) -> tuple[list[Fault], Fault | None]:
        """The latency faults and the (first) terminal fault that fire for a request."""
        delays: list[Fault] = []
        terminal: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if terminal is not None and fault.kind != "latency":
                    continue
                if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                    continue
                fault.fired += 1
                if fault.kind == "latency":
                    delays.append(fault)
                else:
                    terminal = fault
            self._faults = [fault for fault in self._faults if not fault.exhausted]
        return delays, terminal
