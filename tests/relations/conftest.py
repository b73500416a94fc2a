"""One LocalHub per generation for the module, filled with the issue's data (world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .world import GENERATION_IDS, VERSIONS, World, build_world, start_local


@pytest.fixture(scope="module", params=VERSIONS, ids=GENERATION_IDS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    local = start_local(str(request.param))
    try:
        built = build_world(local)
        yield built
        built.hub.close()
    finally:
        local.stop()


@pytest.fixture
def w(world: World) -> World:
    """The module's world, its request log cleared."""
    world.clear()
    return world
