"""Request counts and answer bytes of ``values_list()`` over 1,000 rows (issue #14).

Against a :class:`flamehub.testing.LocalHub` of each generation with 1,000 nodes, reads

- ``values_list("id", flat=True)``: every id;
- ``values_list("id", "name")``: two fields;
- ``list(Node.objects.all())``: whole objects, for reference;

and prints, for each, the requests the Hub received (``GET /core/nodes``), the rows, and
the bytes of the answers (the same requests replayed with plain ``requests``, since the
Hub's log keeps no bodies). The goal is one page request per 50 rows (20 for 1,000 rows)
and fewer bytes than whole rows where the sparse fieldset (``fields=``) applies. Exits
non-zero when a count is off.

Usage::

    python benchmarks/bench_values.py                 # 1,000 nodes per generation
    python benchmarks/bench_values.py --rows 2000
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

import requests

from flamehub import Hub, PasswordAuth
from flamehub.models import Node, Realm
from flamehub.testing import LocalHub

GENERATIONS = ("0.8.13", "0.14.0")
PAGE = 50


def seed(hub: Hub, rows: int) -> None:
    realm = Realm.objects.using(hub).get(name="master")
    nodes = Node.objects.using(hub)
    for index in range(rows):
        nodes.create(name=f"bench-{index:05d}", realm_id=realm.id)


def answer_bytes(local: LocalHub, records: list[Any]) -> int:
    """The body bytes of the same requests, replayed with plain requests."""
    username, password = local.admin_credentials
    token = requests.post(
        f"{local.url}/auth/token",
        json={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    ).json()["access_token"]
    total = 0
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for record in records:
            total += len(
                session.get(
                    f"{local.url}{record.path}", params=list(record.query), timeout=30
                ).content
            )
    return total


def measure(local: LocalHub, read: Callable[[], Any]) -> tuple[int, int, int]:
    local.requests.clear()
    rows = list(read())
    records = local.requests.filter("GET", "/core/nodes")
    return len(records), len(rows), answer_bytes(local, records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    options = parser.parse_args(argv)
    failures = 0
    print(
        f"{'hub':8} {'query':34} {'requests':>8} {'rows':>6} "
        f"{'answer bytes':>13} {'vs objects':>10}"
    )
    for version in GENERATIONS:
        with LocalHub(version=version) as local:
            hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
            seed(hub, options.rows)
            nodes = Node.objects.using(hub)
            total = options.rows
            scenarios: dict[str, Callable[[], Any]] = {
                'values_list("id", flat=True)': nodes.values_list("id", flat=True).__iter__,
                'values_list("id", "name")': nodes.values_list("id", "name").__iter__,
                "list(Node.objects.all())": nodes.all().__iter__,
            }
            results = {name: measure(local, read) for name, read in scenarios.items()}
            whole = results["list(Node.objects.all())"][2]
            for name, (count, rows, size) in results.items():
                print(
                    f"{version:8} {name:34} {count:8d} {rows:6d} {size:13,d} {size / whole:10.2f}"
                )
                expected = math.ceil(total / PAGE)
                if count != expected or rows != total:
                    print(f"  FAIL: expected {expected} requests and {total} rows", file=sys.stderr)
                    failures += 1
            hub.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
