"""Master images, groups, event logs and the sync command: ``core-12-master-images.json``."""

from __future__ import annotations

import uuid

import pytest
import responses

from flamehub import QueryError, ServerError, UnsupportedByHub
from flamehub.models import MasterImage, MasterImageEventLog, MasterImageGroup
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "core-12-master-images")
CURRENT = Recording(CURRENT_VERSION, "core-12-master-images")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX = {
    LEGACY_VERSION: {"images": 0, "groups": 1, "missing": 2, "sync": 3},
    CURRENT_VERSION: {"images": 0, "groups": 2, "missing": 3, "sync": 4},
}


def step(recording: Recording, name: str):
    return recording[INDEX[recording.version][name]]


@BOTH
def test_list_images_in_the_servers_order(replayer: Replayer, recording: Recording) -> None:
    # /master-images sorts by path by default: flamehub adds no sort of its own.
    replayer.expect(step(recording, "images"))
    assert default_sort(MasterImage, recording.version) is None
    assert list(MasterImage.objects.using(make_hub(recording.version)).all()) == []


@BOTH
def test_list_groups_without_any_sort(replayer: Replayer, recording: Recording) -> None:
    replayer.expect(step(recording, "groups"))
    assert list(MasterImageGroup.objects.using(make_hub(recording.version)).all()) == []


def test_groups_cannot_be_ordered(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="order"):
        list(MasterImageGroup.objects.using(make_hub(CURRENT_VERSION)).order_by("name"))
    assert_nothing_sent(rsps)


def test_sort_by_name_is_refused(rsps: responses.RequestsMock) -> None:
    # Recorded (exchange 1): sort=name is not allowed on /master-images; 0.14 ignored it.
    assert ("sort", "name") in CURRENT[1].query
    with pytest.raises(QueryError, match="path"):
        list(MasterImage.objects.using(make_hub(CURRENT_VERSION)).order_by("name"))
    assert_nothing_sent(rsps)


def test_virtual_path_suffix(replayer: Replayer) -> None:
    # The recorded answer came for the same filter plus an ignored sort=name.
    replayer.expect(CURRENT[1], query=[("filter[virtualPath]", "~python")])
    images = MasterImage.objects.using(make_hub(CURRENT_VERSION))
    assert list(images.filter(virtual_path__endswith="python")) == []


@BOTH
def test_unknown_image(replayer: Replayer, recording: Recording) -> None:
    missing = step(recording, "missing")
    replayer.expect(missing)
    with pytest.raises(MasterImage.DoesNotExist) as raised:
        MasterImage.objects.using(make_hub(recording.version)).get(
            id=uuid.UUID(missing.path.rsplit("/", 1)[1])
        )
    assert_error(raised.value.__cause__, missing)


def test_sync_current(replayer: Replayer) -> None:
    replayer.expect(CURRENT[4])
    assert MasterImage.objects.sync(using=make_hub(CURRENT_VERSION)) is None


def test_sync_legacy_server_error(replayer: Replayer) -> None:
    # 0.8.13 needs GitHub for a sync; offline it answered 500.
    replayer.expect(LEGACY[3])
    with pytest.raises(ServerError) as raised:
        MasterImage.objects.sync(using=make_hub(LEGACY_VERSION))
    assert_error(raised.value, LEGACY[3])


def test_legacy_event_logs(replayer: Replayer) -> None:
    replayer.expect(LEGACY[4], default_sort=default_sort(MasterImageEventLog, LEGACY_VERSION))
    assert list(MasterImageEventLog.objects.using(make_hub(LEGACY_VERSION)).all()) == []


def test_event_logs_are_gone_on_current_hubs(rsps: responses.RequestsMock) -> None:
    with pytest.raises(UnsupportedByHub, match="master-image-event-logs"):
        list(MasterImageEventLog.objects.using(make_hub(CURRENT_VERSION)).all())
    assert_nothing_sent(rsps)


def test_images_are_not_created_by_clients(rsps: responses.RequestsMock) -> None:
    with pytest.raises(UnsupportedByHub):
        MasterImage.objects.using(make_hub(CURRENT_VERSION)).create(name="x")
    assert_nothing_sent(rsps)
