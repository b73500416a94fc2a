"""Concurrent page fetching: order, page parameters, windows, early stop, errors, drift."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests.adapters
import responses

from flamehub import QueryError, ServerError
from flamehub.models import Node
from flamehub.query import paging as paging_module
from flamehub.query.queryset import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from tests.conftest import CURRENT_VERSION, make_hub
from tests.unit.test_queryset import NODES


class SlowPagedNodes:
    """Pages like the Hub (cap 50, ``meta.total``), answering after a random short delay.

    The random delays make pages complete out of order, so only the client can keep rows
    in order. ``fail_at`` answers one offset with a 500; ``on_request`` may change the
    rows between requests (drift).
    """

    def __init__(self, count: int, *, seed: int = 7, fail_at: int | None = None) -> None:
        self.rows = [self.row(i) for i in range(count)]
        self.rng = random.Random(seed)
        self.fail_at = fail_at
        self.lock = threading.Lock()
        self.requests: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.on_request: Any = None

    @staticmethod
    def row(i: int) -> dict[str, Any]:
        return {"id": str(uuid.UUID(int=i + 1)), "name": f"node-{i:05d}"}

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = dict(parse_qsl(urlsplit(request.url).query))
        with self.lock:
            self.requests.append(params)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            delay = self.rng.uniform(0, 0.01)
            if self.on_request is not None:
                self.on_request(self, len(self.requests))
        try:
            time.sleep(delay)
            limit = min(int(params.get("page[limit]", 50)), 50)
            offset = int(params.get("page[offset]", 0))
            if offset == self.fail_at:
                return 500, {"Content-Type": "application/json"}, json.dumps({"message": "boom"})
            with self.lock:
                page = self.rows[offset : offset + limit]
                meta = {"total": len(self.rows), "limit": limit, "offset": offset}
            body = json.dumps({"data": page, "meta": meta})
            return 200, {"Content-Type": "application/json"}, body
        finally:
            with self.lock:
                self.in_flight -= 1

    def offsets(self) -> list[int]:
        return [int(r.get("page[offset]", 0)) for r in self.requests]


def serve(rsps: responses.RequestsMock, fake: SlowPagedNodes) -> SlowPagedNodes:
    rsps.add_callback("GET", NODES, callback=fake)
    return fake


def names(rows: Any) -> list[str]:
    return [row.name for row in rows]


def expected(start: int, stop: int) -> list[str]:
    return [f"node-{i:05d}" for i in range(start, stop)]


def test_default_and_bounds_are_named_constants() -> None:
    assert DEFAULT_CONCURRENCY == 4
    # every worker keeps its pooled connection (requests keeps 10 per host by default)
    assert MAX_CONCURRENCY <= requests.adapters.DEFAULT_POOLSIZE


def test_concurrent_pages_keep_row_order_and_page_params(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(1020))
    rows = list(Node.objects.using(make_hub(CURRENT_VERSION)))
    assert names(rows) == expected(0, 1020)
    assert fake.offsets()[0] == 0  # the first page alone tells meta.total
    assert sorted(fake.offsets()) == list(range(0, 1020, 50))
    # page[limit] is always sent (Hub 0.8.13 answers every row without it)
    assert {r.get("page[limit]") for r in fake.requests} == {"50", "20"}
    assert 1 < fake.max_in_flight <= DEFAULT_CONCURRENCY


def test_concurrency_one_is_strictly_sequential(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(230))
    qs = Node.objects.using(make_hub(CURRENT_VERSION)).concurrency(1)
    assert names(qs.iterator()) == expected(0, 230)
    assert fake.offsets() == [0, 50, 100, 150, 200]
    assert fake.max_in_flight == 1


def test_iterator_argument_overrides_the_queryset_option(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(230))
    qs = Node.objects.using(make_hub(CURRENT_VERSION)).concurrency(8)
    assert names(qs.iterator(concurrency=1)) == expected(0, 230)
    assert fake.offsets() == [0, 50, 100, 150, 200]
    fake.requests.clear()
    assert names(qs.iterator(concurrency=3)) == expected(0, 230)
    assert sorted(fake.offsets()) == [0, 50, 100, 150, 200]
    assert fake.max_in_flight <= 3


def test_concurrency_option_is_chainable_and_kept_by_clones(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(120))
    qs = Node.objects.using(make_hub(CURRENT_VERSION)).concurrency(1).filter(name__startswith="n")
    assert names(qs.order_by("name")) == expected(0, 120)
    assert fake.offsets() == [0, 50, 100]


def test_slices_and_limits_are_respected(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(1000))
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    assert names(qs[30:260]) == expected(30, 260)
    pages = sorted((int(r["page[offset]"]), r.get("page[limit]")) for r in fake.requests)
    assert pages == [(30, "50"), (80, "50"), (130, "50"), (180, "50"), (230, "30")]
    fake.requests.clear()
    assert names(qs.page_size(20)[5:95]) == expected(5, 95)
    pages = sorted((int(r["page[offset]"]), r.get("page[limit]")) for r in fake.requests)
    assert pages == [(5, "20"), (25, "20"), (45, "20"), (65, "20"), (85, "10")]


def test_early_stop_requests_only_a_bounded_window(rsps) -> None:
    rsps.assert_all_requests_are_fired = False
    fake = serve(rsps, SlowPagedNodes(5000))
    iterator = Node.objects.using(make_hub(CURRENT_VERSION)).iterator(concurrency=2)
    taken = [next(iterator) for _ in range(60)]
    assert names(taken) == expected(0, 60)
    iterator.close()
    time.sleep(0.05)  # let a request that was already running finish
    # the first page, two pages in flight, and the one submitted when page 2 was taken
    assert len(fake.requests) <= 4
    assert max(fake.offsets()) <= 150


def test_breaking_out_of_a_loop_stops_fetching(rsps) -> None:
    rsps.assert_all_requests_are_fired = False
    fake = serve(rsps, SlowPagedNodes(5000))
    for count, _node in enumerate(Node.objects.using(make_hub(CURRENT_VERSION)).iterator()):
        if count == 120:
            break
    time.sleep(0.05)
    assert len(fake.requests) <= 3 + DEFAULT_CONCURRENCY  # not the 100 pages there are


def test_errors_of_a_page_propagate_after_the_rows_before_it(rsps) -> None:
    fake = serve(rsps, SlowPagedNodes(600, fail_at=250))
    seen: list[str] = []
    with pytest.raises(ServerError):
        for node in Node.objects.using(make_hub(CURRENT_VERSION)).iterator():
            seen.append(node.name)
    assert seen == expected(0, 250)
    assert 250 in fake.offsets()


def test_evaluation_error_leaves_no_partial_cache(rsps) -> None:
    serve(rsps, SlowPagedNodes(300, fail_at=100))
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    with pytest.raises(ServerError):
        list(qs)
    assert qs._result_cache is None


def test_rows_inserted_during_iteration_are_not_yielded_twice(rsps) -> None:
    """Rows added at the front shift the others to later offsets: no row comes twice."""
    fake = SlowPagedNodes(300)

    def insert_front(hub: SlowPagedNodes, request_number: int) -> None:
        if request_number in (2, 4):  # while the concurrent pages are being read
            new = [SlowPagedNodes.row(10_000 + request_number * 10 + i) for i in range(7)]
            hub.rows[0:0] = new

    fake.on_request = insert_front
    serve(rsps, fake)
    rows = list(Node.objects.using(make_hub(CURRENT_VERSION)).iterator(concurrency=3))
    ids = [row.id for row in rows]
    assert len(ids) == len(set(ids))
    original = [name for name in names(rows) if int(name[5:]) < 10_000]
    assert original == sorted(original)  # still in order
    assert set(original) == set(expected(0, 300))  # shifted rows are all still read


def test_rows_deleted_during_iteration_end_it_without_error(rsps) -> None:
    fake = SlowPagedNodes(400)

    def delete_front(hub: SlowPagedNodes, request_number: int) -> None:
        if request_number == 2:
            del hub.rows[0:180]

    fake.on_request = delete_front
    serve(rsps, fake)
    rows = list(Node.objects.using(make_hub(CURRENT_VERSION)).iterator(concurrency=4))
    ids = [row.id for row in rows]
    assert len(ids) == len(set(ids))
    assert names(rows[:50]) == expected(0, 50)
    assert names(rows) == sorted(names(rows))


def test_total_growing_during_iteration_is_followed(rsps) -> None:
    fake = SlowPagedNodes(120)

    def append(hub: SlowPagedNodes, request_number: int) -> None:
        if request_number == 2:
            hub.rows.extend(SlowPagedNodes.row(i) for i in range(120, 260))

    fake.on_request = append
    serve(rsps, fake)
    rows = list(Node.objects.using(make_hub(CURRENT_VERSION)).iterator(concurrency=2))
    assert names(rows) == expected(0, 260)


def test_single_page_results_use_no_pool(rsps, monkeypatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no thread pool for one page")

    monkeypatch.setattr(paging_module, "ThreadPoolExecutor", refuse)
    serve(rsps, SlowPagedNodes(40))
    qs = Node.objects.using(make_hub(CURRENT_VERSION))
    assert names(qs) == expected(0, 40)
    assert names(qs[:10]) == expected(0, 10)
    assert qs.count() == 40


@pytest.mark.parametrize("bad", [0, -1, MAX_CONCURRENCY + 1])
def test_concurrency_out_of_range_is_a_query_error(bad: int) -> None:
    with pytest.raises(QueryError):
        Node.objects.concurrency(bad)
    with pytest.raises(QueryError):
        next(Node.objects.using(make_hub(CURRENT_VERSION)).iterator(concurrency=bad))


@pytest.mark.parametrize("bad", [True, 2.0, "4", None])
def test_concurrency_must_be_an_int(bad: Any) -> None:
    with pytest.raises(TypeError):
        Node.objects.concurrency(bad)
