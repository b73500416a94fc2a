"""pytest plugin: a started local Hub and a connected flamehub Hub for each test.

Registered through the ``pytest11`` entry point; the fixtures need ``flamehub[local]``
(werkzeug), which is imported only when a test uses them. In any project::

    def test_nodes(hub):                      # a flamehub.Hub logged in as admin
        from flamehub.models import Node
        Node.objects.create(name="site-a")    # hub is also the default while the test runs
        assert Node.objects.count() == 1

    def test_faults(local_hub):               # the LocalHub itself
        local_hub.inject(Fault("status", route="/core/nodes", status=503, times=1))

``pytest --flamehub-version 0.8.13`` picks the Hub generation (default ``0.14.0``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flamehub import Hub
    from flamehub.testing import LocalHub

__all__ = [
    "DEFAULT_VERSION",
    "OPTION",
    "hub",
    "local_hub",
    "pytest_addoption",
]

#: The Hub version the fixtures start unless ``--flamehub-version`` says otherwise.
DEFAULT_VERSION = "0.14.0"
OPTION = "--flamehub-version"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        default=DEFAULT_VERSION,
        help=f"API version of the local FLAME Hub fixtures (default {DEFAULT_VERSION})",
    )


@pytest.fixture
def local_hub(request: pytest.FixtureRequest) -> Iterator[LocalHub]:
    """A started :class:`~flamehub.testing.LocalHub`, stopped after the test."""
    from flamehub.testing import LocalHub

    version = str(request.config.getoption(OPTION))
    with LocalHub(version=version) as started:
        yield started


@pytest.fixture
def hub(local_hub: LocalHub) -> Iterator[Hub]:
    """A :class:`flamehub.Hub` logged in as admin on ``local_hub``, the default during the test."""
    import flamehub

    username, password = local_hub.admin_credentials
    connected = flamehub.Hub(local_hub.url, auth=flamehub.PasswordAuth(username, password))
    previous = flamehub.connect(connected)
    try:
        yield connected
    finally:
        flamehub.connect(previous)
        connected.close()
