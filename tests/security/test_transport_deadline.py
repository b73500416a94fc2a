"""#12.11: a server that drips its answer byte by byte cannot hold a call past the
Hub's deadline (each drip is well within the per-read timeout)."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from flamehub import Hub, HubTimeout, TokenAuth

from ._hostile import Seen, hostile_server

#: Without a deadline this answer would take BODY_BYTES * DRIP_SECONDS = 60 s.
BODY_BYTES = 300
DRIP_SECONDS = 0.2
DEADLINE = 1.5


def _drip(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(BODY_BYTES))
    handler.end_headers()
    handler.wfile.flush()
    for _ in range(BODY_BYTES):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(DRIP_SECONDS)


@pytest.mark.parametrize("authenticated", [True, False], ids=["pooled-read", "session-read"])
def test_a_dripping_answer_ends_at_the_deadline(authenticated: bool) -> None:
    with hostile_server(_drip) as server:
        hub = Hub(
            server.url,
            auth=TokenAuth("t"),
            hub_version="0.14.0",
            timeout=(2, 2),
            deadline=DEADLINE,
        )
        started = time.monotonic()
        with pytest.raises(HubTimeout, match="deadline") as caught:
            hub.request("core", "GET", "nodes", authenticated=authenticated)
        elapsed = time.monotonic() - started
        hub.close()
    assert elapsed < DEADLINE + 1.5, elapsed
    assert caught.value.method == "GET" and caught.value.url == f"{server.url}/core/nodes"


def _stall_before_headers(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    time.sleep(4 * DEADLINE)  # well within the 10 s read timeout, far past the deadline
    handler.send_response(200)
    handler.send_header("Content-Length", "2")
    handler.end_headers()
    handler.wfile.write(b"{}")


def test_an_answer_that_never_starts_ends_at_the_deadline_despite_retries() -> None:
    with hostile_server(_stall_before_headers) as server:
        hub = Hub(
            server.url,
            auth=TokenAuth("t"),
            hub_version="0.14.0",
            timeout=(2, 10),
            deadline=DEADLINE,
        )
        started = time.monotonic()
        with pytest.raises(HubTimeout):
            hub.request("core", "GET", "nodes")
        elapsed = time.monotonic() - started
        hub.close()
    assert elapsed < DEADLINE + 1.0, elapsed
