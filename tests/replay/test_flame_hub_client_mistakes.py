"""flamehub against the mistakes flame-hub-client 1.1.0 made on real Hubs.

Source: ``flame-hub-client-1.1.0-verification.json`` of both generations (what the
old client sent, what the Hub answered, and whether the client coped) and
hub-api.md §10. Each test serves the recorded answer to the request flamehub
sends for the same intent, or shows that flamehub refuses the mistaken request.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from flamehub import BadRequest, QueryError
from flamehub.models import (
    Analysis,
    AnalysisBucket,
    AnalysisBucketFile,
    Bucket,
    BucketFile,
    Client,
    MasterImage,
    Node,
    NodeType,
    Permission,
    Realm,
    Registry,
    RegistryProject,
    RegistryProjectType,
    Role,
    RolePermission,
    User,
    UserPermission,
    UserRole,
)
from flamehub.resources.base import Resource
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import (
    assert_error,
    assert_nothing_sent,
    assert_parsed,
    assert_rows,
    serve_with_body,
    verification_exchange,
)
from tests.replay.harness import Exchange, Replayer, default_sort

#: flame-hub-client always sends these; they are the Hub's defaults.
DEFAULT_PAGE = {("page[limit]", "50"), ("page[offset]", "0")}


def equivalent_query(exchange: Exchange, *, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The recorded query without the default page (and without keys the Hub dropped)."""
    return [
        (key, value)
        for key, value in exchange.query
        if (key, value) not in DEFAULT_PAGE and key not in drop
    ]


def serve_list(
    replayer: Replayer, version: str, call: str, path: str, model: type[Resource], **options: Any
) -> Exchange:
    exchange = verification_exchange(version, call, path)
    replayer.expect(
        exchange,
        query=equivalent_query(exchange, **options),
        default_sort=default_sort(model, version),
    )
    return exchange


# -- Permission without policyId (hub-api §10.4) -------------------------------------------


def test_permissions_without_policy_id_parse(replayer: Replayer) -> None:
    # flame-hub-client: "50 validation errors ... data.0.policyId Field required".
    # Its include=realm was dropped by authup, so the answer is that of the plain list.
    hub = make_hub(CURRENT_VERSION)
    exchange = serve_list(
        replayer, CURRENT_VERSION, "AuthClient.get_permissions()", "/auth/permissions",
        Permission, drop=("include",),
    )  # fmt: skip
    permissions = list(Permission.objects.using(hub).all()[:50])
    assert len(permissions) == 50
    assert_rows(permissions, exchange, hub)
    assert all("policyId" not in row for row in exchange.rows)


# -- auth includables the server drops (hub-api §10.3) ------------------------------------


@pytest.mark.parametrize(
    ("model", "relation"),
    [
        (Permission, "realm"),
        (RolePermission, "role_realm"),
        (RolePermission, "permission_realm"),
        (UserPermission, "user_realm"),
        (UserPermission, "permission_realm"),
        (UserRole, "user_realm"),
        (UserRole, "role_realm"),
    ],
)
def test_dropped_auth_includes_are_refused(
    rsps: responses.RequestsMock, model: type[Resource], relation: str
) -> None:
    with pytest.raises(QueryError, match=relation):
        list(model.objects.using(make_hub(CURRENT_VERSION)).include(relation))
    assert_nothing_sent(rsps)


