"""Analysis and analysis-node logs (hub-api.md §5.6; the recordings had no log service).

Current Hubs proxy logs to a log store: listing needs ``analysisId`` (node logs also
``nodeId``), lines come newest first without ids, create answers 202 with the
written line, and deletes are bulk ``DELETE /<collection>?filter...`` answering
202 ``null``. Legacy Hubs (0.8.x) store logs as records with ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import responses

from flamehub import QueryError, UnsupportedByHub
from flamehub.models import Analysis, AnalysisLog, AnalysisNodeLog, LogChannel, LogLevel, Node
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_nothing_sent
from tests.resources._hub import endpoint

ANALYSIS_ID = uuid.UUID("82fa4848-ddcb-4bb8-9734-afecc3577288")
NODE_ID = uuid.UUID("a99721cc-d7f4-4ff2-9b95-8fec1396d348")

LINE = {
    "time": "2026-11-28T15:50:01.123Z",
    "message": "build failed",
    "level": "error",
    "service": "hub-server-core",
    "channel": "background",
    "labels": {"refType": "analysis", "refId": str(ANALYSIS_ID), "code": "E42"},
}
SCHEMA_META = {"total": 1, "limit": 50, "offset": 0}


def test_list_analysis_logs_by_level(rsps: responses.RequestsMock) -> None:
    fake = endpoint(rsps, "GET", "/core/analysis-logs", {"data": [LINE], "meta": SCHEMA_META})
    hub = make_hub(CURRENT_VERSION)
    (line,) = AnalysisLog.objects.using(hub).filter(analysis_id=ANALYSIS_ID, level=LogLevel.ERROR)
    assert fake.only.query == [
        ("filter[analysisId]", str(ANALYSIS_ID)),
        ("filter[level]", "error"),
        ("page[limit]", "50"),  # always sent: Hub 0.8.13 answers every row without it
    ]  # no sort: the Hub always answers newest first
    assert line.time == datetime(2026, 11, 28, 15, 50, 1, 123000, tzinfo=timezone.utc)
    assert line.level is LogLevel.ERROR and line.channel is LogChannel.BACKGROUND
    assert line.labels == LINE["labels"] and line.message == "build failed"
    assert line.id is None


def test_analysis_id_is_required_on_current_hubs(rsps: responses.RequestsMock) -> None:
    logs = AnalysisLog.objects.using(make_hub(CURRENT_VERSION))
    for query in (logs.all(), logs.filter(level="error")):
        with pytest.raises(QueryError, match="analysis_id"):
            list(query)
        with pytest.raises(QueryError, match="analysis_id"):
            query.delete()
    assert_nothing_sent(rsps)


def test_current_logs_cannot_be_sorted_or_read_by_id(rsps: responses.RequestsMock) -> None:
    logs = AnalysisLog.objects.using(make_hub(CURRENT_VERSION)).filter(analysis_id=ANALYSIS_ID)
    with pytest.raises(QueryError, match="order"):
        list(logs.order_by("time"))
    with pytest.raises(UnsupportedByHub):
        AnalysisLog.objects.using(make_hub(CURRENT_VERSION)).get(id=uuid.uuid4())
    assert_nothing_sent(rsps)


def test_bulk_delete_analysis_logs(rsps: responses.RequestsMock) -> None:
    # one count (delete-by-filter answers 202 null, no count), then the delete by filter
    counted = endpoint(rsps, "GET", "/core/analysis-logs", {"data": [LINE], "meta": SCHEMA_META})
    fake = endpoint(rsps, "DELETE", "/core/analysis-logs", None, status=202)
    analysis = Analysis(id=ANALYSIS_ID)
    analysis._mark_loaded(make_hub(CURRENT_VERSION))
    assert analysis.logs.delete() == (1, {"AnalysisLog": 1})
    assert counted.only.query == [("filter[analysisId]", str(ANALYSIS_ID)), ("page[limit]", "1")]
    assert fake.only.query == [("filter[analysisId]", str(ANALYSIS_ID))]
    assert fake.only.body is None


def test_bulk_delete_node_logs(rsps: responses.RequestsMock) -> None:
    endpoint(
        rsps, "GET", "/core/analysis-node-logs", {"data": [], "meta": dict(SCHEMA_META, total=3)}
    )
    fake = endpoint(rsps, "DELETE", "/core/analysis-node-logs", None, status=202)
    assert AnalysisNodeLog.objects.using(make_hub(CURRENT_VERSION)).filter(
        analysis_id=ANALYSIS_ID, node_id=NODE_ID
    ).delete() == (3, {"AnalysisNodeLog": 3})
    assert sorted(fake.only.query) == [
        ("filter[analysisId]", str(ANALYSIS_ID)),
        ("filter[nodeId]", str(NODE_ID)),
    ]


def test_node_logs_need_the_node_too(rsps: responses.RequestsMock) -> None:
    logs = AnalysisNodeLog.objects.using(make_hub(CURRENT_VERSION)).filter(analysis_id=ANALYSIS_ID)
    with pytest.raises(QueryError, match="node_id"):
        logs.delete()
    assert_nothing_sent(rsps)


def test_create_node_log(rsps: responses.RequestsMock) -> None:
    written = dict(LINE, message="container started", level="info", channel="http",
                   labels={"refType": "analysisNode", "analysisId": str(ANALYSIS_ID),
                           "nodeId": str(NODE_ID), "status": "started"})  # fmt: skip
    fake = endpoint(rsps, "POST", "/core/analysis-node-logs", {"data": written, "meta": {}},
                    status=202)  # fmt: skip
    line = AnalysisNodeLog.objects.using(make_hub(CURRENT_VERSION)).create(
        analysis_id=ANALYSIS_ID,
        node_id=NODE_ID,
        message="container started",
        level=LogLevel.INFO,
        status="started",
    )
    assert fake.only.body == {
        "analysisId": str(ANALYSIS_ID),
        "nodeId": str(NODE_ID),
        "message": "container started",
        "level": "info",
        "status": "started",
    }
    assert line.level is LogLevel.INFO and line.labels["nodeId"] == str(NODE_ID)


def test_create_node_log_needs_message_and_level(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="message, level|level"):
        AnalysisNodeLog.objects.using(make_hub(CURRENT_VERSION)).create(
            analysis_id=ANALYSIS_ID, node_id=NODE_ID
        )
    assert_nothing_sent(rsps)


def test_other_collections_are_deleted_row_by_row(rsps: responses.RequestsMock) -> None:
    row = {"id": str(NODE_ID), "name": "site-a"}
    listing = endpoint(rsps, "GET", "/core/nodes", {"data": [row], "meta": SCHEMA_META})
    removal = endpoint(rsps, "DELETE", f"/core/nodes/{NODE_ID}", {"data": row}, status=202)
    nodes = Node.objects.using(make_hub(CURRENT_VERSION))
    assert nodes.filter(name="site-a").delete() == (1, {"Node": 1})
    assert ("filter[name]", "site-a") in listing.only.query
    assert removal.only.query == []


def test_legacy_logs_are_records(rsps: responses.RequestsMock) -> None:
    record = {
        "id": "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "component": "worker", "command": "build",
        "event": "failed", "error": True, "error_code": "E42", "status": "failed",
        "status_message": "exit 1", "meta": None, "analysis_id": str(ANALYSIS_ID),
        "realm_id": "0b02640a-76cc-4beb-aa50-9b7b3527dccb",
        "created_at": "2026-11-28T14:57:33.000Z", "updated_at": "2026-11-28T14:57:33.000Z",
    }  # fmt: skip
    listing = endpoint(rsps, "GET", "/core/analysis-logs", {"data": [record], "meta": {"total": 1}})
    removal = endpoint(rsps, "DELETE", f"/core/analysis-logs/{record['id']}", record, status=202)
    hub = make_hub(LEGACY_VERSION)
    (line,) = AnalysisLog.objects.using(hub).filter(error=True).order_by("-created_at")
    assert listing.only.query == [
        ("filter[error]", "true"),
        ("sort", "-created_at"),
        ("page[limit]", "50"),  # always sent: Hub 0.8.13 answers every row without it
    ]
    assert line.id == uuid.UUID(record["id"]) and line.error_code == "E42"
    assert line.analysis_id == ANALYSIS_ID and line.message is None
    line.delete()
    assert removal.only.method == "DELETE"


def test_legacy_logs_are_deleted_row_by_row(rsps: responses.RequestsMock) -> None:
    record = {"id": str(NODE_ID), "analysis_id": str(ANALYSIS_ID), "error": True}
    endpoint(rsps, "GET", "/core/analysis-logs", {"data": [record], "meta": {"total": 1}})
    removal = endpoint(rsps, "DELETE", f"/core/analysis-logs/{NODE_ID}", record, status=202)
    logs = AnalysisLog.objects.using(make_hub(LEGACY_VERSION)).filter(analysis_id=ANALYSIS_ID)
    assert logs.delete() == (1, {"AnalysisLog": 1})
    assert removal.only.query == []  # the record's own DELETE: no delete by filter on 0.8


def test_legacy_has_no_log_create(rsps: responses.RequestsMock) -> None:
    hub = make_hub(LEGACY_VERSION)
    with pytest.raises(UnsupportedByHub):
        AnalysisNodeLog.objects.using(hub).create(
            analysis_id=ANALYSIS_ID, node_id=NODE_ID, message="x", level=LogLevel.INFO
        )
    with pytest.raises(QueryError, match="level"):
        list(AnalysisLog.objects.using(hub).filter(level=LogLevel.INFO))
    assert_nothing_sent(rsps)
