"""Users against what real authup servers answered: ``auth-11-users.json`` (both generations)."""

from __future__ import annotations

import io
import uuid

import pytest
import responses

from flamehub import BadRequest, Conflict, NotFound, QueryError
from flamehub.models import Realm, User
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import (
    assert_error,
    assert_nothing_sent,
    assert_parsed,
    assert_rows,
    serve_with_body,
)
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "auth-11-users")
CURRENT = Recording(CURRENT_VERSION, "auth-11-users")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

#: Exchange indices per generation (the current recording has two more exchanges).
INDEX = {
    LEGACY_VERSION: {"create": 4, "get": 5, "email": 6, "update": 7, "conflict": 8,
                     "invalid": 9, "missing": 10, "sorted": 11},
    CURRENT_VERSION: {"create": 4, "get": 5, "email": 6, "update": 7, "conflict": 9,
                      "invalid": 10, "missing": 12, "sorted": 13},
}  # fmt: skip


def exchange(recording: Recording, step: str):
    return recording[INDEX[recording.version][step]]


@BOTH
def test_list(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(recording[0], default_sort=default_sort(User, recording.version))
    users = list(User.objects.using(hub).all())
    assert_rows(users, recording[0], hub)
    assert [user.name for user in users] == ["admin"]


@BOTH
def test_prefix_or_suffix_filter_with_realm_included(
    replayer: Replayer, recording: Recording
) -> None:
    # The same wire value `~adm` is a prefix match on 0.8.x and a suffix match on 0.14:
    # flamehub writes it only for the lookup that means that on the connected Hub.
    hub = make_hub(recording.version)
    users = User.objects.using(hub).include("realm")
    users = (
        users.filter(name__startswith="adm")
        if recording is LEGACY
        else users.filter(name__endswith="adm")
    )
    replayer.expect(recording[1], default_sort=default_sort(User, recording.version))
    rows = list(users)
    assert_rows(rows, recording[1], hub)
    if recording is LEGACY:
        assert isinstance(rows[0].realm, Realm)
        assert rows[0].realm.name == "master"
    else:
        assert rows == []  # nobody's name *ends* with "adm"


@BOTH
@pytest.mark.parametrize("lookup", [{"email": None}, {"email__isnull": False}])
def test_email_is_not_filterable(
    rsps: responses.RequestsMock, recording: Recording, lookup: dict[str, object]
) -> None:
    # Recorded (exchanges 2 and 3): both `filter[email]=null` and `!null` answered every
    # user, because authup ignores the key. flamehub refuses it instead.
    assert (
        recording[2].response_body["meta"]["total"] == recording[3].response_body["meta"]["total"]
    )
    with pytest.raises(QueryError, match="email"):
        list(User.objects.using(make_hub(recording.version)).filter(**lookup))
    assert_nothing_sent(rsps)


@BOTH
def test_create_get_update(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created_exchange = exchange(recording, "create")
    body = created_exchange.body
    key = hub.dialect.wire_name
    replayer.expect(created_exchange)
    user = User.objects.using(hub).create(
        name=body["name"],
        display_name=body[key("display_name")],
        email=body["email"],
        password="a-long-password",
        active=True,
        realm_id=uuid.UUID(body[key("realm_id")]),
    )
    assert_parsed(user, created_exchange.record, hub)
    assert isinstance(user.realm, Realm)
    shown = io.StringIO()
    user.pprint(file=shown)
    assert "a-long-password" not in repr(user) + shown.getvalue()
    assert "\npassword " in shown.getvalue() and "<hidden>" in shown.getvalue()

    replayer.expect(exchange(recording, "get"))
    fetched = User.objects.using(hub).get(id=user.id)
    assert_parsed(fetched, exchange(recording, "get").record, hub)
    assert fetched.email is None  # not in the default projection

    replayer.expect(exchange(recording, "email"))
    with_email = User.objects.using(hub).with_fields("email").get(id=user.id)
    assert with_email.email == body["email"]

    update = exchange(recording, "update")
    replayer.expect(update)
    fetched.display_name = "Rec User 2"
    fetched.first_name = "Rec"
    fetched.last_name = "User"
    fetched.save()
    assert_parsed(fetched, update.record, hub)
    assert (fetched.first_name, fetched.display_name) == ("Rec", "Rec User 2")


def test_set_password_by_update(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[5])
    user = User.objects.using(hub).get(id=CURRENT[5].record["id"])
    replayer.expect(CURRENT[8])
    user.password = "another-long-password"
    user.save()
    assert_parsed(user, CURRENT[8].record, hub)


@BOTH
def test_duplicate_name_conflicts(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    conflict = exchange(recording, "conflict")
    replayer.expect(conflict)
    with pytest.raises(Conflict) as raised:
        User.objects.using(hub).create(**conflict.body)
    assert_error(raised.value, conflict)
    # authup's own error bodies carry no statusCode: the status comes from HTTP
    assert ("statusCode" in conflict.response_body) is (recording is LEGACY)


@BOTH
def test_missing_name_is_refused_locally(
    rsps: responses.RequestsMock, recording: Recording
) -> None:
    # Recorded: {"email": "not-an-email"} -> 400 for the missing name.
    invalid = exchange(recording, "invalid")
    assert invalid.status == 400
    with pytest.raises(QueryError, match="name"):
        User.objects.using(make_hub(recording.version)).create(**invalid.body)
    assert_nothing_sent(rsps)


def test_current_requires_email_legacy_does_not(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="email"):
        User.objects.using(make_hub(CURRENT_VERSION)).create(name="someone")
    assert_nothing_sent(rsps)
    # 0.8.x accepted a user without e-mail (the recorded duplicate got as far as 409)
    assert set(exchange(LEGACY, "conflict").body) == {"name"}


def test_invalid_email_reaches_the_server(replayer: Replayer) -> None:
    # A syntactically bad e-mail is the server's to judge: flamehub sends it (with a
    # name, so the request is one flamehub would send) and surfaces the 400 issues.
    invalid = CURRENT[10]
    replayer.rsps.add(
        "POST",
        f"{HUB_URL}/auth/users",
        json=invalid.response_body,
        status=400,
    )
    with pytest.raises(BadRequest) as raised:
        User.objects.using(make_hub(CURRENT_VERSION)).create(name="x-user", email="not-an-email")
    assert raised.value.code == "bad_request"
    assert [issue["path"] for issue in raised.value.issues] == [["name"], ["email"]]


def test_snake_case_body_keys_are_never_sent(rsps: responses.RequestsMock) -> None:
    # Recorded (exchange 11): `display_name` in a body is silently dropped by current
    # authup (the answer shows displayName == name). flamehub sends `displayName`.
    recorded = CURRENT[11]
    assert recorded.record["displayName"] == recorded.body["name"]
    hub = make_hub(CURRENT_VERSION)
    sent = {"name": recorded.body["name"], "displayName": "snake_case key",
            "email": recorded.body["email"]}  # fmt: skip
    serve_with_body(rsps, recorded, HUB_URL, sent)
    user = User.objects.using(hub).create(
        name=recorded.body["name"], display_name="snake_case key", email=recorded.body["email"]
    )
    assert user.id == uuid.UUID(recorded.record["id"])


@BOTH
def test_unknown_id_is_does_not_exist(replayer: Replayer, recording: Recording) -> None:
    missing = exchange(recording, "missing")
    replayer.expect(missing)
    with pytest.raises(User.DoesNotExist) as raised:
        User.objects.using(make_hub(recording.version)).get(id=missing.path.rsplit("/", 1)[1])
    cause = raised.value.__cause__
    assert isinstance(cause, NotFound)
    assert_error(cause, missing)


@BOTH
def test_sort_descending_first_page(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    page = exchange(recording, "sorted")
    replayer.expect(page)
    users = list(User.objects.using(hub).order_by("-name")[:2])
    assert_rows(users, page, hub)


def test_multi_key_sort_is_refused_on_authup(rsps: responses.RequestsMock) -> None:
    # authup >= beta.57 drops a multi-key sort whole (its sorts are `indexed`).
    with pytest.raises(QueryError, match="one key"):
        list(User.objects.using(make_hub(CURRENT_VERSION)).order_by("-name", "created_at"))
    assert_nothing_sent(rsps)


def test_realm_id_is_create_only(rsps: responses.RequestsMock) -> None:
    user = User(id=uuid.uuid4(), name="x")
    user._mark_loaded(make_hub(CURRENT_VERSION))
    user.realm_id = uuid.uuid4()
    with pytest.raises(QueryError, match="create-only"):
        user.save()
    assert_nothing_sent(rsps)


def test_related_managers(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[5])
    user = User.objects.using(hub).get(id=CURRENT[5].record["id"])
    roles = user.roles
    params = dict(roles._query_params(hub))
    assert params["filter[userId]"] == str(user.id)
    realm = Realm(id=user.realm_id)
    realm._mark_loaded(hub)
    assert dict(realm.users._query_params(hub))["filter[realmId]"] == str(user.realm_id)
