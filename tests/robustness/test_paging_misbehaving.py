"""Servers that page wrongly, over a real loopback socket: never a loop, a repeat or too much.

No recorded Hub misbehaves like this (the recorded Hubs page correctly once
``page[limit]`` is sent); these servers are assumptions about broken proxies and
Hubs, which is why every test name here says what the server does wrong. Each ends
in :class:`~flamehub.InvalidResponse` naming the request's URL, or yields exactly the
window asked for, within a bounded number of requests.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import flamehub
from flamehub import Hub, InvalidResponse, TokenAuth
from flamehub.models import Node

#: ``(offset, limit, rows) -> (answered rows, meta)`` of one list request.
Pager = Callable[[int, int, list[dict[str, Any]]], tuple[list[dict[str, Any]], Any]]


class MisbehavingHub:
    """A loopback ``/core/nodes`` whose paging is decided by ``pager``."""

    def __init__(self, count: int, pager: Pager) -> None:
        self.rows = [
            {"id": str(uuid.UUID(int=i + 1)), "name": f"node-{i:04d}"} for i in range(count)
        ]
        self.pager = pager
        self.lists: list[dict[str, str]] = []
        self.deleted: list[str] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                params = dict(parse_qsl(split.query))
                with owner.lock:
                    owner.lists.append(params)
                    offset = int(params.get("page[offset]", "0"))
                    limit = int(params.get("page[limit]", "50"))
                    rows, meta = owner.pager(offset, limit, owner.rows)
                # json writes inf as Infinity and nan as NaN, which Python's json reads back
                self._answer(200, json.dumps({"data": rows, "meta": meta}).encode())

            def do_DELETE(self) -> None:
                with owner.lock:
                    owner.deleted.append(self.path.rsplit("/", 1)[1])
                self._answer(202, b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> MisbehavingHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[int, Pager], tuple[MisbehavingHub, Hub]]]:
    started: list[tuple[MisbehavingHub, Hub]] = []

    def start(count: int, pager: Pager) -> tuple[MisbehavingHub, Hub]:
        server = MisbehavingHub(count, pager).__enter__()
        hub = Hub(
            server.url,
            hub_version="0.14.0",
            auth=TokenAuth("loopback-token"),
            retry=flamehub.RetryPolicy(total=0),
        )
        started.append((server, hub))
        return server, hub

    yield start
    for server, hub in started:
        hub.close()
        server.__exit__()


def ignores_offset(offset: int, limit: int, rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    return rows[:limit], {"total": len(rows), "limit": limit}


def ignores_offset_but_echoes_it(offset: int, limit: int, rows: list[Any]) -> tuple[Any, Any]:
    return rows[:limit], {"total": len(rows), "limit": limit, "offset": offset}


def ignores_limit(offset: int, limit: int, rows: list[Any]) -> tuple[Any, Any]:
    return rows[offset:], {"total": len(rows)}


def announces(total: Any, limit_cap: int = 50) -> Pager:
    def pager(offset: int, limit: int, rows: list[Any]) -> tuple[Any, Any]:
        size = min(limit, limit_cap)
        return rows[offset : offset + size], {"total": total, "limit": size, "offset": offset}

    return pager


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("pager", [ignores_offset, ignores_offset_but_echoes_it])
def test_a_server_ignoring_page_offset_ends_in_invalid_response(
    serve: Any, pager: Pager, concurrency: int
) -> None:
    server, hub = serve(400, pager)
    yielded: list[str] = []
    with pytest.raises(InvalidResponse) as caught:
        for node in Node.objects.using(hub).iterator(concurrency=concurrency):
            yielded.append(node.name)
    assert caught.value.method == "GET"
    assert caught.value.url.startswith(server.url + "/core/nodes?")
    assert server.url + "/core/nodes" in str(caught.value)
    assert yielded == [f"node-{i:04d}" for i in range(50)]  # no row twice
    assert len(server.lists) <= 2 + concurrency


def test_a_server_ignoring_page_limit_never_gives_more_than_the_slice(serve: Any) -> None:
    server, hub = serve(5, ignores_limit)
    for node in Node.objects.using(hub)[:2]:
        node.delete()
    assert server.deleted == [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]
    assert [n.name for n in Node.objects.using(hub)[1:3]] == ["node-0001", "node-0002"]
    assert Node.objects.using(hub)[3].name == "node-0003"
    assert server.lists[0]["page[limit]"] == "2"


def test_a_server_ignoring_page_limit_pages_exactly_the_window(serve: Any) -> None:
    server, hub = serve(130, ignores_limit)
    rows = list(Node.objects.using(hub).page_size(20).iterator(concurrency=1))
    assert [row.name for row in rows] == [f"node-{i:04d}" for i in range(130)]
    assert [int(r.get("page[offset]", "0")) for r in server.lists] == list(range(0, 130, 20))


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_total_that_is_never_delivered_ends_in_invalid_response(
    serve: Any, concurrency: int
) -> None:
    server, hub = serve(120, announces(500))
    yielded: list[str] = []
    with pytest.raises(InvalidResponse, match="announces 500 rows") as caught:
        for node in Node.objects.using(hub).iterator(concurrency=concurrency):
            yielded.append(node.name)
    assert caught.value.url.startswith(server.url + "/core/nodes?")
    assert yielded == [f"node-{i:04d}" for i in range(120)]
    # the pages meta.total allows, and the empty one that shows the lie (plus those in flight)
    assert len(server.lists) <= 500 // 50 + 1


@pytest.mark.parametrize(
    "total", [float("inf"), float("-inf"), float("nan"), -1, 1.5, "55", True, [55]]
)
def test_a_total_that_is_not_a_row_count_is_an_invalid_response(serve: Any, total: Any) -> None:
    server, hub = serve(10, announces(total))
    for evaluate in (
        lambda: list(Node.objects.using(hub)),
        lambda: Node.objects.using(hub).count(),
    ):
        with pytest.raises(InvalidResponse, match="meta.total") as caught:
            evaluate()
        assert caught.value.method == "GET"
        assert caught.value.url.startswith(server.url + "/core/nodes?")


def test_a_whole_number_total_sent_as_a_float_is_accepted(serve: Any) -> None:
    """JavaScript has one number type: ``55.0`` is the row count 55."""
    _server, hub = serve(55, announces(55.0))
    assert Node.objects.using(hub).count() == 55
    assert len(list(Node.objects.using(hub))) == 55


def test_a_server_capping_pages_below_the_request_is_followed(serve: Any) -> None:
    server, hub = serve(45, announces(45, limit_cap=20))
    assert [n.name for n in Node.objects.using(hub)] == [f"node-{i:04d}" for i in range(45)]
    assert sorted(int(r.get("page[offset]", "0")) for r in server.lists) == [0, 20, 40]


def test_rows_without_ids_repeated_by_a_server_ignoring_offset_end_the_loop(serve: Any) -> None:
    """No id to recognise a row by and no ``meta.total`` to stop at: the repeated page
    itself ends the loop (the server answers 500 after ten pages, which would show a loop)."""
    server, hub = serve(80, lambda offset, limit, rows: ([], {}))

    def pager(offset: int, limit: int, rows: list[Any]) -> tuple[Any, Any]:
        if len(server.lists) > 10:
            raise RuntimeError("the client loops")
        return [{"name": row["name"]} for row in rows[:limit]], {}

    server.pager = pager
    with pytest.raises(InvalidResponse, match="repeats rows already read"):
        list(Node.objects.using(hub).iterator(concurrency=1))
    assert len(server.lists) == 2
