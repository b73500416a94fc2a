"""Roles, permissions and their junctions: ``auth-12-roles-permissions.json`` (both generations)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from flamehub import BadRequest, Conflict, NotFound, QueryError
from flamehub.models import (
    Permission,
    RealmScope,
    Role,
    RolePermission,
    User,
    UserPermission,
    UserRole,
)
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent, assert_parsed, assert_rows
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "auth-12-roles-permissions")
CURRENT = Recording(CURRENT_VERSION, "auth-12-roles-permissions")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX: dict[str, dict[str, int]] = {
    LEGACY_VERSION: {
        "create_permission": 3, "get_permission": 4, "update_permission": 5, "create_role": 6,
        "find_role": 7, "get_role": 8, "bad_role_update": 9, "create_rp": 10, "list_rp": 11,
        "get_rp": 12, "duplicate_rp": 13, "create_ur": 14, "list_ur": 15, "get_ur": 16,
        "delete_ur": 17, "create_up": 18, "list_up": 19, "delete_up": 20, "delete_rp": 21,
        "delete_role": 22, "delete_permission": 23, "delete_missing": 24,
    },
    CURRENT_VERSION: {
        "create_permission": 3, "get_permission": 6, "update_permission": 7, "create_role": 5,
        "find_role": 8, "get_role": 9, "bad_role_update": 10, "create_rp": 12, "list_rp": 13,
        "get_rp": 14, "duplicate_rp": 15, "create_ur": 16, "list_ur": 17, "get_ur": 18,
        "delete_ur": 19, "create_up": 20, "list_up": 21, "delete_up": 22, "delete_rp": 23,
        "delete_role": 24, "delete_permission": 25, "delete_missing": 26,
    },
}  # fmt: skip


def step(recording: Recording, name: str) -> Any:
    return recording[INDEX[recording.version][name]]


def body_id(recording: Recording, exchange: Any, field: str) -> uuid.UUID:
    return uuid.UUID(exchange.body[make_hub(recording.version).dialect.wire_name(field)])


@BOTH
def test_permissions_page_sorted_by_name(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(recording[0])
    permissions = list(Permission.objects.using(hub).order_by("name")[2:7])
    assert_rows(permissions, recording[0], hub)
    assert [p.name for p in permissions] == sorted(p.name for p in permissions)


def test_legacy_like_pattern_with_sql_wildcard(replayer: Replayer) -> None:
    # 0.8.x: `~node_` is LIKE 'node_%' where `_` is a wildcard: only __like says so.
    hub = make_hub(LEGACY_VERSION)
    replayer.expect(LEGACY[1], default_sort=default_sort(Permission, LEGACY_VERSION))
    rows = list(Permission.objects.using(hub).filter(name__like="node_"))
    assert_rows(rows, LEGACY[1], hub)
    assert all(row.name.startswith("node_") for row in rows)


def test_legacy_startswith_refuses_a_wildcard_character(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="wildcard"):
        list(Permission.objects.using(make_hub(LEGACY_VERSION)).filter(name__startswith="node_"))
    assert_nothing_sent(rsps)


def test_current_tilde_prefix_is_a_suffix_match(replayer: Replayer) -> None:
    # 0.14: the same `~node_` is "ends with node_" and found nothing.
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[1], default_sort=default_sort(Permission, CURRENT_VERSION))
    assert list(Permission.objects.using(hub).filter(name__endswith="node_")) == []


@BOTH
def test_in_list(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    replayer.expect(recording[2], default_sort=default_sort(Permission, recording.version))
    rows = list(Permission.objects.using(hub).filter(name__in=["node_create", "node_delete"]))
    assert_rows(rows, recording[2], hub)
    assert sorted(row.name for row in rows) == ["node_create", "node_delete"]


@BOTH
def test_permission_create_get_update_delete(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create_permission")
    replayer.expect(created)
    permission = Permission.objects.using(hub).create(
        name=created.body["name"], display_name="Rec Perm", description="recorded"
    )
    assert_parsed(permission, created.record, hub)
    if recording is LEGACY:
        assert permission.policy_id is None and "policy_id" in created.record
    else:
        assert "policyId" not in created.record  # authup >= beta.54: no policy on permissions

    replayer.expect(step(recording, "get_permission"))
    fetched = Permission.objects.using(hub).get(id=permission.id)
    assert_parsed(fetched, step(recording, "get_permission").record, hub)

    replayer.expect(step(recording, "update_permission"))
    fetched.description = "recorded (upd)"
    fetched.save()
    assert fetched.description == "recorded (upd)"

    replayer.expect(step(recording, "delete_permission"))
    fetched.delete()
    assert not fetched.is_saved


def test_duplicate_permission_conflicts(replayer: Replayer) -> None:
    replayer.expect(CURRENT[4])
    with pytest.raises(Conflict) as raised:
        Permission.objects.using(make_hub(CURRENT_VERSION)).create(name=CURRENT[4].body["name"])
    assert_error(raised.value, CURRENT[4])


def test_permission_include_realm_is_refused(rsps: responses.RequestsMock) -> None:
    # flame-hub-client sends include=realm; authup drops it on every version.
    for version in (LEGACY_VERSION, CURRENT_VERSION):
        with pytest.raises(QueryError, match="realm"):
            list(Permission.objects.using(make_hub(version)).include("realm"))
    assert_nothing_sent(rsps)


@BOTH
def test_role_lifecycle(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create_role")
    replayer.expect(created)
    role = Role.objects.using(hub).create(
        name=created.body["name"], display_name="Rec Role", description="recorded"
    )
    assert_parsed(role, created.record, hub)

    found = step(recording, "find_role")
    replayer.expect(found, default_sort=default_sort(Role, recording.version))
    assert_rows(list(Role.objects.using(hub).filter(name=role.name)), found, hub)

    replayer.expect(step(recording, "get_role"))
    fetched = Role.objects.using(hub).get(id=role.id)
    assert_parsed(fetched, step(recording, "get_role").record, hub)

    bad = step(recording, "bad_role_update")
    replayer.expect(bad)
    fetched.description = "upd"
    with pytest.raises(BadRequest) as raised:
        fetched.save()
    assert_error(raised.value, bad)
    assert raised.value.issues, "the Hub named the invalid property"

    replayer.expect(step(recording, "delete_role"))
    fetched.delete()


def test_role_update(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[9])
    role = Role.objects.using(hub).get(id=CURRENT[9].record["id"])
    replayer.expect(CURRENT[11])
    role.description = "updated by recorder"
    role.save()
    assert_parsed(role, CURRENT[11].record, hub)


@BOTH
def test_role_permission(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create_rp")
    replayer.expect(created)
    grant = RolePermission.objects.using(hub).create(
        role_id=body_id(recording, created, "role_id"),
        permission_id=body_id(recording, created, "permission_id"),
    )
    assert_parsed(grant, created.record, hub)
    assert isinstance(grant.role, Role) and isinstance(grant.permission, Permission)
    if recording is CURRENT:
        assert grant.realm_scope is RealmScope.OWN

    listed = step(recording, "list_rp")
    replayer.expect(listed, default_sort=default_sort(RolePermission, recording.version))
    role = Role(id=grant.role_id)
    role._mark_loaded(hub)
    rows = list(role.permissions.include("role", "permission"))
    assert_rows(rows, listed, hub)

    replayer.expect(step(recording, "get_rp"))
    assert_parsed(
        RolePermission.objects.using(hub).get(id=grant.id), step(recording, "get_rp").record, hub
    )

    duplicate = step(recording, "duplicate_rp")
    replayer.expect(duplicate)
    with pytest.raises(Conflict) as raised:
        RolePermission.objects.using(hub).create(
            role_id=grant.role_id, permission_id=grant.permission_id
        )
    assert_error(raised.value, duplicate)

    replayer.expect(step(recording, "delete_rp"))
    grant.delete()


@BOTH
def test_user_role(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create_ur")
    replayer.expect(created)
    membership = UserRole.objects.using(hub).create(
        user_id=body_id(recording, created, "user_id"),
        role_id=body_id(recording, created, "role_id"),
    )
    assert_parsed(membership, created.record, hub)
    assert isinstance(membership.user, User)

    listed = step(recording, "list_ur")
    replayer.expect(listed, default_sort=default_sort(UserRole, recording.version))
    user = User(id=membership.user_id)
    user._mark_loaded(hub)
    assert_rows(list(user.roles.include("role", "user")), listed, hub)

    replayer.expect(step(recording, "get_ur"))
    fetched = UserRole.objects.using(hub).get(id=membership.id)
    assert_parsed(fetched, step(recording, "get_ur").record, hub)

    replayer.expect(step(recording, "delete_ur"))
    fetched.delete()


@BOTH
def test_user_permission(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    created = step(recording, "create_up")
    replayer.expect(created)
    grant = UserPermission.objects.using(hub).create(
        user_id=body_id(recording, created, "user_id"),
        permission_id=body_id(recording, created, "permission_id"),
    )
    assert_parsed(grant, created.record, hub)

    listed = step(recording, "list_up")
    replayer.expect(listed, default_sort=default_sort(UserPermission, recording.version))
    assert_rows(list(UserPermission.objects.using(hub).filter(user_id=grant.user_id)), listed, hub)

    replayer.expect(step(recording, "delete_up"))
    grant.delete()


def test_user_role_has_no_update(rsps: responses.RequestsMock) -> None:
    membership = UserRole(id=uuid.uuid4())
    membership._mark_loaded(make_hub(CURRENT_VERSION))
    membership.__dict__["user_id"] = uuid.uuid4()
    with pytest.raises(QueryError):
        membership.save()
    assert_nothing_sent(rsps)


@BOTH
def test_delete_missing_role(replayer: Replayer, recording: Recording) -> None:
    missing = step(recording, "delete_missing")
    replayer.expect(missing)
    role = Role(id=uuid.UUID(missing.path.rsplit("/", 1)[1]))
    with pytest.raises(NotFound) as raised:
        role.delete(using=make_hub(recording.version))
    assert_error(raised.value, missing)


def test_legacy_vocabulary_is_narrower(rsps: responses.RequestsMock) -> None:
    legacy = make_hub(LEGACY_VERSION)
    with pytest.raises(QueryError, match="realm_id"):
        list(Permission.objects.using(legacy).filter(realm_id=uuid.uuid4()))
    with pytest.raises(QueryError, match="include"):
        list(Role.objects.using(legacy).include("realm"))
    # 0.8.13 sorts user permissions by id/created_at/updated_at only (hub-0.8.13/allowlists.md)
    with pytest.raises(QueryError, match="order"):
        list(UserPermission.objects.using(legacy).order_by("policy_id"))
    with pytest.raises(QueryError, match="decision_strategy"):
        Permission.objects.using(legacy).create(name="x_perm", decision_strategy="unanimous")
    assert_nothing_sent(rsps)
