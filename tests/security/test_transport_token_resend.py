"""#12.6: a POST answered with a 500 that merely mentions a token is sent once; only
the Hub's real token-rejection answers (recorded) lead to a new token and one resend."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest

from flamehub import Hub, PasswordAuth, ServerError
from flamehub.models import Node

from ._hostile import Seen, hostile_server, send_json

NODE = {"id": "a99721cc-d7f4-4ff2-9b95-8fec1396d348", "name": "n1"}


def _hub_answering(core_500_message: str):  # type: ignore[no-untyped-def]
    state = {"rejected": False, "tokens": 0}

    def answer(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.path == "/auth/token":
            state["tokens"] += 1
            body = {"access_token": f"access-{state['tokens']}", "expires_in": 900}
            send_json(handler, 200, json.dumps(body).encode())
        elif not state["rejected"]:
            state["rejected"] = True
            error = {"statusCode": 500, "code": "internal_error", "message": core_500_message}
            send_json(handler, 500, json.dumps(error).encode())
        else:
            send_json(handler, 201, json.dumps({"data": NODE, "meta": {}}).encode())

    return answer


@pytest.mark.parametrize(
    "message",
    [
        "Failed to persist token column of node",
        "insert into token_audit failed: JWT library error",
    ],
)
def test_a_500_mentioning_a_token_is_not_resent(message: str) -> None:
    with hostile_server(_hub_answering(message)) as server:
        hub = Hub(server.url, auth=PasswordAuth("admin", "pw"), hub_version="0.14.0")
        with pytest.raises(ServerError):
            Node.objects.using(hub).create(name="n1")
        hub.close()
    creates = [seen for seen in server.seen if seen.path == "/core/nodes"]
    assert len(creates) == 1  # the create went out once: the row may exist
    assert [seen.path for seen in server.seen].count("/auth/token") == 1


def test_the_recorded_inactive_jwt_answer_is_resent_once_with_a_new_token() -> None:
    # tests/recordings/hub-0.14.0/auth-01-token-password.json: 500 "The JWT is not active."
    with hostile_server(_hub_answering("The JWT is not active.")) as server:
        hub = Hub(server.url, auth=PasswordAuth("admin", "pw"), hub_version="0.14.0")
        assert Node.objects.using(hub).create(name="n1").name == "n1"
        hub.close()
    creates = [seen for seen in server.seen if seen.path == "/core/nodes"]
    assert [seen.headers["Authorization"] for seen in creates] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
