"""Whatever the Hub answers, flamehub raises a FlamehubError with a clear message or parses
the answer tolerantly: never a bare KeyError, TypeError, AttributeError or requests error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flamehub
from flamehub import Hub, PasswordAuth, RetryPolicy, TokenAuth
from flamehub.errors import (
    AuthenticationError,
    FlamehubError,
    InvalidResponse,
    NotFound,
    ServerError,
    TransportError,
)
from flamehub.models import Analysis, Node, Project, Realm, User
from flamehub.testing import Fault, LocalHub

from ._support import GENERATION_IDS, VERSIONS, connect

URL = "http://hub.malformed"
NODE_ID = "5b5f6b4e-1e8b-4a43-9a43-7c3f5d3d2a10"
PROFILE = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture(params=VERSIONS, ids=GENERATION_IDS)
def hub(request: pytest.FixtureRequest) -> Hub:
    return Hub(
        URL,
        hub_version=str(request.param),
        auth=TokenAuth("static-token"),
        retry=RetryPolicy(total=1, backoff_factor=0),
    )


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", result)`` or ``("error", FlamehubError)``; anything else fails the test."""
    try:
        return "ok", call()
    except FlamehubError as error:
        message = str(error)
        assert message and "Traceback" not in message
        return "error", error


# -- explicit shapes ------------------------------------------------------------------------

BAD_LISTS: list[tuple[str, int, bytes, str]] = [
    ("truncated-json", 200, b'{"data": [{"id": "5b5f6b4e-1e8b', "application/json"),
    ("html-200", 200, b"<html><body>Welcome to nginx</body></html>", "text/html"),
    ("empty-200", 200, b"", "application/json"),
    ("data-object", 200, b'{"data": {"id": 1}, "meta": {}}', "application/json"),
    ("data-null", 200, b'{"data": null}', "application/json"),
    ("rows-not-objects", 200, b'{"data": [1, "a", null]}', "application/json"),
    ("top-level-list", 200, b"[]", "application/json"),
    ("top-level-string", 200, b'"ok"', "application/json"),
    ("invalid-utf8", 200, b'{"data": [\xff\xfe]}', "application/json"),
]


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [case[1:] for case in BAD_LISTS],
    ids=[case[0] for case in BAD_LISTS],
)
def test_bad_list_bodies_raise_invalid_response(
    mock: responses.RequestsMock, hub: Hub, status: int, body: bytes, content_type: str
) -> None:
    mock.add("GET", f"{URL}/core/nodes", body=body, status=status, content_type=content_type)
    kind, error = outcome(lambda: list(Node.objects.using(hub).all()))
    assert kind == "error" and isinstance(error, InvalidResponse), error
    assert f"{URL}/core/nodes" in str(error)


def test_html_error_pages_become_hub_errors_with_a_preview(
    mock: responses.RequestsMock, hub: Hub
) -> None:
    page = b"<html><h1>502 Bad Gateway</h1></html>"
    mock.add("GET", f"{URL}/core/nodes", body=page, status=502, content_type="text/html")
    mock.add(
        "GET",
        f"{URL}/core/projects",
        body=b"<html>Not Found</html>",
        status=404,
        content_type="text/html",
    )
    kind, error = outcome(lambda: list(Node.objects.using(hub).all()))
    assert kind == "error" and isinstance(error, ServerError) and error.status_code == 502
    assert "502 Bad Gateway" in str(error) and f"GET {URL}/core/nodes" in str(error)
    kind, error = outcome(lambda: list(Project.objects.using(hub).all()))
    assert kind == "error" and isinstance(error, NotFound)


