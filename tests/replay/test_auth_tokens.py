"""Logging in against what real auth services answered (`auth-00` .. `auth-04`)."""

from __future__ import annotations

import pytest

from flamehub import (
    AuthenticationError,
    BadRequest,
    ClientAuth,
    Hub,
    PasswordAuth,
    RobotAuth,
    ServerError,
    TokenAuth,
    Unauthorized,
    UnsupportedByHub,
)
from flamehub.models import Bucket, Node
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION
from tests.replay.harness import Recording, Replayer, default_sort

STATUS = {v: Recording(v, "auth-00-status") for v in (LEGACY_VERSION, CURRENT_VERSION)}
PASSWORD = {v: Recording(v, "auth-01-token-password") for v in (LEGACY_VERSION, CURRENT_VERSION)}
CLIENT = Recording(CURRENT_VERSION, "auth-02-token-client-credentials")
UNAUTHORIZED = {
    LEGACY_VERSION: Recording(LEGACY_VERSION, "auth-03-unauthorized"),
    CURRENT_VERSION: Recording(CURRENT_VERSION, "auth-04-unauthorized"),
}
SECRET = "start123"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def password_hub(
    version: str, username: str = "admin", **kwargs: object
) -> tuple[Hub, PasswordAuth, Clock]:
    auth = PasswordAuth(username, SECRET, **kwargs)  # type: ignore[arg-type]
    clock = Clock()
    auth.clock = clock
    return Hub(HUB_URL, auth=auth, hub_version=version), auth, clock


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION])
def test_generation_is_detected_from_the_core_status(replayer: Replayer, version: str) -> None:
    replayer.expect(STATUS[version][1])
    hub = Hub(HUB_URL)
    assert hub.version == version
    assert hub.generation.value == ("legacy" if version == LEGACY_VERSION else "current")
    assert hub.dialect.record_envelope is (version == CURRENT_VERSION)


def test_password_grant_then_a_core_call(replayer: Replayer) -> None:
    hub, _auth, _clock = password_hub(CURRENT_VERSION)
    replayer.expect(PASSWORD[CURRENT_VERSION][0])
    replayer.expect(CLIENT.find("core call with client token"))
    assert Node.objects.using(hub).count() == 0


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION])
@pytest.mark.parametrize("note", ["wrong password", "unknown user"])
def test_refused_password_grant(replayer: Replayer, version: str, note: str) -> None:
    exchange = PASSWORD[version].find(note)
    hub, _auth, _clock = password_hub(version, exchange.body["username"])
    replayer.expect(exchange)
    with pytest.raises(AuthenticationError) as caught:
        Node.objects.using(hub).count()
    assert caught.value.status_code == 400
    assert caught.value.code == "invalid_credentials"
    assert exchange.response_body["message"] in str(caught.value)


def test_password_grant_into_a_named_realm(replayer: Replayer) -> None:
    hub, _auth, _clock = password_hub(CURRENT_VERSION, realm="master")
    replayer.expect(PASSWORD[CURRENT_VERSION].find("password grant with realm_name"))
    replayer.expect(CLIENT.find("core call with client token"))
    assert Node.objects.using(hub).count() == 0


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION])
def test_refresh_before_expiry(replayer: Replayer, version: str) -> None:
    recording = PASSWORD[version]
    _hub, auth, clock = password_hub(version)
    replayer.expect(recording[0])
    assert auth.token() == "<redacted>"
    clock.now += recording[0].response_body["expires_in"]
    replayer.expect(recording.find("refresh_token grant"))
    auth.token()
    assert [e.body["grant_type"] for e in replayer.served] == ["password", "refresh_token"]


