"""Record verbs follow ``ResourceMeta.allows`` per generation (issue #16, item 2).

``AnalysisLog`` is a record with ids on legacy Hubs (get and delete work) and a log-store
line on current Hubs (list and bulk delete only). The command used to read class-level
switches that ignore the ``legacy = {...}`` overrides, so it offered only ``list``.
"""

from __future__ import annotations

import uuid

import pytest

from flamehub.cli import build_parser
from flamehub.dialects import Generation
from flamehub.models import AnalysisLog
from flamehub.resources.base import meta_of
from flamehub.testing import LocalHub

from .test_completion import complete

#: The record verbs a legacy Hub has for analysis logs, and those a current Hub has.
LEGACY_VERBS = {"list", "get", "delete"}
CURRENT_VERBS = {"list"}


def _verbs(parser_help: str) -> set[str]:
    """The subcommand names listed in a resource command's ``--help``."""
    lines = parser_help.split("<action>", 2)[-1].splitlines()
    return {line.split()[0] for line in lines if line.startswith("    ") and line.split()}


def test_declaration_differs_per_generation() -> None:
    meta = meta_of(AnalysisLog)
    assert meta.allows("gettable", Generation.LEGACY)
    assert not meta.allows("gettable", Generation.CURRENT)
    assert meta.allows_any("deletable")
    assert not meta.allows_any("deletable", [Generation.CURRENT])
    assert not meta.allows_any("creatable")


@pytest.mark.parametrize(
    ("version", "expected"), [("0.8.13", LEGACY_VERBS), ("0.14.0", CURRENT_VERBS)]
)
def test_help_offers_the_verbs_of_the_hub_version(cli, config_home, version, expected) -> None:
    result = cli("analysis-log", "--help", "--hub-version", version)
    assert result.code == 0
    assert _verbs(result.out) == expected


def test_help_of_an_unknown_hub_offers_every_generations_verbs(cli, config_home) -> None:
    result = cli("analysis-log", "--help")
    assert result.code == 0
    assert _verbs(result.out) == LEGACY_VERBS
    assert "delete one analysis-log by id (legacy Hubs)" in result.out


def test_parser_per_generation() -> None:
    legacy = build_parser([Generation.LEGACY])
    assert legacy.parse_args(["analysis-log", "get", "x"]).operation == "gettable"
    with pytest.raises(SystemExit):
        build_parser([Generation.CURRENT]).parse_args(["analysis-log", "get", "x"])


def test_completion_offers_the_verbs_of_the_hub_version(cli, config_home, monkeypatch) -> None:
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.8.13")
    assert set(complete(cli, "analysis-log", "")) == LEGACY_VERBS
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.14.0")
    assert set(complete(cli, "analysis-log", "")) == CURRENT_VERBS
    assert set(complete(cli, "--hub-version", "0.8.13", "analysis-log", "")) == LEGACY_VERBS


def test_get_and_delete_reach_a_legacy_hub_and_are_refused_by_a_current_one(
    cli, flamehub_env: LocalHub
) -> None:
    missing = str(uuid.uuid4())
    got = cli("analysis-log", "get", missing)
    deleted = cli("analysis-log", "delete", missing)
    assert got.code == deleted.code == 1
    if flamehub_env.version.startswith("0.8"):
        # the request was sent: the Hub answered that the record does not exist
        assert f"GET {flamehub_env.url}" in got.err and "does not exist" in got.err
        assert f"DELETE {flamehub_env.url}" in deleted.err and "404" in deleted.err
    else:
        assert "cannot be read by id through the API of Hub 0.14.0" in got.err
        assert "cannot be deleted through the API of Hub 0.14.0" in deleted.err
