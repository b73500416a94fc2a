"""Error mapping, retries of idempotent requests only, timeouts, malformed bodies."""

from __future__ import annotations

import pytest
import requests
import responses

import flamehub
from flamehub import (
    BadRequest,
    Conflict,
    Forbidden,
    HubAPIError,
    HubTimeout,
    InvalidResponse,
    NotFound,
    ServerError,
    TransportError,
    Unauthorized,
)
from flamehub.models import Node
from flamehub.transport import RetryPolicy, Transport
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub

NODES = f"{HUB_URL}/core/nodes"
PAGE = {"data": [], "meta": {"total": 0, "limit": 50, "offset": 0}}


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (
            400,
            {
                "statusCode": 400,
                "code": "bad_request",
                "message": "Property name is invalid",
                "issues": [{"type": "item", "path": ["name"], "message": "Too small"}],
            },
            BadRequest,
            "bad_request",
        ),
        (
            400,
            {
                "statusCode": 400,
                "code": "bad_request",
                "message": "The evaluation of permissions node_create failed",
                "issues": [
                    {
                        "type": "item",
                        "code": "permission_not_found",
                        "path": ["node_create"],
                        "message": "x",
                    }
                ],
            },
            Forbidden,
            "bad_request",
        ),
        (
            401,
            {
                "statusCode": 401,
                "code": "identity_unauthorized",
                "message": "Authentication required.",
                "issues": [],
            },
            Unauthorized,
            "identity_unauthorized",
        ),
        (
            403,
            {"name": "ForbiddenError", "message": "no", "code": "permission_denied"},
            Forbidden,
            "permission_denied",
        ),
        (
            404,
            {
                "statusCode": 404,
                "code": "entity_not_found",
                "message": "The node was not found.",
                "issues": [],
            },
            NotFound,
            "entity_not_found",
        ),
        (
            409,
            {
                "statusCode": 409,
                "code": "SQLITE_CONSTRAINT_UNIQUE",
                "message": "An entry with some unique attributes already exist.",
            },
            Conflict,
            "SQLITE_CONSTRAINT_UNIQUE",
        ),
        (418, {"message": "teapot"}, HubAPIError, None),
    ],
)
def test_error_statuses_map_to_classes(rsps, status, body, cls, code) -> None:
    rsps.add("POST", NODES, status=status, json=body)
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(cls) as caught:
        Node.objects.using(hub).create(name="abc")
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == code
    assert error.message == body["message"]
    assert error.method == "POST"
    assert error.url == NODES
    assert f"[POST {NODES}]" in str(error)
    assert error.error_response.status_code == status


def test_legacy_validation_children_become_issues(rsps) -> None:
    rsps.add(
        "POST",
        NODES,
        status=400,
        json={
            "statusCode": 400,
            "code": "undefined",
            "message": "The attribute name is invalid.",
            "children": [{"path": "name", "pathAbsolute": "name", "received": "x"}],
            "attributes": ["name"],
        },
    )
    with pytest.raises(BadRequest) as caught:
        Node.objects.using(make_hub(LEGACY_VERSION)).create(name="x")
    assert caught.value.issues[0]["path"] == "name"
    assert "invalid: name" in str(caught.value)


def test_html_instead_of_json_is_invalid_response(rsps) -> None:
    rsps.add(
        "GET",
        NODES,
        status=200,
        body="<html><body>Bad gateway page</body></html>",
        content_type="text/html",
    )
    with pytest.raises(InvalidResponse, match="expected JSON.*text/html.*<html><body>Bad") as c:
        list(Node.objects.using(make_hub(CURRENT_VERSION)))
    assert c.value.body_preview.startswith("<html>")


def test_truncated_json_is_invalid_response(rsps) -> None:
    rsps.add("GET", NODES, status=200, body='{"data": [{"id": "a', content_type="application/json")
    with pytest.raises(InvalidResponse, match="expected JSON"):
        list(Node.objects.using(make_hub(CURRENT_VERSION)))


def test_wrong_shape_is_invalid_response(rsps) -> None:
    rsps.add("GET", NODES, json={"rows": []})
    with pytest.raises(InvalidResponse, match="expected a collection"):
        list(Node.objects.using(make_hub(CURRENT_VERSION)))


