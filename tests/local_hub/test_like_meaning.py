"""``like`` answers the same rows on every Hub: the legacy ``~p``, SQL ``LIKE 'p%'``.

The names and patterns are those of the 0.8.13 recording
``analysis-buckets-and-like.json``; the legacy local Hub reproduces what the real Hub
matched (its fidelity test replays that file), and the current one must give the same
answer to the same ``like`` call, or refuse it naming the lookups that can.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth, QueryError
from flamehub.models import Project
from flamehub.testing import LocalHub

from .conftest import CURRENT, LEGACY

NAMES = [
    "rl-ff7c01-alpha-one",
    "rl-ff7c01-gamma-one",
    "rl-ff7c01-delta-one-x",
    "rl-ff7c01-beta-two",
]
#: pattern -> the names real Hub 0.8.13 (recorded) or LIKE 'p%' matches
EXPECTED = {
    "rl-ff7c01-beta-t": ["rl-ff7c01-beta-two"],
    "rl-ff7c01-": NAMES,
    "rl-ff7c01-alpha%": ["rl-ff7c01-alpha-one"],
    "%-one": ["rl-ff7c01-alpha-one", "rl-ff7c01-gamma-one", "rl-ff7c01-delta-one-x"],
    "%one-x%": ["rl-ff7c01-delta-one-x"],
}


@pytest.fixture(scope="module", params=[LEGACY, CURRENT])
def hub(request: pytest.FixtureRequest) -> Iterator[Hub]:
    with LocalHub(version=request.param) as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        for name in NAMES:
            Project.objects.using(hub).create(name=name)
        yield hub
        hub.close()


@pytest.mark.parametrize(("pattern", "names"), EXPECTED.items(), ids=list(EXPECTED))
def test_like_matches_the_same_rows_on_every_generation(
    hub: Hub, pattern: str, names: list[str]
) -> None:
    rows = Project.objects.using(hub).filter(name__like=pattern)
    assert sorted(row.name for row in rows) == sorted(names)


@pytest.mark.parametrize("pattern", ["rl-ff7c01-%-one", "rl-ff7c01-_lpha"])
def test_patterns_current_hubs_cannot_express_are_refused_there(hub: Hub, pattern: str) -> None:
    if hub.dialect.rapiq2:
        with pytest.raises(QueryError, match="startswith"):
            list(Project.objects.using(hub).filter(name__like=pattern))
    else:
        assert list(Project.objects.using(hub).filter(name__like=pattern))
