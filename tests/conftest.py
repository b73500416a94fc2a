"""Shared fixtures: hubs wired to ``responses`` mocks, recordings of real Hubs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

import flamehub
from flamehub import Hub, TokenAuth
from tests.replay.harness import Recording, Replayer

#: The session-wide secret watch (see tests/_secret_watch.py): it appends its own last item.
pytest_plugins = ["tests._secret_watch"]

#: The base URL unit tests talk to (nothing listens there: ``responses`` answers).
HUB_URL = "http://hub.test"
#: Hub versions of the two generations, as recorded.
LEGACY_VERSION = "0.8.13"
CURRENT_VERSION = "0.14.0"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _no_default_hub() -> Iterator[None]:
    previous = flamehub.connect(None)
    yield
    flamehub.connect(previous)


def make_hub(version: str, **kwargs: object) -> Hub:
    kwargs.setdefault("auth", TokenAuth("unit-test-token"))
    kwargs.setdefault("retry", flamehub.RetryPolicy(total=2, backoff_factor=0))
    return Hub(HUB_URL, hub_version=version, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=[LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def legacy_hub() -> Hub:
    return make_hub(LEGACY_VERSION)


@pytest.fixture
def current_hub() -> Hub:
    return make_hub(CURRENT_VERSION)


@pytest.fixture
def replayer(rsps: responses.RequestsMock) -> Replayer:
    return Replayer(rsps, HUB_URL)


@pytest.fixture
def recording() -> type[Recording]:
    return Recording
