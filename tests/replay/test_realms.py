"""Realms (authup) against what real Hubs answered: `auth-10-realms.json`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from flamehub import BadRequest, Conflict, QueryError
from flamehub.models import Realm
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay.harness import Recording, Replayer, default_sort, recorded_names

LEGACY = Recording(LEGACY_VERSION, "auth-10-realms")
CURRENT = Recording(CURRENT_VERSION, "auth-10-realms")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

LIST_CASES: list[tuple[Recording, int, Callable[[Any], Any]]] = [
    (LEGACY, 0, lambda qs: qs.all()),
    (LEGACY, 1, lambda qs: qs.filter(name="master")),
    (LEGACY, 2, lambda qs: qs.filter(name__startswith="mas")),
    (LEGACY, 3, lambda qs: qs.exclude(name="master")),
    (LEGACY, 4, lambda qs: qs.order_by("-created_at")[:1]),
    (LEGACY, 5, lambda qs: qs.only("id", "name")),
    (LEGACY, 13, lambda qs: qs.filter(name__in=["rec-realm-a6e00f", "master"])),
    (CURRENT, 0, lambda qs: qs.all()),
    (CURRENT, 1, lambda qs: qs.filter(name="master")),
    (CURRENT, 2, lambda qs: qs.filter(name__endswith="mas")),
    (CURRENT, 3, lambda qs: qs.exclude(name="master")),
    (CURRENT, 4, lambda qs: qs.order_by("-created_at")[:1]),
    (CURRENT, 5, lambda qs: qs.only("id", "name")),
    (CURRENT, 14, lambda qs: qs.filter(name__in=["rec-realm-437e0e", "master"])),
]


@pytest.mark.parametrize(
    ("recording", "index", "builder"),
    LIST_CASES,
    ids=[f"{case[0].version}-{case[1]}" for case in LIST_CASES],
)
def test_realm_lists(replayer: Replayer, recording: Recording, index: int, builder) -> None:
    exchange = replayer.expect(
        recording[index], default_sort=default_sort(Realm, recording.version)
    )
    realms = list(builder(Realm.objects.using(make_hub(recording.version))))
    assert [realm.name for realm in realms] == recorded_names(exchange)
    for realm, raw in zip(realms, exchange.rows, strict=True):
        assert realm.id == uuid.UUID(raw["id"])
        if "built_in" in raw or "builtIn" in raw:
            assert realm.built_in is (raw.get("built_in", raw.get("builtIn")))


def test_current_prefix_search_means_startswith_not_tilde() -> None:
    # On 0.14 the recorded `~mas` found nothing (it means ends-with there); the legacy Hub
    # found `master`. flamehub's startswith sends the right form for each generation.
    assert recorded_names(CURRENT[2]) == []
    assert recorded_names(LEGACY[2]) == ["master"]


@BOTH
def test_realm_lifecycle(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    create = replayer.expect(recording[6])
    realm = Realm.objects.using(hub).create(
        name="rec-realm-" + create.body["name"].rsplit("-", 1)[1],
        display_name="Recorded Realm",
        description="made by recorder",
    )
    assert realm.id == uuid.UUID(create.record["id"])
    assert realm.display_name == "Recorded Realm"
    assert realm.built_in is False

    replayer.expect(recording.find("duplicate name -> conflict"))
    with pytest.raises(Conflict) as conflict:
        Realm.objects.using(hub).create(name=realm.name)
    assert conflict.value.status_code == 409

    replayer.expect(recording.find("invalid (too short) name -> 400"))
    with pytest.raises(BadRequest) as bad:
        Realm.objects.using(hub).create(name="x")
    assert "name" in str(bad.value)

    replayer.expect(recording[9])
    fetched = Realm.objects.using(hub).get(id=realm.id)
    assert fetched == realm

    by_name = replayer.expect(recording.find("get by name"))
    assert Realm.objects.using(hub).get(id=realm.name).id == uuid.UUID(by_name.record["id"])

    update = replayer.expect(recording.find("update via POST /realms/:id"))
    realm.display_name = "Recorded Realm (updated)"
    realm.save()
    assert realm.display_name == update.record.get("display_name", update.record.get("displayName"))

    missing = replayer.expect(recording.find("missing -> 404"))
    with pytest.raises(Realm.DoesNotExist):
        Realm.objects.using(hub).get(id=missing.path.rsplit("/", 1)[1])


def test_authup_errors_without_status_code_keep_the_http_status(replayer: Replayer) -> None:
    exchange = replayer.expect(CURRENT.find("duplicate name -> conflict"))
    assert "statusCode" not in exchange.response_body
    with pytest.raises(Conflict) as caught:
        Realm.objects.using(make_hub(CURRENT_VERSION)).create(name="rec-realm-437e0e")
    assert caught.value.status_code == 409
    assert caught.value.code == "entity_conflict"


def test_realms_have_no_includes() -> None:
    with pytest.raises(QueryError, match="cannot include"):
        list(Realm.objects.using(make_hub(CURRENT_VERSION)).include("users"))
