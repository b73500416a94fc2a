"""The one helper each for secret markers, ids in URLs and "which hub" (issue #16, item 4)."""

from __future__ import annotations

import io
import uuid

import pytest

import flamehub
from flamehub import errors
from flamehub.auth import Secret
from flamehub.cli import _one_line
from flamehub.compat import _pk
from flamehub.hub import resolve_hub
from flamehub.models import AnalysisNode, AnalysisNodeLog, ClientCredentials, Node, Registry
from flamehub.resources.base import id_segment, objects_on
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub

NODE_ID = uuid.UUID("a99721cc-d7f4-4ff2-9b95-8fec1396d348")


# -- ids as URL segments ---------------------------------------------------------------------


def test_id_segment_accepts_ids_objects_and_names() -> None:
    assert id_segment(NODE_ID) == str(NODE_ID)
    assert id_segment(Node(id=NODE_ID)) == str(NODE_ID)
    assert id_segment("analysis_self_storage_use", "permission") == "analysis_self_storage_use"


@pytest.mark.parametrize("bad", ["", "a/b", ".", "..", "../users"])
def test_id_segment_refuses_what_would_change_the_path(bad: str) -> None:
    with pytest.raises(errors.QueryError, match=f"{bad!r} is not a valid permission"):
        id_segment(bad, "permission")


def test_id_segment_refuses_a_missing_id() -> None:
    with pytest.raises(errors.QueryError, match="this Node has no id"):
        id_segment(Node(name="x"))
    with pytest.raises(errors.QueryError, match="this object has no id"):
        id_segment(None)


def test_the_facade_checks_ids_with_the_same_rule() -> None:
    assert _pk(Node, NODE_ID) == NODE_ID
    with pytest.raises(errors.QueryError, match="not a valid Node id"):
        _pk(Node, "../realms")
    with pytest.raises(errors.QueryError, match="is not a Node or an id"):
        _pk(Node, 5)


# -- which hub -------------------------------------------------------------------------------


def test_resolve_hub_prefers_using_then_the_objects_hub_then_the_default() -> None:
    given, own, default = make_hub(CURRENT_VERSION), make_hub(LEGACY_VERSION), make_hub("0.12.2")
    with pytest.raises(errors.ConfigurationError, match="no Hub is connected"):
        resolve_hub(None, None)
    flamehub.connect(default)
    assert resolve_hub(given, own) is given
    assert resolve_hub(None, own) is own
    assert resolve_hub(None, None) is default
    assert resolve_hub() is default


def test_objects_on_binds_when_the_hub_is_known() -> None:
    hub = make_hub(CURRENT_VERSION)
    assert objects_on(Node, hub)._hub is hub
    assert objects_on(Node, None)._hub is None  # the default hub, when it runs
    assignment = AnalysisNode(id=NODE_ID, analysis_id=NODE_ID, node_id=NODE_ID)
    assignment._mark_loaded(hub)
    assert assignment.logs._hub is hub and assignment.logs.model is AnalysisNodeLog


# -- secret markers --------------------------------------------------------------------------


def test_every_secret_shows_the_same_marker() -> None:
    marker = errors.SECRET_MARKER
    assert repr(Secret("s3cret")) == marker
    assert f"secret={marker!r}" in repr(ClientCredentials(secret="s3cret"))
    shown = io.StringIO()
    Registry(account_secret="s3cret").pprint(file=shown)
    assert f"account_secret  {marker}\n" in shown.getvalue()
    assert errors.redact_preview('{"secret": "s3cret"}') == f'{{"secret": "{marker}"}}'
    assert _one_line(ValueError("login s3cret failed"), ["s3cret"]) == f"login {marker} failed"
    assert errors.hidden_repr(None) == "None"
