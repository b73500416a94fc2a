"""Run a federated analysis from a script: code up, configuration locked, built, distributed,
results down.

Each step reads the analysis from the Hub first, checks the preconditions the Hub would check
(hub-api §5.1.3) and names what is missing in a :class:`~flamehub.errors.WorkflowError`
before it sends a command the Hub would refuse with a terse 400. Each step is idempotent: an
analysis that is already locked, built or distributed is taken as it is, so a script that was
interrupted picks up where the analysis stands when it runs again.

Steps (also methods of :class:`~flamehub.models.Analysis`):

1. :func:`upload_code`: wait for the CODE bucket, upload what is not there yet, wait for core
   to list the files, mark the entrypoint (``root``);
2. :func:`lock`: ``configurationLock``;
3. :func:`build`: ``buildStart``, then follow ``build_status``;
4. :func:`distribute`: ``distributionStart``, then follow ``distribution_status``
   (Hubs before 0.8.22: ``spinUp``, they have no distribution to follow);
5. :func:`wait_for_results`: follow the execution on every node;
6. :func:`download_results`: the RESULT bucket, extracted safely.

:func:`run_analysis` runs them all. Waiting polls the analysis with a backoff: the first poll
after :data:`FIRST_POLL_DELAY` seconds, each next one :data:`POLL_BACKOFF` times later, never
more than :data:`MAX_POLL_INTERVAL` seconds apart (:class:`PollPolicy`). ``progress=True``
shows a tqdm bar of the Hub's ``*_progress`` field (extra ``flamehub[progress]``), a
``callback`` receives a :class:`StepUpdate` per poll, ``timeout=`` ends the wait with
:class:`~flamehub.errors.WorkflowTimeout` naming the status the step was stuck in, and Ctrl-C
stops the wait cleanly (the bar is closed, ``KeyboardInterrupt`` propagates, the analysis on
the Hub is left as it is: run the script again to resume).

Example::

    from flamehub.models import Analysis

    analysis = Analysis.objects.create(project_id=project.id, master_image_id=image.id)
    analysis.upload_code("src/", entrypoint="main.py")
    analysis.lock()
    analysis.build(wait=True, timeout=1800)
    analysis.distribute(wait=True)
    analysis.wait_for_results(timeout=3600)
    analysis.download_results(to="results/")
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from . import errors, files
from .dialects import Generation
from .hub import resolve_hub
from .resources.core import ANALYSIS_COMMANDS, analysis_commands
from .resources.enums import (
    AnalysisBucketType,
    AnalysisCommand,
    ApprovalStatus,
    NodeType,
    ProcessStatus,
)

if TYPE_CHECKING:
    from .hub import Hub
    from .resources.core import Analysis, AnalysisBucket, AnalysisBucketFile, AnalysisNode, Project

__all__ = [
    "DEFAULT_BUCKET_TIMEOUT",
    "FAILURE_LOG_LINES",
    "FIRST_POLL_DELAY",
    "MAX_POLL_INTERVAL",
    "POLL_BACKOFF",
    "STEP_COMMANDS",
    "Clock",
    "PollPolicy",
    "StepUpdate",
    "build",
    "distribute",
    "download_results",
    "lock",
    "run_analysis",
    "upload_code",
    "wait_for_results",
]

#: Seconds before the first poll of a step that is under way (soon: fast steps end quickly).
FIRST_POLL_DELAY = 0.5
#: Each next poll waits this many times longer than the one before ...
POLL_BACKOFF = 1.5
#: ... but never more than this many seconds.
MAX_POLL_INTERVAL = 5.0
#: Seconds :func:`upload_code` waits for the CODE bucket and for core to list the files.
DEFAULT_BUCKET_TIMEOUT = 60.0
#: How many of the latest log lines a failure carries (per analysis and per failed node).
FAILURE_LOG_LINES = 5
#: What :func:`distribute` says when the analysis has no registry to push the image to.
REGISTRY_NOT_SET = "registry not set (set analysis.registry_id)"
#: The unit of the progress bars: the Hub's ``*_progress`` fields are percentages.
PERCENT = "%"

#: The command of each step, first choice first: the current one, then the one that
#: stood for it before Hub 0.8.22 (``spinUp`` started an analysis on the nodes).
STEP_COMMANDS: dict[str, tuple[AnalysisCommand, ...]] = {
    "lock": (AnalysisCommand.CONFIGURATION_LOCK,),
    "build": (AnalysisCommand.BUILD_START,),
    "distribute": (AnalysisCommand.DISTRIBUTION_START, AnalysisCommand.SPIN_UP),
}

#: A step has finished (``finished``: Hubs before 0.8.22).
_DONE = frozenset({ProcessStatus.EXECUTED, ProcessStatus.FINISHED})
#: A step is under way: wait for it instead of starting it again.
_UNDER_WAY = frozenset(
    {ProcessStatus.STARTING, ProcessStatus.STARTED, ProcessStatus.EXECUTING, ProcessStatus.RUNNING}
)
#: A step has stopped without finishing.
_BROKEN = frozenset({ProcessStatus.FAILED, ProcessStatus.STOPPED, ProcessStatus.STOPPING})


class Clock(Protocol):
    """What waiting needs of time; tests pass a fake one.

    Example::

        class FakeClock:
            now = 0.0
            def monotonic(self) -> float:
                return self.now
            def sleep(self, seconds: float) -> None:
                self.now += seconds
    """

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


#: The real clock.
SYSTEM_CLOCK: Clock = _SystemClock()


@attrs.frozen
class PollPolicy:
    """How a waiting step polls: ``first`` seconds, then ``factor`` times longer each time,
    at most ``maximum`` seconds apart, on ``clock``.

    Example::

        list(itertools.islice(PollPolicy().delays(), 6))   # [0.5, 0.75, 1.125, ... 3.8, 5.0]
        analysis.build(poll=PollPolicy(first=0.1, maximum=1.0))
    """

    first: float = FIRST_POLL_DELAY
    factor: float = POLL_BACKOFF
    maximum: float = MAX_POLL_INTERVAL
    clock: Clock = SYSTEM_CLOCK

    def __attrs_post_init__(self) -> None:
        if not 0 < self.first <= self.maximum or self.factor < 1:
            raise errors.QueryError(
                "a poll policy needs 0 < first <= maximum and factor >= 1, got "
                f"first={self.first}, maximum={self.maximum}, factor={self.factor}"
            )

    def delays(self) -> Iterator[float]:
        """The pauses between polls, forever."""
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


#: The default backoff (:data:`FIRST_POLL_DELAY`, :data:`POLL_BACKOFF`, :data:`MAX_POLL_INTERVAL`).
DEFAULT_POLL = PollPolicy()


@attrs.frozen
class StepUpdate:
    """What a poll saw: the step, the Hub's status and progress (0-100, or ``None``).

    Example::

        analysis.build(callback=lambda update: print(update.step, update.status, update.progress))
    """

    step: str
    status: str | None
    progress: int | None
    analysis: Analysis = attrs.field(repr=False)


#: ``callback=`` of the waiting steps.
StepCallback = Callable[[StepUpdate], object]


# -- helpers -------------------------------------------------------------------------


def _hub_of(analysis: Analysis, using: Hub | None) -> Hub:
    if analysis.pk is None:
        raise errors.QueryError("the analysis has no id: create or load it first")
    return resolve_hub(using, analysis.hub)


def _status(value: Any) -> ProcessStatus | None:
    return None if value is None else ProcessStatus(value)


def _text(status: Any) -> str | None:
    return None if status is None else str(status)


def _label(analysis: Analysis) -> str:
    return f"analysis {analysis.name or analysis.pk}"


def _command_for(step: str, hub: Hub) -> AnalysisCommand:
    """The analysis command that carries out ``step`` on this Hub."""
    for command in STEP_COMMANDS[step]:
        if ANALYSIS_COMMANDS[command].on(hub.dialect):
            return command
    wanted = " or ".join(command.value for command in STEP_COMMANDS[step])
    offered = ", ".join(command.value for command in analysis_commands(hub.dialect))
    raise errors.UnsupportedByHub(
        f"the workflow step {step!r} needs the analysis command {wanted}, which Hub "
        f"{hub.dialect.version_string} does not have (it accepts {offered})"
    )


def _has_distribution(hub: Hub) -> bool:
    return ANALYSIS_COMMANDS[AnalysisCommand.DISTRIBUTION_START].on(hub.dialect)


def _nodes(analysis: Analysis, hub: Hub) -> list[AnalysisNode]:
    return list(analysis.nodes.using(hub).include("node"))


def _node_name(link: AnalysisNode) -> str:
    node = link.node
    name = node.name if node is not None else None
    return str(name or link.node_id)


def _node_type(link: AnalysisNode) -> NodeType | None:
    node = link.node
    return None if node is None else node.type


def _fail_if_missing(step: str, analysis: Analysis, missing: list[str], what: str) -> None:
    if missing:
        raise errors.WorkflowError(
            f"cannot {what} {_label(analysis)}: {'; '.join(missing)}", step=step, missing=missing
        )


def _latest_logs(hub: Hub, analysis: Analysis, node_id: Any = None) -> list[str]:
    """The latest log lines of the analysis (or of one of its nodes), newest first.

    Current Hubs keep logs in a log store that answers newest first; legacy Hubs keep
    records, sorted here. A Hub without its log store answers an error: the failure then
    says that the logs could not be read instead of hiding the original failure.
    """
    from .resources.core import AnalysisLog, AnalysisNodeLog

    try:
        if node_id is None:
            logs: Any = AnalysisLog.objects.using(hub).filter(analysis_id=analysis.pk)
        else:
            logs = AnalysisNodeLog.objects.using(hub).filter(
                analysis_id=analysis.pk, node_id=node_id
            )
        if hub.dialect.generation is Generation.LEGACY:
            logs = logs.order_by("-created_at")
        lines = []
        for line in logs[:FAILURE_LOG_LINES]:
            message = getattr(line, "message", None) or getattr(line, "status_message", None)
            level = getattr(line, "level", None) or ("error" if line.error else "info")
            when = getattr(line, "time", None) or getattr(line, "created_at", None)
            lines.append(f"{when} {level}: {message}")
        return lines
    except errors.FlamehubError as error:
        return [f"(the Hub's logs could not be read: {error})"]


def _with_logs(message: str, logs: Sequence[str]) -> str:
    if not logs:
        return message
    return message + "\nlatest log lines:\n" + "\n".join(f"  {line}" for line in logs)


def _wait(
    analysis: Analysis,
    *,
    step: str,
    observe: Callable[[], tuple[ProcessStatus | None, int | None]],
    timeout: float | None,
    poll: PollPolicy,
    progress: bool,
    callback: StepCallback | None,
) -> None:
    """Poll ``observe`` until it reports a finished status (it raises on failures)."""
    clock = poll.clock
    deadline = None if timeout is None else clock.monotonic() + timeout
    delays = poll.delays()
    with files.Progress(
        True if progress else None, total=100, description=f"{step}", unit=PERCENT
    ) as bar:
        while True:
            status, percent = observe()
            if percent is not None:
                bar.update(max(0, min(100, percent)))
            if callback is not None:
                callback(StepUpdate(step, _text(status), percent, analysis))
            if status in _DONE:
                bar.update(100)
                return
            now = clock.monotonic()
            if deadline is not None and now >= deadline:
                raise errors.WorkflowTimeout(
                    f"{step} of {_label(analysis)} did not finish within {timeout:g} s: "
                    f"its status is still {_text(status)!r}"
                    + (
                        " (a Hub without a running worker leaves it there)"
                        if status in (None, ProcessStatus.STARTING)
                        else ""
                    ),
                    step=step,
                    status=_text(status),
                    timeout=float(timeout or 0.0),
                )
            delay = next(delays)
            if deadline is not None:
                delay = min(delay, deadline - now)
            clock.sleep(delay)


def _step_observer(
    analysis: Analysis, hub: Hub, step: str, field: str
) -> Callable[[], tuple[ProcessStatus | None, int | None]]:
    """Reload the analysis; its ``<field>_status`` and ``<field>_progress``; raise on failure."""

    def observe() -> tuple[ProcessStatus | None, int | None]:
        analysis.refresh(using=hub)
        status = _status(getattr(analysis, f"{field}_status"))
        if status in _BROKEN:
            logs = _latest_logs(hub, analysis)
            raise errors.WorkflowError(
                _with_logs(f"{step} of {_label(analysis)} {status}", logs),
                step=step,
                status=_text(status),
                logs=logs,
            )
        return status, getattr(analysis, f"{field}_progress", None)

    return observe


# -- the steps -------------------------------------------------------------------------


def _bucket(
    analysis: Analysis,
    hub: Hub,
    bucket_type: AnalysisBucketType,
    step: str,
    timeout: float,
    poll: PollPolicy,
) -> AnalysisBucket:
    """The analysis bucket of ``bucket_type``, waiting for the Hub to create it."""
    clock = poll.clock
    deadline = clock.monotonic() + timeout
    delays = poll.delays()
    while True:
        found = analysis.buckets.using(hub).filter(type=bucket_type).first()
        if found is not None:
            return found
        now = clock.monotonic()
        if now >= deadline:
            raise errors.WorkflowTimeout(
                f"the Hub lists no {bucket_type} bucket for {_label(analysis)} after "
                f"{timeout:g} s (its storage service creates them; on current Hubs "
                "analysis.storage_check() asks for missing ones)",
                step=step,
                status=f"no {bucket_type} bucket",
                timeout=timeout,
            )
        clock.sleep(min(next(delays), deadline - now))


def _local_files(source: Path) -> dict[str, Path]:
    """Bucket path -> local file for a file or every file below a directory."""
    if source.is_file():
        return {source.name: source}
    return {
        PurePosixPath(*path.relative_to(source).parts).as_posix(): path
        for path in sorted(source.rglob("*"))
        if path.is_file()
    }


def _row_path(row: AnalysisBucketFile) -> str | None:
    return row.path if row.path is not None else row.name


def upload_code(
    analysis: Analysis,
    source: str | os.PathLike[str],
    *,
    entrypoint: str | None = None,
    timeout: float = DEFAULT_BUCKET_TIMEOUT,
    poll: PollPolicy = DEFAULT_POLL,
    progress: files.ProgressOption = None,
    using: Hub | None = None,
) -> AnalysisBucketFile:
    """Upload a file or a directory into the CODE bucket and mark the entrypoint.

    Waits for the Hub to create the CODE bucket, uploads the files that are not in it yet
    (a file already there with the same size counts as uploaded; one with another size is
    an error, as the Hub cannot replace it in place), waits for core to list them and sets
    ``root`` on ``entrypoint`` (a path relative to ``source``; default: ``source`` itself
    when it is a file). Returns the entrypoint's analysis-bucket-file.

    Example::

        entry = upload_code(analysis, "src/", entrypoint="main.py")
        assert entry.root
    """
    step = "upload_code"
    root = Path(source)
    if not root.exists():
        raise errors.WorkflowError(f"no such file or directory: {root}", step=step)
    local = _local_files(root)
    entry = entrypoint if entrypoint is not None else (root.name if root.is_file() else None)
    if entry is None:
        raise errors.WorkflowError(
            f"no root entrypoint file: name the file of {root} the nodes run (entrypoint=...)",
            step=step,
            missing=["no root entrypoint file"],
        )
    entry = PurePosixPath(entry).as_posix()
    if entry not in local:
        raise errors.WorkflowError(
            f"no root entrypoint file: {entry!r} is not a file of {root}",
            step=step,
            missing=["no root entrypoint file"],
        )
    hub = _hub_of(analysis, using)
    analysis.refresh(using=hub)
    code = _bucket(analysis, hub, AnalysisBucketType.CODE, step, timeout, poll)
    stored = {row.path: row.size for row in code.storage_files.using(hub)}
    changed = sorted(
        path for path, file in local.items() if path in stored and stored[path] != _size(file)
    )
    if changed:
        raise errors.WorkflowError(
            f"the CODE bucket of {_label(analysis)} already holds other versions of "
            f"{', '.join(changed)}: delete them there first (or use a new analysis)",
            step=step,
        )
    todo = sorted(path for path in local if path not in stored)
    if todo and analysis.configuration_locked:
        raise errors.WorkflowError(
            f"the configuration of {_label(analysis)} is locked: {', '.join(todo)} can no "
            "longer be added (unlock it with analysis.configuration_unlock())",
            step=step,
            status="locked",
        )
    if todo:
        with contextlib.ExitStack() as stack:
            sources = [(path, stack.enter_context(local[path].open("rb"))) for path in todo]
            code.upload(*sources, progress=progress, using=hub)
    wanted = list(code.storage_files.using(hub))
    rows = code.wait_for_analysis_files(
        wanted, timeout=timeout, poll_interval=poll.maximum, using=hub
    )
    return _mark_entrypoint(analysis, [row for row in rows if row is not None], entry, hub)


def _size(path: Path) -> int:
    return path.stat().st_size


def _mark_entrypoint(
    analysis: Analysis, rows: list[AnalysisBucketFile], entry: str, hub: Hub
) -> AnalysisBucketFile:
    target = next((row for row in rows if _row_path(row) == entry), None)
    if target is None:
        raise errors.WorkflowError(
            f"no root entrypoint file: core lists no {entry!r} for {_label(analysis)}",
            step="upload_code",
            missing=["no root entrypoint file"],
        )
    if target.root:
        return target
    if analysis.configuration_locked:
        raise errors.WorkflowError(
            f"the configuration of {_label(analysis)} is locked with another entrypoint; "
            "unlock it to change the entrypoint",
            step="upload_code",
            status="locked",
        )
    for row in rows:
        if row.root and row is not target:
            row.root = False
            row.save(using=hub)
    target.root = True
    return target.save(using=hub)


def _configuration_problems(analysis: Analysis, hub: Hub) -> list[str]:
    """What ``configurationLock`` needs and the analysis lacks (hub-api §5.1.3)."""
    missing = []
    links = _nodes(analysis, hub)
    types = {_node_type(link) for link in links}
    if NodeType.DEFAULT not in types:
        missing.append("no default node assigned")
    if NodeType.AGGREGATOR not in types:
        missing.append("no aggregator node assigned")
    if not any(row.root for row in analysis.bucket_files.using(hub)):
        missing.append("no root entrypoint file")
    if analysis.master_image_id is None:
        missing.append("no master image set")
    return missing


def lock(analysis: Analysis, *, using: Hub | None = None) -> Analysis:
    """Lock the configuration (``configurationLock``); nothing to do if it is locked.

    Raises :class:`~flamehub.errors.WorkflowError` naming every unmet precondition (nodes,
    entrypoint, master image) before anything is sent.

    Example::

        lock(analysis)
        assert analysis.configuration_locked
    """
    step = "lock"
    hub = _hub_of(analysis, using)
    analysis.refresh(using=hub)
    if analysis.configuration_locked:
        return analysis
    command = _command_for(step, hub)
    missing = _configuration_problems(analysis, hub)
    if analysis.build_status is not None:
        missing.append(f"the build was already started ({analysis.build_status})")
    _fail_if_missing(step, analysis, missing, "lock the configuration of")
    return analysis.command(command, using=hub)


def _approval_problems(analysis: Analysis, hub: Hub) -> list[str]:
    """What ``buildStart`` needs and the analysis lacks: every node approved."""
    missing = []
    links = _nodes(analysis, hub)
    if not any(
        _node_type(link) == NodeType.AGGREGATOR and link.approval_status == ApprovalStatus.APPROVED
        for link in links
    ):
        missing.append("no aggregator node approved")
    for link in links:
        if link.approval_status != ApprovalStatus.APPROVED:
            state = link.approval_status or "pending"
            missing.append(f"node {_node_name(link)} has not approved the analysis ({state})")
    return missing


def build(
    analysis: Analysis,
    *,
    wait: bool = True,
    timeout: float | None = None,
    poll: PollPolicy = DEFAULT_POLL,
    progress: bool = False,
    callback: StepCallback | None = None,
    using: Hub | None = None,
) -> Analysis:
    """Start the build (``buildStart``) and, with ``wait``, follow ``build_status``.

    A build under way is followed, a finished one taken as it is, a failed or stopped one
    started again. Raises :class:`~flamehub.errors.WorkflowError` when the configuration is
    not locked or a node has not approved, and when the build fails (with the latest log
    lines); :class:`~flamehub.errors.WorkflowTimeout` after ``timeout`` seconds.

    Example::

        build(analysis, timeout=1800, progress=True)
        assert analysis.build_status == "executed"
    """
    step = "build"
    hub = _hub_of(analysis, using)
    analysis.refresh(using=hub)
    status = _status(analysis.build_status)
    if status in _DONE:
        return analysis
    if status not in _UNDER_WAY:
        command = _command_for(step, hub)
        missing = [] if analysis.configuration_locked else ["the configuration is not locked"]
        missing += _approval_problems(analysis, hub)
        _fail_if_missing(step, analysis, missing, "build")
        analysis.command(command, using=hub)
    if wait:
        observe = _step_observer(analysis, hub, step, "build")
        _wait(
            analysis,
            step=step,
            observe=observe,
            timeout=timeout,
            poll=poll,
            progress=progress,
            callback=callback,
        )
    return analysis


def _registry_problems(analysis: Analysis, links: list[AnalysisNode], hub: Hub) -> list[str]:
    """What ``distributionStart`` needs: a registry (the analysis' own or, where the Hub
    has one configured, its default: unknown to a client, so only "none at all" is
    certain) and one for every node."""
    from .resources.core import Registry

    missing = []
    if analysis.registry_id is None:
        try:
            none_at_all = not Registry.objects.using(hub).exists()
        except errors.HubAPIError:  # not allowed to list them: the Hub decides
            none_at_all = False
        if none_at_all:
            missing.append(REGISTRY_NOT_SET)
    for link in links:
        node = link.node
        if node is not None and node.registry_id is None:
            missing.append(f"node {_node_name(link)} has no registry")
    return missing


def distribute(
    analysis: Analysis,
    *,
    wait: bool = True,
    timeout: float | None = None,
    poll: PollPolicy = DEFAULT_POLL,
    progress: bool = False,
    callback: StepCallback | None = None,
    using: Hub | None = None,
) -> Analysis:
    """Distribute the built image to the nodes (``distributionStart``) and follow it.

    Needs a finished build and a registry for the analysis and every node. Hubs before
    0.8.22 have no distribution: there the step sends ``spinUp`` (which started the
    analysis on the nodes) once, and :func:`wait_for_results` follows the run.

    Example::

        distribute(analysis, timeout=600)
    """
    step = "distribute"
    hub = _hub_of(analysis, using)
    analysis.refresh(using=hub)
    command = _command_for(step, hub)
    if _status(analysis.build_status) not in _DONE:
        raise errors.WorkflowError(
            f"cannot distribute {_label(analysis)}: the build has not finished "
            f"(build_status {_text(analysis.build_status)!r}); build it first",
            step=step,
            status=_text(analysis.build_status),
            missing=["the build has not finished"],
        )
    if not _has_distribution(hub):
        if analysis.execution_status is None:
            analysis.command(command, using=hub)
        return analysis
    status = _status(analysis.distribution_status)
    if status in _DONE:
        return analysis
    if status not in _UNDER_WAY:
        missing = _registry_problems(analysis, _nodes(analysis, hub), hub)
        _fail_if_missing(step, analysis, missing, "distribute")
        try:
            analysis.command(command, using=hub)
        except errors.BadRequest as error:
            if "registry" not in error.message.lower():
                raise
            raise errors.WorkflowError(
                f"cannot distribute {_label(analysis)}: {REGISTRY_NOT_SET} "
                f"(the Hub answered: {error.message})",
                step=step,
                missing=[REGISTRY_NOT_SET],
            ) from error
    if wait:
        observe = _step_observer(analysis, hub, step, "distribution")
        _wait(
            analysis,
            step=step,
            observe=observe,
            timeout=timeout,
            poll=poll,
            progress=progress,
            callback=callback,
        )
    return analysis


def wait_for_results(
    analysis: Analysis,
    *,
    timeout: float | None = None,
    poll: PollPolicy = DEFAULT_POLL,
    progress: bool = False,
    callback: StepCallback | None = None,
    using: Hub | None = None,
) -> Analysis:
    """Wait until the analysis has run on every node.

    Done when every analysis-node (or the analysis itself) reports ``executed``
    (``finished`` before Hub 0.8.22). A node that fails raises
    :class:`~flamehub.errors.WorkflowError` naming the node, with its latest log lines and
    the analysis' ones.

    Example::

        wait_for_results(analysis, timeout=3600, callback=print)
    """
    step = "wait_for_results"
    hub = _hub_of(analysis, using)
    analysis.refresh(using=hub)
    started = analysis.distribution_status if _has_distribution(hub) else analysis.execution_status
    if started is None:
        raise errors.WorkflowError(
            f"{_label(analysis)} has not been distributed to its nodes: distribute it first",
            step=step,
            missing=["the analysis has not been distributed"],
        )

    def observe() -> tuple[ProcessStatus | None, int | None]:
        analysis.refresh(using=hub)
        links = _nodes(analysis, hub)
        for link in links:
            if _status(link.execution_status) in _BROKEN:
                logs = _latest_logs(hub, analysis, link.node_id) + _latest_logs(hub, analysis)
                name = _node_name(link)
                raise errors.WorkflowError(
                    _with_logs(f"{_label(analysis)} {link.execution_status} on node {name}", logs),
                    step=step,
                    status=_text(link.execution_status),
                    node=name,
                    logs=logs,
                )
        status = _status(analysis.execution_status)
        if status in _BROKEN:
            logs = _latest_logs(hub, analysis)
            raise errors.WorkflowError(
                _with_logs(f"the execution of {_label(analysis)} {status}", logs),
                step=step,
                status=_text(status),
                logs=logs,
            )
        if links and all(_status(link.execution_status) in _DONE for link in links):
            # the Hub recalculates the analysis' own status after the nodes' (debounced)
            analysis.refresh(using=hub)
            status = _status(links[0].execution_status)
        percents = [link.execution_progress for link in links]
        percent = analysis.execution_progress
        if percent is None and links and all(value is not None for value in percents):
            percent = sum(value or 0 for value in percents) // len(percents)
        return status, percent

    _wait(
        analysis,
        step=step,
        observe=observe,
        timeout=timeout,
        poll=poll,
        progress=progress,
        callback=callback,
    )
    return analysis


def download_results(
    analysis: Analysis,
    to: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_BUCKET_TIMEOUT,
    poll: PollPolicy = DEFAULT_POLL,
    progress: files.ProgressOption = None,
    using: Hub | None = None,
) -> list[Path]:
    """Download the RESULT bucket into the directory ``to``, extracted safely.

    Returns the files written (links, absolute paths and ``..`` are refused:
    :class:`~flamehub.files.UnsafeArchiveMember`).

    Example::

        for path in download_results(analysis, to="results/"):
            print(path)
    """
    hub = _hub_of(analysis, using)
    bucket = _bucket(analysis, hub, AnalysisBucketType.RESULT, "download_results", timeout, poll)
    return bucket.download_all(to, progress=progress, using=hub)


def run_analysis(
    project: Project,
    code: str | os.PathLike[str],
    *,
    entrypoint: str | None = None,
    master_image: Any = None,
    registry: Any = None,
    name: str | None = None,
    to: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    poll: PollPolicy = DEFAULT_POLL,
    progress: bool = False,
    callback: StepCallback | None = None,
    using: Hub | None = None,
) -> Analysis:
    """Every step: create (or resume) the analysis, upload, lock, build, distribute, run,
    download the results into ``to`` (when given).

    With ``name``, an analysis of that name in the project is resumed where it stands (a
    script that was interrupted runs again); otherwise a new one is created.
    ``master_image`` and ``registry`` are records or ids (default: the project's master
    image, and the Hub's default registry where it has one). An analysis without nodes
    gets the project's approved nodes, as current Hubs do on create. ``timeout`` applies
    to each waiting step; ``progress=True`` shows bars of the transfers (bytes) and of the
    waiting steps (percent).

    Example::

        analysis = run_analysis(project, "src/", entrypoint="main.py", to="results/")
    """
    from .resources.core import Analysis, AnalysisNode

    hub = resolve_hub(using, project.hub)
    if project.pk is None:
        raise errors.QueryError("the project has no id: create or load it first")
    if not Path(code).exists():
        raise errors.WorkflowError(f"no such file or directory: {code}", step="upload_code")
    analyses = Analysis.objects.using(hub)
    analysis = analyses.filter(project_id=project.pk, name=name).first() if name else None
    image_id = getattr(master_image, "pk", master_image)
    registry_id = getattr(registry, "pk", registry)
    if analysis is None:
        values: dict[str, Any] = {"project_id": project.pk}
        if name:
            values["name"] = name
        if image_id is not None:
            values["master_image_id"] = image_id
        if registry_id is not None:
            values["registry_id"] = registry_id
        analysis = analyses.create(**values)
    elif registry_id is not None and analysis.registry_id is None:
        analysis.registry_id = registry_id
        analysis.save(using=hub)
    if not analysis.nodes.using(hub).exists():
        for link in project.nodes.using(hub):
            if link.approval_status != ApprovalStatus.APPROVED:
                continue
            AnalysisNode.objects.using(hub).create(analysis_id=analysis.pk, node_id=link.node_id)
    waiting: dict[str, Any] = {"poll": poll, "progress": progress, "callback": callback}
    upload_code(analysis, code, entrypoint=entrypoint, poll=poll, progress=progress, using=hub)
    lock(analysis, using=hub)
    build(analysis, timeout=timeout, using=hub, **waiting)
    distribute(analysis, timeout=timeout, using=hub, **waiting)
    wait_for_results(analysis, timeout=timeout, using=hub, **waiting)
    if to is not None:
        download_results(analysis, to, poll=poll, progress=progress, using=hub)
    return analysis
