"""Hub configuration: URLs, environment, default hub, schema learning, lifecycle."""

from __future__ import annotations

import pytest

import flamehub
from flamehub import (
    ClientAuth,
    ConfigurationError,
    Hub,
    PasswordAuth,
    QueryError,
    RobotAuth,
    TokenAuth,
)
from flamehub.models import Node
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub


def test_one_url_derives_the_three_services() -> None:
    hub = Hub("http://localhost:3000", hub_version=CURRENT_VERSION)
    assert hub.auth_url == "http://localhost:3000/auth/"
    assert hub.core_url == "http://localhost:3000/core/"
    assert hub.storage_url == "http://localhost:3000/storage/"
    assert Hub("http://localhost:3000/hub/").core_url == "http://localhost:3000/hub/core/"


def test_service_urls_one_by_one_and_public_default() -> None:
    hub = Hub(core_url="https://core.example.org", auth_url="https://auth.example.org/")
    assert hub.core_url == "https://core.example.org/"
    assert hub.auth_url == "https://auth.example.org/"
    with pytest.raises(flamehub.ConfigurationError, match="no storage URL"):
        hub.storage_url  # noqa: B018
    public = Hub()
    assert public.auth_url == "https://auth.privateaim.dev/"
    assert public.core_url == "https://core.privateaim.dev/"
    assert public.storage_url == "https://storage.privateaim.dev/"


def test_auth_adapter_gets_the_hub_auth_url() -> None:
    auth = PasswordAuth("admin", "start123")
    Hub("http://localhost:3000", auth=auth)
    assert auth.token_url == "http://localhost:3000/auth/token"
    explicit = ClientAuth("c", "s", base_url="https://login.example.org/auth")
    Hub("http://localhost:3000", auth=explicit)
    assert explicit.token_url == "https://login.example.org/auth/token"


@pytest.mark.parametrize(
    ("env", "auth_type"),
    [
        ({"FLAMEHUB_TOKEN": "t"}, TokenAuth),
        ({"FLAMEHUB_CLIENT_ID": "c", "FLAMEHUB_CLIENT_SECRET": "s"}, ClientAuth),
        ({"FLAMEHUB_ROBOT_ID": "r", "FLAMEHUB_ROBOT_SECRET": "s"}, RobotAuth),
        ({"FLAMEHUB_USERNAME": "u", "FLAMEHUB_PASSWORD": "p"}, PasswordAuth),
        ({"FLAMEHUB_USERNAME": "u"}, type(None)),
    ],
)
def test_from_env(env: dict[str, str], auth_type: type) -> None:
    environ = {"FLAMEHUB_URL": "http://hub.example.org", "FLAMEHUB_HUB_VERSION": "0.8.13", **env}
    hub = Hub.from_env(environ)
    assert isinstance(hub.auth, auth_type)
    assert hub.core_url == "http://hub.example.org/core/"
    assert hub.version == "0.8.13"


def test_from_env_separate_urls_and_overrides() -> None:
    hub = Hub.from_env(
        {"FLAMEHUB_CORE_URL": "http://c/", "FLAMEHUB_AUTH_URL": "http://a/"}, hub_version="0.14.0"
    )
    assert (hub.core_url, hub.auth_url, hub.version) == ("http://c/", "http://a/", "0.14.0")


def test_context_manager_closes_the_session() -> None:
    closed = []
    with Hub(HUB_URL, hub_version=CURRENT_VERSION) as hub:
        hub.transport.session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    assert closed == [True]


def test_connect_returns_previous_default() -> None:
    first, second = make_hub(CURRENT_VERSION), make_hub(CURRENT_VERSION)
    assert flamehub.connect(first) is None
    assert flamehub.default_hub() is first
    assert flamehub.connect(second) is first
    assert flamehub.default_hub() is second


def test_meta_schema_of_a_current_hub_refines_allowed_keys(rsps) -> None:
    schema = {
        "filters": {"allowed": ["id", "name", "type"]},
        "sorts": {"allowed": ["name"], "indexed": False},
        "relations": {"allowed": []},
        "fields": {"allowed": ["id", "name", "type"]},
    }
    rsps.add(
        "GET",
        f"{HUB_URL}/core/nodes",
        json={"data": [], "meta": {"total": 0, "limit": 50, "offset": 0, "schema": schema}},
    )
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(QueryError, match="cannot filter Node by 'type'"):
        list(Node.objects.using(hub).filter(type="aggregator"))
    list(Node.objects.using(hub).order_by("name"))
    # the server said it filters by type and does not sort by created_at any more
    list(Node.objects.using(hub).filter(type="aggregator").order_by("name"))
    assert "filter%5Btype%5D=aggregator" in rsps.calls[-1].request.url
    with pytest.raises(QueryError, match="cannot order Node by 'created_at'"):
        list(Node.objects.using(hub).order_by("created_at"))
    with pytest.raises(QueryError, match="cannot include 'registry'"):
        list(Node.objects.using(hub).include("registry"))


@pytest.mark.parametrize(
    "credentials",
    [
        {"FLAMEHUB_TOKEN": "t"},
        {"FLAMEHUB_CLIENT_ID": "c", "FLAMEHUB_CLIENT_SECRET": "s"},
        {"FLAMEHUB_USERNAME": "u", "FLAMEHUB_PASSWORD": "p"},
    ],
)
def test_from_env_does_not_send_credentials_to_the_public_hub_by_default(
    credentials: dict[str, str],
) -> None:
    with pytest.raises(ConfigurationError, match="FLAMEHUB_URL") as caught:
        Hub.from_env(credentials)
    assert "public Hub" in str(caught.value)
    assert not [value for value in credentials.values() if f"={value}" in str(caught.value)]


def test_from_env_reaches_the_public_hub_only_when_a_url_says_so() -> None:
    explicit = Hub.from_env(
        {"FLAMEHUB_TOKEN": "t", "FLAMEHUB_AUTH_URL": "https://auth.privateaim.dev/"}
    )
    assert explicit.auth_url == "https://auth.privateaim.dev/"
    assert Hub.from_env({"FLAMEHUB_TOKEN": "t"}, url="http://hub.example.org").auth is not None
    anonymous = Hub.from_env({})  # no credentials: nothing to leak
    assert anonymous.core_url == "https://core.privateaim.dev/" and anonymous.auth is None
    # an explicit Hub() for the public instance keeps working
    assert Hub(auth=TokenAuth("t")).core_url == "https://core.privateaim.dev/"
