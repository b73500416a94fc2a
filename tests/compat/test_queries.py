"""What ``find_*()`` sends and answers: filters, sort, pages, meta, and update bodies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import flamehub
from flamehub.compat import CoreClient, ResourceListMeta
from flamehub.models import UNSET, UpdateNode
from flamehub.testing import LocalHub
from flamehub.types import FilterOperator

from .conftest import RecordingSession

NAMES = [f"site-{index:02d}" for index in range(12)] + ["site_x", "other-a", "other-b"]


@pytest.fixture
def nodes(core_client: CoreClient) -> dict[str, Any]:
    """Nodes named ``NAMES``, every third one hidden, by name."""
    created = {}
    for index, name in enumerate(NAMES):
        created[name] = core_client.create_node(name, hidden=index % 3 == 0)
    return created


def names_of(rows: list[Any]) -> list[str]:
    return sorted(row.name for row in rows)


def list_queries(local: LocalHub, path: str = "/core/nodes") -> list[dict[str, list[str]]]:
    return [record.params for record in local.requests.filter(method="GET", path=path)]


# -- filters ---------------------------------------------------------------------------------


def test_plain_value_is_exact(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    assert names_of(core_client.find_nodes(filter={"name": "site-03"})) == ["site-03"]
    assert names_of(core_client.find_nodes(filter={"name": (FilterOperator.eq, "site-04")})) == [
        "site-04"
    ]


@pytest.mark.parametrize(
    "value", ["~site-1", (FilterOperator.like, "site-1"), ("~", "site-1")], ids=str
)
def test_like_and_tilde_mean_starts_with_on_every_generation(
    core_client: CoreClient, nodes: dict[str, Any], local: LocalHub, value: Any
) -> None:
    local.requests.clear()
    assert names_of(core_client.find_nodes(filter={"name": value})) == ["site-10", "site-11"]
    sent = list_queries(local)[-1]["filter[name]"]
    # the same meaning, each generation's spelling (rapiq 2 reads "~x" as "ends with x")
    assert sent == (["~site-1"] if local.is_legacy else ["site-1~"])


def test_like_does_not_match_the_end_or_the_middle(
    core_client: CoreClient, nodes: dict[str, Any]
) -> None:
    assert core_client.find_nodes(filter={"name": "~-a"}) == []
    assert core_client.find_nodes(filter={"name": (FilterOperator.like, "te-0")}) == []


def test_list_means_in(core_client: CoreClient, nodes: dict[str, Any], local: LocalHub) -> None:
    local.requests.clear()
    rows = core_client.find_nodes(filter={"name": ["site-01", "other-b", "missing"]})
    assert names_of(rows) == ["other-b", "site-01"]
    assert list_queries(local)[-1]["filter[name]"] == ["site-01,other-b,missing"]


def test_empty_list_matches_nothing_without_a_request(
    core_client: CoreClient, nodes: dict[str, Any], local: LocalHub
) -> None:
    local.requests.clear()
    assert core_client.find_nodes(filter={"name": []}) == []
    assert list_queries(local) == []


def test_none_means_is_null(core_client: CoreClient) -> None:
    project = core_client.create_project("project-a")
    with_text = core_client.create_analysis(
        project, name="with-text", description="a described analysis"
    )
    without = core_client.create_analysis(project, name="without-text")
    assert [a.id for a in core_client.find_analyses(filter={"description": None})] == [without.id]
    not_null = core_client.find_analyses(filter={"description": (FilterOperator.neq, None)})
    assert [a.id for a in not_null] == [with_text.id]


def test_neq_excludes(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    expected = sorted(set(NAMES) - {"site-00"})
    assert names_of(core_client.find_nodes(filter={"name": (FilterOperator.neq, "site-00")})) == (
        expected
    )
    assert names_of(core_client.find_nodes(filter={"name": "!site-00"})) == expected
    assert names_of(core_client.find_nodes(filter={"name": "!~site-"})) == [
        "other-a",
        "other-b",
        "site_x",
    ]


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        (FilterOperator.lt, ["other-a", "other-b", "site-00"]),
        (FilterOperator.le, ["other-a", "other-b", "site-00", "site-01"]),
        (FilterOperator.gt, [*(f"site-{i:02d}" for i in range(11, 12)), "site_x"]),
        (FilterOperator.ge, [*(f"site-{i:02d}" for i in range(10, 12)), "site_x"]),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_range_operators(
    core_client: CoreClient, nodes: dict[str, Any], operator: FilterOperator, expected: list[str]
) -> None:
    bound = "site-01" if operator in (FilterOperator.lt, FilterOperator.le) else "site-10"
    assert names_of(core_client.find_nodes(filter={"name": (operator, bound)})) == expected


def test_filters_combine(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    rows = core_client.find_nodes(filter={"name": "~site-0", "hidden": True})
    assert names_of(rows) == ["site-00", "site-03", "site-06", "site-09"]


def test_camel_case_keys_are_field_names(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    realm_id = nodes["site-00"].realm_id
    assert len(core_client.find_nodes(filter={"realmId": realm_id})) == len(NAMES)


@pytest.mark.parametrize(
    "query",
    [
        {"filter": {"external_name": "x"}},  # the Hub ignores this key
        {"filter": {"no_such_field": 1}},
        {"filter": {"name": "~site_"}},  # '_' would be a wildcard on legacy, not on current
        {"sort": {"by": "external_name"}},
        {"sort": {"by": "name", "order": "sideways"}},
        {"page": {"limit": -1}},
        {"page": {"size": 10}},
        {"filter": {"name": (FilterOperator.gt, None)}},
    ],
    ids=lambda query: repr(query),
)
def test_refused_before_any_request(
    core_client: CoreClient, nodes: dict[str, Any], local: LocalHub, query: dict[str, Any]
) -> None:
    if "~site_" in repr(query) and not local.is_legacy:
        rows = core_client.find_nodes(**query)  # current Hubs have no wildcards: exact prefix
        assert names_of(rows) == ["site_x"]
        return
    local.requests.clear()
    requests_before = local.stats.token_requests.copy()
    with pytest.raises(flamehub.QueryError):
        core_client.find_nodes(**query)
    assert len(local.requests) == 0
    assert local.stats.token_requests == requests_before


# -- sort, page, meta ------------------------------------------------------------------------


def test_sort_ascending_and_descending(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    ascending = core_client.find_nodes(sort={"by": "name"})
    descending = core_client.find_nodes(sort={"by": "name", "order": "descending"})
    assert [row.name for row in ascending] == sorted(NAMES)
    assert [row.name for row in descending] == sorted(NAMES, reverse=True)


def test_page_limit_and_offset(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    window = core_client.find_nodes(page={"limit": 4, "offset": 3}, sort={"by": "name"})
    assert [row.name for row in window] == sorted(NAMES)[3:7]
    assert core_client.find_nodes(page={"offset": 100}) == []
    assert core_client.find_nodes(page={"limit": 0}) == []


def test_meta_has_total_limit_and_offset(core_client: CoreClient, nodes: dict[str, Any]) -> None:
    rows, meta = core_client.find_nodes(
        filter={"name": "~site-"}, page={"limit": 5, "offset": 10}, meta=True
    )
    assert len(rows) == 2
    assert meta == ResourceListMeta(total=12, limit=5, offset=10)
    assert meta.model_dump() == {"total": 12, "limit": 5, "offset": 10}
    rows, meta = core_client.get_nodes(meta=True)
    assert (len(rows), meta.total, meta.limit, meta.offset) == (len(NAMES), len(NAMES), 50, 0)
    rows, meta = core_client.find_nodes(page={"limit": 0}, meta=True)
    assert (rows, meta.total) == ([], len(NAMES))


def test_a_limit_over_the_hub_cap_reads_several_pages(
    core_client: CoreClient, local: LocalHub
) -> None:
    for index in range(60):
        core_client.create_node(f"bulk-{index:02d}")
    local.requests.clear()
    rows = core_client.find_nodes(page={"limit": 55}, sort={"by": "name"})
    assert [row.name for row in rows] == [f"bulk-{index:02d}" for index in range(55)]
    assert len(list_queries(local)) == 2  # the Hub answers 50 at most per request
    assert len(core_client.get_nodes()) == 50


def test_fields_adds_optional_fields(core_client: CoreClient, local: LocalHub) -> None:
    registry = core_client.create_registry("registry-a", "r.example.org", "account", "secret")
    assert core_client.get_registry(registry).account_secret is None
    assert core_client.get_registry(registry, fields="account_secret").account_secret == "secret"
    found = core_client.find_registries(fields=["account_secret"])
    assert [row.account_secret for row in found] == ["secret"]


# -- update bodies ---------------------------------------------------------------------------


def update_bodies(session: RecordingSession, node: Any) -> list[Any]:
    return session.bodies("POST", f"/core/nodes/{node.id}")


def test_unset_values_are_left_out_of_the_update_body(
    core_client: CoreClient, session: RecordingSession, local: LocalHub
) -> None:
    node = core_client.create_node("node-a", external_name="outside")
    updated = core_client.update_node(node, hidden=True, external_name=UNSET, node_type=UNSET)
    assert updated.hidden is True and updated.external_name == "outside"
    assert update_bodies(session, node) == [{"hidden": True}]


def test_none_sends_null(
    core_client: CoreClient, session: RecordingSession, local: LocalHub
) -> None:
    node = core_client.create_node("node-a", external_name="outside")
    updated = core_client.update_node(node.id, external_name=None)
    assert updated.external_name is None
    key = "external_name" if local.is_legacy else "externalName"
    assert update_bodies(session, node) == [{key: None}]


def test_update_models_are_accepted(
    core_client: CoreClient, session: RecordingSession, local: LocalHub
) -> None:
    node = core_client.create_node("node-a")
    changes = UpdateNode(hidden=True, external_name=UNSET, node_type=UNSET)
    assert changes.hidden is True and changes.external_name is UNSET
    assert core_client.update_node(str(node.id), changes).hidden is True
    assert update_bodies(session, node) == [{"hidden": True}]
    with pytest.raises(flamehub.QueryError):
        UpdateNode(realm_id=uuid.uuid4())  # realm_id cannot be changed: refused, not dropped
    with pytest.raises(flamehub.QueryError):
        core_client.update_node(node, online=True)  # read-only


def test_update_model_dump_without_exclude_unset() -> None:
    dumped = UpdateNode(hidden=True).model_dump()
    assert dumped["hidden"] is True
    assert dumped["external_name"] is None
    assert "hidden" in UpdateNode(hidden=True).model_dump(exclude_none=True)
    assert UpdateNode(hidden=None).model_dump(exclude_none=True, exclude_unset=True) == {}


def test_create_leaves_none_and_unset_out(
    core_client: CoreClient, session: RecordingSession, local: LocalHub
) -> None:
    node = core_client.create_node("node-a", external_name=None, hidden=UNSET, node_type="default")
    assert node.name == "node-a"
    assert session.bodies("POST", "/core/nodes") == [{"name": "node-a", "type": "default"}]


def test_create_takes_the_old_positional_order(core_client: CoreClient) -> None:
    registry = core_client.create_registry("registry-a", "r.example.org", "account")
    project = core_client.create_registry_project("project-a", "default", registry, "external-a")
    assert (project.name, project.type.value, project.registry_id, project.external_name) == (
        "project-a",
        "default",
        registry.id,
        "external-a",
    )
    with pytest.raises(TypeError):
        core_client.create_registry("a", "b", "c", "d", "e")
    with pytest.raises(TypeError):
        core_client.create_registry("registry-b", name="registry-c")


# -- errors ----------------------------------------------------------------------------------


def test_hub_api_error_response_from_a_real_conflict(core_client: CoreClient) -> None:
    core_client.create_node("node-a")
    with pytest.raises(flamehub.HubAPIError) as caught:
        core_client.create_node("node-a")
    error = caught.value
    assert isinstance(error, flamehub.Conflict)
    response = error.error_response
    assert response.status_code == 409 == error.status_code
    assert response.code == error.code and response.code
    assert response.message == error.message and "unique" in response.message
    assert response.model_dump()["status_code"] == 409
    assert '"status_code": 409' in response.model_dump_json(indent=2)


# -- relations (#13) ---------------------------------------------------------------------


def test_rows_of_the_facade_follow_their_relations(
    core_client: CoreClient, auth_client: Any, local: LocalHub
) -> None:
    realm = auth_client.create_realm(f"realm-{uuid.uuid4().hex[:6]}")
    node = core_client.create_node(f"site-{uuid.uuid4().hex[:6]}", realm_id=realm.id)
    row = core_client.get_node(node.id)
    local.requests.clear()
    dumped = row.model_dump()
    assert "realm" in dumped and dumped["realm"] is None  # not loaded: no request to dump
    assert local.requests.snapshot() == []
    assert row.realm == realm and row.realm.name == realm.name
    # (the core client's first request to auth also reads its version: GET /auth/)
    assert [(r.method, r.path) for r in local.requests.snapshot() if r.path != "/auth/"] == [
        ("GET", f"/auth/realms/{realm.id}")
    ]
    assert row.model_dump()["realm"]["name"] == realm.name