@pytest.mark.parametrize(
    "body",
    [
        {"code": None, "message": None},
        {"message": ["a", "list"], "code": 5},
        {"issues": "not-a-list"},
        {"issues": [1, "x", {"path": None}, {"path": ["a", 1]}]},
        ["an", "array"],
        "a string",
        None,
    ],
    ids=["nulls", "wrong-types", "issues-string", "issues-mixed", "array", "string", "null"],
)
def test_odd_error_bodies_still_give_a_hub_error(
    mock: responses.RequestsMock, hub: Hub, body: Any
) -> None:
    mock.add("POST", f"{URL}/core/nodes", json=body, status=400)
    kind, error = outcome(lambda: Node.objects.using(hub).create(name="x", realm_id=NODE_ID))
    assert kind == "error" and getattr(error, "status_code", None) == 400, error
    assert f"POST {URL}/core/nodes" in str(error)


def _node_row(legacy: bool, **changes: Any) -> dict[str, Any]:
    row = {
        "id": NODE_ID,
        "name": "site-a",
        "hidden": False,
        "type": "default",
        "realm_id" if legacy else "realmId": NODE_ID,
        "created_at" if legacy else "createdAt": "2026-11-28T10:00:00.000Z",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("changes", "tolerated"),
    [
        ({"id": 5}, False),  # int where a uuid belongs
        ({"id": "not-a-uuid"}, False),
        ({"hidden": "yes"}, False),  # not a boolean
        ({"hidden": [1]}, False),
        ({"name": {"nested": True}}, False),  # not a string
        ({"name": True}, False),
        ({"name": 123}, True),  # a number is read as its text
        ({"type": "quantum"}, True),  # an enum value this flamehub does not know
        ({"createdAt": "yesterday", "created_at": "yesterday"}, False),
        ({"createdAt": 1764324000000, "created_at": 1764324000000}, True),
        ({"createdAt": [], "created_at": []}, False),
        ({"name": None, "hidden": None, "type": None}, True),
        ({"unexpected": {"deep": [1, 2]}}, True),  # unknown keys are ignored
    ],
)
def test_rows_with_wrong_types_or_values(
    mock: responses.RequestsMock, hub: Hub, changes: dict[str, Any], tolerated: bool
) -> None:
    legacy = hub.dialect.generation.value == "legacy"
    row = _node_row(legacy, **changes)
    mock.add("GET", f"{URL}/core/nodes", json={"data": [row], "meta": {"total": 1}})
    kind, result = outcome(lambda: list(Node.objects.using(hub).all()))
    assert (kind == "ok") is tolerated, result
    if kind == "error":
        assert isinstance(result, InvalidResponse)
        assert "Node" in str(result)


@pytest.mark.parametrize(
    ("wire", "expected"), [("false", False), ("true", True), (0, False), (1, True), (False, False)]
)
def test_booleans_sent_as_text_or_numbers_keep_their_meaning(
    mock: responses.RequestsMock, hub: Hub, wire: Any, expected: bool
) -> None:
    legacy = hub.dialect.generation.value == "legacy"
    mock.add("GET", f"{URL}/core/nodes", json={"data": [_node_row(legacy, hidden=wire)]})
    (node,) = Node.objects.using(hub).all()
    assert node.hidden is expected  # bool("false") would be True


def test_missing_fields_are_tolerated_as_none(mock: responses.RequestsMock, hub: Hub) -> None:
    mock.add("GET", f"{URL}/core/nodes", json={"data": [{}, {"id": NODE_ID}], "meta": {}})
    kind, nodes = outcome(lambda: list(Node.objects.using(hub).all()))
    assert kind == "ok" and len(nodes) == 2
    assert nodes[0].id is None and nodes[0].name is None and str(nodes[1].id) == NODE_ID


@pytest.mark.parametrize(
    "meta",
    [{"total": None}, "meta", None, []],
    ids=["null", "string", "null-meta", "list"],
)
def test_missing_meta_totals_are_counted_by_listing(
    mock: responses.RequestsMock, hub: Hub, meta: Any
) -> None:
    legacy = hub.dialect.generation.value == "legacy"
    mock.add("GET", f"{URL}/core/nodes", json={"data": [_node_row(legacy)], "meta": meta})
    # count(): one page of one row, no total at all, so the whole listing is read (in pages
    # of the Hub's cap: flamehub always names the page it wants)
    assert Node.objects.using(hub).count() == 1
    assert [call.request.params.get("page[limit]") for call in mock.calls] == ["1", "50"]
    assert [str(node.id) for node in Node.objects.using(hub).all()] == [NODE_ID]
    assert len(mock.calls) == 3


