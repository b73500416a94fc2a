"""Shared state of one local Hub and the per-request context handlers work with."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request

from ._auth import Identity, TokenService, permissions_of
from ._errors import HubError, bad_request, forbidden_authup, forbidden_hub
from ._faults import FaultInjector
from ._generations import Generation, HubProfile, profile_of
from ._schema import PermRule
from ._store import Store

__all__ = [
    "HubConfig",
    "HubState",
    "HubStats",
    "RequestContext",
    "RequestLog",
    "RequestRecord",
]


@dataclass(frozen=True)
class HubConfig:
    """Settings of one local Hub."""

    version: str
    generation: Generation
    access_token_lifetime: float
    refresh_token_lifetime: float
    skip_approval: bool
    data_dir: Path

    @property
    def profile(self) -> HubProfile:
        """The per-service wire facts of :attr:`version`."""
        return profile_of(self.version)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the hub saw it (never with headers or bodies: no secrets).

    Example::

        record = hub.requests[-1]
        assert (record.method, record.path) == ("GET", "/core/nodes")
        assert record.params["page[limit]"] == ["50"]
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def params(self) -> dict[str, list[str]]:
        """The query as ``{key: [values]}``."""
        result: dict[str, list[str]] = {}
        for key, value in self.query:
            result.setdefault(key, []).append(value)
        return result


class RequestLog:
    """Thread-safe, clearable list of :class:`RequestRecord` (``hub.requests``).

    Example::

        hub.requests.clear()
        client.nodes.list()
        assert len(hub.requests.filter(method="GET", path="/core/nodes")) == 1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        """Record a request."""
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._records.clear()

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records."""
        with self._lock:
            return list(self._records)

    def filter(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Records with that method and/or exact path."""
        return [
            record
            for record in self.snapshot()
            if (method is None or record.method == method.upper())
            and (path is None or record.path == path)
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]


@dataclass
class HubStats:
    """Counters a test can assert on (``hub.stats``).

    Example::

        assert hub.stats.token_requests["password"] == 1  # one login, then refreshes
        assert hub.stats.tokens_issued["refresh_token"] >= 1
        hub.stats.reset()
    """

    #: token endpoint calls by requested grant type (``"unknown"`` if none could be told)
    token_requests: Counter[str] = field(default_factory=Counter)
    #: successful token grants by grant type
    tokens_issued: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, counter: Counter[str], key: str) -> None:
        """Increment ``counter[key]`` thread-safely."""
        with self._lock:
            counter[key] += 1

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.token_requests.clear()
            self.tokens_issued.clear()


class HubState:
    """Everything one hub keeps: config, tables, tokens, faults, logs."""

    def __init__(self, config: HubConfig, *, seed: int | None) -> None:
        self.config = config
        self.store = Store()
        self.tokens = TokenService(
            self.store,
            config.generation,
            config.access_token_lifetime,
            config.refresh_token_lifetime,
        )
        self.rng = random.Random(seed)
        self.faults = FaultInjector(self.rng)
        self.requests = RequestLog()
        self.stats = HubStats()
        #: virtual paths (``group/name``) the ``sync`` master-image command creates
        self.master_images: tuple[str, ...] = ()

    @property
    def generation(self) -> Generation:
        """Wire generation of this hub."""
        return self.config.generation


@dataclass
class RequestContext:
    """What a handler needs about the request it answers."""

    state: HubState
    request: Request
    service: str
    identity: Identity | None = None
    _permissions: frozenset[str] | None = None
    _body: Any = None
    _body_read: bool = False

    @property
    def generation(self) -> Generation:
        """Wire generation of the hub."""
        return self.state.config.generation

    @property
    def profile(self) -> HubProfile:
        """The per-service wire facts of the hub's release."""
        return self.state.config.profile

    @property
    def legacy(self) -> bool:
        """True on Hub < 0.13."""
        return self.state.config.generation is Generation.LEGACY

    @property
    def store(self) -> Store:
        """The hub's tables."""
        return self.state.store

    @property
    def args(self) -> list[tuple[str, str]]:
        """The query string as ordered pairs."""
        return list(self.request.args.items(multi=True))

    def body(self) -> dict[str, Any]:
        """The JSON object body (``{}`` when absent); 400 when it is not JSON."""
        if not self._body_read:
            self._body_read = True
            raw = self.request.get_data(cache=True)
            if not raw.strip():
                self._body = {}
            else:
                try:
                    self._body = json.loads(raw)
                except ValueError:
                    raise bad_request("The request body is not valid JSON.") from None
        return self._body if isinstance(self._body, dict) else {}

    def form_or_json(self) -> dict[str, Any]:
        """Body parameters of the token endpoints (JSON or form encoded)."""
        if self.request.mimetype == "application/x-www-form-urlencoded":
            return dict(self.request.form.items())
        return self.body()

    def permissions(self) -> frozenset[str]:
        """Permission names of the identity (cached per request)."""
        if self.identity is None:
            return frozenset()
        if self._permissions is None:
            self._permissions = permissions_of(self.store, self.identity, self.generation)
        return self._permissions

    def allowed(self, rule: PermRule) -> bool:
        """Whether the identity satisfies ``rule`` (any-of groups of all-of names)."""
        if not rule:
            return True
        held = self.permissions()
        return any(all(name in held for name in group) for group in rule)

    def require(self, rule: PermRule) -> None:
        """Raise the service's permission error unless :meth:`allowed`."""
        if self.allowed(rule):
            return
        held = self.permissions()
        names = list(dict.fromkeys(name for group in rule for name in group))
        missing = [name for name in names if name not in held] or names
        if self.service == "auth":
            raise forbidden_authup(missing)
        raise forbidden_hub(missing)

    def require_user(self, message: str) -> None:
        """403 unless the identity is a user."""
        if self.identity is None or self.identity.kind != "user":
            raise HubError(403, "permission_denied", message)

    def wire_params(self) -> Mapping[str, Any]:
        """Query parameters as a plain mapping (last value wins)."""
        return dict(self.request.args.items())