def test_rejected_refresh_falls_back_to_password(replayer: Replayer) -> None:
    recording = PASSWORD[CURRENT_VERSION]
    _hub, auth, clock = password_hub(CURRENT_VERSION)
    replayer.expect(recording[0])
    auth.token()
    clock.now += 900
    replay = replayer.expect(
        recording.find(
            "refresh_token grant, same (already rotated) refresh token again -> replay detect"
            "ion revokes that session"
        )
    )
    assert replay.response_body["code"] == "invalid_grant"
    replayer.expect(recording[0])
    auth.token()
    assert [e.body["grant_type"] for e in replayer.served] == [
        "password",
        "refresh_token",
        "password",
    ]


def test_revoked_session_500_at_core_reauthenticates(replayer: Replayer) -> None:
    recording = PASSWORD[CURRENT_VERSION]
    hub, _auth, _clock = password_hub(CURRENT_VERSION)
    replayer.expect(recording[0])
    revoked = replayer.expect(
        recording.find(
            "core call with the access token from the refresh (session revoked by the replay above)"
        )
    )
    assert revoked.status == 500
    replayer.expect(recording.find("refresh_token grant"))
    replayer.expect(CLIENT.find("core call with client token"))
    assert Node.objects.using(hub).count() == 0


@pytest.mark.parametrize(
    "note",
    [
        "client_credentials, client_id = name 'system'",
        "client_credentials, client_id = uuid of 'system'",
    ],
)
def test_client_credentials(replayer: Replayer, note: str) -> None:
    exchange = replayer.expect(CLIENT.find(note))
    auth = ClientAuth(exchange.body["client_id"], "the-secret")
    hub = Hub(HUB_URL, auth=auth, hub_version=CURRENT_VERSION)
    replayer.expect(CLIENT.find("core call with client token"))
    assert Node.objects.using(hub).count() == 0
    assert "refresh_token" not in exchange.response_body


@pytest.mark.parametrize("note", ["wrong secret", "unknown client id"])
def test_refused_client_credentials(replayer: Replayer, note: str) -> None:
    exchange = replayer.expect(CLIENT.find(note))
    hub = Hub(
        HUB_URL, auth=ClientAuth(exchange.body["client_id"], "bad"), hub_version=CURRENT_VERSION
    )
    with pytest.raises(AuthenticationError) as caught:
        Node.objects.using(hub).count()
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_client"


def test_robot_grant_is_refused_locally_on_current_hubs() -> None:
    recorded = CLIENT.find("legacy robot_credentials grant (robots removed)")
    assert recorded.response_body["code"] == "unsupported_token_grant_type"
    hub = Hub(HUB_URL, auth=RobotAuth("robot", "secret"), hub_version=CURRENT_VERSION)
    with pytest.raises(UnsupportedByHub, match="ClientAuth"):
        Node.objects.using(hub).count()


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION])
def test_no_token_is_unauthorized(replayer: Replayer, version: str) -> None:
    recording = UNAUTHORIZED[version]
    hub = Hub(HUB_URL, hub_version=version)
    replayer.expect(recording.find("core without token"), default_sort=default_sort(Node, version))
    with pytest.raises(Unauthorized) as caught:
        list(Node.objects.using(hub))
    assert caught.value.status_code == 401
    replayer.expect(recording.find("core create without token"))
    with pytest.raises(Unauthorized):
        Node.objects.using(hub).create(name="x-unauth")
    replayer.expect(
        recording.find("storage without token"), default_sort=default_sort(Bucket, version)
    )
    with pytest.raises(Unauthorized):
        list(Bucket.objects.using(hub))


@pytest.mark.parametrize(
    ("version", "error"), [(LEGACY_VERSION, BadRequest), (CURRENT_VERSION, ServerError)]
)
def test_garbage_static_token(replayer: Replayer, version: str, error: type) -> None:
    exchange = replayer.expect(
        UNAUTHORIZED[version].find("core garbage token"), default_sort=default_sort(Node, version)
    )
    hub = Hub(HUB_URL, auth=TokenAuth("garbage"), hub_version=version)
    with pytest.raises(error) as caught:
        list(Node.objects.using(hub))
    assert caught.value.message == exchange.response_body["message"]
