"""Auth adapters: grants, renewal before expiry, fallback, 401 retry, threads, secrets."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
import responses

from flamehub import (
    AuthenticationError,
    ClientAuth,
    Hub,
    PasswordAuth,
    RobotAuth,
    TokenAuth,
    UnsupportedByHub,
)
from flamehub.models import Node
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION

TOKEN_URL = f"{HUB_URL}/auth/token"
NODES = f"{HUB_URL}/core/nodes"
PAGE = {"data": [], "meta": {"total": 0, "limit": 50, "offset": 0}}
PASSWORD = "start123-very-secret"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TokenServer:
    """Answers the token endpoint, numbering tokens, recording grant bodies."""

    def __init__(self, expires_in: float = 900, refresh: bool = True) -> None:
        self.expires_in = expires_in
        self.refresh = refresh
        self.grants: list[dict[str, Any]] = []
        self.reject_refresh = False
        self.lock = threading.Lock()

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        with self.lock:
            self.grants.append(body)
            number = len(self.grants)
        if body["grant_type"] == "refresh_token" and self.reject_refresh:
            return (
                400,
                {},
                json.dumps(
                    {
                        "name": "OAuth2GrantError",
                        "code": "invalid_grant",
                        "message": "refresh token replay detected",
                        "error": "invalid_grant",
                    }
                ),
            )
        answer: dict[str, Any] = {
            "access_token": f"access-{number}",
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }
        if self.refresh and body["grant_type"] != "client_credentials":
            answer["refresh_token"] = f"refresh-{number}"
            answer["refresh_token_expires_in"] = 259200
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    @property
    def types(self) -> list[str]:
        return [grant["grant_type"] for grant in self.grants]


@pytest.fixture
def tokens(rsps: responses.RequestsMock) -> TokenServer:
    server = TokenServer()
    rsps.add_callback("POST", TOKEN_URL, callback=server)
    return server


def hub_with(auth: Any, version: str = CURRENT_VERSION) -> Hub:
    return Hub(HUB_URL, auth=auth, hub_version=version)


def bearer(call: Any) -> str:
    return call.request.headers["Authorization"]


def test_password_grant_then_cached_token(rsps, tokens) -> None:
    rsps.add("GET", NODES, json=PAGE)
    hub = hub_with(PasswordAuth("admin", PASSWORD))
    list(Node.objects.using(hub))
    list(Node.objects.using(hub))
    assert tokens.grants == [{"grant_type": "password", "username": "admin", "password": PASSWORD}]
    assert bearer(rsps.calls[1]) == "Bearer access-1"
    assert bearer(rsps.calls[2]) == "Bearer access-1"


def test_refresh_before_expiry_then_password_on_rejection(rsps, tokens) -> None:
    rsps.add("GET", NODES, json=PAGE)
    auth = PasswordAuth("admin", PASSWORD)
    clock = Clock()
    auth._clock = clock
    hub = hub_with(auth)
    list(Node.objects.using(hub))
    clock.now += 900 - 29  # inside the 30 s safety margin
    list(Node.objects.using(hub))
    assert tokens.types == ["password", "refresh_token"]
    assert tokens.grants[1]["refresh_token"] == "refresh-1"
    clock.now += 900
    tokens.reject_refresh = True
    list(Node.objects.using(hub))
    assert tokens.types == ["password", "refresh_token", "refresh_token", "password"]
    assert tokens.grants[2]["refresh_token"] == "refresh-2"  # rotated token was kept
    assert bearer(rsps.calls[-1]) == "Bearer access-4"


def test_expired_refresh_token_goes_straight_to_password(rsps) -> None:
    server = TokenServer()
    rsps.add_callback("POST", TOKEN_URL, callback=server)
    rsps.add("GET", NODES, json=PAGE)
    auth = PasswordAuth("admin", PASSWORD)
    clock = Clock()
    auth._clock = clock
    hub = hub_with(auth)
    list(Node.objects.using(hub))
    clock.now += 259200 + 1
    list(Node.objects.using(hub))
    assert server.types == ["password", "password"]


def test_short_lived_tokens_use_a_proportional_margin(rsps, tokens) -> None:
    tokens.expires_in = 1
    rsps.add("GET", NODES, json=PAGE)
    auth = PasswordAuth("admin", PASSWORD)
    clock = Clock()
    auth._clock = clock
    hub = hub_with(auth)
    list(Node.objects.using(hub))
    clock.now += 0.5
    list(Node.objects.using(hub))
    assert tokens.types == ["password"]
    clock.now += 0.45
    list(Node.objects.using(hub))
    assert tokens.types == ["password", "refresh_token"]


def test_client_credentials_regrants(rsps) -> None:
    server = TokenServer(refresh=False)
    rsps.add_callback("POST", TOKEN_URL, callback=server)
    rsps.add("GET", NODES, json=PAGE)
    auth = ClientAuth("client-1", "client-secret-xyz")
    clock = Clock()
    auth._clock = clock
    hub = hub_with(auth)
    list(Node.objects.using(hub))
    clock.now += 1000
    list(Node.objects.using(hub))
    assert (
        server.grants
        == [
            {
                "grant_type": "client_credentials",
                "client_id": "client-1",
                "client_secret": "client-secret-xyz",
            }
        ]
        * 2
    )


def test_robot_grant_on_legacy(rsps, tokens) -> None:
    rsps.add("GET", NODES, json=PAGE)
    hub = hub_with(RobotAuth("robot-1", "robot-secret-xyz"), LEGACY_VERSION)
    list(Node.objects.using(hub))
    assert tokens.grants == [
        {"grant_type": "robot_credentials", "id": "robot-1", "secret": "robot-secret-xyz"}
    ]


def test_robot_on_current_hub_is_refused_clearly() -> None:
    hub = hub_with(RobotAuth("robot-1", "robot-secret-xyz"), CURRENT_VERSION)
    with pytest.raises(UnsupportedByHub, match="use ClientAuth"):
        list(Node.objects.using(hub))


def test_401_reauthenticates_once_and_retries_once(rsps, tokens) -> None:
    rsps.add(
        "GET",
        NODES,
        status=401,
        json={
            "statusCode": 401,
            "code": "identity_unauthorized",
            "message": "Authentication required.",
            "issues": [],
        },
    )
    rsps.add("GET", NODES, json=PAGE)
    hub = hub_with(PasswordAuth("admin", PASSWORD))
    assert list(Node.objects.using(hub)) == []
    assert [bearer(c) for c in rsps.calls if c.request.url.startswith(NODES)] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert tokens.types == ["password", "refresh_token"]


def test_current_hub_500_for_inactive_jwt_reauthenticates(rsps, tokens) -> None:
    rsps.add(
        "POST",
        NODES,
        status=500,
        json={
            "statusCode": 500,
            "code": "internal_error",
            "message": "The JWT is not active.",
            "issues": [],
        },
    )
    rsps.add(
        "POST",
        NODES,
        status=201,
        json={"data": {"id": "a99721cc-d7f4-4ff2-9b95-8fec1396d348", "name": "x"}, "meta": {}},
    )
    node = Node.objects.using(hub_with(PasswordAuth("admin", PASSWORD))).create(name="xyz")
    assert node.name == "x"
    assert len([c for c in rsps.calls if c.request.url == NODES]) == 2


def test_second_401_is_raised(rsps, tokens) -> None:
    for _ in range(2):
        rsps.add("GET", NODES, status=401, json={"statusCode": 401, "code": "x", "message": "no"})
    from flamehub import Unauthorized

    with pytest.raises(Unauthorized):
        list(Node.objects.using(hub_with(PasswordAuth("admin", PASSWORD))))
    assert tokens.types == ["password", "refresh_token"]


def test_static_token_is_not_renewed(rsps) -> None:
    rsps.add("GET", NODES, status=401, json={"statusCode": 401, "code": "x", "message": "no"})
    from flamehub import Unauthorized

    with pytest.raises(Unauthorized):
        list(Node.objects.using(hub_with(TokenAuth("static-token-abc"))))
    assert len(rsps.calls) == 1
    assert bearer(rsps.calls[0]) == "Bearer static-token-abc"


def test_refused_grant_raises_authentication_error_without_secrets(rsps, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="flamehub")
    rsps.add(
        "POST",
        TOKEN_URL,
        status=400,
        json={
            "name": "EntityCredentialsInvalidError",
            "message": "The user credentials are invalid.",
            "code": "invalid_credentials",
        },
    )
    auth = PasswordAuth("admin", PASSWORD)
    hub = hub_with(auth)
    with pytest.raises(AuthenticationError) as caught:
        list(Node.objects.using(hub))
    error = caught.value
    assert error.status_code == 400
    assert error.code == "invalid_credentials"
    assert "The user credentials are invalid." in str(error)
    assert "password grant refused" in str(error)
    for text in (str(error), repr(error), repr(auth), repr(hub), caplog.text, str(error.body)):
        assert PASSWORD not in text


def test_client_401_from_authup_has_no_status_code_in_body(rsps) -> None:
    rsps.add(
        "POST",
        TOKEN_URL,
        status=401,
        json={
            "name": "OAuth2ClientError",
            "message": "Client authentication failed",
            "code": "invalid_client",
            "error": "invalid_client",
        },
    )
    with pytest.raises(AuthenticationError) as caught:
        list(Node.objects.using(hub_with(ClientAuth("c", "client-secret-xyz"))))
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_client"


def test_reprs_hide_secrets() -> None:
    for auth, secret in [
        (PasswordAuth("admin", PASSWORD), PASSWORD),
        (RobotAuth("r", "robot-secret-xyz"), "robot-secret-xyz"),
        (ClientAuth("c", "client-secret-xyz"), "client-secret-xyz"),
        (TokenAuth("static-token-abc"), "static-token-abc"),
    ]:
        assert secret not in repr(auth)
        assert secret not in repr(hub_with(auth))
        assert secret not in str(vars(auth))


def test_standalone_auth_with_base_url(rsps) -> None:
    import requests

    server = TokenServer()
    rsps.add_callback("POST", "https://auth.example.org/token", callback=server)
    rsps.add("GET", "https://core.example.org/nodes", json=PAGE)
    auth = PasswordAuth("admin", PASSWORD, base_url="https://auth.example.org")
    requests.get("https://core.example.org/nodes", auth=auth, timeout=5)
    assert bearer(rsps.calls[1]) == "Bearer access-1"


def test_sixteen_threads_share_one_token_request_per_expiry(rsps) -> None:
    server = TokenServer()
    rsps.add_callback("POST", TOKEN_URL, callback=server)
    rsps.add("GET", NODES, json=PAGE)
    auth = PasswordAuth("admin", PASSWORD)
    clock = Clock()
    auth._clock = clock
    hub = hub_with(auth)
    barrier = threading.Barrier(16)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                list(Node.objects.using(hub))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    for expiry in range(3):
        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures
        assert len(server.grants) == expiry + 1
        clock.now += 1000
    assert server.types == ["password", "refresh_token", "refresh_token"]


def test_a_standalone_adapter_closes_its_own_transport(rsps) -> None:
    rsps.add(
        "POST", "https://auth.example.org/token", json={"access_token": "a", "expires_in": 900}
    )
    auth = ClientAuth("c", "secret-c", base_url="https://auth.example.org")
    with auth:
        assert auth.token() == "a"
        own = auth._transport
        assert own is not None and not own.closed
    assert own.closed and auth._transport is None  # closed, and not reused closed


def test_binding_to_a_hub_closes_the_transport_it_opened_alone(rsps) -> None:
    rsps.add(
        "POST", "https://auth.example.org/token", json={"access_token": "a", "expires_in": 900}
    )
    auth = ClientAuth("c", "secret-c", base_url="https://auth.example.org")
    auth.token()
    own = auth._transport
    hub = Hub(HUB_URL, auth=auth, hub_version=CURRENT_VERSION)
    assert own is not None and own.closed and auth._transport is hub.transport
    hub.close()
    assert hub.transport.closed