def test_roles_with_realm(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    exchange = serve_list(replayer, CURRENT_VERSION, "AuthClient.get_roles()", "/auth/roles", Role)
    assert_rows(list(Role.objects.using(hub).include("realm")), exchange, hub)


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
def test_users_with_realm(replayer: Replayer, version: str) -> None:
    # 0.8.x: flame-hub-client failed on the missing meta.schema of every list.
    hub = make_hub(version)
    exchange = serve_list(replayer, version, "AuthClient.get_users()", "/auth/users", User)
    users = list(User.objects.using(hub).include("realm"))
    assert_rows(users, exchange, hub)
    assert all(isinstance(user.realm, Realm) for user in users)


# -- Client without backchannelLogoutUri (hub-api §10.5) ----------------------------------


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
def test_clients_without_backchannel_logout_uri_parse(replayer: Replayer, version: str) -> None:
    hub = make_hub(version)
    exchange = serve_list(replayer, version, "AuthClient.get_clients()", "/auth/clients", Client)
    clients = list(Client.objects.using(hub).include("realm"))
    assert_rows(clients, exchange, hub)
    assert all("backchannelLogoutUri" not in row for row in exchange.rows)


def test_client_create_sends_no_backchannel_or_legacy_keys(rsps: responses.RequestsMock) -> None:
    exchange = verification_exchange(
        CURRENT_VERSION, "AuthClient.create_client(name, realm_id, secret)", "/auth/clients"
    )
    assert {"backchannelLogoutUri", "isConfidential"} <= set(exchange.body)
    realm_id = exchange.body["realmId"]
    serve_with_body(
        rsps,
        exchange,
        HUB_URL,
        {"name": "fhc-client-c2346f", "secret": "fhc-secret-1", "realmId": realm_id},
    )
    hub = make_hub(CURRENT_VERSION)
    client = Client.objects.using(hub).create(
        name="fhc-client-c2346f", secret="fhc-secret-1", realm_id=uuid.UUID(realm_id)
    )
    assert_parsed(client, exchange.record, hub)
    with pytest.raises(QueryError, match="backchannel_logout_uri"):
        Client.objects.using(hub).create(name="x-client", backchannel_logout_uri=None)


# -- registry projects and registries (hub-api §10.6, §10.9) ------------------------------


def test_registry_project_create_refuses_account_fields(rsps: responses.RequestsMock) -> None:
    with pytest.raises(QueryError, match="account_name"):
        RegistryProject.objects.using(make_hub(CURRENT_VERSION)).create(
            name="node-project",
            external_name="node_project",
            type=RegistryProjectType.NODE,
            registry_id=uuid.uuid4(),
            account_name="robot$x",
            account_secret="secret",
        )
    assert_nothing_sent(rsps)


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
def test_empty_registry_and_master_image_lists(replayer: Replayer, version: str) -> None:
    registries = serve_list(
        replayer, version, "CoreClient.get_registries()", "/core/registries", Registry
    )
    images = serve_list(
        replayer, version, "CoreClient.get_master_images()", "/core/master-images", MasterImage
    )
    hub = make_hub(version)
    assert list(Registry.objects.using(hub).all()) == registries.rows == []
    assert list(MasterImage.objects.using(hub).all()) == images.rows == []


# -- analyses (hub-api §10.2, §10.7) ------------------------------------------------------


def test_analysis_create_sends_only_what_is_given(rsps: responses.RequestsMock) -> None:
    exchange = verification_exchange(
        CURRENT_VERSION, "CoreClient.create_analysis(project)", "/core/analyses"
    )
    assert exchange.body["name"] is None  # flame-hub-client sends nulls for everything unset
    project_id = exchange.body["projectId"]
    serve_with_body(rsps, exchange, HUB_URL, {"projectId": project_id})
    hub = make_hub(CURRENT_VERSION)
    analysis = Analysis.objects.using(hub).create(project_id=uuid.UUID(project_id))
    assert_parsed(analysis, exchange.record, hub)
    assert analysis.name == "azure-salmon-dcea28"  # generated by the Hub
    assert analysis.image_command_arguments == []


@pytest.mark.parametrize("call", ["CoreClient.get_analysis", "CoreClient.get_analyses()"])
def test_analysis_include_registry_is_refused(rsps: responses.RequestsMock, call: str) -> None:
    exchange = verification_exchange(CURRENT_VERSION, call, "/core/analyses")
    assert ("include", "registry,project,masterImage") in exchange.query
    analyses = Analysis.objects.using(make_hub(CURRENT_VERSION)).include(
        "registry", "project", "master_image"
    )
    with pytest.raises(QueryError, match="registry"):
        analyses.get(id=uuid.uuid4()) if call.endswith("analysis") else list(analyses)
    assert_nothing_sent(rsps)


def test_analysis_with_project_and_master_image(replayer: Replayer) -> None:
    exchange = verification_exchange(CURRENT_VERSION, "CoreClient.get_analysis", "/core/analyses")
    replayer.expect(exchange, query=[("include", "project,masterImage")])
    hub = make_hub(CURRENT_VERSION)
    analysis = (
        Analysis.objects.using(hub)
        .include("project", "master_image")
        .get(id=uuid.UUID(exchange.path.rsplit("/", 1)[1]))
    )
    assert_parsed(analysis, exchange.record, hub)
    assert analysis.master_image is None and analysis.project is not None


def test_configuration_lock_precondition(replayer: Replayer) -> None:
    exchange = verification_exchange(
        CURRENT_VERSION, "CoreClient.send_analysis_command(configurationLock)", "/core/analyses"
    )
    replayer.expect(exchange)
    analysis = Analysis(id=uuid.UUID(exchange.path.split("/")[3]))
    with pytest.raises(BadRequest) as raised:
        analysis.configuration_lock(using=make_hub(CURRENT_VERSION))
    assert_error(raised.value, exchange)


def test_rotating_analysis_credentials_takes_only_a_secret() -> None:
    # flame-hub-client offers name/display_name, which the Hub ignores (hub-api §10.7).
    analysis = Analysis(id=uuid.uuid4())
    with pytest.raises(TypeError):
        analysis.rotate_client_secret(name="new-name")  # type: ignore[call-arg]


# -- silently ignored filters and create-only fields (hub-api §10.8, §10.10) ---------------


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Node, {"type": NodeType.AGGREGATOR}),
        (AnalysisBucket, {"bucket_id": uuid.uuid4()}),
        (AnalysisBucketFile, {"bucket_file_id": uuid.uuid4()}),
    ],
)
def test_filters_the_hub_ignores_are_refused(
    rsps: responses.RequestsMock, model: type[Resource], lookup: dict[str, Any]
) -> None:
    with pytest.raises(QueryError, match=next(iter(lookup))):
        list(model.objects.using(make_hub(CURRENT_VERSION)).filter(**lookup))
    assert_nothing_sent(rsps)


