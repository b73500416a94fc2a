"""Analyses, analysis-nodes, buckets, logs, events and commands: ``core-14-analyses.json``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from flamehub import BadRequest, QueryError, UnsupportedByHub
from flamehub.models import (
    Analysis,
    AnalysisBucket,
    AnalysisBucketFile,
    AnalysisCommand,
    AnalysisLog,
    AnalysisNode,
    AnalysisNodeEvent,
    AnalysisNodeLog,
    ApprovalStatus,
    ProcessStatus,
    Project,
)
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent, assert_parsed, assert_rows
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "core-14-analyses")
CURRENT = Recording(CURRENT_VERSION, "core-14-analyses")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX: dict[str, dict[str, int]] = {
    LEGACY_VERSION: {
        "create": 0, "no_project": 1, "list": 2, "get": 3, "bad_update": 4, "add_node": 5,
        "nodes": 6, "get_node": 7, "approve": 8, "status": 9, "add_node_2": 10, "buckets": 11,
        "bucket_files": 12, "logs": 13, "lock": 15, "build": 16, "after": 17,
    },
    CURRENT_VERSION: {
        "create": 0, "no_project": 1, "list": 2, "get": 3, "bad_update": 4, "update": 5,
        "add_node": 6, "add_node_again": 7, "nodes": 8, "get_node": 9, "approve": 10,
        "status": 11, "add_node_2": 13, "buckets": 14, "bucket_files": 15, "logs": 16,
        "node_logs": 18, "events": 19, "lock": 20, "build": 21, "after": 22,
    },
}  # fmt: skip

ANALYSIS_ID = {
    LEGACY_VERSION: uuid.UUID("59d2ecfc-be39-48f8-aab2-67f313804490"),
    CURRENT_VERSION: uuid.UUID("82fa4848-ddcb-4bb8-9734-afecc3577288"),
}


def step(recording: Recording, name: str) -> Any:
    return recording[INDEX[recording.version][name]]


def loaded(model: type, recording: Recording, **values: Any) -> Any:
    """A locally built object bound to a hub of ``recording``'s generation."""
    obj = model(**values)
    obj._mark_loaded(make_hub(recording.version))
    return obj


def analysis_of(recording: Recording) -> Analysis:
    return loaded(Analysis, recording, id=ANALYSIS_ID[recording.version])


def wire_id(recording: Recording, exchange: Any, field: str) -> uuid.UUID:
    return uuid.UUID(exchange.body[make_hub(recording.version).dialect.wire_name(field)])


