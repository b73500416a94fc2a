"""The generated endpoint table: committed, complete, and consistent with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flamehub import _endpoints
from flamehub._endpoints import (
    HUB_API_ENDPOINTS,
    OMITTED,
    endpoint_rows,
    render,
    unreached_endpoints,
)
from flamehub.dialects import Generation

DOCS = Path(__file__).resolve().parents[2] / "docs" / "endpoints.rst"


def test_committed_page_is_the_generated_one() -> None:
    assert DOCS.read_text() == render(), (
        "docs/endpoints.rst is stale: run python -m flamehub._endpoints > docs/endpoints.rst"
    )


def test_module_prints_the_page() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "flamehub._endpoints"],
        check=True,
        capture_output=True,
        text=True,
        cwd=DOCS.parents[1],
    ).stdout
    assert printed == render()


def test_every_hub_api_endpoint_is_reached_or_explained() -> None:
    unexplained = [endpoint for endpoint in unreached_endpoints() if endpoint not in OMITTED]
    assert unexplained == []


def test_reasons_name_real_endpoints() -> None:
    assert set(OMITTED) <= set(HUB_API_ENDPOINTS)


def test_rows_name_real_calls() -> None:
    rows = endpoint_rows()
    calls = {row.call for row in rows}
    for expected in (
        "analysis.build_start()",
        "analysis.command(name)",
        "analysis.client_credentials()",
        "analysis.rotate_client_secret(secret)",
        "analysis.add_client_permission(permission)",
        "analysis.remove_client_permission(permission)",
        "node.registry_credentials()",
        "project_node.approve(comment)",
        "analysis_node.set_execution_status(status, progress)",
        "MasterImage.objects.sync()",
        "master_image.build()",
        "registry.setup()",
        "registry_project.link()",
        "AnalysisLog.objects.filter(...).delete()",
        "AnalysisNodeLog.objects.create(...)",
        "User.objects.filter(...)",
        "Robot.objects.create(...)",
    ):
        assert expected in calls, expected
    by_call = {row.call: row for row in rows}
    assert by_call["Robot.objects.create(...)"].availability.present_on == {Generation.LEGACY}
    assert by_call["master_image.build()"].availability.present_on == {Generation.CURRENT}
    assert by_call["analysis.spin_up()"].availability.describe() == "legacy (Hub < 0.8.22)"
    assert by_call["node.client_credentials()"].availability.describe() == (
        "legacy (Hub >= 0.11.4), current"
    )
    assert by_call["AnalysisLog.objects.filter(...).delete()"].path == "/analysis-logs"


def test_a_new_action_appears_in_the_table(monkeypatch) -> None:
    from flamehub.models import Node
    from flamehub.resources.base import action

    @action("POST", "task", since=(0, 99, 0))
    def run_task(self, *, using=None) -> None:
        """A made-up endpoint."""

    monkeypatch.setattr(Node, "run_task", run_task, raising=False)
    row = next(row for row in _endpoints.endpoint_rows() if row.call == "node.run_task()")
    assert (row.method, row.path) == ("POST", "/nodes/:id/task")
    assert row.availability.describe() == "current (Hub >= 0.99.0)"
