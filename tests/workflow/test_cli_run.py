"""``flamehub analysis run`` on the local Hub (both generations)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from flamehub import Hub
from flamehub.cli import EXIT_INTERRUPTED, EXIT_OK, main
from flamehub.models import Analysis
from flamehub.testing import LocalHub
from flamehub.testing._worker import Worker, WorkerFault

from .conftest import Site


@pytest.fixture
def env(local: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("FLAMEHUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FLAMEHUB_URL", local.url)
    monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
    monkeypatch.setenv("FLAMEHUB_PASSWORD", local.admin_credentials[1])


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def analysis_run_argv(project: object, code: Path, registry: object) -> list[str]:
    """``flamehub analysis run`` of ``code`` (entrypoint main.py) in a project, by name or id."""
    return [
        "analysis", "run", "--project", str(project), "--code", str(code),
        "--entrypoint", "main.py", "--registry", str(registry),
    ]  # fmt: skip


def test_analysis_run_uploads_builds_distributes_and_downloads(
    env: None, hub: Hub, local: LocalHub, site: Site, code: Path, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    argv = analysis_run_argv(site.project.name, code, site.registry.name)
    code_, out = run(*argv, "--name", "cli-run", "--to", str(results), "--json")
    assert code_ == EXIT_OK, out
    summary = json.loads(out)
    assert summary["name"] == "cli-run"
    expected = sorted([f"{site.aggregator.name}.txt", f"{site.default.name}.txt"])
    assert sorted(Path(path).name for path in summary["results"]) == expected
    assert sorted(path.name for path in results.iterdir()) == expected
    analysis = Analysis.objects.using(hub).get(id=summary["id"])
    assert analysis.configuration_locked is True


def test_analysis_run_by_project_id_prints_a_summary(
    env: None, hub: Hub, site: Site, code: Path
) -> None:
    code_, out = run(*analysis_run_argv(site.project.id, code, site.registry.id))
    assert code_ == EXIT_OK
    assert out.startswith("analysis ") and "executed; 0 result file(s)" in out
    [analysis] = Analysis.objects.using(hub).filter(project_id=site.project.id)
    assert analysis.name is not None and analysis.name.startswith("src-")


def test_a_failing_node_is_one_error_line_naming_it(
    env: None,
    hub: Hub,
    worker: Worker,
    site: Site,
    code: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    worker.inject(WorkerFault("execution", node=site.default.name, message="disk full"))
    code_, _ = run(*analysis_run_argv(site.project.name, code, site.registry.name))
    err = capsys.readouterr().err
    assert code_ == 1
    assert err.startswith("error: ") and f"on node {site.default.name}" in err
    assert "disk full" in err


def test_ctrl_c_says_how_to_resume_and_the_same_command_resumes(
    env: None,
    hub: Hub,
    local: LocalHub,
    site: Site,
    code: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flamehub import workflow

    argv = analysis_run_argv(site.project.name, code, site.registry.name)
    argv += ["--name", "cli-resume"]
    original = workflow.distribute

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(workflow, "distribute", interrupted)
    code_, _ = run(*argv)
    assert code_ == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "--name cli-resume to resume" in err
    monkeypatch.setattr(workflow, "distribute", original)
    code_, _ = run(*argv)
    assert code_ == EXIT_OK
    [analysis] = Analysis.objects.using(hub).filter(project_id=site.project.id)
    # lock and build in the first run, the distribution in the second
    assert len(local.requests.filter("POST", f"/core/analyses/{analysis.id}/command")) == 3


def test_a_missing_code_directory_fails_before_any_request(
    env: None, local: LocalHub, site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(local.requests)
    code_, _ = run(
        "analysis", "run", "--project", str(site.project.name), "--code", str(tmp_path / "nope")
    )
    assert code_ == 1
    assert "no such file or directory" in capsys.readouterr().err
    assert len(local.requests) == before