@BOTH
def test_create_list_get(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create")
    replayer.expect(created)
    analysis = Analysis.objects.using(hub).create(
        name=created.body["name"], project_id=wire_id(recording, created, "project_id")
    )
    assert_parsed(analysis, created.record, hub)
    assert analysis.id == ANALYSIS_ID[recording.version]
    assert analysis.node_count == 0 and analysis.execution_status is None

    listed = step(recording, "list")
    replayer.expect(listed)  # /analyses sorts by -updatedAt itself: no sort is added
    project = loaded(Project, recording, id=analysis.project_id)
    rows = list(project.analyses.include("project"))
    assert_rows(rows, listed, hub)
    assert isinstance(rows[0].project, Project)

    replayer.expect(step(recording, "get"))
    fetched = Analysis.objects.using(hub).get(id=analysis.id)
    assert_parsed(fetched, step(recording, "get").record, hub)


@BOTH
def test_project_is_required(rsps: responses.RequestsMock, recording: Recording) -> None:
    assert step(recording, "no_project").status == 400
    with pytest.raises(QueryError, match="project_id"):
        Analysis.objects.using(make_hub(recording.version)).create(name="no-project")
    assert_nothing_sent(rsps)


@BOTH
def test_too_short_description(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(step(recording, "get"))
    analysis = Analysis.objects.using(hub).get(id=ANALYSIS_ID[recording.version])
    bad = step(recording, "bad_update")
    replayer.expect(bad)
    analysis.description = "upd"
    with pytest.raises(BadRequest) as raised:
        analysis.save()
    assert_error(raised.value, bad)


def test_update(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[3])
    analysis = Analysis.objects.using(hub).get(id=ANALYSIS_ID[CURRENT_VERSION])
    replayer.expect(CURRENT[5])
    analysis.description = "updated by recorder"
    analysis.display_name = "Recorded Analysis"
    analysis.save()
    assert_parsed(analysis, CURRENT[5].record, hub)


def test_project_id_cannot_change(rsps: responses.RequestsMock) -> None:
    analysis = analysis_of(CURRENT)
    analysis.project_id = uuid.uuid4()
    with pytest.raises(QueryError, match="create-only"):
        analysis.save()
    assert_nothing_sent(rsps)


@BOTH
def test_analysis_nodes(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    analysis = analysis_of(recording)
    for name in ("add_node", "add_node_2"):
        added = step(recording, name)
        replayer.expect(added)
        assignment = analysis.nodes.create(node_id=wire_id(recording, added, "node_id"))
        assert_parsed(assignment, added.record, hub)
        assert assignment.approval_status is ApprovalStatus.APPROVED

    listed = step(recording, "nodes")
    replayer.expect(listed, default_sort=default_sort(AnalysisNode, recording.version))
    rows = list(analysis.nodes.include("analysis", "node"))
    assert_rows(rows, listed, hub)
    # every row carries its node, typed as recorded (0.8.13: one default node; 0.14.0: a
    # default and an aggregator)
    recorded = [raw["node"]["type"] for raw in listed.rows]
    assert recorded and [row.node.type.value for row in rows] == recorded


def test_adding_the_same_node_twice_returns_the_row(replayer: Replayer) -> None:
    # 0.14 answers 201 with the existing row rather than 409.
    hub = make_hub(CURRENT_VERSION)
    again = CURRENT[7]
    replayer.expect(again)
    assignment = analysis_of(CURRENT).nodes.create(node_id=wire_id(CURRENT, again, "node_id"))
    assert assignment.id == uuid.UUID(CURRENT[6].record["id"])
    assert_parsed(assignment, again.record, hub)


@BOTH
def test_approve_and_report_execution(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    got = step(recording, "get_node")
    replayer.expect(got)
    assignment = AnalysisNode.objects.using(hub).get(id=got.record["id"])
    assert_parsed(assignment, got.record, hub)

    replayer.expect(step(recording, "approve"))
    assignment.approve(comment="hello")
    assert assignment.comment == "hello"

    status = step(recording, "status")
    replayer.expect(status)  # legacy: {"run_status": ...}, current: {"executionStatus": ...}
    assignment.set_execution_status(ProcessStatus.STARTED)
    assert_parsed(assignment, status.record, hub)
    assert assignment.execution_status is ProcessStatus.STARTED


def test_old_run_status_key_is_refused_on_current(rsps: responses.RequestsMock) -> None:
    # Recorded (exchange 12): {"runStatus": "started"} answered 202 and changed nothing.
    assert CURRENT[12].record["executionStatus"] == CURRENT[11].record["executionStatus"]
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(QueryError, match="run_status"):
        list(AnalysisNode.objects.using(hub).filter(run_status="started"))
    assignment = loaded(AnalysisNode, CURRENT, id=uuid.uuid4())
    with pytest.raises(QueryError, match="run_status"):
        assignment.update_fields({"run_status": "started"})
    assert_nothing_sent(rsps)


def test_execution_progress_is_current_only(rsps: responses.RequestsMock) -> None:
    assignment = loaded(AnalysisNode, LEGACY, id=uuid.uuid4())
    with pytest.raises(UnsupportedByHub, match="execution_progress"):
        assignment.set_execution_status(ProcessStatus.RUNNING, progress=50)
    with pytest.raises(QueryError, match="0-100"):
        loaded(AnalysisNode, CURRENT, id=uuid.uuid4()).set_execution_status("started", 101)
    assert_nothing_sent(rsps)


@BOTH
def test_buckets_and_bucket_files(replayer: Replayer, recording: Recording) -> None:
    analysis = analysis_of(recording)
    buckets = step(recording, "buckets")
    replayer.expect(buckets, default_sort=default_sort(AnalysisBucket, recording.version))
    assert list(analysis.buckets) == []
    files = step(recording, "bucket_files")
    replayer.expect(files, default_sort=default_sort(AnalysisBucketFile, recording.version))
    assert list(AnalysisBucketFile.objects.using(make_hub(recording.version)).all()) == []


def test_bucket_id_is_not_a_filter(rsps: responses.RequestsMock) -> None:
    # flame-hub-client filters analysis buckets by bucket_id: the Hub ignores the key.
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(QueryError, match="bucket_id"):
        list(AnalysisBucket.objects.using(hub).filter(bucket_id=uuid.uuid4()))
    with pytest.raises(QueryError, match="bucket_file_id"):
        list(AnalysisBucketFile.objects.using(hub).filter(bucket_file_id=uuid.uuid4()))
    assert_nothing_sent(rsps)


@BOTH
def test_analysis_logs(replayer: Replayer, recording: Recording) -> None:
    logs = step(recording, "logs")
    replayer.expect(logs, default_sort=default_sort(AnalysisLog, recording.version))
    assert list(analysis_of(recording).logs) == []


def test_node_logs_need_both_filters_on_current(rsps: responses.RequestsMock) -> None:
    # Recorded (exchange 17): only analysisId -> 400 "The filters nodeId and analysisId ..."
    assert CURRENT[17].status == 400
    with pytest.raises(QueryError, match="node_id"):
        list(analysis_of(CURRENT).node_logs)
    assert_nothing_sent(rsps)


def test_node_logs_with_both_filters(replayer: Replayer) -> None:
    replayer.expect(CURRENT[18])
    assignment = loaded(
        AnalysisNode,
        CURRENT,
        id=uuid.uuid4(),
        analysis_id=ANALYSIS_ID[CURRENT_VERSION],
        node_id=uuid.UUID("a99721cc-d7f4-4ff2-9b95-8fec1396d348"),
    )
    assert list(assignment.logs) == []


def test_legacy_node_logs_by_analysis_only(replayer: Replayer) -> None:
    replayer.expect(LEGACY[14], default_sort=default_sort(AnalysisNodeLog, LEGACY_VERSION))
    assert list(analysis_of(LEGACY).node_logs) == []


def test_node_events(replayer: Replayer) -> None:
    replayer.expect(CURRENT[19], default_sort=default_sort(AnalysisNodeEvent, CURRENT_VERSION))
    assert list(analysis_of(CURRENT).node_events) == []


def test_node_events_do_not_exist_on_legacy(rsps: responses.RequestsMock) -> None:
    with pytest.raises(UnsupportedByHub):
        list(analysis_of(LEGACY).node_events)
    assert_nothing_sent(rsps)


@BOTH
@pytest.mark.parametrize(
    ("step_name", "method", "command"),
    [
        ("lock", "configuration_lock", AnalysisCommand.CONFIGURATION_LOCK),
        ("build", "build_start", AnalysisCommand.BUILD_START),
    ],
)
def test_commands_whose_preconditions_fail(
    replayer: Replayer, recording: Recording, step_name: str, method: str, command: Any
) -> None:
    refused = step(recording, step_name)
    assert refused.body == {"command": command.value}
    replayer.expect(refused)
    analysis = analysis_of(recording)
    with pytest.raises(BadRequest) as raised:
        getattr(analysis, method)()
    assert_error(raised.value, refused)
    assert raised.value.message == refused.response_body["message"]


@BOTH
def test_generic_command_and_reload(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    refused = step(recording, "lock")
    replayer.expect(refused)
    analysis = analysis_of(recording)
    with pytest.raises(BadRequest):
        analysis.command("configurationLock")
    replayer.expect(step(recording, "after"))
    analysis.refresh()
    assert_parsed(analysis, step(recording, "after").record, hub)
    assert analysis.configuration_locked is False


@BOTH
def test_commands_of_the_other_generation_are_refused(
    rsps: responses.RequestsMock, recording: Recording
) -> None:
    analysis = analysis_of(recording)
    if recording is LEGACY:
        refused = ("distribution_start", "build_check", "storage_check")
    else:
        refused = ("spin_up", "tear_down", "build_stop", "request_build_status")
    for method in refused:
        with pytest.raises(UnsupportedByHub):
            getattr(analysis, method)()
    with pytest.raises(QueryError, match="unknown analysis command"):
        analysis.command("selfDestruct")
    assert_nothing_sent(rsps)


def test_include_registry_is_refused(rsps: responses.RequestsMock) -> None:
    # flame-hub-client asks for include=registry; no Hub allows it on /analyses.
    with pytest.raises(QueryError, match="registry"):
        list(Analysis.objects.using(make_hub(CURRENT_VERSION)).include("registry"))
    assert_nothing_sent(rsps)
