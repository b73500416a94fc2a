"""Each function family of the facade, for every resource, on both Hub generations.

Which functions exist, and which each generation refuses, are written-out lists
(:data:`GENERATED`, :data:`REFUSED`), not derived from the declarations the facade is
generated from. The behaviour tests run one per (resource, generation, family) on a local
Hub, each checking the answer against the ORM or the Hub's state.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import uuid
from typing import Any

import pytest
import responses

import flamehub
from flamehub.compat import AuthClient, CoreClient, StorageClient, _field_name, generated_functions
from flamehub.dialects import Generation
from flamehub.resources.base import REGISTRY, Resource, ResourceMeta, meta_of
from flamehub.testing import LocalHub
from tests.conftest import make_hub

from .world import CREATE, SEED, UPDATE, World

RESOURCES = sorted(model.__name__ for model in REGISTRY.library())

#: Every function the facade generates, per client: written out here, not derived from the
#: declarations (a declaration that loses or gains an operation must show up as a diff).
GENERATED = {
    "auth": [
        "create_client", "create_client_permission", "create_client_role",
        "create_permission", "create_realm", "create_robot", "create_role",
        "create_role_permission", "create_user", "create_user_permission",
        "create_user_role", "delete_client", "delete_client_permission",
        "delete_client_role", "delete_permission", "delete_realm", "delete_robot",
        "delete_role", "delete_role_permission", "delete_user", "delete_user_permission",
        "delete_user_role", "find_client_permissions", "find_client_roles", "find_clients",
        "find_permissions", "find_policies", "find_realms", "find_robots",
        "find_role_permissions",
        "find_roles", "find_user_permissions", "find_user_roles", "find_users",
        "get_client", "get_client_permission", "get_client_permissions", "get_client_role",
        "get_client_roles", "get_clients", "get_permission", "get_permissions", "get_policies",
        "get_policy", "get_realm",
        "get_realms", "get_robot", "get_robots", "get_role", "get_role_permission",
        "get_role_permissions", "get_roles", "get_user", "get_user_permission",
        "get_user_permissions", "get_user_role", "get_user_roles", "get_users",
        "update_client", "update_client_permission", "update_permission", "update_realm",
        "update_robot", "update_role", "update_role_permission", "update_user",
        "update_user_permission",
    ],
    "core": [
        "create_analysis", "create_analysis_bucket", "create_analysis_bucket_file",
        "create_analysis_node", "create_analysis_node_log", "create_analysis_permission",
        "create_node", "create_project", "create_project_node", "create_registry",
        "create_registry_project", "delete_analysis", "delete_analysis_bucket",
        "delete_analysis_bucket_file", "delete_analysis_log", "delete_analysis_node",
        "delete_analysis_node_log", "delete_analysis_permission", "delete_master_image",
        "delete_master_image_group", "delete_node", "delete_project", "delete_project_node",
        "delete_registry", "delete_registry_project", "find_analyses",
        "find_analysis_bucket_files", "find_analysis_buckets", "find_analysis_logs",
        "find_analysis_node_events", "find_analysis_node_logs", "find_analysis_nodes",
        "find_analysis_permissions", "find_master_image_event_logs",
        "find_master_image_groups", "find_master_images", "find_nodes",
        "find_project_nodes", "find_projects", "find_registries", "find_registry_projects",
        "get_analyses", "get_analysis", "get_analysis_bucket", "get_analysis_bucket_file",
        "get_analysis_bucket_files", "get_analysis_buckets", "get_analysis_log",
        "get_analysis_logs", "get_analysis_node", "get_analysis_node_event",
        "get_analysis_node_events", "get_analysis_node_log", "get_analysis_node_logs",
        "get_analysis_nodes", "get_analysis_permission", "get_analysis_permissions",
        "get_master_image", "get_master_image_event_log", "get_master_image_event_logs",
        "get_master_image_group", "get_master_image_groups", "get_master_images",
        "get_node", "get_nodes", "get_project", "get_project_node", "get_project_nodes",
        "get_projects", "get_registries", "get_registry", "get_registry_project",
        "get_registry_projects", "update_analysis", "update_analysis_bucket_file",
        "update_analysis_node", "update_node", "update_project", "update_project_node",
        "update_registry", "update_registry_project",
    ],
    "storage": [
        "create_bucket", "delete_bucket", "delete_bucket_file", "find_bucket_files",
        "find_buckets", "get_bucket", "get_bucket_file", "get_bucket_files", "get_buckets",
    ],
}  # fmt: skip
#: The generated functions each generation refuses (UnsupportedByHub, no request sent):
#: resources it lacks and operations it lacks on resources it has. Written out.
REFUSED = {
    Generation.LEGACY: {
        "auth": [
            # authup beta.26 serves client-permissions and client-roles (allowlists.md)
            "update_role_permission", "update_user_permission",
        ],
        "core": [
            "find_analysis_node_events", "get_analysis_node_event",
            "get_analysis_node_events",
        ],
        "storage": [],
    },
    Generation.CURRENT: {
        "auth": [
            "create_robot", "delete_robot", "find_robots", "get_robot", "get_robots",
            "update_robot",
        ],
        "core": [
            "create_analysis_permission", "delete_analysis_log",
            "delete_analysis_node_log", "delete_analysis_permission",
            "find_analysis_permissions", "find_master_image_event_logs",
            "get_analysis_log", "get_analysis_node_log", "get_analysis_permission",
            "get_analysis_permissions", "get_master_image_event_log",
            "get_master_image_event_logs",
        ],
        "storage": [],
    },
}  # fmt: skip
#: A path ending in an id: a single record, which the mock Hub does not have.
RECORD_PATH = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

#: Function names of flame-hub-client (1.x) that scripts call.
OLD_CLIENT_NAMES = {
    "auth": [
        *(f"{verb}_{noun}" for verb in ("get", "find") for noun in (
            "realms", "users", "roles", "permissions", "role_permissions",
            "user_permissions", "user_roles", "clients", "robots",
        )),
        *(f"{verb}_{noun}" for verb in ("get", "create", "delete") for noun in (
            "realm", "user", "role", "permission", "role_permission", "user_permission",
            "user_role", "client", "robot",
        )),
        *(f"update_{noun}" for noun in ("realm", "user", "role", "permission", "client", "robot")),
    ],
    "core": [
        *(f"{verb}_{noun}" for verb in ("get", "find") for noun in (
            "nodes", "projects", "project_nodes", "analyses", "analysis_nodes",
            "analysis_node_logs", "analysis_buckets", "analysis_bucket_files", "analysis_logs",
            "registries", "registry_projects", "master_images", "master_image_groups",
            "master_image_event_logs",
        )),
        *(f"{verb}_{noun}" for verb in ("get", "create", "delete") for noun in (
            "node", "project", "project_node", "analysis", "analysis_node", "analysis_node_log",
            "analysis_bucket_file", "registry", "registry_project",
        )),
        *(f"update_{noun}" for noun in (
            "node", "project", "project_node", "analysis", "analysis_node",
            "analysis_bucket_file", "registry", "registry_project",
        )),
        "get_master_image", "get_master_image_group", "get_master_image_event_log",
        "get_analysis_bucket", "get_analysis_log", "delete_analysis_log",
        "send_analysis_command", "send_registry_command", "sync_master_images",
        "build_master_image", "get_node_client_credentials", "update_node_client_credentials",
        "get_node_registry_credentials", "get_analysis_client_credentials",
        "update_analysis_client_credentials", "delete_analysis_logs", "delete_analysis_node_logs",
        "create_analysis_bucket",
    ],
    "storage": [
        "get_buckets", "find_buckets", "get_bucket", "create_bucket", "delete_bucket",
        "get_bucket_files", "find_bucket_files", "get_bucket_file", "delete_bucket_file",
        "upload_to_bucket", "stream_bucket_file", "stream_bucket_tarball",
    ],
}  # fmt: skip

CLIENT_CLASSES = {"auth": AuthClient, "core": CoreClient, "storage": StorageClient}


@pytest.fixture
def world(auth_client: AuthClient, core_client: CoreClient, storage_client: StorageClient) -> World:
    return World(auth_client, core_client, storage_client)


def client_of(world: World, meta: ResourceMeta) -> Any:
    return {"auth": world.auth, "core": world.core, "storage": world.storage}[meta.service]


def names(meta: ResourceMeta) -> tuple[str, str]:
    return meta.name.replace("-", "_"), meta.verbose_name_plural.replace("-", "_")


def refused(meta: ResourceMeta, generation: Generation, function: str) -> bool:
    """Whether ``function`` of ``meta``'s client is in :data:`REFUSED` for ``generation``."""
    return function in REFUSED[generation][meta.service]