@pytest.mark.parametrize(
    "total",
    ["many", True, -3, 2.5, float("inf")],
    ids=["text", "boolean", "negative", "fraction", "infinity"],
)
def test_a_meta_total_that_is_not_a_row_count_is_an_invalid_response(
    mock: responses.RequestsMock, hub: Hub, total: Any
) -> None:
    # a total the Hub announces but that counts no rows is a broken answer, not a count
    legacy = hub.dialect.generation.value == "legacy"
    body = json.dumps({"data": [_node_row(legacy)], "meta": {"total": total}})  # inf: Infinity
    mock.add("GET", f"{URL}/core/nodes", body=body, content_type="application/json")
    for run in (lambda: Node.objects.using(hub).count(), lambda: list(Node.objects.using(hub))):
        with pytest.raises(InvalidResponse) as caught:
            run()
        assert "meta.total" in str(caught.value) and f"{URL}/core/nodes" in str(caught.value)
        assert caught.value.method == "GET"
    assert len(mock.calls) == 2


@pytest.mark.parametrize(
    "body",
    [b"[]", b'"x"', b"<html></html>", b'{"data": []}', b'{"data": "x"}', b"null", b"{"],
    ids=["list", "string", "html", "data-list", "data-string", "null", "truncated"],
)
def test_bad_single_record_bodies(mock: responses.RequestsMock, hub: Hub, body: bytes) -> None:
    mock.add("GET", f"{URL}/core/nodes/{NODE_ID}", body=body, content_type="application/json")
    kind, error = outcome(lambda: Node.objects.using(hub).get(id=NODE_ID))
    assert kind == "error" and isinstance(error, InvalidResponse), error


# -- the token endpoint ---------------------------------------------------------------

TOKEN_BODIES: list[tuple[str, int, bytes]] = [
    ("html-200", 200, b"<html>login</html>"),
    ("no-access-token", 200, b'{"token_type": "Bearer"}'),
    ("list", 200, b"[1, 2]"),
    ("null-token", 200, b'{"access_token": null}'),
    ("truncated", 200, b'{"access_token": "abc'),
    ("html-401", 401, b"<html>nope</html>"),
    ("array-400", 400, b'["invalid_grant"]'),
    ("empty-500", 500, b""),
]


@pytest.mark.parametrize(
    ("status", "body"), [c[1:] for c in TOKEN_BODIES], ids=[c[0] for c in TOKEN_BODIES]
)
def test_bad_token_answers(mock: responses.RequestsMock, status: int, body: bytes) -> None:
    mock.add("POST", f"{URL}/auth/token", body=body, status=status)
    hub = Hub(URL, hub_version="0.14.0", auth=PasswordAuth("admin", "pw-never-shown"))
    mock.add("GET", f"{URL}/core/nodes", json={"data": [], "meta": {"total": 0}})
    kind, error = outcome(lambda: list(Node.objects.using(hub).all()))
    assert kind == "error", error
    if status >= 400:
        assert isinstance(error, AuthenticationError) and error.status_code == status
    else:
        assert isinstance(error, InvalidResponse)
    assert "pw-never-shown" not in str(error) and "pw-never-shown" not in repr(error)


def test_odd_expires_in_is_tolerated(mock: responses.RequestsMock) -> None:
    body = {"access_token": "tok", "expires_in": "soon", "refresh_token": 7}
    mock.add("POST", f"{URL}/auth/token", json=body)
    mock.add("GET", f"{URL}/core/nodes", json={"data": [], "meta": {"total": 0}})
    hub = Hub(URL, hub_version="0.14.0", auth=PasswordAuth("admin", "pw"))
    assert list(Node.objects.using(hub).all()) == []


