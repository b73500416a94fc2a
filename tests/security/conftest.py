"""The attacker's tools: a hostile loopback server and crafted archives.

- ``hostile``: a werkzeug server on a loopback port that answers what the test chooses
  (``routes``: path -> :class:`Answer`) and records every request it receives, bodies
  included, so a test can show that nothing secret reached it;
- :func:`tar_of`, :func:`sparse_tar`, :func:`gzip_bytes`: archives as an attacker makes them.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tarfile
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from flamehub import Hub, TokenAuth
from tests.cli.conftest import cli, config_home  # noqa: F401 - the cli tier's fixtures

#: The Hub version the hostile server claims (it serves no version route).
HOSTILE_VERSION = "0.14.0"
#: Modification time of the crafted members.
MTIME = 1_700_000_000


@dataclass
class Answer:
    """One canned answer: status, body bytes and headers."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: When set, the body is sent as these pieces (a server that drips its answer).
    pieces: Callable[[], Iterator[bytes]] | None = None


@dataclass
class Received:
    """One request the hostile server saw."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything the request carried, as one string to search for secrets."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('latin-1')}"


@dataclass
class HostileServer:
    """Answers ``routes[path]`` (404 otherwise) and keeps every request in ``seen``."""

    routes: dict[str, Answer] = field(default_factory=dict)
    seen: list[Received] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        self.seen.append(Received(request.method, request.path, dict(request.headers), body))
        answer = self.routes.get(request.path)
        if answer is None:
            answer = Answer(b'{"code": "entity_not_found", "message": "not found"}', 404)
            answer.headers["Content-Type"] = "application/json"
        headers = dict(answer.headers)
        body: Any = answer.body
        if answer.pieces is not None:
            body = answer.pieces()
        else:
            headers.setdefault("Content-Length", str(len(answer.body)))
        return Response(body, answer.status, headers, direct_passthrough=True)(
            environ, start_response
        )

    def hub(self) -> Hub:
        return Hub(self.url, hub_version=HOSTILE_VERSION, auth=TokenAuth("hostile-test-token"))


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = HostileServer()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_answer(data: Any, status: int = 200) -> Answer:
    """A JSON answer."""
    return Answer(json.dumps(data).encode(), status, {"Content-Type": "application/json"})


def tar_of(*members: tuple[str, bytes, int], mtime: float | str = MTIME) -> bytes:
    """A tar of regular files given as ``(name, data, mode)``; a text ``mtime`` goes into
    a pax header verbatim (``"inf"``, ``"nan"``, ``"1e400"``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            if isinstance(mtime, str):
                info.mtime, info.pax_headers = MTIME, {"mtime": mtime}
            else:
                info.mtime = mtime
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sparse_tar(name: str, real_size: int) -> bytes:
    """A GNU sparse member: one data byte at the end of a ``real_size`` file (~2 KB of tar)."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.GNUTYPE_SPARSE
    info.size = 1  # bytes stored in the archive
    info.mtime = MTIME
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    # struct sparse[4] at 386 (offset, numbytes: 12 octal digits each); realsize at 483
    header[386:398] = tarfile.itn(real_size - 1, 12, tarfile.GNU_FORMAT)
    header[398:410] = tarfile.itn(1, 12, tarfile.GNU_FORMAT)
    header[483:495] = tarfile.itn(real_size, 12, tarfile.GNU_FORMAT)
    header[148:156] = b"        "
    header[148:156] = b"%06o\0 " % sum(header[:512])
    data = b"x" + b"\0" * 511
    return bytes(header) + data + b"\0" * 1024


def gzip_bytes(data_size: int, member: str = "bomb.bin") -> bytes:
    """A tar of ``data_size`` zero bytes, gzip-compressed (a ~1000:1 ratio), built lazily."""
    header = tarfile.TarInfo(member)
    header.size, header.mode, header.mtime = data_size, 0o644, MTIME
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [compressor.compress(header.tobuf(format=tarfile.PAX_FORMAT))]
    block = b"\0" * (1 << 20)
    remaining = data_size + (-data_size % 512) + 1024  # data, padding, end of archive
    while remaining:
        piece = block[: min(len(block), remaining)]
        out.append(compressor.compress(piece))
        remaining -= len(piece)
    out.append(compressor.flush())
    return b"".join(out)


def files_below(root: Any) -> list[str]:
    """Every entry below ``root`` (relative, sorted), hidden ones included."""
    with contextlib.suppress(FileNotFoundError):
        return sorted(str(path.relative_to(root)) for path in root.rglob("*"))
    return []
