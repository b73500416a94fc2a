"""Fixtures of the local Hub tests: running hubs of both generations and a thin client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from flamehub.testing import LocalHub

LEGACY = "0.8.13"
CURRENT = "0.14.0"
HTTP_TIMEOUT = 30


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


@dataclass
class Api:
    """``requests`` against a local hub, with the generation's spelling and envelopes."""

    hub: LocalHub
    token: str | None = None

    @property
    def legacy(self) -> bool:
        return self.hub.is_legacy

    def key(self, name: str) -> str:
        """The wire spelling of a camelCase field name."""
        return snake(name) if self.legacy else name

    def body(self, **fields: Any) -> dict[str, Any]:
        """A request body with wire field names."""
        return {self.key(name): value for name, value in fields.items()}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(
            method, f"{self.hub.url}{path}", headers=headers, timeout=HTTP_TIMEOUT, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def entity(self, response: requests.Response) -> dict[str, Any]:
        """The record of a single-entity answer (bare on legacy, ``data`` on current)."""
        body = response.json()
        return body if self.legacy else body["data"]  # type: ignore[no-any-return]

    def value(self, row: dict[str, Any], name: str) -> Any:
        return row[self.key(name)]

    def create(self, path: str, **fields: Any) -> dict[str, Any]:
        response = self.post(path, json=self.body(**fields))
        assert response.status_code == 201, response.text
        return self.entity(response)

    def names(self, path: str, **params: Any) -> list[str]:
        response = self.get(path, params=params)
        assert response.status_code == 200, response.text
        return [row["name"] for row in response.json()["data"]]

    def login(self, username: str = "admin", password: str = "start123") -> str:
        response = requests.post(
            f"{self.hub.url}/auth/token",
            json={"grant_type": "password", "username": username, "password": password},
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        self.token = str(response.json()["access_token"])
        return self.token


@pytest.fixture(scope="module")
def running_hubs() -> Iterator[dict[str, LocalHub]]:
    hubs: dict[str, LocalHub] = {}
    yield hubs
    for hub in hubs.values():
        hub.stop()


def _hub(running_hubs: dict[str, LocalHub], version: str) -> LocalHub:
    if version not in running_hubs:
        running_hubs[version] = LocalHub(version=version, seed=7).start()
    hub = running_hubs[version]
    hub.reset()
    return hub


@pytest.fixture(params=[LEGACY, CURRENT], ids=["legacy", "current"])
def hub(request: pytest.FixtureRequest, running_hubs: dict[str, LocalHub]) -> LocalHub:
    """A fresh (reset) hub of each generation."""
    return _hub(running_hubs, str(request.param))


@pytest.fixture
def current_local(running_hubs: dict[str, LocalHub]) -> LocalHub:
    return _hub(running_hubs, CURRENT)


@pytest.fixture
def legacy_local(running_hubs: dict[str, LocalHub]) -> LocalHub:
    return _hub(running_hubs, LEGACY)


@pytest.fixture
def api(hub: LocalHub) -> Api:
    client = Api(hub)
    client.login()
    return client


@pytest.fixture
def current_api(current_local: LocalHub) -> Api:
    client = Api(current_local)
    client.login()
    return client


@pytest.fixture
def legacy_api(legacy_local: LocalHub) -> Api:
    client = Api(legacy_local)
    client.login()
    return client
