"""Hub 0.12.x analyses have the process-status model of Hub >= 0.8.22, in snake_case.

Recorded on 0.12.2 and 0.12.7: an analysis answers ``execution_status`` (not 0.8.13's
``run_status``), ``nodes_approved``, ``build_progress``, ``display_name``, ``client_id`` ...
flamehub used to read ``run_status`` on every legacy Hub and dropped the other keys as
"current only", so ``analysis.execution_status`` and ``analysis.nodes_approved`` were always
``None`` there. The Hub's core-kit entities date the change to 0.8.22 (``PROCESS_STATUS_SINCE``).
"""

from __future__ import annotations

import uuid

import pytest

from flamehub.models import Analysis, AnalysisNode
from flamehub.resources.base import meta_of
from tests.conftest import make_hub
from tests.replay.harness import Recording, Replayer

VERSIONS = ["0.12.2", "0.12.7"]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_recorded_analysis_key_is_a_declared_field(replayer: Replayer, version: str) -> None:
    core = Recording(version, "core-10-catalogue")
    created = core.find("analysis create")
    recorded = created.record
    hub = make_hub(version)
    dialect = hub.dialect_for("core")
    wires = {spec.wire(dialect): name for name, spec in meta_of(Analysis).fields.items()}
    assert sorted(set(recorded) - set(wires)) == []
    assert wires["execution_status"] == "execution_status"
    assert "run_status" not in wires


@pytest.mark.parametrize("version", VERSIONS)
def test_recorded_process_fields_are_read(replayer: Replayer, version: str) -> None:
    core = Recording(version, "core-10-catalogue")
    exchange = core.find("analysis with project")
    replayer.expect(exchange, query=[])
    hub = make_hub(version)
    analysis = Analysis.objects.using(hub).get(id=uuid.UUID(exchange.record["id"]))
    record = exchange.record
    assert "execution_status" in record and "run_status" not in record
    # the recorded analysis has one approved node: a value only the declared key can carry
    assert record["nodes_approved"] == 1
    assert analysis.nodes_approved == 1
    assert analysis.configuration_locked is record["configuration_locked"]
    assert analysis.configuration_nodes_valid is record["configuration_nodes_valid"]
    assert record["client_id"] is not None  # the analysis' authup client (Hub >= 0.11.4)
    assert analysis.client_id == uuid.UUID(record["client_id"])


def test_legacy_0_8_13_still_reads_run_status() -> None:
    hub = make_hub("0.8.13")
    spec = meta_of(Analysis).fields["execution_status"]
    assert spec.wire(hub.dialect_for("core")) == "run_status"
    assert meta_of(AnalysisNode).fields["execution_status"].wire(hub.dialect) == "run_status"


@pytest.mark.parametrize("version", VERSIONS)
def test_analysis_node_status_travels_as_execution_status(version: str) -> None:
    # no 0.12.x recording updates an analysis node; the key follows the analysis entity
    # (both renamed in the Hub's core-kit at 0.8.22)
    hub = make_hub(version)
    spec = meta_of(AnalysisNode).fields["execution_status"]
    assert spec.wire(hub.dialect_for("core")) == "execution_status"
