"""A tiny fake Hub endpoint for action tests: records what flamehub sent, answers as told.

The answers follow hub-api.md (§5, §7, §8): flat credentials, ``null`` bodies for
bulk deletes and service commands, record envelopes on current Hubs, bare
records on legacy ones.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import responses

from tests.conftest import HUB_URL


@attrs.define
class Sent:
    """One request flamehub made."""

    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any


@attrs.define
class FakeEndpoint:
    """Answers ``method path`` with ``status`` and ``answer``; keeps every request."""

    method: str
    path: str
    status: int
    answer: Any
    sent: list[Sent] = attrs.field(factory=list)

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        split = urlsplit(request.url)
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.sent.append(
            Sent(
                request.method,
                split.path,
                parse_qsl(split.query, keep_blank_values=True),
                json.loads(raw) if raw else None,
            )
        )
        return self.status, {"Content-Type": "application/json"}, json.dumps(self.answer)

    @property
    def only(self) -> Sent:
        assert len(self.sent) == 1, f"{len(self.sent)} requests to {self.method} {self.path}"
        return self.sent[0]


def endpoint(
    rsps: responses.RequestsMock, method: str, path: str, answer: Any, status: int = 200
) -> FakeEndpoint:
    """Register ``method <HUB_URL><path>`` (query strings allowed) on ``rsps``."""
    fake = FakeEndpoint(method, path, status, answer)
    pattern = re.compile(re.escape(HUB_URL + path) + r"(\?.*)?$")
    rsps.add_callback(method, pattern, callback=fake)
    return fake


def envelope(record: Any, version_is_current: bool) -> Any:
    """A record answer as the Hub generation sends it."""
    return {"data": record, "meta": {}} if version_is_current else record
