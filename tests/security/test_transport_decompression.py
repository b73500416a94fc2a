"""#12.4: a small gzip body that decodes to far more than the limit ends in
InvalidResponse, and memory stays bounded by the limit, not by the answer."""

from __future__ import annotations

import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler

import pytest

from flamehub import Hub, InvalidResponse, TokenAuth
from flamehub.transport import DEFAULT_MAX_RESPONSE_BYTES

from ._hostile import Seen, hostile_server

#: Decoded size of the bomb: 4x the default limit.
BOMB_BYTES = 4 * DEFAULT_MAX_RESPONSE_BYTES


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"\0" * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


BOMB = _gzip_bomb(BOMB_BYTES)


def _answer_bomb(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(BOMB)))
    handler.end_headers()
    handler.wfile.write(BOMB)


@pytest.mark.parametrize("authenticated", [True, False], ids=["pooled-read", "session-read"])
def test_gzip_bomb_is_refused_within_the_default_limit(authenticated: bool) -> None:
    assert len(BOMB) < 512 * 1024  # a small answer on the wire
    with hostile_server(_answer_bomb) as server:
        hub = Hub(server.url, auth=TokenAuth("t"), hub_version="0.14.0")
        tracemalloc.start()
        try:
            with pytest.raises(InvalidResponse, match="max_response_bytes") as caught:
                hub.request("core", "GET", "nodes", authenticated=authenticated)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            hub.close()
    assert caught.value.method == "GET" and caught.value.url == f"{server.url}/core/nodes"
    # the limit plus a few read chunks, never the 128 MiB the body decodes to
    assert peak < DEFAULT_MAX_RESPONSE_BYTES + 16 * 1024 * 1024, peak


def test_a_lower_limit_on_the_hub_applies() -> None:
    with hostile_server(_answer_bomb) as server:
        hub = Hub(server.url, auth=TokenAuth("t"), hub_version="0.14.0", max_response_bytes=65536)
        tracemalloc.start()
        try:
            with pytest.raises(InvalidResponse, match="max_response_bytes=65536"):
                hub.request("core", "GET", "nodes")
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            hub.close()
    assert peak < 4 * 1024 * 1024, peak
