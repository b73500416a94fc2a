"""``like`` against what real Hub 0.8.13 answered (``analysis-buckets-and-like.json``).

On 0.8.13 ``filter[name]=~p`` is SQL ``LIKE 'p%'``: flamehub sends a ``like`` pattern
verbatim there, and the rows are the ones the real Hub matched.
"""

from __future__ import annotations

import pytest

from flamehub.models import Project
from tests.conftest import LEGACY_VERSION, make_hub
from tests.replay.harness import Recording, Replayer, default_sort, recorded_names

RECORDING = Recording(LEGACY_VERSION, "analysis-buckets-and-like")
#: (note of the exchange, the pattern given to ``name__like``)
PROBES = [
    ("~x with no wildcard", "rl-ff7c01-beta-t"),
    ("~a%b: the Hub appends %", "rl-ff7c01-%-one"),
    ("~a%b%: what the pattern above really sent", "rl-ff7c01-%-one%"),
    ("_ is a single-character wildcard", "rl-ff7c01-_lpha%"),
]


@pytest.mark.parametrize(("note", "pattern"), PROBES, ids=[p for _n, p in PROBES])
def test_legacy_like_is_sent_verbatim_and_means_like_p_percent(
    replayer: Replayer, note: str, pattern: str
) -> None:
    exchange = replayer.expect(
        RECORDING.find(note), default_sort=default_sort(Project, LEGACY_VERSION)
    )
    rows = Project.objects.using(make_hub(LEGACY_VERSION)).filter(name__like=pattern)
    assert [row.name for row in rows] == recorded_names(exchange)