def can_create(resource: str, meta: ResourceMeta, generation: Generation) -> bool:
    singular, _plural = names(meta)
    return resource in CREATE and not refused(meta, generation, f"create_{singular}")


def required_filter_values(world: World, meta: ResourceMeta, generation: Generation) -> dict:
    """Values for the filters the Hub refuses to list without (log collections)."""
    required = meta.capabilities(generation).required_filters
    known = {"analysis_id": lambda: world.analysis.id, "node_id": lambda: world.node.id}
    return {name: known[name]() for name in sorted(required)}


def field_values(model: type[Resource], arguments: dict[str, Any]) -> dict[str, Any]:
    """Create arguments by field name (flame-hub-client's keyword names resolved)."""
    return {_field_name(model, key): value for key, value in arguments.items()}


def text(value: Any) -> str:
    """A value as comparable text: objects by id, enums by value."""
    if isinstance(value, Resource):
        value = value.pk
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


# -- the names --------------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(OLD_CLIENT_NAMES))
def test_old_client_names_exist_with_examples(service: str) -> None:
    client_class = CLIENT_CLASSES[service]
    missing = [name for name in OLD_CLIENT_NAMES[service] if not hasattr(client_class, name)]
    assert missing == []
    for name in OLD_CLIENT_NAMES[service]:
        doc = getattr(client_class, name).__doc__ or ""
        assert "Example::" in doc, name


