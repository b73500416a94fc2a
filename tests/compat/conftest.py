"""Fixtures of the flame-hub-client facade tests: a local Hub of each generation and the
three facade clients on it, sending through a session that remembers every request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flamehub.auth import PasswordAuth
from flamehub.compat import AuthClient, CoreClient, StorageClient
from flamehub.testing import LocalHub

#: What ``LocalHub(master_images=...)`` offers to ``sync_master_images()``.
MASTER_IMAGES = ("python/base",)


class RecordingSession(requests.Session):
    """A ``requests.Session`` that keeps every prepared request it sends (with its body)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        return super().send(request, **kwargs)

    def bodies(self, method: str, path_end: str) -> list[Any]:
        """The JSON bodies of the requests with this method whose path ends with ``path_end``."""
        found = []
        for request in self.sent:
            path = (request.path_url or "").split("?")[0]
            if request.method == method and path.endswith(path_end):
                body = request.body
                found.append(json.loads(body) if body else None)
        return found


@pytest.fixture
def local(version: str) -> Iterator[LocalHub]:
    """A started local Hub of ``version`` (both generations through ``version``)."""
    with LocalHub(version=version, master_images=MASTER_IMAGES) as hub:
        yield hub


@pytest.fixture
def session() -> Iterator[RecordingSession]:
    with RecordingSession() as recording:
        yield recording


@pytest.fixture
def auth(local: LocalHub) -> PasswordAuth:
    return PasswordAuth(username="admin", password="start123", base_url=f"{local.url}/auth/")


@pytest.fixture
def auth_client(local: LocalHub, auth: PasswordAuth, session: RecordingSession) -> AuthClient:
    return AuthClient(base_url=f"{local.url}/auth/", auth=auth, client=session)


@pytest.fixture
def core_client(local: LocalHub, auth: PasswordAuth, session: RecordingSession) -> CoreClient:
    return CoreClient(base_url=f"{local.url}/core/", auth=auth, client=session)


@pytest.fixture
def storage_client(local: LocalHub, auth: PasswordAuth, session: RecordingSession) -> StorageClient:
    return StorageClient(base_url=f"{local.url}/storage/", auth=auth, client=session)
