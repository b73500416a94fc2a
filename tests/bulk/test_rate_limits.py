"""Bulk loops under the Hub's rate limit, on a LocalHub of each generation (issue #14).

The 429 answers are injected faults: real Hubs announce ``ratelimit-*`` headers on every
answer (recorded), but no recording shows a 429 itself, so its shape here (status 429 with
``Retry-After``) is an assumption, as the test names say.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth, RetryPolicy
from flamehub.models import Node
from flamehub.testing import Fault, LocalHub

from .conftest import core_requests


def nodes(realm_id: str, count: int) -> list[Node]:
    return [Node(name=f"site-{i:03}", realm_id=realm_id) for i in range(count)]


def throttle(
    local: LocalHub, route: str, headers: dict[str, str], times: int | None = None
) -> None:
    """Answer POSTs to ``route`` with an (assumed) 429 carrying ``headers``, ``times`` times
    (every time if None)."""
    local.inject(
        Fault("status", route=route, method="POST", status=429, headers=headers, times=times)
    )


def test_assumed_429_is_resent_after_retry_after_for_creates(
    hub: Hub, local: LocalHub, realm_id: str, sleeps: list[float]
):
    local.requests.clear()
    throttle(local, r"^/core/nodes$", {"Retry-After": "2"}, times=3)
    created = Node.objects.using(hub).bulk_create(nodes(realm_id, 10))
    assert len(created) == 10 and all(node.is_saved for node in created)
    assert len(core_requests(local, "POST")) == 13  # three 429s, each resent once
    assert sleeps.count(2.0) == 3
    assert len(Node.objects.using(hub).filter(name__startswith="site-")) == 10  # no duplicate


@pytest.fixture
def impatient(local: LocalHub, sleeps: list[float]) -> Iterator[Hub]:
    """A hub whose transport never resends a 429 (the loop must slow down instead)."""
    policy = RetryPolicy(rate_limit_retries=0)
    with Hub(local.url, auth=PasswordAuth(*local.admin_credentials), retry=policy) as connected:
        connected.transport._sleep = sleeps.append
        yield connected


def test_assumed_429_rows_are_retried_one_at_a_time_instead_of_failing(
    impatient: Hub, local: LocalHub, realm_id: str, sleeps: list[float]
):
    made = Node.objects.using(impatient).bulk_create(nodes(realm_id, 8))
    local.requests.clear()
    throttle(local, r"^/core/nodes/", {"Retry-After": "1.5"}, times=4)
    assert Node.objects.using(impatient).filter(name__startswith="site-").update(hidden=True) == 8
    assert len(core_requests(local, "POST")) == 12
    assert sleeps.count(1.5) == 4
    assert {
        node.hidden
        for node in Node.objects.using(impatient).filter(id__in=[node.id for node in made])
    } == {True}


def test_assumed_429_without_retry_after_waits_for_ratelimit_reset(
    hub: Hub, local: LocalHub, realm_id: str, sleeps: list[float]
):
    throttle(local, r"^/core/nodes$", {"ratelimit-remaining": "0", "ratelimit-reset": "3"}, times=1)
    Node.objects.using(hub).concurrency(1).bulk_create(nodes(realm_id, 2))
    assert sleeps[0] == 3.0


def test_a_used_up_window_slows_the_loop_down(
    hub: Hub, local: LocalHub, realm_id: str, sleeps: list[float]
):
    # recorded header names and values (hub-0.14.0/auth-10-realms.json), remaining 0
    hub.transport.rate_limits.observe(
        "core", {"ratelimit-limit": "6000", "ratelimit-remaining": "0", "ratelimit-reset": "20"}
    )
    local.requests.clear()
    created = Node.objects.using(hub).bulk_create(nodes(realm_id, 5))
    assert len(created) == 5 and len(core_requests(local, "POST")) == 5
    assert len(sleeps) == 5 and all(15 < wait <= 20 for wait in sleeps)  # before every row
    hub.transport.rate_limits.observe("core", {"ratelimit-remaining": "5999"})
    sleeps.clear()
    Node.objects.using(hub).filter(name__startswith="site-").update(hidden=True)
    assert sleeps == []


def test_assumed_429_that_never_ends_fails_only_its_row_after_the_rounds(
    impatient: Hub, local: LocalHub, realm_id: str, sleeps: list[float]
):
    from flamehub import BulkError, RateLimited
    from flamehub.query.bulk import RATE_LIMIT_ROUNDS

    made = Node.objects.using(impatient).bulk_create(nodes(realm_id, 5))
    victim = made[3]
    local.requests.clear()
    throttle(local, rf"^/core/nodes/{victim.id}$", {"Retry-After": "2"})
    with pytest.raises(BulkError) as caught:
        Node.objects.using(impatient).filter(name__startswith="site-").update(hidden=True)
    ((row, failure),) = caught.value.failed
    assert row.id == victim.id and isinstance(failure, RateLimited) and failure.retry_after == 2
    assert len(caught.value.succeeded) == 4
    sent = [r.path for r in local.requests if r.method == "POST"]
    assert sent.count(f"/core/nodes/{victim.id}") == 1 + RATE_LIMIT_ROUNDS
    assert sleeps.count(2.0) == RATE_LIMIT_ROUNDS
