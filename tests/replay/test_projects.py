"""Projects against what real Hubs answered: the projects part of `core-13-projects.json`."""

from __future__ import annotations

import uuid

import pytest

from flamehub import BadRequest, Conflict, QueryError
from flamehub.models import Project
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay.harness import Recording, Replayer, recorded_names

LEGACY = Recording(LEGACY_VERSION, "core-13-projects")
CURRENT = Recording(CURRENT_VERSION, "core-13-projects")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])


@BOTH
def test_project_lifecycle(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    create = replayer.expect(recording[0])
    project = Project.objects.using(hub).create(
        name=create.body["name"], description="recorded project"
    )
    assert project.id == uuid.UUID(create.record["id"])
    assert (project.node_count, project.analysis_count) == (0, 0)
    assert project.master_image_id is None

    replayer.expect(recording.find("invalid name"))
    with pytest.raises(BadRequest):
        Project.objects.using(hub).create(name="ab")

    listed = [e for e in recording.exchanges if e.method == "GET" and e.path.endswith("/projects")]
    include_exchange, filter_exchange = listed
    replayer.expect(include_exchange)
    rows = list(Project.objects.using(hub).include("master_image").order_by("-updated_at"))
    assert [row.name for row in rows] == recorded_names(include_exchange)
    assert rows[0].master_image is None

    replayer.expect(
        filter_exchange, default_sort="createdAt,id" if recording is CURRENT else "created_at,id"
    )
    assert [p.id for p in Project.objects.using(hub).filter(name=project.name)] == [project.id]

    one = next(
        e
        for e in recording.exchanges
        if e.method == "GET" and e.status == 200 and e.path.endswith(str(project.id))
    )
    replayer.expect(one)
    assert Project.objects.using(hub).get(id=project.id) == project

    short = next(
        e
        for e in recording.exchanges
        if e.method == "POST" and e.path.endswith(str(project.id)) and e.status == 400
    )
    replayer.expect(short)
    project.description = "upd"
    with pytest.raises(BadRequest, match="description"):
        project.save()

    missing = replayer.expect(recording.find("404"))
    with pytest.raises(Project.DoesNotExist):
        Project.objects.using(hub).get(id=missing.path.rsplit("/", 1)[1])


def test_current_update_and_conflict(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[5])
    project = Project.objects.using(hub).get(id="5a8d18dc-cf44-4195-9b9c-0a6b8345cd97")
    update = replayer.expect(CURRENT[7])
    project.description = "updated by recorder"
    project.display_name = "Recorded Project"
    project.save()
    assert project.display_name == update.record["displayName"] == "Recorded Project"

    replayer.expect(CURRENT.find("duplicate name"))
    with pytest.raises(Conflict) as caught:
        Project.objects.using(hub).create(name="rec-project-c9c416")
    assert caught.value.code == "entity_conflict"


def test_legacy_projects_cannot_sort_by_name() -> None:
    with pytest.raises(QueryError, match="cannot order Project by 'name'"):
        list(Project.objects.using(make_hub(LEGACY_VERSION)).order_by("name"))


def test_realm_of_a_project_is_not_writable() -> None:
    # hub-api.md: projects ignore realmId in bodies; flamehub refuses instead of dropping it.
    with pytest.raises(QueryError, match="realm_id is read-only"):
        Project.objects.using(make_hub(CURRENT_VERSION)).create(name="p", realm_id=uuid.uuid4())
