"""Bulk work (issue #14): concurrent loops against one-by-one loops, and request counts.

Against a :class:`flamehub.testing.LocalHub` (Hub 0.14.0, in this process) that answers
every core request after 20 ms (an injected latency fault), each round times

- ``Node.objects.bulk_create(200 nodes)`` against ``Node.objects.create(...)`` 200 times;
- ``QuerySet.update(hidden=True)`` of those 200 rows against ``node.hidden = True;
  node.save()`` for each;
- (info) ``QuerySet.delete()`` against ``node.delete()`` for each, which also clears the
  rows for the next round;

with the default concurrency (4 requests in flight), alternating which side goes first,
and prints the medians and the ratios (goal for create and update: <= 0.35). Then it
counts the requests ``in_bulk()`` sends for 1,000 ids (batches of 50: 20).

Usage::

    python benchmarks/bulk.py               # 3 rounds, about a minute
    python benchmarks/bulk.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable

from flamehub import Hub, PasswordAuth
from flamehub.models import Node, Realm
from flamehub.query.queryset import DEFAULT_CONCURRENCY
from flamehub.testing import Fault, LocalHub

#: Rows per timed operation.
ROWS = 200
#: Seconds the LocalHub waits before answering each core request.
LATENCY = 0.020
#: Ids looked up by in_bulk.
IN_BULK_IDS = 1_000
#: The goal of the create and update ratios.
GOAL = 0.35


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def one_round(hub: Hub, realm_id: str, concurrent_first: bool) -> dict[str, float]:
    nodes = Node.objects.using(hub)

    def concurrent() -> dict[str, float]:
        prefix = f"bulk-{uuid.uuid4().hex[:6]}-"
        objs = [Node(name=f"{prefix}{i:03}", realm_id=realm_id) for i in range(ROWS)]
        ours = nodes.filter(name__startswith=prefix)
        result = {
            "create": timed(lambda: nodes.bulk_create(objs)),
            "update": timed(lambda: ours.update(hidden=True)),
            "delete": timed(ours.delete),
        }
        assert not ours.exists()
        return result

    def one_by_one() -> dict[str, float]:
        prefix = f"loop-{uuid.uuid4().hex[:6]}-"
        made: list[Node] = []

        def create() -> None:
            for i in range(ROWS):
                made.append(nodes.create(name=f"{prefix}{i:03}", realm_id=realm_id))

        def update() -> None:
            for node in nodes.filter(name__startswith=prefix):
                node.hidden = True
                node.save()

        def delete() -> None:
            for node in nodes.filter(name__startswith=prefix):
                node.delete()

        return {"create": timed(create), "update": timed(update), "delete": timed(delete)}

    if concurrent_first:
        new, old = concurrent(), one_by_one()
    else:
        old, new = one_by_one(), concurrent()
    return {**{f"new {k}": v for k, v in new.items()}, **{f"old {k}": v for k, v in old.items()}}


def in_bulk_requests(local: LocalHub, hub: Hub, realm_id: str) -> tuple[int, int]:
    """(requests in_bulk sent for IN_BULK_IDS ids, rows found)."""
    nodes = Node.objects.using(hub)
    prefix = f"ids-{uuid.uuid4().hex[:6]}-"
    made = nodes.bulk_create(
        [Node(name=f"{prefix}{i:04}", realm_id=realm_id) for i in range(IN_BULK_IDS)]
    )
    local.requests.clear()
    found = nodes.in_bulk([node.id for node in made])
    sent = len([r for r in local.requests if r.path == "/core/nodes"])
    nodes.filter(name__startswith=prefix).delete()
    return sent, len(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with (
        LocalHub(version="0.14.0") as local,
        Hub(local.url, auth=PasswordAuth(*local.admin_credentials)) as hub,
    ):
        realm_id = str(Realm.objects.using(hub).get(name="master").id)
        sent, found = in_bulk_requests(local, hub, realm_id)
        local.inject(Fault("latency", route=r"^/core/", delay=LATENCY))
        rounds = [one_round(hub, realm_id, index % 2 == 0) for index in range(args.rounds)]
    medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    print(
        f"{ROWS} nodes, LocalHub 0.14.0 with {LATENCY * 1000:.0f} ms per core request, "
        f"default concurrency {DEFAULT_CONCURRENCY}, {args.rounds} rounds (medians)"
    )
    header = f"{'operation':<12} {'concurrent':>11} {'one-by-one':>11} {'ratio':>6} {'goal':>7}"
    print(header)
    print("-" * len(header))
    ok = True
    for operation in ("create", "update", "delete"):
        new, old = medians[f"new {operation}"], medians[f"old {operation}"]
        ratio = new / old
        goal = f"<= {GOAL}" if operation != "delete" else "info"
        if operation != "delete":
            ok = ok and ratio <= GOAL
        print(f"{operation:<12} {new * 1000:9.0f}ms {old * 1000:9.0f}ms {ratio:6.2f} {goal:>7}")
    print(f"in_bulk of {IN_BULK_IDS:,} ids: {sent} requests, {found} rows")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
