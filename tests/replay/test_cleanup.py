"""Deleting everything the scenarios made: ``core-90-cleanup.json`` (both generations)."""

from __future__ import annotations

import uuid

import pytest

from flamehub import NotFound
from flamehub.models import (
    Analysis,
    Client,
    Node,
    Project,
    ProjectNode,
    Realm,
    Registry,
    User,
)
from flamehub.resources.base import Resource
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error
from tests.replay.harness import Recording, Replayer

LEGACY = Recording(LEGACY_VERSION, "core-90-cleanup")
CURRENT = Recording(CURRENT_VERSION, "core-90-cleanup")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

BY_COLLECTION: dict[str, type[Resource]] = {
    "/core/analyses/": Analysis,
    "/core/project-nodes/": ProjectNode,
    "/core/projects/": Project,
    "/core/registries/": Registry,
    "/core/nodes/": Node,
    "/auth/clients/": Client,
    "/auth/users/": User,
    "/auth/realms/": Realm,
}


def target(path: str) -> tuple[type[Resource], uuid.UUID]:
    collection, _, pk = path.rpartition("/")
    return BY_COLLECTION[collection + "/"], uuid.UUID(pk)


@BOTH
def test_delete_in_dependency_order(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    deletes = [e for e in recording.exchanges if e.method == "DELETE" and e.status == 202]
    assert len(deletes) == (10 if recording is CURRENT else 9)
    for exchange in deletes:
        replayer.expect(exchange)
        model, pk = target(exchange.path)
        obj = model(id=pk)
        obj.delete(using=hub)
        assert not obj.is_saved
    assert replayer.served == deletes


@BOTH
def test_a_deleted_analysis_is_gone(replayer: Replayer, recording: Recording) -> None:
    gone = recording[1]
    replayer.expect(gone)
    model, pk = target(gone.path)
    with pytest.raises(model.DoesNotExist) as raised:
        model.objects.using(make_hub(recording.version)).get(id=pk)
    assert isinstance(raised.value.__cause__, NotFound)
    assert_error(raised.value.__cause__, gone)


@BOTH
def test_deleting_twice_is_not_found(replayer: Replayer, recording: Recording) -> None:
    again = recording.exchanges[-1]
    assert again.method == "DELETE" and again.status == 404
    replayer.expect(again)
    model, pk = target(again.path)
    with pytest.raises(NotFound) as raised:
        model(id=pk).delete(using=make_hub(recording.version))
    assert_error(raised.value, again)
