"""Upload and download throughput and peak memory: flamehub next to plain ``requests``.

Both clients talk to the same :class:`flamehub.testing.LocalHub` on a loopback port (in this
process, in a server thread) and move the same seeded random file:

- upload: flamehub's ``Bucket.upload(path)`` (streamed multipart body with Content-Length)
  against ``requests.post(data=<generator of the multipart body>)`` (chunked);
- download: flamehub's ``BucketFile.download(to=path)`` (identity encoding, size check,
  atomic rename) against ``requests.get(stream=True)`` + ``iter_content`` into a file.

Throughput runs are untraced; the peak memory of each operation is measured in a separate
traced run (tracemalloc: every Python allocation of the process, the server's included).
Run with several sizes to see memory stay flat while the file grows.

Usage::

    python benchmarks/bench_files.py                     # 50 and 200 MiB, median of 5
    python benchmarks/bench_files.py --sizes 200 --repeat 5
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from flamehub import Hub, PasswordAuth
from flamehub.files import DEFAULT_CHUNK_SIZE
from flamehub.models import Bucket, BucketFile
from flamehub.testing import LocalHub

MiB = 1024 * 1024
#: File sizes measured by default, in MiB.
DEFAULT_SIZES = (50, 200)
#: Timed runs per operation and client; the median is reported.
DEFAULT_REPEAT = 5
#: Seed of the file's bytes (incompressible and reproducible).
SEED = 20261128
#: Chunk size of the baseline (the same as flamehub's default, for a fair comparison).
BASELINE_CHUNK = DEFAULT_CHUNK_SIZE
#: flamehub's throughput target, as a fraction of the baseline's.
TARGET_RATIO = 0.8
#: Seconds a benchmark request may wait for the local Hub.
HTTP_TIMEOUT = 120


@dataclass
class Result:
    operation: str
    size_mib: int
    flamehub_mib_s: float
    baseline_mib_s: float
    flamehub_peak_mib: float
    baseline_peak_mib: float

    @property
    def ratio(self) -> float:
        return self.flamehub_mib_s / self.baseline_mib_s


def write_file(path: Path, size: int) -> str:
    rng = random.Random(SEED)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        remaining = size
        while remaining:
            chunk = rng.randbytes(min(MiB, remaining))
            digest.update(chunk)
            handle.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MiB):
            digest.update(chunk)
    return digest.hexdigest()


class Bench:
    """The local Hub, a flamehub Hub on it, and the baseline's session and token."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.local = LocalHub(version="0.14.0", data_dir=workdir / "hub").start()
        self.hub = Hub(self.local.url, auth=PasswordAuth(*self.local.admin_credentials))
        self.session = requests.Session()
        assert isinstance(self.hub.auth, PasswordAuth)
        self.headers = {"Authorization": f"Bearer {self.hub.auth.token()}"}

    def close(self) -> None:
        self.session.close()
        self.hub.close()
        self.local.stop()

    def new_bucket(self) -> Bucket:
        return Bucket.objects.using(self.hub).create(name=f"bench-{uuid.uuid4().hex[:8]}")

    # -- the operations ------------------------------------------------------------

    def flamehub_upload(self, source: Path) -> BucketFile:
        [uploaded] = self.new_bucket().upload(source)
        return uploaded

    def baseline_upload(self, source: Path) -> None:
        bucket = self.new_bucket()
        boundary = uuid.uuid4().hex

        def body() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{source.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            with source.open("rb") as handle:
                while chunk := handle.read(BASELINE_CHUNK):
                    yield chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        response = self.session.post(
            f"{self.hub.storage_url}buckets/{bucket.id}/upload",
            data=body(),
            headers={**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()

    def flamehub_download(self, bucket_file: BucketFile, target: Path) -> None:
        bucket_file.download(to=target)

    def baseline_download(self, bucket_file: BucketFile, target: Path) -> None:
        url = f"{self.hub.storage_url}bucket-files/{bucket_file.id}/stream"
        with self.session.get(
            url, headers=self.headers, stream=True, timeout=HTTP_TIMEOUT
        ) as response:
            response.raise_for_status()
            with target.open("wb") as handle:
                for chunk in response.iter_content(BASELINE_CHUNK):
                    handle.write(chunk)


def median_rate(
    run: Callable[[], object], size: int, repeat: int, prepare: Callable[[], object] = lambda: None
) -> float:
    """MiB/s of the median of ``repeat`` runs (``prepare`` runs untimed before each)."""
    times = []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return size / MiB / statistics.median(times)


def peak_mib(run: Callable[[], object]) -> float:
    """Peak traced Python memory that ``run`` adds, in MiB."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        return (tracemalloc.get_traced_memory()[1] - before) / MiB
    finally:
        tracemalloc.stop()


def measure(bench: Bench, size_mib: int, repeat: int) -> list[Result]:
    size = size_mib * MiB
    source = bench.workdir / f"source-{size_mib}.bin"
    digest = write_file(source, size)
    target = bench.workdir / f"copy-{size_mib}.bin"
    uploaded = bench.flamehub_upload(source)

    # The copy is removed before each timed download: replacing an existing file of this size
    # costs the file system more than the transfer itself, and varies a lot.
    def fresh() -> None:
        target.unlink(missing_ok=True)

    up = Result(
        "upload",
        size_mib,
        median_rate(lambda: bench.flamehub_upload(source), size, repeat),
        median_rate(lambda: bench.baseline_upload(source), size, repeat),
        peak_mib(lambda: bench.flamehub_upload(source)),
        peak_mib(lambda: bench.baseline_upload(source)),
    )
    down = Result(
        "download",
        size_mib,
        median_rate(lambda: bench.flamehub_download(uploaded, target), size, repeat, fresh),
        median_rate(lambda: bench.baseline_download(uploaded, target), size, repeat, fresh),
        peak_mib(lambda: bench.flamehub_download(uploaded, target)),
        peak_mib(lambda: bench.baseline_download(uploaded, target)),
    )
    bench.flamehub_download(uploaded, target)
    if sha256_of(target) != digest:
        raise SystemExit(f"the downloaded copy of {source.name} differs from the source")
    source.unlink()
    target.unlink()
    return [up, down]


def report(results: list[Result]) -> bool:
    print(
        f"{'operation':<9} {'size':>8} {'flamehub':>11} {'requests':>11} {'ratio':>6} "
        f"{'flamehub peak':>14} {'requests peak':>14}"
    )
    for r in results:
        print(
            f"{r.operation:<9} {r.size_mib:>4} MiB {r.flamehub_mib_s:>6.0f} MiB/s "
            f"{r.baseline_mib_s:>6.0f} MiB/s {r.ratio:>6.2f} {r.flamehub_peak_mib:>10.1f} MiB "
            f"{r.baseline_peak_mib:>10.1f} MiB"
        )
    ok = all(r.ratio >= TARGET_RATIO for r in results)
    for operation in ("upload", "download"):
        peaks = [r.flamehub_peak_mib for r in results if r.operation == operation]
        sizes = [r.size_mib for r in results if r.operation == operation]
        print(
            f"{operation}: flamehub peak memory {statistics.mean(peaks):.1f} MiB on average "
            f"over {', '.join(f'{s} MiB' for s in sizes)} files"
        )
    print(f"throughput target (>= {TARGET_RATIO} of the baseline): {'met' if ok else 'MISSED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="file sizes in MiB, comma separated (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="timed runs per operation; the median counts (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="flamehub-bench-") as workdir:
        bench = Bench(Path(workdir))
        try:
            results = [r for size in sizes for r in measure(bench, size, args.repeat)]
        finally:
            bench.close()
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
