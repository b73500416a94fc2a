"""The local Hub pages like the real Hubs recorded in ``paging.json`` (0.8.13 and 0.14.0).

Each recorded exchange is sent again, verbatim, to a local Hub holding the same 55
matching rows per collection; the number of rows answered (the recording's note says
how many the real answer held) and ``meta`` must be what the real Hub answered. On
0.8.13 that means: without ``page[limit]`` projects, buckets and (55 matching) roles
answer every row with ``meta: {total}``, nodes answer 50; with ``page[limit]`` every
collection clamps to 50.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Bucket, Node, Project, Realm, Role
from flamehub.testing import LocalHub
from tests.replay.harness import Exchange, Recording

from .conftest import CURRENT, LEGACY

#: Rows per collection in the recordings.
RECORDED_ROWS = 55
#: ``"... (response held 55 rows; ..."`` in each note.
HELD = re.compile(r"response held (\d+) rows")
#: The collections of the recordings, by path.
MODELS = {
    "/core/projects": Project,
    "/core/nodes": Node,
    "/storage/buckets": Bucket,
    "/auth/roles": Role,
}


def _prefix(recording: Recording) -> str:
    value = recording[0].query[0][1]
    return value.strip("~")


def _cases() -> list[Any]:
    cases = []
    for version in (LEGACY, CURRENT):
        for exchange in Recording(version, "paging").exchanges:
            cases.append(pytest.param(version, exchange.index, id=f"{version}-{exchange.note}"))
    return cases


@pytest.fixture(scope="module")
def hubs() -> Iterator[dict[str, tuple[Hub, Recording]]]:
    started: dict[str, tuple[Hub, Recording]] = {}
    locals_: list[LocalHub] = []
    for version in (LEGACY, CURRENT):
        recording = Recording(version, "paging")
        prefix = _prefix(recording)
        local = LocalHub(version=version).start()
        locals_.append(local)
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        realm = Realm.objects.using(hub).get(name="master")
        for i in range(RECORDED_ROWS):
            Project.objects.using(hub).create(name=f"{prefix}p{i:03d}")
            Node.objects.using(hub).create(name=f"{prefix}n{i:03d}", realm_id=realm.id)
            Bucket.objects.using(hub).create(name=f"{prefix}b{i:03d}")
            Role.objects.using(hub).create(name=f"{prefix}r{i:03d}")
        started[version] = (hub, recording)
    yield started
    for hub, _recording in started.values():
        hub.close()
    for local in locals_:
        local.stop()


def _resend(hub: Hub, exchange: Exchange) -> dict[str, Any]:
    service, _, path = exchange.path.lstrip("/").partition("/")
    response = hub.send(service, "GET", path, params=exchange.query)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("version", "index"), _cases())
def test_local_hub_answers_each_recorded_page_like_the_real_hub(
    hubs: dict[str, tuple[Hub, Recording]], version: str, index: int
) -> None:
    hub, recording = hubs[version]
    exchange = recording[index]
    held = HELD.search(exchange.note)
    assert held, exchange.note
    body = _resend(hub, exchange)
    assert len(body["data"]) == int(held.group(1))
    recorded_meta = exchange.response_body["meta"]
    assert set(body["meta"]) == set(recorded_meta)
    for key in ("total", "limit", "offset"):
        assert body["meta"].get(key) == recorded_meta.get(key), key


def test_legacy_defaults_answer_every_project_but_fifty_nodes(
    hubs: dict[str, tuple[Hub, Recording]],
) -> None:
    hub, recording = hubs[LEGACY]
    prefix = _prefix(recording)
    projects = hub.send("core", "GET", "projects", params={"filter[name]": f"~{prefix}"}).json()
    nodes = hub.send("core", "GET", "nodes", params={"filter[name]": f"~{prefix}"}).json()
    assert (len(projects["data"]), projects["meta"]) == (RECORDED_ROWS, {"total": RECORDED_ROWS})
    assert len(nodes["data"]) == 50 and nodes["meta"]["limit"] == 50


@pytest.mark.parametrize("model", [Project, Node, Bucket, Role], ids=lambda m: m.__name__)
@pytest.mark.parametrize("version", [LEGACY, CURRENT])
def test_flamehub_slices_read_exactly_the_window(
    hubs: dict[str, tuple[Hub, Recording]], version: str, model: Any
) -> None:
    hub, recording = hubs[version]
    rows = model.objects.using(hub).filter(name__startswith=_prefix(recording))
    window = rows.order_by("created_at")[0:53]
    assert len(list(window)) == 53
    assert len(list(rows[:3])) == 3
    assert rows.count() == RECORDED_ROWS
    assert len({row.id for row in rows.iterator(concurrency=1)}) == RECORDED_ROWS