# -- fuzzed bodies through the whole list/get path ------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.sampled_from([NODE_ID, "2026-11-28T10:00:00Z", "default", "aggregator", "started"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
WIRE_KEYS = [
    "id",
    "name",
    "hidden",
    "type",
    "realmId",
    "realm_id",
    "createdAt",
    "created_at",
    "buildStatus",
    "build_status",
    "run_status",
    "nodes",
    "registry",
    "project",
    "displayName",
    "display_name",
    "builtIn",
    "built_in",
    "active",
    "email",
    "projectId",
    "project_id",
]
rows = st.dictionaries(st.sampled_from(WIRE_KEYS), json_values, max_size=8)
bodies = st.one_of(
    st.fixed_dictionaries({"data": st.lists(rows, max_size=3)}, optional={"meta": json_values}),
    json_values,
    st.fixed_dictionaries({"data": json_values}),
)


@pytest.mark.parametrize("version", VERSIONS, ids=GENERATION_IDS)
def test_fuzzed_bodies_give_models_or_flamehub_errors(version: str) -> None:
    hub = Hub(URL, hub_version=version, auth=TokenAuth("t"), retry=RetryPolicy(total=0))
    models = [Node, Project, Analysis, Realm, User]
    seen = {"ok": 0, "error": 0}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        current: dict[str, Any] = {"body": None}

        def answer(request: Any) -> tuple[int, dict[str, str], str]:
            return 200, {"Content-Type": "application/json"}, json.dumps(current["body"])

        for model in models:
            meta = model.objects.meta
            base = f"{hub.url_for(meta.service, meta.path)}"
            mock.add_callback("GET", base, callback=answer)
            mock.add_callback("GET", f"{base}/{NODE_ID}", callback=answer)

        @settings(max_examples=300, **PROFILE)
        @given(st.sampled_from(models), bodies, st.booleans())
        def check(model: type, body: Any, single: bool) -> None:
            current["body"] = body
            if single:
                kind, _ = outcome(lambda: model.objects.using(hub).get(id=NODE_ID))
            else:
                kind, _ = outcome(lambda: list(model.objects.using(hub).all()))
            seen[kind] += 1

        check()
    assert seen["ok"] > 20 and seen["error"] > 20, seen


# -- truncated bodies over a real socket -------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=GENERATION_IDS)
def test_truncated_bodies_on_the_wire(version: str) -> None:
    with LocalHub(version=version) as local:
        hub = connect(local, retry=RetryPolicy(total=2, backoff_factor=0))
        realm = flamehub.models.Realm.objects.using(hub).get(name="master")
        # a read: retried like a dropped connection, then a flamehub error naming the request
        local.inject(Fault("truncate", route=r"^/core/nodes$", method="GET"))
        kind, error = outcome(lambda: list(Node.objects.using(hub).all()))
        assert kind == "error" and isinstance(error, (TransportError, InvalidResponse)), error
        assert f"GET {local.url}/core/nodes" in str(error)
        assert len(local.requests.filter(method="GET", path="/core/nodes")) == 3
        local.clear_faults()
        # once: the retry gets the full body
        local.inject(Fault("truncate", route=r"^/core/nodes$", method="GET", times=1))
        assert list(Node.objects.using(hub).all()) == []
        # a write: never resent, a flamehub error, and the row exists (the Hub stored it)
        local.inject(Fault("truncate", route=r"^/core/nodes$", method="POST", times=1))
        local.requests.clear()
        kind, error = outcome(
            lambda: Node.objects.using(hub).create(name="cut-off", realm_id=realm.id)
        )
        assert kind == "error" and isinstance(error, (TransportError, InvalidResponse)), error
        assert len(local.requests.filter(method="POST", path="/core/nodes")) == 1
        assert Node.objects.using(hub).filter(name="cut-off").count() == 1
        hub.close()
