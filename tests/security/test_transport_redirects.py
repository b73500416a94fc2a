"""#12.2: a token request (password in the body) and an authenticated POST are never
carried by a redirect to another origin; the refusal is a clear TransportError."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest

from flamehub import Hub, PasswordAuth, TokenAuth, TransportError
from flamehub.models import Node

from ._hostile import Seen, hostile_server, send_json

PASSWORD = "redirect-victim-password"


def _redirect_to(target: str, status: int):  # type: ignore[no-untyped-def]
    def answer(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        handler.send_response(status)
        handler.send_header("Location", f"{target}{seen.path}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def _record_only(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    send_json(handler, 200, json.dumps({"access_token": "stolen", "expires_in": 900}).encode())


@pytest.mark.parametrize("status", [307, 308])
def test_token_request_is_not_redirected_to_another_origin(status: int) -> None:
    with (
        hostile_server(_record_only) as attacker,
        hostile_server(_redirect_to(attacker.url, status)) as hub_server,
    ):
        auth = PasswordAuth("admin", PASSWORD)
        hub = Hub(hub_server.url, auth=auth, hub_version="0.14.0")
        with pytest.raises(TransportError) as caught:
            auth.token()
        assert [seen.path for seen in hub_server.seen] == ["/auth/token"]
    assert attacker.seen == []  # the password never reached the other origin
    message = str(caught.value)
    assert f"redirected ({status})" in message and "another origin" in message
    assert caught.value.method == "POST" and caught.value.url.endswith("/auth/token")
    assert PASSWORD not in message
    hub.close()


def test_authenticated_create_is_not_redirected_to_another_origin() -> None:
    with (
        hostile_server(_record_only) as attacker,
        hostile_server(_redirect_to(attacker.url, 307)) as hub_server,
    ):
        hub = Hub(hub_server.url, auth=TokenAuth("create-token"), hub_version="0.14.0")
        with pytest.raises(TransportError, match="redirected"):
            Node.objects.using(hub).create(name="secret-node")
        assert [seen.method for seen in hub_server.seen] == ["POST"]
    assert attacker.seen == []  # neither the token nor the row's body left for it
    hub.close()