def test_node_realm_cannot_be_updated(rsps: responses.RequestsMock) -> None:
    node = Node(id=uuid.uuid4(), name="site-a")
    node._mark_loaded(make_hub(CURRENT_VERSION))
    node.realm_id = uuid.uuid4()
    with pytest.raises(QueryError, match="create-only"):
        node.save()
    assert_nothing_sent(rsps)


# -- storage --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION], ids=["legacy", "current"])
def test_buckets(replayer: Replayer, rsps: responses.RequestsMock, version: str) -> None:
    hub = make_hub(version)
    listed = serve_list(
        replayer, version, "StorageClient.get_buckets()", "/storage/buckets", Bucket
    )
    assert_rows(list(Bucket.objects.using(hub).all()), listed, hub)
    created = verification_exchange(version, "StorageClient.create_bucket", "/storage/buckets")
    assert created.body == {"name": created.body["name"], "region": None}
    serve_with_body(rsps, created, HUB_URL, {"name": created.body["name"]})
    bucket = Bucket.objects.using(hub).create(name=created.body["name"])
    assert_parsed(bucket, created.record, hub)


def test_bucket_files_with_bucket(replayer: Replayer) -> None:
    hub = make_hub(CURRENT_VERSION)
    exchange = serve_list(
        replayer, CURRENT_VERSION, "StorageClient.get_bucket_files()", "/storage/bucket-files",
        BucketFile,
    )  # fmt: skip
    files = list(BucketFile.objects.using(hub).include("bucket"))
    assert_rows(files, exchange, hub)
