"""Concurrent page fetching over real sockets, against a local Hub with latency faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from flamehub import BadRequest, Hub, PasswordAuth
from flamehub.models import Realm
from flamehub.testing import Fault, LocalHub

from .conftest import CURRENT, LEGACY

#: Realms created besides ``master``.
CREATED = 260
ROUTE = r"^/auth/realms$"


@pytest.fixture(scope="module", params=[LEGACY, CURRENT], ids=["legacy", "current"])
def paged(request: pytest.FixtureRequest) -> Iterator[tuple[LocalHub, Hub, list[str]]]:
    with LocalHub(version=request.param) as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        realms = Realm.objects.using(hub)
        for i in range(CREATED):
            realms.create(name=f"realm-{i:04d}")
        order = [realm.name for realm in realms.iterator(concurrency=1)]
        assert len(order) == CREATED + 1
        yield local, hub, order
        hub.close()


@pytest.fixture
def hub(paged: tuple[LocalHub, Hub, list[str]]) -> Iterator[Hub]:
    local, hub, _order = paged
    local.clear_faults()
    local.requests.clear()
    yield hub
    local.clear_faults()


def list_requests(local: LocalHub) -> list[int]:
    return [
        int(record.params.get("page[offset]", ["0"])[0])
        for record in local.requests.filter(method="GET", path="/auth/realms")
    ]


def test_rows_come_in_order_exactly_once_under_jittered_latency(paged, hub) -> None:
    local, _hub, order = paged
    # every other request is slow: pages complete out of order
    local.inject(Fault("latency", route=ROUTE, delay=0.05, rate=0.5))
    rows = list(Realm.objects.using(hub).iterator(concurrency=4))
    assert [realm.name for realm in rows] == order
    assert len({realm.id for realm in rows}) == len(order)
    assert sorted(list_requests(local)) == list(range(0, len(order), 50))


def test_early_stop_does_not_fetch_everything(paged, hub) -> None:
    local, _hub, order = paged
    local.inject(Fault("latency", route=ROUTE, delay=0.05))
    iterator = Realm.objects.using(hub).page_size(10).iterator(concurrency=2)
    taken = [next(iterator).name for _ in range(15)]
    iterator.close()
    assert taken == order[:15]
    time.sleep(0.2)  # requests already on the wire finish
    assert len(list_requests(local)) <= 4  # of 27 pages


def test_a_failing_page_raises_after_the_rows_before_it(paged, hub) -> None:
    local, _hub, order = paged
    seen: list[str] = []
    with pytest.raises(BadRequest):
        for realm in Realm.objects.using(hub).iterator(concurrency=3):
            if not seen:  # the first page is in; fail the next list request
                local.inject(Fault("status", route=ROUTE, status=400, times=1))
            seen.append(realm.name)
    assert seen == order[: len(seen)]
    assert 50 <= len(seen) < len(order)
