"""A LocalHub of each generation, reset for every test, and a Hub logged in to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Realm
from flamehub.testing import LocalHub

VERSIONS = ("0.8.13", "0.14.0")


@pytest.fixture(scope="module", params=VERSIONS, ids=["legacy", "current"])
def started(request: pytest.FixtureRequest) -> Iterator[LocalHub]:
    with LocalHub(version=request.param) as local:
        yield local


@pytest.fixture
def local(started: LocalHub) -> LocalHub:
    started.reset()
    return started


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the hub's transport and bulk loops asked for (recorded, not slept)."""
    return []


@pytest.fixture
def hub(local: LocalHub, sleeps: list[float]) -> Iterator[Hub]:
    with Hub(local.url, auth=PasswordAuth(*local.admin_credentials)) as connected:
        connected.transport._sleep = sleeps.append
        yield connected


@pytest.fixture
def realm_id(hub: Hub) -> str:
    return str(Realm.objects.using(hub).get(name="master").id)


def core_requests(local: LocalHub, method: str | None = None) -> list[tuple[str, str]]:
    """``(method, path)`` of the core requests the LocalHub received, in order (without
    ``GET /core/``, the version detection of a new Hub object)."""
    return [
        (record.method, record.path)
        for record in local.requests
        if record.path.startswith("/core/")
        and record.path != "/core/"
        and (method is None or record.method == method)
    ]
