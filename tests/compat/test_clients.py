"""Building the facade clients: URLs, generation detection, auth adapters, sessions."""

from __future__ import annotations

import pytest

import flamehub
from flamehub import Hub
from flamehub.auth import ClientAuth, PasswordAuth, RobotAuth
from flamehub.compat import AuthClient, CoreClient, StorageClient
from flamehub.hub import sibling_service_url
from flamehub.testing import LocalHub

from .conftest import RecordingSession

#: The bare GETs a client given only its service URL sends to learn the Hub's version
#: (an auth client then asks its authup too: the auth dialect follows authup's version).
DETECTION = {
    ("auth", "legacy"): ["/core/", "/auth/"],
    ("auth", "current"): ["/core/", "/auth/"],
    ("core", "legacy"): ["/core/"],
    ("core", "current"): ["/core/"],
    ("storage", "legacy"): ["/storage/", "/core/"],
    ("storage", "current"): ["/storage/"],
}


@pytest.mark.parametrize("client_class", [AuthClient, CoreClient, StorageClient])
def test_a_client_given_only_its_service_url_detects_the_generation(
    local: LocalHub, client_class: type, version: str
) -> None:
    service = client_class.service
    # the auth adapter has no URL of its own: the client derives the sibling /auth/
    client = client_class(
        base_url=f"{local.url}/{service}", auth=PasswordAuth(username="admin", password="start123")
    )
    assert client.hub.version == version
    assert client.hub.service_url(service) == f"{local.url}/{service}/"
    plural = {"auth": "realms", "core": "nodes", "storage": "buckets"}[service]
    assert isinstance(getattr(client, f"get_{plural}")(), list)
    detection = [r.path for r in local.requests if r.method == "GET" and r.query == ()]
    # core answers with its version itself; auth (authup's version is not the Hub's) and
    # legacy storage (no version) send the client to the core service next to them
    generation = "legacy" if local.is_legacy else "current"
    assert detection == DETECTION[service, generation]
    client.close()


def test_the_default_is_the_public_hub() -> None:
    assert AuthClient().hub.auth_url == "https://auth.privateaim.dev/"
    assert CoreClient().hub.core_url == "https://core.privateaim.dev/"
    assert StorageClient().hub.storage_url == "https://storage.privateaim.dev/"
    # the public auth service is found next to the core one
    assert CoreClient().hub.auth_url == "https://auth.privateaim.dev/"


@pytest.mark.parametrize(
    ("url", "service", "expected"),
    [
        ("http://localhost:3000/storage/", "core", "http://localhost:3000/core/"),
        ("http://localhost:3000/auth", "core", "http://localhost:3000/core/"),
        ("https://hub.example.org/prefix/core/", "auth", "https://hub.example.org/prefix/auth/"),
        ("https://auth.privateaim.dev/", "core", "https://core.privateaim.dev/"),
        ("https://api.example.org/", "core", None),
    ],
)
def test_sibling_service_url(url: str, service: str, expected: str | None) -> None:
    assert sibling_service_url(url, service) == expected


def test_the_session_is_used(local: LocalHub, auth: PasswordAuth) -> None:
    session = RecordingSession()
    client = CoreClient(base_url=f"{local.url}/core/", auth=auth, client=session)
    client.get_nodes()
    assert any(request.path_url.startswith("/core/nodes") for request in session.sent)


def test_clients_can_share_a_hub(local: LocalHub, auth: PasswordAuth) -> None:
    hub = Hub(local.url, auth=auth)
    core_client, storage_client = CoreClient(hub=hub), StorageClient(hub=hub)
    assert core_client.hub is storage_client.hub is hub
    bucket = storage_client.create_bucket("bucket-a")
    assert storage_client.get_bucket(bucket).name == "bucket-a"
    core_client.close()  # not the owner: the hub stays usable
    assert storage_client.get_buckets() == [storage_client.get_bucket(bucket)]
    with pytest.raises(TypeError):
        CoreClient(base_url=f"{local.url}/core/", hub=hub)


def test_password_auth_keywords(local: LocalHub) -> None:
    auth = PasswordAuth(username="admin", password="start123", base_url=f"{local.url}/auth/")
    client = AuthClient(base_url=f"{local.url}/auth/", auth=auth)
    assert [user.name for user in client.find_users(filter={"name": "admin"})] == ["admin"]
    wrong = PasswordAuth(username="admin", password="wrong-password", base_url=f"{local.url}/auth/")
    with pytest.raises(flamehub.AuthenticationError):
        AuthClient(base_url=f"{local.url}/auth/", auth=wrong).get_realms()


def test_robot_and_client_auth_keywords(local: LocalHub) -> None:
    identity, secret = local.system_credentials
    if local.is_legacy:
        auth = RobotAuth(robot_id=identity, robot_secret=secret, base_url=f"{local.url}/auth/")
    else:
        auth = ClientAuth(client_id=identity, client_secret=secret, base_url=f"{local.url}/auth/")
    client = CoreClient(base_url=f"{local.url}/core/", auth=auth)
    assert client.get_nodes() == []
    assert local.stats.token_requests[auth.grant_name] == 1


def test_top_level_names() -> None:
    import flamehub.compat
    import flamehub.types

    assert flamehub.AuthClient is flamehub.compat.AuthClient
    assert flamehub.CoreClient is flamehub.compat.CoreClient
    assert flamehub.StorageClient is flamehub.compat.StorageClient
    assert flamehub.models.UNSET is flamehub.types.UNSET
    assert repr(flamehub.types.UNSET) == "UNSET" and not flamehub.types.UNSET
    assert [op.name for op in flamehub.types.FilterOperator] == [
        "eq", "neq", "like", "lt", "le", "gt", "ge",
    ]  # fmt: skip
