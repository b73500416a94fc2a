"""Registries and registry projects: ``core-11-registries.json`` (both generations)."""

from __future__ import annotations

import io
import uuid

import pytest
import responses

from flamehub import Conflict, QueryError
from flamehub.models import Registry, RegistryProject, RegistryProjectType
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent, assert_parsed, assert_rows
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "core-11-registries")
CURRENT = Recording(CURRENT_VERSION, "core-11-registries")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX = {
    LEGACY_VERSION: {"invalid": 6, "projects": 7},
    CURRENT_VERSION: {"invalid": 7, "projects": 8},
}


@BOTH
def test_registry_lifecycle(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    registries = Registry.objects.using(hub)
    replayer.expect(recording[0])
    registry = registries.create(
        name=recording[0].body["name"],
        host="harbor.example.com",
        account_name="robot$x",
        account_secret="secret",
    )
    assert_parsed(registry, recording[0].record, hub)
    shown = io.StringIO()
    registry.pprint(file=shown)
    assert registry.account_secret is not None and "account_secret  <hidden>" in shown.getvalue()
    assert registry.account_secret not in repr(registry)  # the recorded secret is "secret"

    replayer.expect(recording[1], default_sort=default_sort(Registry, recording.version))
    listed = list(registries.all())
    assert_rows(listed, recording[1], hub)
    assert listed[0].account_secret is None  # only sent when asked for

    replayer.expect(recording[3])
    fetched = registries.get(id=registry.id)
    assert_parsed(fetched, recording[3].record, hub)

    replayer.expect(recording[4])
    with_secret = registries.with_fields("account_secret").get(id=registry.id)
    assert with_secret.account_secret is not None

    replayer.expect(recording[5])
    fetched.host = "harbor2.example.com"
    fetched.save()
    assert_parsed(fetched, recording[5].record, hub)


@BOTH
def test_name_prefix_or_suffix(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(recording[2], default_sort=default_sort(Registry, recording.version))
    registries = Registry.objects.using(hub)
    if recording is LEGACY:
        rows = list(registries.filter(name__startswith="rec-"))
        assert [row.name for row in rows] == ["rec-registry-20ef"]
    else:
        rows = list(registries.filter(name__endswith="rec-"))
        assert rows == []
    assert_rows(rows, recording[2], hub)


def test_duplicate_name_conflicts(replayer: Replayer) -> None:
    replayer.expect(CURRENT[6])
    with pytest.raises(Conflict) as raised:
        Registry.objects.using(make_hub(CURRENT_VERSION)).create(**CURRENT[6].body)
    assert_error(raised.value, CURRENT[6])


@BOTH
def test_missing_name_is_refused_locally(
    rsps: responses.RequestsMock, recording: Recording
) -> None:
    invalid = recording[INDEX[recording.version]["invalid"]]
    assert invalid.status == 400 and invalid.body == {"host": "x"}
    with pytest.raises(QueryError, match="name"):
        Registry.objects.using(make_hub(recording.version)).create(host="x")
    assert_nothing_sent(rsps)


@BOTH
def test_registry_projects_list(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    listed = recording[INDEX[recording.version]["projects"]]
    replayer.expect(listed, default_sort=default_sort(RegistryProject, recording.version))
    assert list(RegistryProject.objects.using(hub).all()) == []


def test_registry_projects_of_a_registry_with_registry_included(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    registry = Registry(id=uuid.UUID("4644834d-c08d-4591-b591-521170ce2ee6"))
    registry._mark_loaded(hub)
    replayer.expect(CURRENT[9], default_sort=default_sort(RegistryProject, CURRENT_VERSION))
    assert list(registry.projects.include("registry")) == []


@BOTH
def test_registry_project_create_refuses_account_fields(
    rsps: responses.RequestsMock, recording: Recording
) -> None:
    # flame-hub-client sends accountName/accountSecret on create; the Hub drops both.
    hub = make_hub(recording.version)
    for field in ("account_name", "account_secret", "public", "realm_id"):
        with pytest.raises(QueryError, match=field):
            RegistryProject.objects.using(hub).create(
                name="project-x",
                external_name="project_x",
                type=RegistryProjectType.NODE,
                registry_id=uuid.uuid4(),
                **{field: "x"},
            )
    assert_nothing_sent(rsps)
