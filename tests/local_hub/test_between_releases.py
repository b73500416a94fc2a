"""What the local Hub of the releases between the generations (0.12.2, 0.12.7) does differently.

Facts from ``tests/recordings/README.md`` (sections "Hub 0.12.7" and "Hub 0.12.2", recorded
2026-12-04): the current data model everywhere; core and storage in snake_case with bare
records; authup beta.52 (0.12.2) in snake_case with robots, authup beta.56 (0.12.7) in
camelCase without robots; the other spelling of a key is silently ignored; no ``meta.schema``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flamehub.resources.core import BUCKET_FILES_SINCE, PROCESS_STATUS_SINCE
from flamehub.testing import LocalHub
from flamehub.testing._generations import CURRENT_MODEL_FROM, Generation, profile_of
from flamehub.testing._schema import HUB_0_12_CAMEL_AUTHUP

HTTP_TIMEOUT = 30
BETWEEN = ["0.12.2", "0.12.7"]


class Wire:
    """Plain HTTP against one local Hub, logged in as the admin."""

    def __init__(self, hub: LocalHub) -> None:
        self.hub = hub
        username, password = hub.admin_credentials
        answer = requests.post(
            f"{hub.url}/auth/token",
            json={"grant_type": "password", "username": username, "password": password},
            timeout=HTTP_TIMEOUT,
        )
        answer.raise_for_status()
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.hub.url}{path}", headers=headers, timeout=HTTP_TIMEOUT, **kwargs
        )

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json()


@pytest.fixture(scope="module", params=BETWEEN)
def wire(request: pytest.FixtureRequest) -> Iterator[Wire]:
    with LocalHub(str(request.param)) as hub:
        yield Wire(hub)


def test_the_model_starts_where_the_client_dates_it() -> None:
    # one fact, two declarations: the fake's profile and the client's field ranges
    assert CURRENT_MODEL_FROM == PROCESS_STATUS_SINCE == BUCKET_FILES_SINCE
    assert profile_of("0.8.13").model is Generation.LEGACY
    assert profile_of("0.12.2").model is profile_of("0.12.7").model is Generation.CURRENT
    # the fields dated by the camelCase authup start where flamehub.dialects ships it
    since = ".".join(map(str, HUB_0_12_CAMEL_AUTHUP.since or ()))
    assert profile_of(since).service("auth").camel_case
    assert not profile_of("0.12.2").service("auth").camel_case


def test_status_pages_name_each_service_version(wire: Wire) -> None:
    version = wire.hub.version
    assert wire.ok("GET", "/core/")["version"] == version
    assert wire.ok("GET", "/storage/")["version"] == version
    authup = wire.ok("GET", "/auth/")
    assert authup["version"] == {"0.12.2": "1.0.0-beta.52", "0.12.7": "1.0.0-beta.56"}[version]
    assert set(authup) == {"version", "date", "features"}  # as recorded on both


def test_core_speaks_snake_case_with_bare_records_and_ignores_camel_case(wire: Wire) -> None:
    (master,) = [row["id"] for row in wire.ok("GET", "/auth/realms")["data"]]
    other_id = wire.ok("POST", "/auth/realms", json={"name": f"other-{wire.hub.version}"})["id"]
    node = wire.ok(
        "POST", "/core/nodes", json={"name": f"bn-node-{wire.hub.version}", "realmId": other_id}
    )
    assert "realm_id" in node and "realmId" not in node and "data" not in node
    assert node["realm_id"] == master  # the camelCase key was dropped (recorded)
    listed = wire.ok("GET", "/core/nodes", params={"filter[realmId]": other_id})
    assert set(listed["meta"]) == {"total", "limit", "offset"}  # no meta.schema before 0.13
    assert node["id"] in {row["id"] for row in listed["data"]}  # widened, not filtered
    exact = wire.ok("GET", "/core/nodes", params={"filter[realm_id]": other_id})
    assert exact["data"] == []


def test_auth_casing_follows_the_shipped_authup(wire: Wire) -> None:
    camel = wire.hub.version == "0.12.7"
    realm_key, other_key = ("realmId", "realm_id") if camel else ("realm_id", "realmId")
    realm = wire.ok("POST", "/auth/realms", json={"name": f"casing-{wire.hub.version}"})
    role = wire.ok(
        "POST",
        "/auth/roles",
        json={"name": f"casing-role-{wire.hub.version}", realm_key: realm["id"]},
    )
    assert role[realm_key] == realm["id"] and other_key not in role
    assert ("createdAt" in role) is camel and ("created_at" in role) is not camel
    assert "realm" in role  # pre-0.13 authup embeds the realm in a create answer (recorded)
    honoured = wire.ok("GET", "/auth/roles", params={f"filter[{realm_key}]": realm["id"]})
    assert [row["name"] for row in honoured["data"]] == [role["name"]]
    ignored = wire.ok("GET", "/auth/roles", params={f"filter[{other_key}]": realm["id"]})
    assert len(ignored["data"]) > 1  # the other spelling widens to every role


def test_robots_exist_only_with_authup_beta_52(wire: Wire) -> None:
    answer = wire.call("GET", "/auth/robots")
    if wire.hub.version == "0.12.2":
        rows = answer.json()["data"]
        assert answer.status_code == 200 and [row["name"] for row in rows] == ["system"]
        assert "client_id" not in rows[0]  # beta.52 lists robots without it (recorded)
    else:
        assert answer.status_code == 404
        assert answer.json() == {"status": 404, "message": "Not Found"}  # recorded on 0.12.7
    clients = {row["name"] for row in wire.ok("GET", "/auth/clients")["data"]}
    assert "web" in clients and "admin-console" not in clients  # seeded as recorded


def test_a_single_record_get_ignores_include_on_both(wire: Wire) -> None:
    project = wire.ok("POST", "/core/projects", json={"name": f"inc-{wire.hub.version}"})
    analysis = wire.ok(
        "POST", "/core/analyses", json={"name": "inc-analysis", "project_id": project["id"]}
    )
    single = wire.ok("GET", f"/core/analyses/{analysis['id']}", params={"include": "project"})
    assert "project" not in single and single["project_id"] == project["id"]
    listed = wire.ok(
        "GET", "/core/analyses", params={"filter[id]": analysis["id"], "include": "project"}
    )
    assert listed["data"][0]["project"]["id"] == project["id"]
    # the current analysis model in snake_case (recorded), not 0.8.13's run_status
    assert "execution_status" in single and "run_status" not in single
    assert "image_command_arguments" not in listed["data"][0]  # lists leave it out (0.12.2)


def test_a_validation_error_names_snake_case_fields(wire: Wire) -> None:
    answer = wire.call(
        "POST", "/core/analysis-bucket-files", json={"bucket_id": "x", "name": "main.py"}
    )
    body = answer.json()
    assert answer.status_code == 400 and body["code"] == "VALIDUP_ERROR"  # recorded on 0.12.2
    paths = {issue["path"][0] for issue in body["issues"]}
    assert {"analysis_bucket_id", "bucket_file_id", "path"} <= paths
    assert "analysis_bucket_id" in body["message"] and "analysisBucketId" not in body["message"]


def test_clients_have_the_fields_of_their_authup(wire: Wire) -> None:
    (system,) = [row for row in wire.ok("GET", "/auth/clients")["data"] if row["name"] == "system"]
    if wire.hub.version == "0.12.2":  # beta.52 (recorded)
        assert "is_confidential" in system and "auth_method" not in system
    else:  # beta.56, like current authup (recorded)
        assert "authMethod" in system and "isConfidential" not in system


def test_a_chunked_json_body_is_read_in_snake_case(wire: Wire) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "bn-chunked-'
        yield b'node", "hidden": true}'

    node = wire.ok(
        "POST", "/core/nodes", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert (node["name"], node["hidden"]) == ("bn-chunked-node", True)
