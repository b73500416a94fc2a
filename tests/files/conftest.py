"""Fixtures of the file-transfer tests: real loopback servers, big files, memory probes.

- ``local_hub`` / ``hub``: :class:`flamehub.testing.LocalHub` (the fake Hub over werkzeug)
  and a flamehub :class:`~flamehub.Hub` logged in to it as ``admin``;
- ``storage_double``: a minimal werkzeug storage service for what the local Hub does not
  simulate: a connection cut after N bytes of a body, servers without ``Range`` support,
  gzip forced on every answer, hand-made tar archives;
- ``big_file``: a file larger than 200 MB from a seeded generator, written in chunks
  (never held in memory), with its SHA-256;
- :func:`memory_probe`: peak Python allocations (tracemalloc) and max-RSS growth.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import random
import re
import resource
import socket
import threading
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

import flamehub
from flamehub import Hub, PasswordAuth, TokenAuth
from flamehub.models import Bucket
from flamehub.testing import LocalHub

KiB = 1024
MiB = 1024 * KiB
#: Size of the big transfer files: over 200 MB, and not a multiple of any chunk size.
BIG_FILE_SIZE = 200 * MiB + 12_345
#: Seed of the big file's bytes (incompressible, reproducible).
BIG_FILE_SEED = 20261128
#: Ceiling on the memory a transfer may add, whatever the file size.
MEMORY_CEILING = 64 * MiB
#: Chunk the test servers read and write.
SERVER_CHUNK = 256 * KiB
#: Version the storage double pretends to be (it only serves storage routes).
DOUBLE_VERSION = "0.14.0"


# -- big file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BigFile:
    path: Path
    size: int
    sha256: str


def write_random_file(path: Path, size: int, seed: int) -> str:
    """Write ``size`` seeded random bytes to ``path`` chunk by chunk; returns their SHA-256."""
    rng = random.Random(seed)
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


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> BigFile:
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = write_random_file(path, BIG_FILE_SIZE, BIG_FILE_SEED)
    return BigFile(path, BIG_FILE_SIZE, digest)


# -- memory ------------------------------------------------------------------------------


@dataclass
class MemoryUse:
    """What a block of code added: peak traced Python memory and growth of the max RSS."""

    traced_peak: int = 0
    rss_growth: int = 0


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KiB  # KiB on Linux


@contextlib.contextmanager
def memory_probe() -> Iterator[MemoryUse]:
    """Measure the peak memory a transfer adds (server threads of this process included)."""
    use = MemoryUse()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before_traced = tracemalloc.get_traced_memory()[0]
    before_rss = _max_rss()
    try:
        yield use
    finally:
        use.traced_peak = tracemalloc.get_traced_memory()[1] - before_traced
        use.rss_growth = _max_rss() - before_rss
        if started:
            tracemalloc.stop()


# -- the local Hub -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_hub() -> Iterator[LocalHub]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    hub = LocalHub(version="0.14.0").start()
    yield hub
    hub.stop()


def hub_for(local: LocalHub, **kwargs: Any) -> Hub:
    kwargs.setdefault("retry", flamehub.RetryPolicy(total=2, backoff_factor=0))
    return Hub(local.url, auth=PasswordAuth(*local.admin_credentials), **kwargs)


@pytest.fixture
def hub(local_hub: LocalHub) -> Iterator[Hub]:
    local_hub.clear_faults()
    with hub_for(local_hub) as client:
        yield client


@pytest.fixture
def bucket(hub: Hub) -> Bucket:
    return Bucket.objects.using(hub).create(name=f"files-{uuid.uuid4().hex[:8]}")


# -- the storage double ------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class StorageDouble:
    """A storage service on a loopback port whose failures the test chooses.

    ``files`` maps bucket-file ids to paths on disk, ``tarballs`` bucket ids to archive
    bytes. Knobs: ``accept_ranges`` (answer ``Range``), ``cuts`` (for each coming
    answer, drop the connection after this many body bytes), ``force_gzip`` (gzip every
    file stream whatever the client accepts), ``announce_length`` (send Content-Length).
    """

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    tarballs: dict[str, bytes] = field(default_factory=dict)
    accept_ranges: bool = True
    cuts: list[int] = field(default_factory=list)
    force_gzip: bool = False
    announce_length: bool = True
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def add_file(self, path: Path) -> str:
        file_id = str(uuid.uuid4())
        self.files[file_id] = path
        return file_id

    def hub(self, **kwargs: Any) -> Hub:
        kwargs.setdefault("retry", flamehub.RetryPolicy(total=2, backoff_factor=0))
        kwargs.setdefault("auth", TokenAuth("double-token"))
        return Hub(self.url, hub_version=DOUBLE_VERSION, **kwargs)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append(Seen(request.method, request.path, dict(request.headers)))
        response = self._dispatch(request, environ)
        return response(environ, start_response)

    def _dispatch(self, request: Request, environ: dict[str, Any]) -> Response:
        match = re.fullmatch(r"/storage/bucket-files/([^/]+)/stream", request.path)
        if match and request.method == "GET":
            return self._file(request, environ, match.group(1))
        match = re.fullmatch(r"/storage/buckets/([^/]+)/stream", request.path)
        if match and request.method == "GET":
            archive = self.tarballs.get(match.group(1))
            if archive is None:
                return _not_found()
            return self._body(
                environ,
                _pieces(archive),
                len(archive) if self.announce_length else None,
                {"Content-Type": "application/x-tar"},
                200,
            )
        return _not_found()

    def _file(self, request: Request, environ: dict[str, Any], file_id: str) -> Response:
        path = self.files.get(file_id)
        if path is None:
            return _not_found()
        size = path.stat().st_size
        headers = {"Content-Type": "application/octet-stream", "ETag": f'"{file_id}"'}
        if self.accept_ranges:
            headers["Accept-Ranges"] = "bytes"
        start, status = 0, 200
        wanted = request.headers.get("Range")
        if wanted and self.accept_ranges:
            found = re.fullmatch(r"bytes=(\d+)-", wanted)
            assert found, f"unexpected Range {wanted!r}"
            assert request.headers.get("If-Range") == headers["ETag"]
            start, status = int(found.group(1)), 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        gzip_it = self.force_gzip or "gzip" in request.headers.get("Accept-Encoding", "")
        if gzip_it:
            headers["Content-Encoding"] = "gzip"
            return self._body(environ, _gzipped(_read_file(path, start)), None, headers, status)
        length = size - start if self.announce_length else None
        return self._body(environ, _read_file(path, start), length, headers, status)

    def _body(
        self,
        environ: dict[str, Any],
        pieces: Iterator[bytes],
        length: int | None,
        headers: dict[str, str],
        status: int,
    ) -> Response:
        if length is not None:
            headers["Content-Length"] = str(length)
        cut = self.cuts.pop(0) if self.cuts else None
        body = pieces if cut is None else _cut_after(pieces, cut, environ["werkzeug.socket"])
        return Response(body, status=status, headers=headers, direct_passthrough=True)


def _not_found() -> Response:
    return Response(
        '{"code": "entity_not_found", "message": "not found"}',
        status=404,
        content_type="application/json",
    )


def _read_file(path: Path, start: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        while chunk := handle.read(SERVER_CHUNK):
            yield chunk


def _pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), SERVER_CHUNK):
        yield data[start : start + SERVER_CHUNK]


def _gzipped(pieces: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(wbits=31)
    for piece in pieces:
        yield compressor.compress(piece)
    yield compressor.flush()


def _cut_after(pieces: Iterator[bytes], limit: int, connection: socket.socket) -> Iterator[bytes]:
    """Send ``limit`` bytes of the body, then drop the connection (the client sees EOF)."""
    sent = 0
    for piece in pieces:
        if sent + len(piece) >= limit:
            yield piece[: limit - sent]
            break
        sent += len(piece)
        yield piece
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _QuietServer:
    def __init__(self, app: StorageDouble) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def storage_double(tmp_path: Path) -> Iterator[StorageDouble]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    double = StorageDouble(root=tmp_path)
    with _QuietServer(double) as url:
        double.url = url
        yield double


def file_of(path: Path, size: int, seed: int = 7) -> Path:
    """A seeded random file of ``size`` bytes at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_random_file(path, size, seed)
    return path


def leftovers(directory: Path) -> list[str]:
    """Names of every entry of ``directory`` (temporary ``.part`` files included)."""
    return sorted(os.listdir(directory))
