"""The analysis workflow step by step and in one call, on both generations of the local Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from flamehub import Hub, UnsupportedByHub
from flamehub.errors import WorkflowError, WorkflowTimeout
from flamehub.models import Analysis, AnalysisNode
from flamehub.resources.enums import AnalysisCommand
from flamehub.testing import LocalHub
from flamehub.testing._worker import Worker, WorkerFault
from flamehub.workflow import STEP_COMMANDS, PollPolicy, StepUpdate

from .conftest import FAST, Site, make_site

#: The status a finished step reports: ``finished`` before Hub 0.8.22, ``executed`` after.
DONE = {"0.8.13": "finished", "0.14.0": "executed"}


def commands_sent(local: LocalHub, analysis: Analysis) -> int:
    return len(local.requests.filter("POST", f"/core/analyses/{analysis.id}/command"))


def new_analysis(hub: Hub, site: Site, name: str = "cohort-stats") -> Analysis:
    analysis = Analysis.objects.using(hub).create(
        project_id=site.project.id, master_image_id=site.image.id, name=name
    )
    if not analysis.nodes.using(hub).exists():  # 0.8.x Hubs assign no node by themselves
        for node in (site.aggregator, site.default):
            AnalysisNode.objects.using(hub).create(analysis_id=analysis.id, node_id=node.id)
    if site.registry is not None:
        analysis.registry_id = site.registry.id
        analysis.save()
    return analysis


def test_the_steps_one_by_one_end_with_a_result_file_per_node(
    hub: Hub, local: LocalHub, site: Site, code: Path, tmp_path: Path
) -> None:
    analysis = new_analysis(hub, site)
    entry = analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    assert entry.root is True
    rows = {row.path or row.name: row.root for row in analysis.bucket_files.using(hub)}
    assert rows == {"main.py": True, "lib/util.py": False}

    assert analysis.lock().configuration_locked is True
    builds: list[StepUpdate] = []
    analysis.build(timeout=10, poll=FAST, callback=builds.append)
    assert analysis.build_status == DONE[local.version]
    assert builds[-1].status == DONE[local.version]
    assert [update.step for update in builds] == ["build"] * len(builds)
    if not local.is_legacy:
        percents = [update.progress for update in builds]
        assert percents == sorted(percents) and percents[-1] == 100

    analysis.distribute(timeout=10, poll=FAST)
    runs: list[StepUpdate] = []
    analysis.wait_for_results(timeout=10, poll=FAST, callback=runs.append)
    assert runs[-1].status == DONE[local.version]
    assert {link.execution_status for link in analysis.nodes.using(hub)} == {DONE[local.version]}

    written = analysis.download_results(tmp_path / "results")
    names = sorted(path.name for path in written)
    assert names == sorted([f"{site.aggregator.name}.txt", f"{site.default.name}.txt"])
    text = (tmp_path / "results" / f"{site.default.name}.txt").read_text()
    assert str(analysis.id) in text


def test_run_analysis_does_everything_in_one_call(
    hub: Hub, local: LocalHub, site: Site, code: Path, tmp_path: Path
) -> None:
    analysis = site.project.run_analysis(
        code,
        entrypoint="main.py",
        master_image=site.image,
        registry=site.registry,
        to=tmp_path / "out",
        poll=FAST,
        timeout=10,
    )
    assert analysis.build_status == DONE[local.version]
    assert analysis.execution_status == DONE[local.version]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(
        [f"{site.aggregator.name}.txt", f"{site.default.name}.txt"]
    )
    # lock, build, distribute (spinUp on 0.8.x): one command each
    assert commands_sent(local, analysis) == 3


def test_steps_that_are_done_send_nothing_again(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = site.project.run_analysis(
        code, entrypoint="main.py", registry=site.registry, name="again", poll=FAST, timeout=10
    )
    before = len(local.requests)
    uploads_before = [r for r in local.requests if r.path.endswith("/upload")]
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    analysis.lock()
    analysis.build(poll=FAST)
    analysis.distribute(poll=FAST)
    analysis.wait_for_results(poll=FAST)
    assert len(local.requests) > before  # it looked at the Hub ...
    assert commands_sent(local, analysis) == 3  # ... and sent no command again
    assert [r for r in local.requests if r.path.endswith("/upload")] == uploads_before


# -- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("worker_step", "workflow_step"),
    [("build", "build"), ("distribution", "distribute"), ("execution", "wait_for_results")],
)
def test_a_failed_step_names_the_step_and_carries_the_hubs_log_lines(
    hub: Hub,
    local: LocalHub,
    worker: Worker,
    site: Site,
    code: Path,
    worker_step: str,
    workflow_step: str,
) -> None:
    if worker_step == "distribution" and local.is_legacy:
        pytest.skip("Hub 0.8.x has no distribution step")
    message = f"simulated {worker_step} crash"
    worker.inject(WorkerFault(worker_step, at=30, node=site.default.name, message=message))  # type: ignore[arg-type]
    with pytest.raises(WorkflowError) as caught:
        site.project.run_analysis(
            code, entrypoint="main.py", registry=site.registry, poll=FAST, timeout=10
        )
    error = caught.value
    assert not isinstance(error, WorkflowTimeout)
    assert (error.step, error.status) == (workflow_step, "failed")
    assert any(message in line for line in error.logs), error.logs
    assert message in str(error)
    if worker_step == "execution":
        assert error.node == site.default.name
        assert f"on node {site.default.name}" in str(error)


def test_a_failed_build_is_started_again_by_the_next_run(
    hub: Hub, local: LocalHub, worker: Worker, site: Site, code: Path
) -> None:
    worker.inject(WorkerFault("build", at=0, times=1))
    with pytest.raises(WorkflowError, match="build"):
        site.project.run_analysis(
            code, entrypoint="main.py", registry=site.registry, name="retry", poll=FAST
        )
    analysis = site.project.run_analysis(
        code, entrypoint="main.py", registry=site.registry, name="retry", poll=FAST, timeout=10
    )
    assert analysis.execution_status == DONE[local.version]
    # lock, build, build again, distribute
    assert commands_sent(local, analysis) == 4


# -- waiting -------------------------------------------------------------------------------


class FakeClock:
    """Time that passes only when the workflow sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_without_a_worker_a_build_stays_starting_and_times_out_after_the_documented_backoff(
    hub: Hub, local: LocalHub, worker: Worker, site: Site, code: Path
) -> None:
    worker.enabled = False  # a Hub whose worker is down
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    analysis.lock()
    clock = FakeClock()
    with pytest.raises(WorkflowTimeout) as caught:
        analysis.build(timeout=20, poll=PollPolicy(clock=clock))
    assert (caught.value.step, caught.value.status, caught.value.timeout) == (
        "build",
        "starting",
        20,
    )
    assert "'starting'" in str(caught.value)
    # first poll after 0.5 s, then 1.5 times longer each time, at most 5 s, cut at the deadline
    assert clock.sleeps[:7] == [0.5, 0.75, 1.125, 1.6875, 2.53125, 3.796875, 5.0]
    assert clock.sleeps[7:] == [20 - sum(clock.sleeps[:7])]
    assert clock.now == 20
    assert analysis.refresh().build_status == "starting"


