"""A simulated Hub worker for the local Hub: builds, distributions and node executions advance.

A real Hub hands ``buildStart`` and ``distributionStart`` to its worker, which reports the
status back while it works; the nodes report their execution. The local Hub has no worker:
without one a started build stays ``starting`` forever, as on a real Hub whose worker is
down. :func:`simulate_worker` attaches one:

- ``buildStart``: ``build_status`` goes ``started`` (with ``build_progress`` rising) to
  ``executed`` (``finished`` on Hubs before 0.8.22), one change every ``step_seconds``;
- ``distributionStart``: the same for ``distribution_status``; once distributed, every
  analysis-node runs: its ``execution_status`` goes ``started`` → ``executing`` →
  ``executed`` (its progress rising) and it writes ``<node name>.txt`` into the RESULT bucket;
- ``spinUp`` (Hubs before 0.8.22, which have no distribution): the nodes run at once
  (``run_status`` ``started`` → ``running`` → ``finished``).

:class:`WorkerFault` makes a step fail (``failed``, with an error log line) when its progress
reaches ``at``; for the execution, on one node (``node=<name>``) or on the first.

Example::

    from flamehub.testing import LocalHub
    from flamehub.testing._worker import WorkerFault, simulate_worker

    with LocalHub() as hub:
        worker = simulate_worker(hub, step_seconds=0.01)
        worker.inject(WorkerFault("build", at=50))
        ...
        worker.stop()
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ._auth import new_secret
from ._effects import insert, recount_analysis
from ._files import _BLOBS, _link_analysis_bucket
from ._generations import parse_version
from ._state import HubState, RequestContext
from ._store import Row

if TYPE_CHECKING:
    from ._hub import LocalHub

__all__ = [
    "DEFAULT_STEP_SECONDS",
    "WORKER_STEPS",
    "Worker",
    "WorkerFault",
    "on_command",
    "simulate_worker",
]

#: Seconds between two status changes of the simulated worker.
DEFAULT_STEP_SECONDS = 0.05
#: The progress values a step passes through before it is done (then 100).
PROGRESS_STAGES = (0, 30, 60, 90)
#: The Hub version that introduced ``executed`` and the distribution (hub-api §9.1).
PROCESS_STATUS_SINCE = (0, 8, 22)
#: Steps a fault can hit.
WORKER_STEPS = ("build", "distribution", "execution")
WorkerStep = Literal["build", "distribution", "execution"]
#: What the simulated build reports about the image.
_BUILD_OS = "linux"
_BUILD_SIZE = 1024

_WORKERS: weakref.WeakKeyDictionary[HubState, Worker] = weakref.WeakKeyDictionary()


@dataclass
class WorkerFault:
    """Make a step of the simulated worker fail when its progress reaches ``at``.

    ``node`` (a node name) picks the node whose execution fails (default: the first one).
    ``times`` limits how often it fires (``None``: always).

    Example::

        worker.inject(WorkerFault("execution", node="site-a", at=30, message="out of memory"))
    """

    step: WorkerStep
    at: int = 50
    node: str | None = None
    message: str = "the simulated worker failed"
    times: int | None = 1
    fired: int = field(default=0, init=False, compare=False)

    def __post_init__(self) -> None:
        if self.step not in WORKER_STEPS:
            raise ValueError(f"unknown worker step {self.step!r}; expected one of {WORKER_STEPS}")


class Worker:
    """The simulated worker of one local Hub (see the module docstring).

    Example::

        worker = simulate_worker(hub, step_seconds=0.01)
        worker.enabled = False     # like a Hub whose worker is down
    """

    def __init__(self, *, step_seconds: float = DEFAULT_STEP_SECONDS) -> None:
        if step_seconds <= 0:
            raise ValueError("step_seconds must be positive")
        self.step_seconds = step_seconds
        self.enabled = True
        self._faults: list[WorkerFault] = []
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def inject(self, fault: WorkerFault) -> WorkerFault:
        """Activate ``fault``."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Deactivate every fault."""
        with self._lock:
            self._faults.clear()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every job and wait for their threads."""
        self._stopped.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _fault(self, step: str, progress: int, node: str | None = None) -> WorkerFault | None:
        with self._lock:
            for fault in self._faults:
                if fault.step != step or progress < fault.at:
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                if step == "execution" and fault.node is not None and fault.node != node:
                    continue
                fault.fired += 1
                return fault
        return None

    def _start(self, ctx: RequestContext, analysis_id: str, command: str) -> None:
        job = _Job(self, ctx, analysis_id)
        target = {
            "buildStart": job.build,
            "distributionStart": job.distribute,
            "spinUp": job.execute,
        }.get(command)
        if target is None or not self.enabled:
            return
        thread = threading.Thread(target=target, name=f"hub-worker-{command}", daemon=True)
        with self._lock:
            self._threads = [alive for alive in self._threads if alive.is_alive()] + [thread]
        thread.start()


def simulate_worker(hub: LocalHub, *, step_seconds: float = DEFAULT_STEP_SECONDS) -> Worker:
    """Attach a simulated worker to ``hub`` (until :meth:`LocalHub.reset`); returns it.

    Example::

        worker = simulate_worker(hub, step_seconds=0.01)
    """
    worker = Worker(step_seconds=step_seconds)
    _WORKERS[hub._live_state] = worker
    return worker


def on_command(ctx: RequestContext, analysis: Row, command: str) -> None:
    """Hand an accepted analysis command to the hub's worker, if one is attached."""
    worker = _WORKERS.get(ctx.state)
    if worker is not None:
        worker._start(ctx, analysis["id"], command)


