"""Fixtures of the data tier: a LocalHub per generation seeded with nodes, and its request log.

The hubs are module-scoped (seeding 120 nodes takes a moment); each test starts with an
empty request log and no faults, and must not change the seeded rows (tests that write
create their own rows and delete them).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Node, Realm
from flamehub.testing import LocalHub

LEGACY = "0.8.13"
CURRENT = "0.14.0"
#: Nodes seeded on each hub: three pages of 50 (50, 50, 20).
SEEDED = 120


@attrs.define
class Seeded:
    local: LocalHub
    hub: Hub
    realm_id: object
    #: the seeded nodes' names, in the default ordering (creation time)
    names: list[str]

    @property
    def legacy(self) -> bool:
        return self.local.is_legacy

    def node_lists(self) -> list[dict[str, list[str]]]:
        """The query parameters of every ``GET /core/nodes`` since the test started."""
        return [record.params for record in self.local.requests.filter("GET", "/core/nodes")]

    def requests(self) -> list[tuple[str, str]]:
        return [(record.method, record.path) for record in self.local.requests.snapshot()]


@pytest.fixture(scope="module", params=[LEGACY, CURRENT], ids=["legacy", "current"])
def seeded_hub(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with LocalHub(version=request.param) as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        realm = Realm.objects.using(hub).get(name="master")
        nodes = Node.objects.using(hub)
        names = [f"site-{i:03d}" for i in range(SEEDED)]
        for index, name in enumerate(names):
            nodes.create(name=name, realm_id=realm.id, hidden=index % 3 == 0)
        yield Seeded(local, hub, realm.id, names)
        hub.close()


@pytest.fixture
def data(seeded_hub: Seeded) -> Iterator[Seeded]:
    seeded_hub.local.clear_faults()
    seeded_hub.local.requests.clear()
    yield seeded_hub
    seeded_hub.local.clear_faults()
