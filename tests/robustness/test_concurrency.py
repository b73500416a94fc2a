"""16 threads share one Hub while its access token expires, on an injected clock.

The design (``flamehub/auth.py``): a token obtained at client time ``a`` with a lifetime of
``L`` seconds is renewed from ``a + L - min(30 s, 10% of L)`` on; the first thread that needs
it renewed does so under a lock, the others wait for it and reuse the new token.

The test drives the client's clock (``PasswordAuth.clock``) instead of waiting: the threads
query in rounds, and between two rounds, while every thread waits at a barrier, the clock is
set to the next value of :data:`SCHEDULE`, alternately just before and just after the
current token's renewal point. The local Hub's tokens live :data:`LIFETIME` seconds of real
time, far longer than the test runs, so the Hub refuses no token and every grant is the
client's own decision: exactly the ones the schedule calls for, each made by one thread.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import Any

import pytest

import flamehub
from flamehub import PasswordAuth, RetryPolicy
from flamehub.models import Node
from flamehub.testing import LocalHub

from ._support import GENERATION_IDS, VERSIONS, seed_nodes

THREADS = 16
QUERIES_PER_ROUND = 20
NODE_COUNT = 32
#: The local Hub's access token lifetime (seconds), as it tells the client (``expires_in``).
LIFETIME = 600.0
#: Where the client's clock stands in each round, and how many token grants that round
#: makes: the login at 1000; the token issued at ``a`` is renewed from ``a + 570`` on
#: (600 s lifetime - 30 s margin), so 1569 is one second early and 1571 one second late.
#: The refreshed token, issued at 1571, is due at 2141; the next one, issued at 2142, at 2712.
SCHEDULE: list[tuple[float, int]] = [
    (1000.0, 1),  # the password grant
    (1569.0, 0),
    (1571.0, 1),  # one refresh, however many threads find the token due
    (2140.0, 0),
    (2142.0, 1),
    (2711.0, 0),
    (2713.0, 1),
]


class SteppedClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return self.now


@pytest.mark.parametrize("version", VERSIONS, ids=GENERATION_IDS)
def test_shared_hub_renews_each_expiring_token_exactly_once(version: str) -> None:
    with LocalHub(version=version, access_token_lifetime=LIFETIME) as local:
        names = [f"site-{index:02d}" for index in range(NODE_COUNT)]
        ids = dict(zip(names, seed_nodes(local, names), strict=True))
        clock = SteppedClock(SCHEDULE[0][0])
        auth = PasswordAuth(*local.admin_credentials)
        auth.clock = clock
        hub = flamehub.Hub(local.url, auth=auth, retry=RetryPolicy(total=0))

        # per round: the server's grant count when it began, the tokens its requests used
        round_number = -1
        grants_before: list[int] = []
        tokens_used: list[set[str]] = [set() for _ in SCHEDULE]
        statuses: Counter[int] = Counter()

        def next_round() -> None:  # run by one thread while all the others wait
            nonlocal round_number
            round_number += 1
            if round_number < len(SCHEDULE):
                clock.now = SCHEDULE[round_number][0]
                grants_before.append(sum(local.stats.token_requests.values()))

        def record(response: Any, *args: Any, **kwargs: Any) -> None:
            statuses.update([response.status_code])
            sent = response.request.headers.get("Authorization", "")
            if sent:
                tokens_used[round_number].add(sent.removeprefix("Bearer "))

        hub.transport.session.hooks["response"].append(record)
        failures: list[BaseException] = []
        wrong: list[str] = []
        done = Counter[int]()
        barrier = threading.Barrier(THREADS, action=next_round)

        def worker(number: int) -> None:
            try:
                for _round in SCHEDULE:
                    barrier.wait(timeout=60)
                    for query in range(QUERIES_PER_ROUND):
                        name = names[(number * 7 + query) % NODE_COUNT]
                        found = list(Node.objects.using(hub).filter(name=name))
                        if [str(node.id) for node in found] != [ids[name]]:
                            wrong.append(f"thread {number} query {query}: {name} -> {found!r}")
                        done[number] += 1
                barrier.wait(timeout=60)  # the end of the last round
            except BaseException as error:
                failures.append(error)
                barrier.abort()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        hub.close()

        assert not failures, failures[:3]
        assert not wrong, wrong[:3]
        assert sum(done.values()) == THREADS * QUERIES_PER_ROUND * len(SCHEDULE)
        assert clock.readings >= THREADS * QUERIES_PER_ROUND * len(SCHEDULE)  # it was used
        # the Hub refused nothing: every grant below is the client's own decision
        assert set(statuses) == {200}, statuses
        # the grants each round made, as the schedule says (one more round ended the run)
        grants_before.append(sum(local.stats.token_requests.values()))
        made = [after - before for before, after in itertools.pairwise(grants_before)]
        assert made == [grants for _now, grants in SCHEDULE]
        # every request of a round carried the one token valid in it, a new one exactly
        # after a grant (compared here, never shown: a failure message must not hold them)
        assert [len(tokens) for tokens in tokens_used] == [1] * len(SCHEDULE)
        kept = [now == before for before, now in itertools.pairwise(tokens_used)]
        assert kept == [grants == 0 for _now, grants in SCHEDULE[1:]]
        assert len(set().union(*tokens_used)) == sum(grants for _now, grants in SCHEDULE)
        # what the Hub saw: one password grant, then one refresh per renewal point passed
        renewals = sum(grants for _now, grants in SCHEDULE) - 1
        assert dict(local.stats.token_requests) == {"password": 1, "refresh_token": renewals}
        assert sum(local.stats.tokens_issued.values()) == 1 + renewals
