"""A user without permissions: ``auth-14-forbidden.json`` (Hub 0.14.0 / authup beta.62).

authup answers a missing permission with 403 and no ``statusCode`` in the body;
core and storage answer 400 ``bad_request`` with ``permission_not_found`` issues.
flamehub raises :class:`~flamehub.Forbidden` for both, keeping the real status.
"""

from __future__ import annotations

import uuid

import pytest

from flamehub import Forbidden, PasswordAuth
from flamehub.models import Bucket, Node, Project, Realm, User
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub
from tests.replay._support import assert_error
from tests.replay.harness import Recording, Replayer, default_sort

CURRENT = Recording(CURRENT_VERSION, "auth-14-forbidden")


@pytest.fixture
def unprivileged(replayer: Replayer):
    """A hub logged in as the recorded unprivileged user (exchange 0 is its token)."""
    replayer.expect(CURRENT[0])
    return make_hub(CURRENT_VERSION, auth=PasswordAuth("recuser4e9bba", "a-long-password"))


def test_authup_refuses_creating_a_realm(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[1])
    with pytest.raises(Forbidden) as raised:
        Realm.objects.using(unprivileged).create(name="forbidden-b93ddc")
    assert_error(raised.value, CURRENT[1])
    assert "statusCode" not in CURRENT[1].response_body


def test_authup_refuses_creating_a_user(replayer: Replayer, unprivileged) -> None:
    # beta.62 checks the permission before validating the body: no e-mail is needed
    # to see the 403, but flamehub would refuse the body first, so it sends one.
    replayer.rsps.add(
        "POST",
        f"{HUB_URL}/auth/users",
        json=CURRENT[2].response_body,
        status=CURRENT[2].status,
    )
    with pytest.raises(Forbidden) as raised:
        User.objects.using(unprivileged).create(name="forbiddenb63c07", email="x@example.com")
    assert_error(raised.value, CURRENT[2])


def test_authup_refuses_listing_users(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[3], default_sort=default_sort(User, CURRENT_VERSION))
    with pytest.raises(Forbidden) as raised:
        list(User.objects.using(unprivileged).all())
    assert_error(raised.value, CURRENT[3])
    assert raised.value.status_code == 403


def test_core_answers_400_permission_not_found(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[4])
    with pytest.raises(Forbidden) as raised:
        Node.objects.using(unprivileged).create(
            name="forbidden-node-1cf2ea", realm_id=uuid.UUID(CURRENT[4].body["realmId"])
        )
    assert_error(raised.value, CURRENT[4])
    assert raised.value.status_code == 400
    assert raised.value.issues[0]["code"] == "permission_not_found"


def test_core_lists_nothing_instead(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[5], default_sort=default_sort(Node, CURRENT_VERSION))
    assert list(Node.objects.using(unprivileged).all()) == []


def test_core_refuses_creating_a_project(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[6])
    with pytest.raises(Forbidden) as raised:
        Project.objects.using(unprivileged).create(name="forbidden-project-ee59b5")
    assert_error(raised.value, CURRENT[6])


def test_storage_refuses_creating_a_bucket(replayer: Replayer, unprivileged) -> None:
    replayer.expect(CURRENT[7])
    with pytest.raises(Forbidden) as raised:
        Bucket.objects.using(unprivileged).create(name="forbidden-bucket-5b6883")
    assert_error(raised.value, CURRENT[7])