class _Job:
    """One command carried out by the worker thread, stage by stage."""

    def __init__(self, worker: Worker, ctx: RequestContext, analysis_id: str) -> None:
        self.worker = worker
        # the worker is the Hub itself: no caller identity
        self.ctx = RequestContext(state=ctx.state, request=ctx.request, service="core")
        self.analysis_id = analysis_id
        self.modern = parse_version(ctx.state.config.version) >= PROCESS_STATUS_SINCE
        self.done = "executed" if self.modern else "finished"

    # -- helpers -----------------------------------------------------------------------

    def _pause(self) -> bool:
        """Wait one step; False once the worker stopped."""
        return not self.worker._stopped.wait(self.worker.step_seconds)

    def _analysis(self) -> Row | None:
        return self.ctx.store.get("analyses", self.analysis_id)

    def _log(self, message: str, level: str, node_id: str | None = None) -> None:
        from ._actions import _write_log  # _actions hands commands to this module

        ctx = self.ctx
        analysis = self._analysis() or {}
        if ctx.legacy:
            if node_id is None:
                insert(
                    ctx,
                    "analysis-logs",
                    {
                        "component": "worker",
                        "event": level,
                        "error": level == "error",
                        "statusMessage": message,
                        "meta": "{}",
                        "analysisId": self.analysis_id,
                        "realmId": analysis.get("realmId"),
                    },
                )
            else:
                insert(
                    ctx,
                    "analysis-node-logs",
                    {
                        "error": level == "error",
                        "status": level,
                        "statusMessage": message,
                        "analysisId": self.analysis_id,
                        "nodeId": node_id,
                    },
                )
        elif node_id is None:
            labels = {"refType": "analysis", "refId": self.analysis_id}
            _write_log(ctx, "analysis", message, level, labels)
        else:
            labels = {"refType": "analysisNode", "analysisId": self.analysis_id, "nodeId": node_id}
            _write_log(ctx, "analysisNode", message, level, labels)

    def _advance(self, prefix: str) -> bool:
        """Run the stages of ``<prefix>Status``; True when it finished, False if it failed."""
        progress_field = f"{prefix}Progress" if not self.ctx.legacy else None
        for progress in PROGRESS_STAGES:
            if not self._pause():
                return False
            with self.ctx.store.lock:
                analysis = self._analysis()
                if analysis is None:
                    return False
                fault = self.worker._fault(prefix, progress)
                if fault is not None:
                    analysis[f"{prefix}Status"] = "failed"
                    self.ctx.store.touch(analysis)
                    self._log(f"{prefix}: {fault.message}", "error")
                    return False
                analysis[f"{prefix}Status"] = "started"
                if progress_field:
                    analysis[progress_field] = progress
                self.ctx.store.touch(analysis)
        if not self._pause():
            return False
        with self.ctx.store.lock:
            analysis = self._analysis()
            if analysis is None:
                return False
            analysis[f"{prefix}Status"] = self.done
            if progress_field:
                analysis[progress_field] = 100
            if prefix == "build" and not self.ctx.legacy:
                analysis.update(buildHash=new_secret(), buildOs=_BUILD_OS, buildSize=_BUILD_SIZE)
            self.ctx.store.touch(analysis)
            self._log(f"the {prefix} has been {self.done}", "info")
        return True

    # -- the jobs ----------------------------------------------------------------------

    def build(self) -> None:
        self._advance("build")

    def distribute(self) -> None:
        if self._advance("distribution"):
            self.execute()

    def execute(self) -> None:
        ctx = self.ctx
        status_field = "runStatus" if ctx.legacy else "executionStatus"
        running = "executing" if self.modern else "running"
        with ctx.store.lock:
            links = list(ctx.store.find("analysis-nodes", analysisId=self.analysis_id))
        stages = [("started", 0), (running, 30), (running, 60), (running, 90)]
        for status, progress in stages:
            if not self._pause():
                return
            with ctx.store.lock:
                for link in links:
                    node = ctx.store.get("nodes", link["nodeId"]) or {}
                    fault = self.worker._fault("execution", progress, node.get("name"))
                    if fault is not None:
                        self._set_node(link, "failed", progress)
                        self._log(f"execution: {fault.message}", "error", link["nodeId"])
                        self._aggregate(status_field)
                        return
                    self._set_node(link, status, progress)
                self._aggregate(status_field)
        if not self._pause():
            return
        with ctx.store.lock:
            for link in links:
                self._set_node(link, self.done, 100)
                self._write_result(link)
                self._log("the analysis has been executed", "info", link["nodeId"])
            self._aggregate(status_field)

    def _set_node(self, link: Row, status: str, progress: int) -> None:
        if self.ctx.legacy:
            link["runStatus"] = status
        else:
            link.update(executionStatus=status, executionProgress=progress)
        self.ctx.store.touch(link)

    def _aggregate(self, status_field: str) -> None:
        """The analysis' own status: the current Hub recalculates it, 0.8.x is set here."""
        analysis = self._analysis()
        if analysis is None:
            return
        if self.ctx.legacy:
            statuses = [
                link.get("runStatus")
                for link in self.ctx.store.find("analysis-nodes", analysisId=self.analysis_id)
            ]
            if "failed" in statuses:
                analysis[status_field] = "failed"
            elif statuses and all(status == self.done for status in statuses):
                analysis[status_field] = self.done
            else:
                analysis[status_field] = "running" if not self.modern else "executing"
        else:
            recount_analysis(self.ctx, self.analysis_id)
        self.ctx.store.touch(analysis)

    def _write_result(self, link: Row) -> None:
        """``<node name>.txt`` in the RESULT bucket, as a node's analysis would leave it."""
        ctx = self.ctx
        bucket_link = ctx.store.first(
            "analysis-buckets", analysisId=self.analysis_id, type="RESULT"
        )
        bucket = ctx.store.get("buckets", (bucket_link or {}).get("bucketId"))
        if bucket is None:
            return
        node = ctx.store.get("nodes", link["nodeId"]) or {}
        path = f"{node.get('name') or link['nodeId']}.txt"
        if ctx.store.first("bucket-files", bucketId=bucket["id"], path=path) is not None:
            return
        blob_dir = ctx.state.config.data_dir / _BLOBS
        blob_dir.mkdir(parents=True, exist_ok=True)
        digest = new_secret()
        content = f"analysis {self.analysis_id} on node {path[:-4]}: done\n".encode()
        (blob_dir / digest).write_bytes(content)
        row = insert(
            ctx,
            "bucket-files",
            {
                "name": path,
                "path": path,
                "hash": digest,
                "directory": ".",
                "size": len(content),
                "actorType": None,
                "actorId": None,
                "realmId": bucket.get("realmId"),
                "bucketId": bucket["id"],
                "_path": str(blob_dir / digest),
            },
        )
        _link_analysis_bucket(ctx, bucket, [row])