@pytest.mark.parametrize("service", sorted(GENERATED))
def test_generated_functions_are_the_written_out_list(service: str) -> None:
    assert sorted(generated_functions(service)) == sorted(GENERATED[service])
    client_class = CLIENT_CLASSES[service]
    for name in GENERATED[service]:
        assert getattr(client_class, name).__name__ == name


def call_with_placeholders(client: Any, name: str) -> str:
    """Call a generated function with an id or nothing: ``"refused"`` (UnsupportedByHub),
    ``"answered"`` or ``"bad input"`` (a local QueryError: creates and updates need fields
    this call does not give; log collections of current Hubs need a filter)."""
    function = getattr(client, name)
    takes_id = next(iter(inspect.signature(function).parameters), None) == "obj_or_id"
    try:
        if name.startswith("update_"):
            function(uuid.uuid4(), no_such_field=1)
        else:
            function(*([uuid.uuid4()] if takes_id else []))
    except flamehub.UnsupportedByHub:
        return "refused"
    except flamehub.QueryError:
        return "bad input"
    return "answered"


def empty_hub(request: Any) -> tuple[int, dict[str, str], str]:
    """A Hub with no rows: a record is not found, a collection is empty."""
    if RECORD_PATH.search(request.path_url.split("?")[0]):
        return 404, {}, json.dumps({"message": "not found"})
    return 200, {}, json.dumps({"data": [], "meta": {"total": 0}})


@pytest.mark.parametrize("service", sorted(GENERATED))
def test_each_generation_refuses_exactly_the_written_out_functions(
    service: str, version: str
) -> None:
    client = CLIENT_CLASSES[service](hub=make_hub(version))
    refused = REFUSED[client.hub.generation][service]
    assert set(refused) <= set(GENERATED[service])
    outcomes: dict[str, list[str]] = {"refused": [], "answered": [], "bad input": []}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback("GET", re.compile(r".*"), callback=empty_hub)
        mock.add("DELETE", re.compile(r".*"), status=202, json={})
        mock.add("POST", re.compile(r".*"), status=201, json={"id": str(uuid.uuid4())})
        for name in GENERATED[service]:
            sent = len(mock.calls)
            outcome = call_with_placeholders(client, name)
            outcomes[outcome].append(name)
            assert len(mock.calls) - sent == (1 if outcome == "answered" else 0), name
    assert sorted(outcomes["refused"]) == sorted(refused)
    assert all(
        name.startswith(("create_", "update_", "get_analysis", "find_analysis"))
        for name in outcomes["bad input"]
    ), outcomes["bad input"]


