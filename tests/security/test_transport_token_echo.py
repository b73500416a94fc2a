"""#12.8: the token endpoint's own answer is never echoed: a form-encoded or otherwise
odd body carrying an access token does not put it into the error, its repr or the logs."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler

import pytest

from flamehub import AuthenticationError, Hub, InvalidResponse, PasswordAuth
from flamehub.errors import FlamehubError

from ._hostile import Seen, hostile_server

LEAKED = "eyJleaked.access.token-4f1c"


def _token_endpoint(status: int, content_type: str, body: str):  # type: ignore[no-untyped-def]
    def answer(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


@pytest.mark.parametrize(
    ("status", "content_type", "body", "expected"),
    [
        (
            200,
            "application/x-www-form-urlencoded",
            f"access_token={LEAKED}&token_type=bearer&expires_in=900",
            InvalidResponse,
        ),
        (200, "text/plain", f"token: {LEAKED}", InvalidResponse),
        (200, "application/json", f'{{"token": "{LEAKED}", "{LEAKED}": 1}}', InvalidResponse),
        (400, "text/plain", f"access_token={LEAKED}", AuthenticationError),
        (
            400,
            "application/json",
            f'{{"code": "invalid_grant", "message": "no", "access_token": "{LEAKED}"}}',
            AuthenticationError,
        ),
    ],
    ids=["form-encoded", "text", "odd-json", "error-text", "error-json"],
)
def test_odd_token_answers_are_not_echoed(
    status: int,
    content_type: str,
    body: str,
    expected: type[FlamehubError],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with hostile_server(_token_endpoint(status, content_type, body)) as server:
        auth = PasswordAuth("admin", "pw")
        hub = Hub(server.url, auth=auth, hub_version="0.14.0")
        with pytest.raises(expected) as caught:
            auth.token()
        hub.close()
    error = caught.value
    shown = [str(error), repr(error), repr(vars(error)), caplog.text]
    assert not [text for text in shown if LEAKED in text]
    assert "token" in str(error)  # still says what failed


PASSWORD = "s3cret-Pa55word-echo"


@pytest.mark.parametrize(
    "body",
    [
        f'{{"code": "invalid_grant", "message": "wrong password {PASSWORD} for admin"}}',
        f'{{"code": "invalid_grant", "message": "no", "echo": "you sent {PASSWORD}"}}',
        f'{{"code": "invalid_grant", "message": "no", "sent": {{"password": "{PASSWORD}"}}}}',
    ],
    ids=["in-message", "in-other-key", "nested"],
)
def test_a_refusal_that_echoes_the_password_does_not_show_it(
    body: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with hostile_server(_token_endpoint(401, "application/json", body)) as server:
        auth = PasswordAuth("admin", PASSWORD)
        hub = Hub(server.url, auth=auth, hub_version="0.14.0")
        with pytest.raises(AuthenticationError) as caught:
            auth.token()
        hub.close()
    error = caught.value
    shown = [str(error), repr(error), repr(vars(error)), caplog.text]
    assert not [text for text in shown if PASSWORD in text]
    assert "password grant refused" in str(error)
    assert error.code == "invalid_grant"
