"""OAuth2 clients and legacy robots: ``auth-13-clients`` / ``auth-13-robots-clients``."""

from __future__ import annotations

import uuid

import pytest
import responses

from flamehub import (
    AuthenticationError,
    ClientAuth,
    Conflict,
    QueryError,
    RobotAuth,
    UnsupportedByHub,
)
from flamehub.models import Client, ClientAuthMethod, Realm, Robot, TokenBindingMethod
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import (
    assert_error,
    assert_nothing_sent,
    assert_parsed,
    assert_rows,
    serve_with_body,
)
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "auth-13-robots-clients")
CURRENT = Recording(CURRENT_VERSION, "auth-13-clients")

CLIENT_ID = uuid.UUID("1887c81d-9ded-4305-9257-19ead0718ec1")
LEGACY_CLIENT_ID = uuid.UUID("7d777fbc-586b-4cd7-bf79-ca017fa70378")
ROBOT_ID = uuid.UUID("1cfbadc1-9504-49f0-b31b-9916317c66d9")


# -- current: clients -----------------------------------------------------------------


def test_robots_do_not_exist_on_current_hubs(rsps: responses.RequestsMock) -> None:
    # Recorded: GET /auth/robots -> 404 on authup beta.62.
    assert CURRENT[0].status == 404
    with pytest.raises(UnsupportedByHub, match="Robot"):
        list(Robot.objects.using(make_hub(CURRENT_VERSION)).all())
    assert_nothing_sent(rsps)


def test_list_clients(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[1], default_sort=default_sort(Client, CURRENT_VERSION))
    clients = list(Client.objects.using(hub).all())
    assert_rows(clients, CURRENT[1], hub)
    assert all(isinstance(client.auth_method, ClientAuthMethod) for client in clients)
    assert all(client.token_binding_method is TokenBindingMethod.NONE for client in clients)


def test_filter_by_name_with_realm(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[2], default_sort=default_sort(Client, CURRENT_VERSION))
    (system,) = Client.objects.using(hub).filter(name="system").include("realm")
    assert_parsed(system, CURRENT[2].rows[0], hub)
    assert isinstance(system.realm, Realm) and system.realm.name == "master"
    assert system.auth_method is ClientAuthMethod.SECRET


def test_create_refuses_the_legacy_is_confidential_flag(rsps: responses.RequestsMock) -> None:
    # Recorded (exchange 3): the recorder sent isConfidential, which beta.62 drops.
    assert "isConfidential" in CURRENT[3].body and "isConfidential" not in CURRENT[3].record
    with pytest.raises(UnsupportedByHub, match="is_confidential"):
        Client.objects.using(make_hub(CURRENT_VERSION)).create(
            name="rec-client-af2ef5", is_confidential=True
        )
    assert_nothing_sent(rsps)


