"""Paging against what real Hubs answered: ``paging.json`` of 0.8.13 and 0.14.0.

55 matching rows per collection (projects, nodes, buckets, roles). The recordings keep
the first three rows of each answer; the exchanges replayed here either held at most
three rows, or are served to a request that asks for fewer rows than the answer holds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from flamehub.models import Bucket, Node, Project, Role
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import assert_rows
from tests.replay.harness import Exchange, Recording, Replayer, default_sort

RECORDINGS = {
    LEGACY_VERSION: Recording(LEGACY_VERSION, "paging"),
    CURRENT_VERSION: Recording(CURRENT_VERSION, "paging"),
}
MODELS = {
    "/core/projects": Project,
    "/core/nodes": Node,
    "/storage/buckets": Bucket,
    "/auth/roles": Role,
}
CASES = pytest.mark.parametrize(
    ("version", "path"),
    [(version, path) for version in RECORDINGS for path in MODELS],
    ids=[f"{version}-{path.rsplit('/', 1)[1]}" for version in RECORDINGS for path in MODELS],
)


def exchange_of(version: str, path: str, note: str) -> Exchange:
    return RECORDINGS[version].find(f"{path}: 55 matching rows, {note}")


def rows_of(version: str, path: str) -> Any:
    """The recorded query: ``filter[name]`` is a prefix match on both generations."""
    prefix = RECORDINGS[version][0].query[0][1].strip("~")
    return MODELS[path].objects.using(make_hub(version)).filter(name__startswith=prefix)


def sent(rsps: responses.RequestsMock) -> list[dict[str, str]]:
    return [dict(parse_qsl(urlsplit(call.request.url).query)) for call in rsps.calls]


@CASES
def test_the_end_of_a_collection_is_read_with_limit_and_offset(
    replayer: Replayer, version: str, path: str
) -> None:
    exchange = replayer.expect(
        exchange_of(version, path, "page[limit]=3, page[offset]=52 (the end)"),
        default_sort=default_sort(MODELS[path], version),
    )
    rows = list(rows_of(version, path)[52:55])
    hub = make_hub(version)
    assert_rows(rows, exchange, hub)
    assert sent(replayer.rsps)[0]["page[limit]"] == "3"


@CASES
def test_past_the_end_is_empty(replayer: Replayer, version: str, path: str) -> None:
    replayer.expect(
        exchange_of(version, path, "page[limit]=10, page[offset]=60 (past the end)"),
        default_sort=default_sort(MODELS[path], version),
    )
    assert list(rows_of(version, path)[60:70]) == []


@CASES
def test_the_first_page_always_names_its_limit(replayer: Replayer, version: str, path: str) -> None:
    exchange = replayer.expect(
        exchange_of(version, path, "page[limit]=50 (response"),
        default_sort=default_sort(MODELS[path], version),
    )
    iterator = rows_of(version, path).iterator(concurrency=1)
    first = [next(iterator) for _ in exchange.rows]
    iterator.close()
    assert [row.name for row in first] == [row["name"] for row in exchange.rows]
    # never the recorded request without page[limit]: 0.8.13 answers all 55 rows to it
    assert sent(replayer.rsps)[0]["page[limit]"] == "50"


@CASES
def test_an_answer_longer_than_the_window_is_cut_to_it(
    rsps: responses.RequestsMock, version: str, path: str
) -> None:
    """The real answer of a request without ``page[limit]`` (0.8.13: every row for
    projects, buckets and roles) served to a slice of two: two rows, never more."""
    exchange = exchange_of(version, path, "no page parameters")
    rsps.add("GET", HUB_URL + exchange.path, body=exchange.content(), status=200)
    rows = list(rows_of(version, path)[:2])
    assert [row.name for row in rows] == [row["name"] for row in exchange.rows[:2]]
    assert len(exchange.rows) > 2
    assert sent(rsps)[0]["page[limit]"] == "2"