# -- get_<plural> and find_<plural> -----------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_get_and_find_every_resource(resource: str, world: World, local: LocalHub) -> None:
    model: type[Resource] = REGISTRY[resource]
    meta = meta_of(model)
    generation = world.core.hub.generation
    client = client_of(world, meta)
    singular, plural = names(meta)
    if refused(meta, generation, f"get_{plural}"):
        assert refused(meta, generation, f"find_{plural}")
        with pytest.raises(flamehub.UnsupportedByHub):
            getattr(client, f"get_{plural}")()
        with pytest.raises(flamehub.UnsupportedByHub):
            getattr(client, f"find_{plural}")()
        return
    created = None
    if can_create(resource, meta, generation):
        created = getattr(client, f"create_{singular}")(**CREATE[resource](world))
    elif resource in SEED:
        SEED[resource](world)
    required = required_filter_values(world, meta, generation)
    orm = model.objects.using(client.hub).filter(**required)
    if required:
        with pytest.raises(flamehub.QueryError):
            getattr(client, f"get_{plural}")()
    else:
        assert getattr(client, f"get_{plural}")() == list(orm[:50])
    rows, page_meta = getattr(client, f"find_{plural}")(
        filter=required, page={"limit": 1}, meta=True
    )
    assert rows == list(orm[:1])
    assert (page_meta.total, page_meta.limit, page_meta.offset) == (orm.count(), 1, 0)
    if created is not None:
        assert page_meta.total >= 1
        if created.pk is not None and "id" in meta.capabilities(generation).filters:
            found = getattr(client, f"find_{plural}")(filter={"id": created.pk})
            assert [row.pk for row in found] == [created.pk]


# -- get_<singular> --------------------------------------------------------------------------


GETTABLE = [
    name
    for name in RESOURCES
    if f"get_{names(meta_of(REGISTRY[name]))[0]}" in GENERATED[meta_of(REGISTRY[name]).service]
]


#: Resources whose rows the local Hub never has: reading one existing row is not shown here
#: (the empty answers still are). authup makes no policies by itself, flamehub only reads them.
NO_LOCAL_ROWS = {"Policy"}


@pytest.mark.parametrize("resource", GETTABLE)
def test_get_one_or_none(resource: str, world: World) -> None:
    model: type[Resource] = REGISTRY[resource]
    meta = meta_of(model)
    generation = world.core.hub.generation
    client = client_of(world, meta)
    singular, _plural = names(meta)
    get_one = getattr(client, f"get_{singular}")
    if refused(meta, generation, f"get_{singular}"):
        with pytest.raises(flamehub.UnsupportedByHub):
            get_one(uuid.uuid4())
        return
    assert get_one(uuid.uuid4()) is None
    assert get_one(str(uuid.uuid4())) is None
    if resource in NO_LOCAL_ROWS:
        return
    if can_create(resource, meta, generation):
        getattr(client, f"create_{singular}")(**CREATE[resource](world))
    elif resource in SEED:
        SEED[resource](world)
    existing = (
        model.objects.using(client.hub)
        .filter(**required_filter_values(world, meta, generation))
        .first()
    )
    assert existing is not None, f"no {resource} row was made on the local Hub"
    assert get_one(existing) == model.objects.using(client.hub).get(id=existing.pk)
    assert get_one(str(existing.pk)).pk == existing.pk
    assert isinstance(get_one(existing.pk), model)


# -- create, update, delete -----------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(CREATE))
def test_create_update_delete(resource: str, world: World, session: Any) -> None:
    model: type[Resource] = REGISTRY[resource]
    meta = meta_of(model)
    generation = world.core.hub.generation
    client = client_of(world, meta)
    singular, plural = names(meta)
    create = getattr(client, f"create_{singular}")
    if refused(meta, generation, f"create_{singular}"):
        with pytest.raises(flamehub.UnsupportedByHub):
            create(**CREATE[resource](world))
        return
    arguments = CREATE[resource](world)
    created = create(**arguments)
    assert isinstance(created, model)
    if created.pk is None:  # log lines of current Hubs have no id: find them instead
        filters = required_filter_values(world, meta, generation)
        lines = getattr(client, f"find_{plural}")(filter=filters)
        assert [line.message for line in lines] == [created.message]
        return
    fetched = model.objects.using(client.hub).get(id=created.pk)
    sent = {k: v for k, v in field_values(model, arguments).items() if k in meta.fields}
    assert sent, "the create sent no field"
    for field, value in sent.items():
        if getattr(fetched, field) is not None:  # optional fields are left out of a GET
            assert text(getattr(fetched, field)) == text(value), field
    if resource in UPDATE:
        field, value = UPDATE[resource]
        updated = getattr(client, f"update_{singular}")(created.pk, **{field: value})
        assert getattr(updated, field) == value
        assert getattr(model.objects.using(client.hub).get(id=created.pk), field) == value
    delete = getattr(client, f"delete_{singular}", None)
    if delete is None:
        return
    if refused(meta, generation, f"delete_{singular}"):
        with pytest.raises(flamehub.UnsupportedByHub):
            delete(created)
        return
    delete(created)
    if "id" in meta.capabilities(generation).filters:
        assert not model.objects.using(client.hub).filter(id=created.pk).exists()
    with pytest.raises(model.DoesNotExist):
        model.objects.using(client.hub).get(id=created.pk)