def test_create_get_update(rsps: responses.RequestsMock, replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    recorded = CURRENT[3]
    realm_id = recorded.body["realmId"]
    serve_with_body(
        rsps,
        recorded,
        HUB_URL,
        {"name": "rec-client-af2ef5", "secret": "s3cret-value", "realmId": realm_id,
         "authMethod": "secret"},
    )  # fmt: skip
    client = Client.objects.using(hub).create(
        name="rec-client-af2ef5",
        secret="s3cret-value",
        realm_id=uuid.UUID(realm_id),
        auth_method=ClientAuthMethod.SECRET,
    )
    assert_parsed(client, recorded.record, hub)
    assert client.id == CLIENT_ID
    assert client.secret is not None and client.secret not in repr(client)

    replayer.expect(CURRENT[5])
    fetched = Client.objects.using(hub).get(id=client.id)
    assert_parsed(fetched, CURRENT[5].record, hub)
    assert fetched.secret is None  # not in the default projection

    replayer.expect(CURRENT[6])
    assert Client.objects.using(hub).with_fields("secret").get(id=client.id).secret

    replayer.expect(CURRENT[7])
    fetched.display_name = "Rec Client"
    fetched.save()
    assert_parsed(fetched, CURRENT[7].record, hub)


def test_duplicate_client_conflicts(replayer: Replayer) -> None:
    replayer.expect(CURRENT[4])
    with pytest.raises(Conflict) as raised:
        Client.objects.using(make_hub(CURRENT_VERSION)).create(
            name="rec-client-af2ef5", realm_id=uuid.UUID(CURRENT[4].body["realmId"])
        )
    assert_error(raised.value, CURRENT[4])
    assert "statusCode" not in CURRENT[4].response_body


@pytest.mark.parametrize("index", [8, 9], ids=["by-id", "by-name"])
def test_client_credentials_grant_of_the_new_client(replayer: Replayer, index: int) -> None:
    client_id = CURRENT[index].body["client_id"]
    hub = make_hub(CURRENT_VERSION, auth=ClientAuth(client_id, "s3cret-value"))
    replayer.expect(CURRENT[index])
    assert hub.auth is not None
    assert hub.auth.token() == CURRENT[index].response_body["access_token"]


def test_client_credentials_wrong_secret(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION, auth=ClientAuth(str(CLIENT_ID), "wrong"))
    replayer.expect(CURRENT[10])
    assert hub.auth is not None
    with pytest.raises(AuthenticationError) as raised:
        hub.auth.token()
    assert_error(raised.value, CURRENT[10])


# -- legacy: robots and clients ---------------------------------------------------------


def test_legacy_robots(replayer: Replayer) -> None:
    hub = make_hub(LEGACY_VERSION)
    robots = Robot.objects.using(hub)
    replayer.expect(LEGACY[0], default_sort=default_sort(Robot, LEGACY_VERSION))
    assert_rows(list(robots.all()), LEGACY[0], hub)
    replayer.expect(LEGACY[1], default_sort=default_sort(Robot, LEGACY_VERSION))
    assert_rows(list(robots.filter(name="system")), LEGACY[1], hub)

    replayer.expect(LEGACY[2])
    robot = robots.create(
        name="rec-robot-5f6a58",
        secret="robot-secret",
        realm_id=uuid.UUID(LEGACY[2].body["realm_id"]),
    )
    assert_parsed(robot, LEGACY[2].record, hub)
    assert robot.id == ROBOT_ID and "robot-secret" not in repr(robot)

    replayer.expect(LEGACY[3])
    fetched = robots.get(id=ROBOT_ID)
    assert_parsed(fetched, LEGACY[3].record, hub)

    replayer.expect(LEGACY[4])
    fetched.display_name = "Rec Robot"
    fetched.save()
    assert_parsed(fetched, LEGACY[4].record, hub)

    replayer.expect(LEGACY[15])
    fetched.delete()


def test_legacy_robot_credentials_grant(replayer: Replayer) -> None:
    hub = make_hub(LEGACY_VERSION, auth=RobotAuth(str(ROBOT_ID), "robot-secret"))
    replayer.expect(LEGACY[5])
    assert hub.auth is not None
    assert hub.auth.token() == LEGACY[5].response_body["access_token"]


@pytest.mark.parametrize(
    ("index", "auth"),
    [
        (6, ClientAuth(str(ROBOT_ID), "robot-secret")),
        (7, RobotAuth(str(ROBOT_ID), "wrong")),
        (13, ClientAuth(str(LEGACY_CLIENT_ID), "wrong")),
    ],
    ids=["client-grant-with-robot-id", "robot-wrong-secret", "client-wrong-secret"],
)
def test_legacy_refused_grants(replayer: Replayer, index: int, auth: object) -> None:
    hub = make_hub(LEGACY_VERSION, auth=auth)
    replayer.expect(LEGACY[index])
    assert hub.auth is not None
    with pytest.raises(AuthenticationError) as raised:
        hub.auth.token()
    assert_error(raised.value, LEGACY[index])


def test_legacy_clients(replayer: Replayer) -> None:
    hub = make_hub(LEGACY_VERSION)
    clients = Client.objects.using(hub)
    replayer.expect(LEGACY[8], default_sort=default_sort(Client, LEGACY_VERSION))
    assert list(clients.all()) == []

    replayer.expect(LEGACY[9])
    client = clients.create(
        name="rec-client-0f2c9b",
        secret="client-secret",
        realm_id=uuid.UUID(LEGACY[9].body["realm_id"]),
        is_confidential=True,
    )
    assert_parsed(client, LEGACY[9].record, hub)
    assert client.is_confidential is True

    replayer.expect(LEGACY[10])
    fetched = clients.get(id=LEGACY_CLIENT_ID)
    assert_parsed(fetched, LEGACY[10].record, hub)

    replayer.expect(LEGACY[11])
    fetched.display_name = "Rec Client"
    fetched.save()
    assert_parsed(fetched, LEGACY[11].record, hub)

    replayer.expect(LEGACY[14])
    fetched.delete()


def test_legacy_client_grant(replayer: Replayer) -> None:
    hub = make_hub(LEGACY_VERSION, auth=ClientAuth(str(LEGACY_CLIENT_ID), "client-secret"))
    replayer.expect(LEGACY[12])
    assert hub.auth is not None
    assert hub.auth.token() == LEGACY[12].response_body["access_token"]


def test_current_only_client_fields_are_refused_on_legacy(rsps: responses.RequestsMock) -> None:
    with pytest.raises(UnsupportedByHub, match="auth_method"):
        Client.objects.using(make_hub(LEGACY_VERSION)).create(
            name="x-client", auth_method=ClientAuthMethod.SECRET
        )
    with pytest.raises(QueryError, match="id"):
        # 0.8.x authup lists clients by name and realm only
        list(Client.objects.using(make_hub(LEGACY_VERSION)).filter(id=LEGACY_CLIENT_ID))
    assert_nothing_sent(rsps)
