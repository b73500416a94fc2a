"""All client benchmarks of issue #7 in one command: flamehub against flame-hub-client 1.1.0.

Run from the repository root::

    python benchmarks/run_all.py                # 5 rounds, prints the table of ratios

The first run creates ``benchmarks/.venv`` (git-ignored), installs ``flame-hub-client==1.1.0``
and this checkout of flamehub (editable) into it, and re-runs itself with that venv's
Python; flame-hub-client is a comparison only, never a flamehub dependency.

Both clients talk to the same loopback server (``benchmarks/hubserver.py``, Hub 0.14.0
wire format, in its own process so its CPU is not counted), in the same run, alternating
which client goes first, for several rounds; each figure is the median over the rounds
(the CPU scenarios run six short rounds per ``--rounds``, the wall-time ones one).
Client CPU is ``time.process_time()`` of this process (every thread of the client, none
of the server's); wall time is ``time.perf_counter()``.

Scenarios:

- ``single GET``: ``Node.objects.get(id=...)`` vs ``CoreClient.get_node(id)``, CPU per call
  (100 calls per round);
- ``50-row pages``: ``list(Node.objects[o:o+50])`` vs ``CoreClient.get_nodes(page=...)``,
  CPU per row (HTTP + JSON + models; 10 pages per round), and the same pages through
  each client's HTTP stack alone (``hub.request`` vs the old client's httpx client and
  ``.json()``), which shows what the models cost;
- ``drain 2,000 rows @20 ms``: ``list(Node.objects.all())`` (concurrent pages, default
  concurrency) vs the old client's page-by-page loop, wall time; the server answers every
  request after 20 ms;
- ``import``: ``import flamehub`` vs ``import flame_hub`` in fresh interpreters (the
  import statement alone, wall time);
- ``100k rows``: iterating 100,000 rows with ``iterator()`` in a fresh interpreter:
  growth of the peak RSS and the tracemalloc peak (flamehub only; target < 20 MB).

Options: ``--rounds N`` (default 5), ``--no-venv`` (use the current interpreter, which must
have both clients installed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
OLD_CLIENT = "flame-hub-client==1.1.0"
DEFAULT_ROUNDS = 5
#: Calls per round of the single-GET scenario.
SINGLE_CALLS = 100
#: Pages per round of the list scenarios (50 rows each).
LIST_PAGES = 10
#: The CPU scenarios run this many short rounds per ``--rounds``: many short alternating
#: rounds keep drifts of the machine (the server's process shares its two cores) out of
#: the ratio better than a few long ones.
CPU_ROUNDS_PER_ROUND = 6
#: Fresh interpreters per client for the import scenario.
IMPORT_RUNS = 15
#: Rows iterated in the memory scenario.
MEMORY_ROWS = 100_000
USERNAME, PASSWORD = "admin", "start123"


# -- the environment ---------------------------------------------------------------


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    """``benchmarks/.venv`` with flame-hub-client 1.1.0 and this flamehub (created once)."""
    python = venv_python()
    if not python.exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; import flamehub, flame_hub; "
            "print(m.version('flame-hub-client'))",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or probe.stdout.strip() != OLD_CLIENT.split("==")[1]:
        print(f"installing {OLD_CLIENT} and flamehub into {VENV} ...", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", OLD_CLIENT, "-e", str(ROOT)], check=True
        )
    return python


# -- the server --------------------------------------------------------------------


class Server:
    """``hubserver.py`` in a child process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "hubserver.py"), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.process.kill()
            raise SystemExit(f"the benchmark server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- the clients -------------------------------------------------------------------


class Clients:
    """A flamehub Hub and a flame-hub-client CoreClient on one dataset of the server."""

    def __init__(self, base: str) -> None:
        import flame_hub

        from flamehub import Hub, PasswordAuth
        from flamehub.models import Node

        self.node = Node
        self.hub = Hub(base, auth=PasswordAuth(USERNAME, PASSWORD), hub_version="0.14.0")
        auth = flame_hub.auth.PasswordAuth(USERNAME, PASSWORD, base_url=f"{base}/auth/")
        self.core = flame_hub.CoreClient(base_url=f"{base}/core/", auth=auth)
        # warm up: tokens, connections, converter hooks, pydantic validators
        self.ids = [str(row.id) for row in self.node.objects.using(self.hub)[:SINGLE_CALLS]]
        self.core.get_nodes(page={"limit": 50, "offset": 0})
        self.core.get_node(self.ids[0])
        self.node.objects.using(self.hub).get(id=self.ids[0])

    def close(self) -> None:
        self.hub.close()
        self.core.close()

    # flamehub
    def new_get(self) -> None:
        objects = self.node.objects.using(self.hub)
        for pk in self.ids:
            objects.get(id=pk)

    def new_pages(self) -> int:
        objects = self.node.objects.using(self.hub)
        return sum(len(list(objects[o : o + 50])) for o in range(0, LIST_PAGES * 50, 50))

    def new_http_pages(self) -> int:
        """The same pages as :meth:`new_pages`, HTTP and JSON only (no models)."""
        total = 0
        for offset in range(0, LIST_PAGES * 50, 50):
            params = [("sort", "createdAt,name"), ("page[limit]", 50), ("page[offset]", offset)]
            total += len(self.hub.request("core", "GET", "nodes", params=params)["data"])
        return total

    def new_drain(self, concurrency: int | None = None) -> int:
        objects = self.node.objects.using(self.hub)
        if concurrency is not None:
            objects = objects.concurrency(concurrency)
        return len(list(objects))

    # flame-hub-client
    def old_get(self) -> None:
        for pk in self.ids:
            self.core.get_node(pk)

    def old_pages(self) -> int:
        return sum(
            len(self.core.get_nodes(page={"limit": 50, "offset": o}))
            for o in range(0, LIST_PAGES * 50, 50)
        )

    def old_http_pages(self) -> int:
        """The same pages as :meth:`old_pages` through its httpx client, without pydantic."""
        total = 0
        for offset in range(0, LIST_PAGES * 50, 50):
            params = {
                "page[limit]": 50,
                "page[offset]": offset,
                "include": "registry,registry_project",
            }
            total += len(self.core._client.get("nodes", params=params).json()["data"])
        return total

    def old_drain(self) -> int:
        """The old client's way of reading a whole collection: one page after the other."""
        rows: list[Any] = []
        offset = 0
        while True:
            page, meta = self.core.get_nodes(page={"limit": 50, "offset": offset}, meta=True)
            rows.extend(page)
            offset += len(page)
            if not page or offset >= meta.total:
                return len(rows)


# -- measuring ---------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    unit: str
    new: float
    old: float | None
    target: float
    #: "ratio" (new/old <= target) or "absolute" (new <= target).
    kind: str = "ratio"

    @property
    def value(self) -> float:
        return self.new / self.old if self.kind == "ratio" and self.old else self.new

    @property
    def passed(self) -> bool:
        return self.value <= self.target


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def alternate(
    rounds: int, new: Callable[[], object], old: Callable[[], object]
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``rounds`` timings of each, alternating which one goes first."""
    news, olds = [], []
    for index in range(rounds):
        if index % 2 == 0:
            news.append(timed(new))
            olds.append(timed(old))
        else:
            olds.append(timed(old))
            news.append(timed(new))
    return news, olds


def median(values: list[tuple[float, float]], which: int, scale: float) -> float:
    return statistics.median(v[which] for v in values) * scale


def cpu_scenarios(server: Server, rounds: int) -> list[Row]:
    wall_rounds, rounds = rounds, rounds * CPU_ROUNDS_PER_ROUND
    fast = Clients(f"{server.url}/fast")
    try:
        news, olds = alternate(rounds, fast.new_get, fast.old_get)
        per_call = 1e6 / SINGLE_CALLS
        single = Row(
            "single-record GET, client CPU",
            "us/call",
            median(news, 0, per_call),
            median(olds, 0, per_call),
            0.8,
        )
        news, olds = alternate(rounds, fast.new_pages, fast.old_pages)
        per_row = 1e6 / (LIST_PAGES * 50)
        pages = Row(
            "50-row pages, client CPU per row",
            "us/row",
            median(news, 0, per_row),
            median(olds, 0, per_row),
            0.7,
        )
        news, olds = alternate(rounds, fast.new_http_pages, fast.old_http_pages)
        http_only = Row(
            "  (same pages, HTTP + JSON only)",
            "us/row",
            median(news, 0, per_row),
            median(olds, 0, per_row),
            1.0,
        )
    finally:
        fast.close()
    slow = Clients(f"{server.url}/slow")
    try:
        news, olds = alternate(wall_rounds, slow.new_drain, slow.old_drain)
        drain = Row(
            "drain 2,000 rows @20 ms, wall",
            "ms",
            median(news, 1, 1e3),
            median(olds, 1, 1e3),
            0.35,
        )
        sequential, olds2 = alternate(wall_rounds, lambda: slow.new_drain(1), slow.old_drain)
        drain_seq = Row(
            "  (same, flamehub concurrency=1)",
            "ms",
            median(sequential, 1, 1e3),
            median(olds2, 1, 1e3),
            1.0,
        )
    finally:
        slow.close()
    return [single, pages, http_only, drain, drain_seq]


IMPORT_CODE = (
    "import time; c = time.process_time(); w = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - w, time.process_time() - c)"
)


def import_scenario(runs: int) -> Row:
    def once(module: str) -> float:
        result = subprocess.run(
            [sys.executable, "-c", IMPORT_CODE.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(result.stdout.split()[0])

    new, old = [], []
    for index in range(runs):
        order = ("flamehub", "flame_hub") if index % 2 == 0 else ("flame_hub", "flamehub")
        for module in order:
            (new if module == "flamehub" else old).append(once(module))
    return Row(
        "import, wall",
        "ms",
        statistics.median(new) * 1e3,
        statistics.median(old) * 1e3,
        0.6,
    )


MEMORY_CODE = """
import sys, time, tracemalloc
from flamehub import Hub, PasswordAuth
from flamehub.models import Node

def rss_kib(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1])

traced = sys.argv[2] == "traced"
hub = Hub(sys.argv[1], auth=PasswordAuth("admin", "start123"), hub_version="0.14.0")
objects = Node.objects.using(hub)
list(objects[:100])  # warm up: token, connection, converter hooks
if traced:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
before = rss_kib("VmRSS:")
count = 0
for node in objects.iterator():
    count += 1
assert count == int(sys.argv[3]), count
if traced:
    print("traced", (tracemalloc.get_traced_memory()[1] - base) / 2**20)
else:
    print("rss", (rss_kib("VmHWM:") - before) / 1024)
"""


def memory_scenario(server: Server) -> list[Row]:
    results = {}
    for mode in ("rss", "traced"):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_CODE, f"{server.url}/big", mode, str(MEMORY_ROWS)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        results[out[0]] = float(out[1])
        results[f"{mode}-seconds"] = time.perf_counter() - started
    return [
        Row("iterate 100k rows, peak RSS growth", "MiB", results["rss"], None, 20, "absolute"),
        Row("iterate 100k rows, tracemalloc peak", "MiB", results["traced"], None, 20, "absolute"),
    ]


def report(rows: list[Row]) -> bool:
    header = (
        f"{'scenario':<38} {'unit':>7} {'flamehub':>9} {'old 1.1.0':>9} "
        f"{'result':>7} {'target':>7}  verdict"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for row in rows:
        old = f"{row.old:9.1f}" if row.old is not None else f"{'-':>9}"
        informational = row.scenario.startswith(" ")
        verdict = "info" if informational else ("PASS" if row.passed else "FAIL")
        target = f"<= {row.target:g}" if row.kind == "ratio" else f"< {row.target:g}"
        result = f"{row.value:7.2f}" if row.kind == "ratio" else f"{row.value:5.1f}MB"
        print(
            f"{row.scenario:<38} {row.unit:>7} {row.new:9.1f} {old} {result:>7} {target:>7}  "
            f"{verdict}"
        )
        ok = ok and (informational or row.passed)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--no-venv", action="store_true", help="use the current interpreter")
    args = parser.parse_args(argv)
    if not args.no_venv and Path(sys.prefix).resolve() != VENV.resolve():
        python = ensure_venv()
        return subprocess.call([str(python), __file__, *sys.argv[1:]])
    import platform

    import flamehub

    print(
        f"flamehub {flamehub.__version__} vs flame-hub-client 1.1.0, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {args.rounds} rounds "
        f"(medians), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )
    server = Server()
    try:
        rows = cpu_scenarios(server, args.rounds)
        rows.append(import_scenario(IMPORT_RUNS))
        rows.extend(memory_scenario(server))
    finally:
        server.close()
    return 0 if report(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
