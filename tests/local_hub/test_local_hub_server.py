"""The local Hub over real sockets, with plain ``requests``, for both generations."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import socket
import tarfile
import time
from pathlib import Path

import pytest
import requests

from flamehub.testing import Fault, Generation, LocalHub

from .conftest import CURRENT, LEGACY, Api

TOKEN_URL = "/auth/token"
UPLOAD_SIZE = 20 * 1024 * 1024


def grant(hub: LocalHub, body: dict[str, str]) -> requests.Response:
    """``POST /auth/token`` with a JSON body."""
    return requests.post(f"{hub.url}{TOKEN_URL}", json=body, timeout=30)


def password_grant(hub: LocalHub, password: str = "start123", **extra: str) -> requests.Response:
    return requests.post(
        f"{hub.url}{TOKEN_URL}",
        json={"grant_type": "password", "username": "admin", "password": password, **extra},
        timeout=30,
    )


# --------------------------------------------------------------------------- lifecycle


def test_start_stop_and_context_manager() -> None:
    with LocalHub(version=LEGACY) as hub:
        assert hub.url.startswith("http://127.0.0.1:")
        assert hub.generation is Generation.LEGACY and hub.is_legacy
        port = int(hub.url.rsplit(":", 1)[1])
        assert requests.get(f"{hub.url}/core/", timeout=5).json()["version"] == LEGACY
        assert hub.admin_credentials == ("admin", "start123")
    assert not hub.running
    with pytest.raises(RuntimeError):
        _ = hub.url
    with socket.socket() as probe:  # the port is free again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_status_endpoints(hub: LocalHub) -> None:
    auth = requests.get(f"{hub.url}/auth/", timeout=5).json()
    core = requests.get(f"{hub.url}/core/", timeout=5).json()
    storage = requests.get(f"{hub.url}/storage/", timeout=5).json()
    assert auth["version"] == ("1.0.0-beta.26" if hub.is_legacy else "1.0.0-beta.62")
    assert core["version"] == hub.version and isinstance(core["timestamp"], int)
    assert "timestamp" in storage
    assert storage.get("version") == (None if hub.is_legacy else hub.version)


def test_reset_restores_a_fresh_hub(api: Api) -> None:
    api.create("/core/nodes", name="to-be-forgotten")
    api.hub.inject(Fault("status", route="^/nothing$"))
    api.hub.reset()
    assert api.hub.faults == [] and len(api.hub.requests) == 0
    api.login()
    assert api.names("/core/nodes") == []
    assert api.names("/auth/users") == ["admin"]


# --------------------------------------------------------------------------- tokens


def test_password_grant_json_and_form(hub: LocalHub) -> None:
    as_json = password_grant(hub)
    as_form = requests.post(
        f"{hub.url}{TOKEN_URL}",
        data={"grant_type": "password", "username": "admin", "password": "start123"},
        timeout=5,
    )
    for answer in (as_json, as_form):
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "Bearer" and body["scope"] == "global"
        assert body["expires_in"] == (3600 if hub.is_legacy else 900)
        assert body["access_token"] != body["refresh_token"]
        assert ("refresh_token_expires_in" in body) is not hub.is_legacy
    assert as_json.json()["access_token"] != as_form.json()["access_token"]


def test_wrong_password_and_unknown_grant(hub: LocalHub) -> None:
    wrong = password_grant(hub, password="nope")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_credentials"
    assert ("statusCode" in wrong.json()) is hub.is_legacy
    unknown = requests.post(f"{hub.url}{TOKEN_URL}", json={"grant_type": "foo"}, timeout=5)
    assert unknown.status_code == 400
    expected = "invalid_grant" if hub.is_legacy else "unsupported_token_grant_type"
    assert unknown.json()["code"] == expected
    empty = requests.post(f"{hub.url}{TOKEN_URL}", json={}, timeout=5)
    assert empty.status_code == 400


def test_refresh_rotation_and_replay_revokes_the_session(current_local: LocalHub) -> None:
    first = password_grant(current_local).json()
    second = grant(
        current_local, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = grant(
        current_local, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_grant"
    revoked = requests.get(
        f"{current_local.url}/core/nodes",
        timeout=5,
        headers={"Authorization": f"Bearer {second['access_token']}"},
    )
    assert revoked.status_code == 500
    assert revoked.json()["message"] == "The JWT is not active."
    dead = grant(
        current_local, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert dead.status_code == 400
    garbage = grant(current_local, {"grant_type": "refresh_token", "refresh_token": "garbage"})
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_token"


def test_legacy_refresh_rotates(legacy_local: LocalHub) -> None:
    first = password_grant(legacy_local).json()
    second = grant(
        legacy_local, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200 and "refresh_token" in second.json()
    again = grant(
        legacy_local, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert again.status_code == 400


def test_client_credentials(current_local: LocalHub) -> None:
    client_id, secret = current_local.system_credentials
    for identifier in ("system", client_id):
        answer = grant(
            current_local,
            {
                "grant_type": "client_credentials",
                "client_id": identifier,
                "client_secret": secret,
            },
        )
        assert answer.status_code == 200
        assert "refresh_token" not in answer.json()
    basic = base64.b64encode(f"system:{secret}".encode()).decode()
    by_header = requests.post(
        f"{current_local.url}{TOKEN_URL}",
        timeout=5,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert by_header.status_code == 200
    token = by_header.json()["access_token"]
    nodes = requests.get(
        f"{current_local.url}/core/nodes", timeout=5, headers={"Authorization": f"Bearer {token}"}
    )
    assert nodes.status_code == 200
    wrong = grant(
        current_local,
        {"grant_type": "client_credentials", "client_id": "system", "client_secret": "x"},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_client"
    assert "statusCode" not in wrong.json()
    robots = grant(
        current_local, {"grant_type": "robot_credentials", "id": client_id, "secret": secret}
    )
    assert robots.status_code == 400
    assert robots.json()["code"] == "unsupported_token_grant_type"
    assert current_local.stats.token_requests["client_credentials"] == 4
    assert current_local.stats.tokens_issued["client_credentials"] == 3


def test_robot_credentials(legacy_local: LocalHub) -> None:
    robot_id, secret = legacy_local.system_credentials
    ok = grant(legacy_local, {"grant_type": "robot_credentials", "id": robot_id, "secret": secret})
    assert ok.status_code == 200 and "refresh_token" not in ok.json()
    wrong = grant(
        legacy_local, {"grant_type": "robot_credentials", "id": robot_id, "secret": "nope"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["message"] == "The robot credentials are invalid."


@pytest.mark.parametrize("version", [LEGACY, CURRENT])
def test_tokens_expire(version: str) -> None:
    with LocalHub(version=version, access_token_lifetime=1, refresh_token_lifetime=1.5) as hub:
        issued = password_grant(hub).json()
        assert issued["expires_in"] == 1
        auth = {"Authorization": f"Bearer {issued['access_token']}"}
        assert requests.get(f"{hub.url}/core/nodes", headers=auth, timeout=5).status_code == 200
        time.sleep(1.05)
        expired = requests.get(f"{hub.url}/core/nodes", headers=auth, timeout=5)
        if hub.is_legacy:
            assert expired.status_code == 400 and expired.json()["code"] == "invalid_token"
        else:
            assert expired.status_code == 500 and expired.json()["code"] == "internal_error"
            assert "not active" in expired.json()["message"]
        refreshed = grant(
            hub, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        ).json()
        fresh = {"Authorization": f"Bearer {refreshed['access_token']}"}
        assert requests.get(f"{hub.url}/core/nodes", headers=fresh, timeout=5).status_code == 200
        time.sleep(1.55)
        too_late = grant(
            hub, {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}
        )
        assert too_late.status_code == 400


def test_counters_and_request_log(hub: LocalHub) -> None:
    password_grant(hub)
    password_grant(hub, password="wrong")
    requests.post(f"{hub.url}{TOKEN_URL}", json={"grant_type": "nope"}, timeout=5)
    assert hub.stats.token_requests == {"password": 2, "nope": 1}
    assert hub.stats.tokens_issued == {"password": 1}
    requests.get(f"{hub.url}/core/nodes", params={"filter[name]": "x"}, timeout=5)
    record = hub.requests[-1]
    assert (record.method, record.path, record.query) == (
        "GET",
        "/core/nodes",
        (("filter[name]", "x"),),
    )
    assert record.params == {"filter[name]": ["x"]}
    assert len(hub.requests.filter(method="POST", path=TOKEN_URL)) == 3
    hub.requests.clear()
    assert len(hub.requests) == 0


# --------------------------------------------------------------------------- 401 / 403


def test_missing_and_bad_tokens(hub: LocalHub) -> None:
    for path in ("/core/nodes", "/storage/buckets"):
        answer = requests.get(f"{hub.url}{path}", timeout=5)
        assert answer.status_code == 401
        if hub.is_legacy:
            assert answer.json() == {"statusCode": 401, "code": "UNAUTHORIZED", "message": ""}
        else:
            assert answer.json() == {
                "statusCode": 401,
                "code": "identity_unauthorized",
                "message": "Authentication required.",
                "issues": [],
            }
    garbage = {"Authorization": "Bearer not-a-token"}
    bad = requests.get(f"{hub.url}/core/nodes", headers=garbage, timeout=5)
    assert bad.status_code == (400 if hub.is_legacy else 500)
    assert bad.json()["code"] == ("invalid_token" if hub.is_legacy else "internal_error")
    users = requests.get(f"{hub.url}/auth/users", timeout=5)
    assert users.status_code == (200 if hub.is_legacy else 401)
    realms = requests.get(f"{hub.url}/auth/realms", timeout=5)
    assert realms.status_code == 200
    bad_auth = requests.get(f"{hub.url}/auth/users", headers=garbage, timeout=5)
    assert bad_auth.status_code == 400 and bad_auth.json()["code"] == "invalid_token"


def test_missing_permissions(current_api: Api) -> None:
    user = current_api.create(
        "/auth/users", name="plainuser", email="plain@example.com", password="plain-password-1"
    )
    assert user["name"] == "plainuser" and user["password"] is None
    plain = Api(current_api.hub)
    plain.login("plainuser", "plain-password-1")
    node = plain.post("/core/nodes", json={"name": "forbidden-node"})
    assert node.status_code == 400
    assert node.json()["issues"][0]["code"] == "permission_not_found"
    realm = plain.post("/auth/realms", json={"name": "forbidden-realm"})
    assert realm.status_code == 403 and realm.json()["code"] == "permission_evaluation_failed"
    assert plain.get("/core/nodes").status_code == 200
    permission = current_api.get("/auth/permissions", params={"filter[name]": "node_create"})
    grant = current_api.post(
        "/auth/user-permissions",
        json={"userId": user["id"], "permissionId": permission.json()["data"][0]["id"]},
    )
    assert grant.status_code == 201
    assert plain.post("/core/nodes", json={"name": "allowed-node"}).status_code == 201


# --------------------------------------------------------------------------- CRUD


def test_node_crud(api: Api) -> None:
    created = api.post(
        "/core/nodes", json=api.body(name="node-a", type="aggregator", unknownKey="dropped")
    )
    assert created.status_code == 201
    node = api.entity(created)
    assert api.value(node, "type") == "aggregator" and "unknownKey" not in node
    identity = api.value(node, "robotId" if api.legacy else "clientId")
    assert identity is not None
    one = api.get(f"/core/nodes/{node['id']}")
    assert one.status_code == 200
    if api.legacy:
        assert one.json()["id"] == node["id"]
    else:
        assert set(one.json()) == {"data", "meta"} and "schema" in one.json()["meta"]
        assert "filters" not in one.json()["meta"]["schema"]
    other_realm = "00000000-0000-4000-8000-000000000000"
    updated = api.post(f"/core/nodes/{node['id']}", json=api.body(hidden=True, realmId=other_realm))
    assert updated.status_code == 202
    row = api.entity(updated)
    assert api.value(row, "hidden") is True and api.value(row, "realmId") != other_realm
    assert api.value(row, "type") == "aggregator"
    if not api.legacy:
        assert updated.json()["meta"] == {}
    deleted = api.delete(f"/core/nodes/{node['id']}")
    assert deleted.status_code == 202
    assert api.entity(deleted)["id"] == node["id"]
    assert api.value(api.entity(deleted), "robotId" if api.legacy else "clientId") is None
    gone = api.get(f"/core/nodes/{node['id']}")
    assert gone.status_code == 404
    if api.legacy:
        assert gone.json() == {"statusCode": 404, "code": "NOT_FOUND", "message": ""}
    else:
        assert gone.json() == {
            "statusCode": 404,
            "code": "entity_not_found",
            "message": "The node was not found.",
            "issues": [],
        }
    assert api.delete(f"/core/nodes/{node['id']}").status_code == 404
    assert api.request("PUT", f"/core/nodes/{node['id']}", json={}).status_code == 404


def test_conflicts(api: Api) -> None:
    api.create("/core/nodes", name="twin")
    duplicate = api.post("/core/nodes", json={"name": "twin"})
    assert duplicate.status_code == 409
    expected = "SQLITE_CONSTRAINT_UNIQUE" if api.legacy else "entity_conflict"
    assert duplicate.json()["code"] == expected
    api.create("/auth/realms", name="realm-twin")
    realm = api.post("/auth/realms", json={"name": "realm-twin"})
    assert realm.status_code == 409
    assert realm.json()["code"] == ("CONFLICT" if api.legacy else "entity_conflict")
    api.create("/core/registries", name="reg-one", host="harbor.example.org")
    same_host = api.post(
        "/core/registries", json={"name": "reg-two", "host": "https://harbor.example.org/x"}
    )
    assert same_host.status_code == 409
    project = api.create("/core/projects", name="project-twin")
    assert api.post("/core/projects", json={"name": "project-twin"}).status_code == 409
    node = api.create("/core/nodes", name="member")
    link = api.body(projectId=project["id"], nodeId=node["id"])
    assert api.post("/core/project-nodes", json=link).status_code == 201
    assert api.post("/core/project-nodes", json=link).status_code == 409
    assert api.value(api.entity(api.get(f"/core/projects/{project['id']}")), "nodes") == 1


def test_validation_errors(api: Api) -> None:
    short = api.post("/core/nodes", json={"name": "x"})
    assert short.status_code == 400
    wrong_type = api.post("/core/nodes", json={"name": "fine-name", "type": "nope"})
    missing = api.post("/core/registries", json={"host": "x"})
    project = api.create("/core/projects", name="validated")
    description = api.post(f"/core/projects/{project['id']}", json={"description": "upd"})
    for answer in (wrong_type, missing, description):
        assert answer.status_code == 400
    if api.legacy:
        assert short.json()["children"][0]["path"] == "name"
        assert short.json()["attributes"] == ["name"] and short.json()["code"] == "undefined"
        assert missing.json()["message"] == "The attributes name, host are invalid."
        assert wrong_type.json()["children"][0]["received"] == "nope"
        realm = api.post("/auth/realms", json={"name": "x"})
        assert realm.json() == {
            "statusCode": 400,
            "code": "BAD_REQUEST",
            "message": "",
            "children": [{"path": "name", "pathAbsolute": "name", "received": "x"}],
            "attributes": ["name"],
        }
    else:
        assert short.json()["issues"][0]["code"] == "min_length"
        assert wrong_type.json()["issues"][0]["code"] == "one_of_failed"
        assert [i["code"] for i in missing.json()["issues"]] == ["required", "min_length"]
        assert missing.json()["message"] == "Properties name, host are invalid."
        assert description.json()["issues"][0]["data"] == {"min": 5}
        user = api.post("/auth/users", json={"email": "not-an-email"})
        assert [i["code"] for i in user.json()["issues"]] == ["required", "email"]
        assert "statusCode" not in user.json()


def test_unknown_routes(hub: LocalHub) -> None:
    answer = requests.get(f"{hub.url}/core/does-not-exist", timeout=5)
    assert answer.status_code == 404
    robots = requests.get(f"{hub.url}/auth/robots", timeout=5)
    assert robots.status_code == (200 if hub.is_legacy else 404)


# --------------------------------------------------------------------------- queries


@pytest.fixture
def named_nodes(api: Api) -> Api:
    for name, kind, hidden in (
        ("alpha-one", "default", False),
        ("Alpha-Two", "aggregator", True),
        ("beta_x", "default", False),
        ("gamma", "default", False),
    ):
        api.create("/core/nodes", name=name, type=kind, hidden=hidden)
    return api


def test_filters_current(current_api: Api) -> None:
    api = current_api
    for name, kind, hidden in (
        ("alpha-one", "default", False),
        ("Alpha-Two", "aggregator", True),
        ("beta_x", "default", False),
        ("gamma", "default", False),
    ):
        api.create("/core/nodes", name=name, type=kind, hidden=hidden)

    def names(value: str, key: str = "name") -> set[str]:
        return set(api.names("/core/nodes", **{f"filter[{key}]": value}))

    assert names("ALPHA-ONE") == {"alpha-one"}  # case-insensitive equality
    assert names("!alpha-one") == {"Alpha-Two", "beta_x", "gamma"}
    assert names("alpha-one,gamma") == {"alpha-one", "gamma"}
    assert names("!alpha-one,gamma") == {"Alpha-Two", "beta_x"}
    assert names("alpha~") == {"alpha-one", "Alpha-Two"}
    assert names("~two") == {"Alpha-Two"}
    assert names("~ph~") == {"alpha-one", "Alpha-Two"}
    assert names("!~ph~") == {"beta_x", "gamma"}
    assert names("~alpha") == set()  # ends-with on current
    assert names("<beta_x") == {"alpha-one", "Alpha-Two"}
    assert names(">=beta_x") == {"beta_x", "gamma"}
    assert names("true", "hidden") == {"Alpha-Two"}
    assert names("null", "clientId") == set()
    assert len(names("!null", "clientId")) == 4
    assert len(names("aggregator", "type")) == 4  # not filterable: silently dropped
    assert len(names("alpha-one", "realm_id")) == 4  # snake_case key: dropped


def test_filters_legacy(legacy_api: Api) -> None:
    api = legacy_api
    for name in ("alpha-one", "Alpha-Two", "beta_x", "betaYx", "gamma"):
        api.create("/core/nodes", name=name)

    def names(value: str) -> set[str]:
        return set(api.names("/core/nodes", **{"filter[name]": value}))

    assert names("alpha-one") == {"alpha-one"}
    assert names("ALPHA-ONE") == set()  # equality is case-sensitive
    assert names("~alpha") == {"alpha-one", "Alpha-Two"}  # prefix, case-insensitive
    assert names("~%two") == {"Alpha-Two"}  # % is a wildcard
    assert names("~beta_x") == {"beta_x", "betaYx"}  # _ matches any character
    assert names("alpha~") == set()  # literal
    assert names("!~alpha") == {"beta_x", "betaYx", "gamma"}
    assert names("alpha-one,gamma") == {"alpha-one", "gamma"}
    node = api.entity(api.get("/core/nodes", params={"filter[name]": "gamma"}))["data"][0]
    assert node["robot_id"] is not None
    everything = api.names(
        "/core/nodes", **{"filter[type]": "aggregator", "filter[created_at]": ">2000-01-01"}
    )
    assert len(everything) == 5  # the 0.8.13 ignored these filters
    emails = api.names("/auth/users", **{"filter[email]": "nobody@example.com"})
    assert emails == ["admin"]


def test_expression_dialect(current_api: Api) -> None:
    api = current_api
    for name, hidden in (("expr-a", False), ("expr-b", True), ("other", False)):
        api.create("/core/nodes", name=name, hidden=hidden)

    def query(expression: str, **params: str) -> requests.Response:
        return api.get("/core/nodes", params={"filter": expression, **params})

    assert {r["name"] for r in query("or(eq(name,'expr-a'),eq(name,'other'))").json()["data"]} == {
        "expr-a",
        "other",
    }
    found = query("and(startsWith(name,'expr'),eq(hidden,'true'))", codec="url-expression")
    assert [r["name"] for r in found.json()["data"]] == ["expr-b"]
    negated = query("not(in(name,'expr-a','expr-b'))").json()["data"]
    assert [r["name"] for r in negated] == ["other"]
    quoted = query("eq(name,'it''s')")
    assert quoted.status_code == 200 and quoted.json()["data"] == []
    disallowed = query("or(contains(name,'a'),eq(registryId,'null'))")
    assert disallowed.status_code == 400
    assert disallowed.json()["message"] == "The input was rejected: 1 violation."
    issue = disallowed.json()["issues"][0]
    assert issue["code"] == "keyNotAllowed" and issue["path"] == ["registryId"]
    assert issue["meta"] == {"parameter": "filters", "key": "registryId"}
    broken = query("or(eq(name,")
    assert broken.status_code == 400
    assert broken.json()["issues"][0]["code"] == "syntaxInvalid"
    unknown = query("like(name,'x%')")
    assert unknown.json()["issues"][0]["code"] == "syntaxInvalid"
    bad_codec = api.get("/core/nodes", params={"codec": "nope"})
    assert bad_codec.status_code == 400


def test_page_cap_and_meta(api: Api) -> None:
    page = api.get("/auth/permissions", params={"page[limit]": "100", "sort": "name"}).json()
    total = 88 if api.legacy else 101
    assert len(page["data"]) == 50
    assert page["meta"]["total"] == total and page["meta"]["limit"] == 50
    names = [r["name"] for r in page["data"]]
    offset = 50
    while offset < total:
        params = {"page[limit]": "50", "page[offset]": str(offset), "sort": "name"}
        more = api.get("/auth/permissions", params=params).json()
        assert more["meta"]["offset"] == offset
        assert len(more["data"]) == min(50, total - offset)
        names += [r["name"] for r in more["data"]]
        offset += 50
    assert names == sorted(names) and len(set(names)) == total
    dropped = api.get("/auth/permissions", params={"page[limit]": "0", "page[offset]": "-3"}).json()
    assert dropped["meta"]["limit"] == 50 and dropped["meta"]["offset"] == 0
    assert ("schema" in page["meta"]) is not api.legacy
    projects = api.get("/core/projects").json()
    assert set(projects["meta"]) == (
        {"total"} if api.legacy else {"total", "limit", "offset", "schema"}
    )


def test_sort(api: Api) -> None:
    for name in ("c-node", "a-node", "b-node"):
        api.create("/core/nodes", name=name)
    created_at = api.key("createdAt")
    assert api.names("/core/nodes", sort=f"-{created_at}") == ["b-node", "a-node", "c-node"]
    assert api.names("/core/nodes", sort="name") == ["a-node", "b-node", "c-node"]
    assert set(api.names("/core/nodes", sort="type")) == {"a-node", "b-node", "c-node"}
    for name in ("zed", "abe", "kim"):
        api.create("/auth/realms", name=name)
    assert api.names("/auth/realms", sort="-name") == ["zed", "master", "kim", "abe"]
    multi = api.names("/auth/realms", sort="name,-id")
    if api.legacy:
        assert multi == ["abe", "kim", "master", "zed"]
    else:  # authup (indexed sorts) drops a multi-key sort whole: unsorted as without sort
        assert multi == api.names("/auth/realms")


def test_include_and_fields(api: Api) -> None:
    registry = api.create(
        "/core/registries", name="registry-a", host="registry.example.org", accountSecret="s3cret"
    )
    api.create("/core/nodes", name="with-registry", registryId=registry["id"])
    rows = api.get("/core/nodes", params={"include": "registry"}).json()["data"]
    assert rows[0]["registry"]["name"] == "registry-a"
    assert (
        "account_secret" not in rows[0]["registry"] and "accountSecret" not in rows[0]["registry"]
    )
    ignored = api.get("/core/nodes", params={"include": "nothing"}).json()["data"]
    assert "nothing" not in ignored[0]
    slim = api.get("/core/nodes", params={"fields": "id,name,unknownField"}).json()["data"][0]
    assert set(slim) == {"id", "name"}
    secret_key = api.key("accountSecret")
    plain = api.entity(api.get(f"/core/registries/{registry['id']}"))
    assert secret_key not in plain
    with_secret = api.entity(
        api.get(f"/core/registries/{registry['id']}", params={"fields": f"+{secret_key}"})
    )
    assert with_secret[secret_key] == "s3cret"
    without_host = api.get("/core/registries", params={"fields": "-host"}).json()["data"][0]
    assert "host" not in without_host and "name" in without_host
    user = api.get("/auth/users", params={"fields": "+email"}).json()["data"][0]
    assert user["email"] == "admin@example.com"
    assert "email" not in api.get("/auth/users").json()["data"][0]
    assert "password" not in user


# --------------------------------------------------------------------------- analyses


def _analysis(api: Api) -> tuple[dict[str, object], dict[str, object]]:
    project = api.create("/core/projects", name="analysis-project")
    for name, kind in (("site-a", "default"), ("site-agg", "aggregator")):
        node = api.create("/core/nodes", name=name, type=kind)
        api.create("/core/project-nodes", projectId=project["id"], nodeId=node["id"])
    analysis = api.create("/core/analyses", name="an-analysis", projectId=project["id"])
    return project, analysis


def test_analysis_creates_buckets_and_links(api: Api) -> None:
    project, analysis = _analysis(api)
    key = api.key("analysisId")
    buckets = api.get("/core/analysis-buckets", params={f"filter[{key}]": analysis["id"]})
    types = sorted(row["type"] for row in buckets.json()["data"])
    assert types == ["CODE", "RESULT", "TEMP"]
    names = api.names("/storage/buckets")
    assert f"analysis-code-files.{analysis['id']}" in names
    assert api.value(api.entity(api.get(f"/core/projects/{project['id']}")), "analyses") == 1
    nodes = api.get("/core/analysis-nodes", params={f"filter[{key}]": analysis["id"]})
    assert len(nodes.json()["data"]) == (0 if api.legacy else 2)
    command = api.post(f"/core/analyses/{analysis['id']}/command", json={"command": "nope"})
    assert command.status_code == 400 and command.json()["message"] == "Invalid command."
    assert api.post(f"/core/projects/{project['id']}", json={}).status_code == 202
    assert api.delete(f"/core/projects/{project['id']}").status_code == 400
    assert api.delete(f"/core/analyses/{analysis['id']}").status_code == 202
    assert f"analysis-code-files.{analysis['id']}" not in api.names("/storage/buckets")
    assert api.delete(f"/core/projects/{project['id']}").status_code == 202


def test_analysis_lifecycle_commands() -> None:
    with LocalHub(version=CURRENT, master_images=["python/base"]) as hub:
        api = Api(hub)
        api.login()
        assert api.post("/core/master-images/command", json={"command": "sync"}).status_code == 202
        image = api.get("/core/master-images").json()["data"][0]
        assert image["virtualPath"] == "python/base"
        _, analysis = _analysis(api)
        path = f"/core/analyses/{analysis['id']}/command"
        locked = api.post(path, json={"command": "configurationLock"})
        assert locked.status_code == 400 and locked.json()["code"] == "ANALYSIS_ERROR"
        assert locked.json()["message"] == "An entrypoint must be selected."
        code = api.get(
            "/core/analysis-buckets",
            params={"filter[analysisId]": analysis["id"], "filter[type]": "CODE"},
        )
        bucket_id = code.json()["data"][0]["bucketId"]
        upload = api.post(
            f"/storage/buckets/{bucket_id}/upload", files={"file": ("main.py", b"print('hi')\n")}
        )
        assert upload.status_code == 201
        files = api.get(
            "/core/analysis-bucket-files", params={"filter[analysisId]": analysis["id"]}
        )
        entry = files.json()["data"][0]
        assert entry["root"] is False and entry["path"] == "main.py"
        marked = api.post(f"/core/analysis-bucket-files/{entry['id']}", json={"root": True})
        assert marked.status_code == 202 and marked.json()["data"]["root"] is True
        update = api.post(f"/core/analyses/{analysis['id']}", json={"masterImageId": image["id"]})
        assert update.status_code == 202
        for command in ("configurationLock", "buildStart", "buildCheck"):
            answer = api.post(path, json={"command": command})
            assert answer.status_code == 202, answer.text
        assert api.entity(answer)["buildStatus"] == "executed"
        no_registry = api.post(path, json={"command": "distributionStart"})
        assert no_registry.json()["message"] == "No docker registry is defined."
        logs = api.get("/core/analysis-logs", params={"filter[analysisId]": analysis["id"]})
        assert len(logs.json()["data"]) == 3
        credentials = api.get(f"/core/analyses/{analysis['id']}/client/credentials")
        assert credentials.status_code == 200 and len(credentials.json()["secret"]) == 64


def test_node_logs(current_api: Api) -> None:
    _, analysis = _analysis(current_api)
    node = current_api.get("/core/nodes", params={"filter[name]": "site-a"}).json()["data"][0]
    written = current_api.post(
        "/core/analysis-node-logs",
        json={
            "analysisId": analysis["id"],
            "nodeId": node["id"],
            "message": "hello world",
            "level": "info",
            "labels": {"step": "one"},
        },
    )
    assert written.status_code == 202
    assert written.json()["data"]["labels"]["step"] == "one"
    missing = current_api.get(
        "/core/analysis-node-logs", params={"filter[analysisId]": analysis["id"]}
    )
    assert missing.status_code == 400
    both = {"filter[analysisId]": analysis["id"], "filter[nodeId]": node["id"]}
    listed = current_api.get("/core/analysis-node-logs", params=both).json()
    assert [row["message"] for row in listed["data"]] == ["hello world"]
    assert current_api.delete("/core/analysis-node-logs", params=both).status_code == 202
    assert current_api.get("/core/analysis-node-logs", params=both).json()["data"] == []


def test_node_credentials(current_api: Api) -> None:
    node = current_api.create("/core/nodes", name="cred-node")
    path = f"/core/nodes/{node['id']}/client/credentials"
    first = current_api.get(path).json()
    assert first["id"] == node["clientId"] and first["name"] == node["id"]
    rotated = current_api.post(path, json={}).json()
    assert rotated["secret"] != first["secret"]
    login = requests.post(
        f"{current_api.hub.url}{TOKEN_URL}",
        timeout=5,
        json={
            "grant_type": "client_credentials",
            "client_id": node["clientId"],
            "client_secret": rotated["secret"],
        },
    )
    assert login.status_code == 200
    node_api = Api(current_api.hub, token=login.json()["access_token"])
    assert node_api.get(path).status_code == 200  # its own credentials


# --------------------------------------------------------------------------- storage


def _big_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "payload.bin"
    generator = random.Random(42)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        remaining = UPLOAD_SIZE
        while remaining:
            chunk = generator.randbytes(min(remaining, 1 << 20))
            handle.write(chunk)
            digest.update(chunk)
            remaining -= len(chunk)
    return path, digest.hexdigest()


def test_upload_and_download_streams(api: Api, tmp_path: Path) -> None:
    bucket = api.create("/storage/buckets", name="big-bucket")
    payload, digest = _big_file(tmp_path)
    with payload.open("rb") as handle:
        uploaded = api.post(
            f"/storage/buckets/{bucket['id']}/upload",
            files=[
                ("a", ("data/payload.bin", handle, "application/octet-stream")),
                ("b", ("notes.txt", b"small text", "text/plain")),
            ],
        )
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert set(body) == {"data", "meta"} and body["meta"] == {"total": 2}
    big = next(row for row in body["data"] if row["name"] == "payload.bin")
    assert big["path"] == "data/payload.bin" and big["directory"] == "data"
    assert big["size"] == UPLOAD_SIZE
    blobs = [p for p in (api.hub.data_dir / "blobs").iterdir() if p.stat().st_size == UPLOAD_SIZE]
    assert len(blobs) == 1
    again = api.post(f"/storage/buckets/{bucket['id']}/upload", files={"x": ("notes.txt", b"dup")})
    assert again.status_code == 409

    stream = api.get(f"/storage/bucket-files/{big['id']}/stream", stream=True)
    assert stream.status_code == 200
    assert stream.headers["Content-Length"] == str(UPLOAD_SIZE)
    assert stream.headers["Content-Type"] == "application/octet-stream"
    received = hashlib.sha256()
    for chunk in stream.iter_content(1 << 16):
        received.update(chunk)
    assert received.hexdigest() == digest

    partial = api.get(
        f"/storage/bucket-files/{big['id']}/stream", headers={"Range": "bytes=100-199"}
    )
    assert partial.status_code == 206 and len(partial.content) == 100
    assert partial.headers["Content-Range"] == f"bytes 100-199/{UPLOAD_SIZE}"
    with payload.open("rb") as handle:
        handle.seek(100)
        assert partial.content == handle.read(100)
    unsatisfiable = api.get(
        f"/storage/bucket-files/{big['id']}/stream", headers={"Range": f"bytes={UPLOAD_SIZE + 10}-"}
    )
    assert unsatisfiable.status_code == 416

    tarball = api.get(f"/storage/buckets/{bucket['id']}/stream", stream=True)
    assert tarball.headers["Content-Type"] == "application/x-tar"
    content = tarball.raw.read(decode_content=True)
    assert len(content) == int(tarball.headers["Content-Length"])
    with tarfile.open(fileobj=io.BytesIO(content)) as archive:
        assert sorted(archive.getnames()) == ["data/payload.bin", "notes.txt"]
        extracted = archive.extractfile("data/payload.bin")
        assert extracted is not None
        assert hashlib.sha256(extracted.read()).hexdigest() == digest

    by_name = api.get(f"/storage/buckets/{bucket['name']}")
    assert by_name.status_code == 200 and api.entity(by_name)["id"] == bucket["id"]
    deleted = api.delete(f"/storage/bucket-files/{big['id']}")
    assert deleted.status_code == 202 and "bucket" in api.entity(deleted)
    assert not any(p.stat().st_size == UPLOAD_SIZE for p in (api.hub.data_dir / "blobs").iterdir())
    drop = api.delete(f"/storage/buckets/{bucket['id']}")
    assert drop.status_code == (500 if api.legacy else 202)  # legacy: bucket not empty


def test_upload_needs_multipart(api: Api) -> None:
    bucket = api.create("/storage/buckets", name="plain-bucket")
    answer = api.post(f"/storage/buckets/{bucket['id']}/upload", json={"a": 1})
    assert answer.status_code == 400


# --------------------------------------------------------------------------- faults


def test_fault_latency(api: Api) -> None:
    api.hub.inject(Fault("latency", route=r"^/core/nodes$", delay=0.3, times=1))
    started = time.monotonic()
    assert api.get("/core/nodes").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get("/core/nodes")
    assert time.monotonic() - started < 0.3


def test_fault_status(api: Api) -> None:
    fault = api.hub.inject(Fault("status", route=r"^/core/", method="GET", status=503, times=2))
    first = api.get("/core/nodes")
    assert first.status_code == 503
    assert first.json()["code"] == "service_unavailable"
    assert api.post("/core/nodes", json={"name": "not-faulted"}).status_code == 201
    assert api.get("/core/projects").status_code == 503
    assert api.get("/core/nodes").status_code == 200
    assert fault.fired == 2 and api.hub.faults == []


def test_fault_reset(api: Api) -> None:
    api.hub.inject(Fault("reset", route=r"^/core/nodes", times=1))
    with pytest.raises(requests.ConnectionError):
        api.get("/core/nodes")
    assert api.get("/core/nodes").status_code == 200


def test_fault_truncate(api: Api) -> None:
    api.hub.inject(Fault("truncate", route=r"^/auth/realms", times=1))
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        api.get("/auth/realms")
    assert api.get("/auth/realms").status_code == 200


def test_fault_rate_is_reproducible_with_a_seed() -> None:
    def pattern() -> list[int]:
        with LocalHub(seed=1234) as hub:
            hub.inject(Fault("status", route=r"^/core/$", rate=0.5, status=502))
            return [requests.get(f"{hub.url}/core/", timeout=5).status_code for _ in range(12)]

    first, second = pattern(), pattern()
    assert first == second
    assert set(first) == {200, 502}


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault("status", rate=2.0)


def test_no_secret_in_data_dir_names(api: Api) -> None:
    assert all("start123" not in name for name in os.listdir(api.hub.data_dir))


def test_secrets_are_not_echoed_or_logged(api: Api) -> None:
    short = api.post(
        "/auth/users", json=api.body(name="shorty", email="s@example.com", password="tiny")
    )
    assert short.status_code == 400
    assert "tiny" not in short.text
    user = api.create(
        "/auth/users", name="longer", email="l@example.com", password="long-enough-password"
    )
    assert "long-enough-password" not in str(user) and user.get("password") is None
    requests.get(f"{api.hub.url}/auth/token/introspect", params={"token": api.token}, timeout=5)
    assert api.hub.requests[-1].query == (("token", "<redacted>"),)


def test_relation_qualified_keys_and_included_fields(current_api: Api) -> None:
    project, analysis = _analysis(current_api)
    params = {"sort": "node.name", "include": "node", "fields[node]": "id,name"}
    rows = current_api.get("/core/analysis-nodes", params=params).json()["data"]
    assert [row["node"]["name"] for row in rows] == ["site-a", "site-agg"]
    assert set(rows[0]["node"]) == {"id", "name"}
    only = current_api.get(
        "/core/analysis-nodes", params={"filter[node.name]": "site-agg", "include": "node"}
    ).json()["data"]
    assert [row["node"]["name"] for row in only] == ["site-agg"]
    stranger = current_api.create("/core/nodes", name="stranger")
    refused = current_api.post(
        "/core/analysis-nodes", json={"analysisId": analysis["id"], "nodeId": stranger["id"]}
    )
    assert refused.status_code == 404
    again = current_api.post(
        "/core/analysis-nodes", json={"analysisId": analysis["id"], "nodeId": rows[0]["nodeId"]}
    )
    assert again.status_code == 201 and again.json()["data"]["id"] == rows[0]["id"]
    assert project["id"]


def test_authup_put_upserts(current_api: Api) -> None:
    realm_id = "8d7a1c2e-0000-4000-8000-000000000001"
    created = current_api.request("PUT", f"/auth/realms/{realm_id}", json={"name": "put-realm"})
    assert created.status_code == 201 and created.json()["data"]["id"] == realm_id
    updated = current_api.request(
        "PUT", "/auth/realms/put-realm", json={"displayName": "Put Realm"}
    )
    assert updated.status_code == 202 and updated.json()["data"]["displayName"] == "Put Realm"
