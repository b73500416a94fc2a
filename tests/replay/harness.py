"""Serve exchanges recorded from real Hubs to flamehub, and check what flamehub sends.

A test names the exchange it expects flamehub to make, runs the flamehub call,
and the harness (a ``responses`` callback)

1. checks that the request matches the recorded one: method, path, query
   parameters, JSON body keys (values too, unless redacted);
2. answers with the recorded status and body, so the test can check that
   flamehub parsed it into the right model or exception.

Tolerated differences, each one a documented flamehub choice:

- ``sort``: flamehub sends the resource's stable default ordering where the
  recording sent none (``expect(..., default_sort="createdAt,name")`` says which);
- ``codec=url-expression``: flamehub always names the expression codec;
- ``page[limit]``: flamehub always sends it and never asks for more than the Hub's
  cap of 50, so ``page[limit]=50`` matches a recorded limit of 50 or more, and a
  recorded request without one whose answer held at most 50 rows (Hub 0.8.13
  answers every row of some collections without ``page[limit]``, see
  ``tests/recordings/README.md``); ``page[offset]=0`` is left out.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import responses

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
REDACTED = "<redacted>"
#: The base URL the recorded requests went to (the recording proxy).
RECORDED_BASES = ("http://127.0.0.1:3000", "http://127.0.0.1:3100")


@attrs.define
class Exchange:
    index: int
    note: str
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any
    status: int
    response_headers: dict[str, str]
    response_body: Any

    @property
    def rows(self) -> list[dict[str, Any]]:
        body = self.response_body
        return body["data"] if isinstance(body, dict) and isinstance(body.get("data"), list) else []

    @property
    def record(self) -> dict[str, Any]:
        body = self.response_body
        if isinstance(body, dict) and "data" in body and set(body) <= {"data", "meta"}:
            return body["data"]
        return body

    def content(self) -> bytes:
        body = self.response_body
        if isinstance(body, dict) and "base64" in body:
            return base64.b64decode(body["base64"])
        if isinstance(body, str) and not self.response_headers.get("content-type", "").startswith(
            "application/json"
        ):
            return body.encode()
        return json.dumps(body).encode()


class Recording:
    """One scenario file of one Hub generation."""

    def __init__(self, version: str, scenario: str) -> None:
        path = RECORDINGS / f"hub-{version}" / f"{scenario}.json"
        data = json.loads(path.read_text())
        self.version = version
        self.scenario = scenario
        self.exchanges = [_exchange(index, raw) for index, raw in enumerate(data["exchanges"])]

    def __getitem__(self, index: int) -> Exchange:
        return self.exchanges[index]

    def find(self, note: str) -> Exchange:
        """The exchange whose note is ``note`` (or, failing that, contains it)."""
        matches = [e for e in self.exchanges if e.note == note] or [
            e for e in self.exchanges if note in (e.note or "")
        ]
        assert len(matches) == 1, f"{len(matches)} exchanges match note {note!r}"
        return matches[0]


def _exchange(index: int, raw: dict[str, Any]) -> Exchange:
    request, response = raw["request"], raw["response"]
    split = urlsplit(request["url"])
    return Exchange(
        index=index,
        note=raw.get("note") or "",
        method=request["method"],
        path=split.path,
        query=[tuple(pair) for pair in (request.get("query") or [])],  # type: ignore[misc]
        body=request.get("body"),
        status=response["status"],
        response_headers={k.lower(): v for k, v in (response.get("headers") or {}).items()},
        response_body=response.get("body"),
    )


class Replayer:
    """Registers recorded exchanges on a ``responses`` mock, checking each request."""

    def __init__(self, rsps: responses.RequestsMock, base_url: str) -> None:
        self.rsps = rsps
        self.base_url = base_url.rstrip("/")
        self.served: list[Exchange] = []

    def expect(
        self,
        exchange: Exchange,
        *,
        default_sort: str | None = None,
        query: list[tuple[str, str]] | None = None,
        check_body_values: bool = True,
    ) -> Exchange:
        """Serve ``exchange`` once; the request must match it (see the module docstring).

        ``query`` replaces the recorded query when a test deliberately sends the
        equivalent form (the reason belongs in the test).
        """
        expected_query = list(query if query is not None else exchange.query)
        url_pattern = re.compile(re.escape(self.base_url + exchange.path) + r"(\?.*)?$")

        def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
            sent = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
            _assert_query(sent, expected_query, default_sort, exchange)
            _assert_body(request.body, exchange.body, exchange, check_body_values)
            self.served.append(exchange)
            headers = {
                "Content-Type": exchange.response_headers.get("content-type", "application/json")
            }
            return exchange.status, headers, exchange.content()

        self.rsps.add_callback(exchange.method, url_pattern, callback=callback)
        return exchange


def _assert_query(
    sent: list[tuple[str, str]],
    recorded: list[tuple[str, str]],
    default_sort: str | None,
    exchange: Exchange,
) -> None:
    sent_map = dict(sent)
    recorded_map = dict(recorded)
    where = f"exchange {exchange.index} ({exchange.note or exchange.path})"
    assert len(sent_map) == len(sent), f"{where}: a parameter was sent twice: {sent}"
    if "sort" not in recorded_map and "sort" in sent_map:
        assert default_sort is not None, f"{where}: unexpected sort={sent_map['sort']}"
        assert sent_map.pop("sort") == default_sort, f"{where}: default sort differs"
    if "codec" in sent_map and "codec" not in recorded_map:
        assert sent_map.pop("codec") == "url-expression"
    if recorded_map.get("page[offset]") == "0" and "page[offset]" not in sent_map:
        recorded_map.pop("page[offset]")
    recorded_limit = recorded_map.get("page[limit]")
    if sent_map.get("page[limit]") == "50" and (
        # the Hub caps pages at 50, so asking for more is asking for 50
        (recorded_limit is not None and int(recorded_limit) >= 50)
        # without page[limit] the recorded answer held every row, here at most 50
        or (recorded_limit is None and len(exchange.rows) <= 50)
    ):
        sent_map.pop("page[limit]")
        recorded_map.pop("page[limit]", None)
    assert sent_map == recorded_map, f"{where}: sent {sent_map}, recorded {recorded_map}"


def _assert_body(sent_raw: Any, recorded: Any, exchange: Exchange, check_values: bool) -> None:
    where = f"exchange {exchange.index} ({exchange.note or exchange.path})"
    if recorded is None or (isinstance(recorded, dict) and recorded.get("multipart")):
        return
    if isinstance(sent_raw, bytes):
        sent_raw = sent_raw.decode()
    sent = json.loads(sent_raw) if sent_raw else None
    if isinstance(recorded, str):
        recorded = dict(parse_qsl(recorded))
    assert isinstance(sent, dict), f"{where}: expected a JSON object body, sent {sent_raw!r}"
    assert set(sent) == set(recorded), f"{where}: body keys {sorted(sent)} != {sorted(recorded)}"
    if check_values:
        for key, value in recorded.items():
            if value != REDACTED:
                assert sent[key] == value, f"{where}: body[{key!r}] = {sent[key]!r} != {value!r}"


def default_sort(model: type, version: str) -> str | None:
    """The ``sort`` flamehub sends for ``model`` when the user gives no ordering."""
    from flamehub import Hub
    from flamehub.resources.base import meta_of

    hub = Hub("http://unused.test", hub_version=version)
    caps = meta_of(model).capabilities(hub.dialect.generation)
    params = dict(model.objects.using(hub)._sort_params(caps, hub.dialect))
    return params.get("sort")


def recorded_names(exchange: Exchange, key: str = "name") -> list[Any]:
    return [row.get(key) for row in exchange.rows]


ReplayFactory = Callable[[str], Recording]
