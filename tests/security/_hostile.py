"""A hostile loopback server: ``http.server`` in a thread on 127.0.0.1, answering each
request with what the test's handler function says, and recording every request."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.define
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class Hostile:
    """The running server: its base URL and the requests it received."""

    url: str
    seen: list[Seen] = attrs.Factory(list)


#: ``answer(handler, seen)`` writes the whole answer with the handler's own methods.
Answer = Callable[[BaseHTTPRequestHandler, Seen], None]


@contextmanager
def hostile_server(answer: Answer) -> Iterator[Hostile]:
    """Run a server whose every answer is ``answer``; yields its URL and what it saw."""
    state = Hostile(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path, dict(self.headers.items()), body)
            state.seen.append(seen)
            # the client may hang up, as it should when it refuses an answer
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                answer(self, seen)

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def send_json(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    """Write a complete answer with a JSON content type and a length."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for key, value in headers.items():
        handler.send_header(key.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)