def test_bad_row_values_are_invalid_response(rsps) -> None:
    rsps.add("GET", NODES, json={"data": [{"id": "not-a-uuid"}], "meta": {"total": 1}})
    with pytest.raises(InvalidResponse, match="could not read a Node"):
        list(Node.objects.using(make_hub(CURRENT_VERSION)))


def test_html_error_page_keeps_status(rsps) -> None:
    rsps.add("GET", NODES, status=502, body="<html>proxy error</html>", content_type="text/html")
    hub = make_hub(CURRENT_VERSION, retry=RetryPolicy(total=0))
    with pytest.raises(ServerError) as caught:
        list(Node.objects.using(hub))
    assert caught.value.status_code == 502
    assert "proxy error" in caught.value.message


def test_get_retries_503_then_succeeds(rsps) -> None:
    rsps.add("GET", NODES, status=503, json={"message": "busy"})
    rsps.add("GET", NODES, status=504, json={"message": "busy"})
    rsps.add("GET", NODES, json=PAGE)
    assert list(Node.objects.using(make_hub(CURRENT_VERSION))) == []
    assert len(rsps.calls) == 3


def test_get_gives_up_after_the_retry_budget(rsps) -> None:
    for _ in range(3):
        rsps.add("GET", NODES, status=503, json={"message": "busy"})
    with pytest.raises(ServerError) as caught:
        list(Node.objects.using(make_hub(CURRENT_VERSION)))
    assert caught.value.status_code == 503
    assert len(rsps.calls) == 3


def test_post_is_never_retried(rsps) -> None:
    rsps.add("POST", NODES, status=503, json={"message": "busy"})
    with pytest.raises(ServerError):
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="abc")
    assert len(rsps.calls) == 1


def test_post_connection_error_is_not_retried(rsps) -> None:
    rsps.add("POST", NODES, body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(TransportError, match="POST .*nodes failed"):
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="abc")
    assert len(rsps.calls) == 1


def test_delete_is_retried(rsps) -> None:
    node_id = "a99721cc-d7f4-4ff2-9b95-8fec1396d348"
    rsps.add("DELETE", f"{NODES}/{node_id}", body=requests.ConnectionError("reset"))
    rsps.add("DELETE", f"{NODES}/{node_id}", status=202, json={"data": {}, "meta": {}})
    Node.objects.using(make_hub(CURRENT_VERSION))._delete(node_id)
    assert len(rsps.calls) == 2


def test_timeout_names_url_and_timeout(rsps) -> None:
    for _ in range(3):
        rsps.add("GET", NODES, body=requests.ReadTimeout("read timed out"))
    hub = make_hub(CURRENT_VERSION, timeout=(1.5, 2.5))
    with pytest.raises(HubTimeout) as caught:
        list(Node.objects.using(hub))
    message = str(caught.value)
    assert NODES in message
    assert "1.5 s to connect / 2.5 s to read" in message
    assert "after 2 retries" in message
    assert isinstance(caught.value, flamehub.TransportError)


def test_retry_after_header_is_honoured() -> None:
    policy = RetryPolicy(backoff_factor=0.1, max_backoff=5)
    response = requests.Response()
    response.headers["Retry-After"] = "3"
    assert policy.delay(1, response) == 3
    response.headers["Retry-After"] = "120"
    assert policy.delay(1, response) == 5
    assert policy.delay(3) == pytest.approx(0.4)


def test_backoff_sleeps_between_attempts(rsps) -> None:
    rsps.add("GET", NODES, status=503, json={})
    rsps.add("GET", NODES, status=503, json={})
    rsps.add("GET", NODES, json=PAGE)
    hub = make_hub(CURRENT_VERSION, retry=RetryPolicy(total=3, backoff_factor=0.5))
    slept: list[float] = []
    hub.transport._sleep = slept.append
    list(Node.objects.using(hub))
    assert slept == [0.5, 1.0]


def test_user_agent_and_default_timeouts() -> None:
    transport = Transport()
    assert transport.session.headers["User-Agent"].startswith("flamehub/")
    assert transport.timeout == (10.0, 60.0)
    assert transport.verify is True


@responses.activate
def test_version_detection_happens_once() -> None:
    responses.add("GET", f"{HUB_URL}/core/", json={"version": "0.8.13", "timestamp": 1})
    hub = flamehub.Hub(HUB_URL)
    assert hub.version == "0.8.13"
    assert hub.generation is flamehub.Generation.LEGACY
    assert hub.dialect.robots
    assert hub.version == "0.8.13"
    assert len(responses.calls) == 1
