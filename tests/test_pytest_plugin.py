"""The pytest plugin's fixtures, through pytest itself."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import flamehub
from flamehub.models import Node, Realm

def test_hub_is_connected_and_logged_in(hub, local_hub):
    assert flamehub.default_hub() is hub
    assert hub.version == local_hub.version
    realm = Realm.objects.get(name="master")
    Node.objects.create(name="plugin-node", realm_id=realm.id)
    assert Node.objects.filter(name="plugin-node").count() == 1

def test_each_test_gets_a_fresh_hub(hub):
    assert not Node.objects.filter(name="plugin-node").exists()
"""


@pytest.mark.parametrize("version", ["0.8.13", "0.14.0"])
def test_fixtures(pytester: pytest.Pytester, version: str) -> None:
    pytester.makepyfile(SAMPLE)
    result = pytester.runpytest_subprocess("--flamehub-version", version)
    result.assert_outcomes(passed=2)