def test_a_progress_bar_follows_the_hubs_percentages(
    hub: Hub, local: LocalHub, site: Site, code: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if local.is_legacy:
        pytest.skip("Hub 0.8.x reports no build progress")
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    analysis.lock()
    analysis.build(timeout=10, poll=FAST, progress=True)
    err = capsys.readouterr().err
    assert "build" in err and "100/100" in err and "%" in err


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes_without_repeating_commands(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    def interrupt(update: StepUpdate) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        site.project.run_analysis(
            code,
            entrypoint="main.py",
            registry=site.registry,
            name="resumable",
            poll=FAST,
            callback=interrupt,
        )
    [analysis] = Analysis.objects.using(hub).filter(project_id=site.project.id, name="resumable")
    assert analysis.configuration_locked is True
    assert analysis.build_status is not None
    assert commands_sent(local, analysis) == 2  # lock and build, then Ctrl-C

    resumed = site.project.run_analysis(
        code, entrypoint="main.py", registry=site.registry, name="resumable", poll=FAST, timeout=10
    )
    assert resumed.id == analysis.id
    assert resumed.execution_status == DONE[local.version]
    assert commands_sent(local, analysis) == 3  # only the distribution was added


# -- preconditions -------------------------------------------------------------------------


def test_lock_names_every_missing_precondition_and_sends_nothing(
    hub: Hub, local: LocalHub, site: Site
) -> None:
    analysis = Analysis.objects.using(hub).create(project_id=site.project.id, name="bare")
    for link in analysis.nodes.using(hub):
        link.delete()
    AnalysisNode.objects.using(hub).create(analysis_id=analysis.id, node_id=site.default.id)
    with pytest.raises(WorkflowError) as caught:
        analysis.lock()
    assert caught.value.step == "lock"
    assert caught.value.missing == ["no aggregator node assigned", "no root entrypoint file"]
    assert "no aggregator node assigned; no root entrypoint file" in str(caught.value)
    assert commands_sent(local, analysis) == 0


def test_build_before_lock_says_so(hub: Hub, local: LocalHub, site: Site, code: Path) -> None:
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    with pytest.raises(WorkflowError, match="the configuration is not locked") as caught:
        analysis.build(poll=FAST)
    assert caught.value.missing == ["the configuration is not locked"]
    assert commands_sent(local, analysis) == 0


def test_build_names_the_node_that_has_not_approved(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    analysis.lock()
    link = analysis.nodes.using(hub).get(node_id=site.default.id)
    link.reject(comment="not with our data")
    with pytest.raises(WorkflowError) as caught:
        analysis.build(poll=FAST)
    assert caught.value.missing == [
        f"node {site.default.name} has not approved the analysis (rejected)"
    ]
    assert commands_sent(local, analysis) == 1  # the lock only


def built(hub: Hub, site: Site, code: Path) -> Analysis:
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    analysis.lock()
    return analysis.build(timeout=10, poll=FAST)


def test_distribute_names_the_nodes_without_a_registry(
    hub: Hub, local: LocalHub, code: Path
) -> None:
    if local.is_legacy:
        pytest.skip("Hub 0.8.x has no distribution (spinUp needs no registry)")
    site = make_site(hub, registry=False)
    analysis = built(hub, site, code)
    with pytest.raises(WorkflowError) as caught:
        analysis.distribute(poll=FAST)
    assert caught.value.missing == [
        f"node {site.aggregator.name} has no registry",
        f"node {site.default.name} has no registry",
    ]
    assert commands_sent(local, analysis) == 2  # lock and build


def test_distribute_without_a_registry_says_registry_not_set(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    if local.is_legacy:
        pytest.skip("Hub 0.8.x has no distribution (spinUp needs no registry)")
    # The Hub may fall back to a default registry a client cannot see, so flamehub lets the
    # Hub decide and translates its 400 "No docker registry is defined." (hub-api 5.1.3)
    site.registry = None  # type: ignore[assignment]
    analysis = built(hub, site, code)
    with pytest.raises(WorkflowError, match="registry not set") as caught:
        analysis.distribute(poll=FAST)
    assert caught.value.missing == ["registry not set (set analysis.registry_id)"]
    assert "No docker registry is defined." in str(caught.value)
    assert analysis.refresh().distribution_status is None


def test_distribute_before_the_build_finished(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = new_analysis(hub, site)
    with pytest.raises(WorkflowError, match="the build has not finished") as caught:
        analysis.distribute()
    assert caught.value.status is None
    with pytest.raises(WorkflowError, match="has not been distributed"):
        analysis.wait_for_results()
    assert commands_sent(local, analysis) == 0


def test_an_entrypoint_outside_the_code_fails_before_any_request(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = new_analysis(hub, site)
    before = len(local.requests)
    with pytest.raises(WorkflowError, match="no root entrypoint file") as caught:
        analysis.upload_code(code, entrypoint="missing.py")
    assert caught.value.missing == ["no root entrypoint file"]
    with pytest.raises(WorkflowError, match="no root entrypoint file"):
        analysis.upload_code(code)  # a directory needs an entrypoint
    assert len(local.requests) == before


def test_code_that_differs_from_the_uploaded_code_is_refused(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = new_analysis(hub, site)
    analysis.upload_code(code, entrypoint="main.py", poll=FAST)
    (code / "lib" / "util.py").write_text("answer = 4242\n")
    with pytest.raises(WorkflowError, match="lib/util.py"):
        analysis.upload_code(code, entrypoint="main.py", poll=FAST)


def test_a_step_whose_command_the_hub_lacks_raises_unsupported_by_hub_naming_it(
    hub: Hub, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # assumption: no recorded Hub lacks a command of the workflow, so the table is narrowed
    # to the current command only; on 0.8.x (which has spinUp instead) the step is refused
    monkeypatch.setitem(STEP_COMMANDS, "distribute", (AnalysisCommand.DISTRIBUTION_START,))
    if hub.dialect.version >= (0, 8, 22):
        pytest.skip("this Hub has distributionStart")
    analysis = new_analysis(hub, site)
    with pytest.raises(UnsupportedByHub, match="'distribute'.*distributionStart"):
        analysis.distribute()


def test_upload_code_times_out_naming_the_missing_code_bucket(
    hub: Hub, local: LocalHub, site: Site, code: Path
) -> None:
    analysis = new_analysis(hub, site)
    analysis.buckets.using(hub).get(type="CODE").delete()  # as if storage never confirmed it
    clock = FakeClock()
    uploads = len([r for r in local.requests if r.path.endswith("/upload")])
    with pytest.raises(WorkflowTimeout) as caught:
        analysis.upload_code(code, entrypoint="main.py", timeout=3, poll=PollPolicy(clock=clock))
    assert (caught.value.step, caught.value.status) == ("upload_code", "no CODE bucket")
    assert clock.now == 3
    assert len([r for r in local.requests if r.path.endswith("/upload")]) == uploads
