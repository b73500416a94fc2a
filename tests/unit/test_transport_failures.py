"""Every failure a user can meet is a FlamehubError naming method and URL (#11.3), the
Hub's validation details are in ``str(error)`` (#11.4), and the transport's retry rules
(#16.6): unparsable ``Retry-After``, retried DELETEs, unknown POST outcomes, redirects,
bodies that cannot be sent twice, and a closed hub."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from flamehub import (
    BadRequest,
    ConfigurationError,
    Hub,
    HubTimeout,
    InvalidResponse,
    NotFound,
    ServerError,
    TokenAuth,
    TransportError,
    Unauthorized,
)
from flamehub.models import Node
from flamehub.transport import Request, RetryPolicy, _retry_after_seconds, is_token_rejection
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub

NODES = f"{HUB_URL}/core/nodes"
NODE_ID = "a99721cc-d7f4-4ff2-9b95-8fec1396d348"
PAGE = {"data": [], "meta": {"total": 0, "limit": 50, "offset": 0}}


def _hub_with_sleeps(**kwargs: object) -> tuple[Hub, list[float]]:
    hub = make_hub(CURRENT_VERSION, retry=RetryPolicy(total=2, backoff_factor=0.25), **kwargs)
    slept: list[float] = []
    hub.transport._sleep = slept.append
    return hub, slept


# -- Retry-After ------------------------------------------------------------------------


def test_unparsable_retry_after_falls_back_to_the_backoff(rsps) -> None:
    for _ in range(3):
        rsps.add("GET", NODES, status=503, headers={"Retry-After": "soon"}, json={})
    hub, slept = _hub_with_sleeps()
    with pytest.raises(ServerError) as caught:
        list(Node.objects.using(hub))
    assert slept == [0.25, 0.5]  # the normal backoff, not a ValueError
    assert caught.value.status_code == 503 and caught.value.request_line.startswith("GET ")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("-4", 0.0), ("soon", None), ("", None), ("nan", None), ("inf", None)],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    assert _retry_after_seconds(value) == seconds


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert _retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


# -- bodies Python cannot decode, local configuration -------------------------------------


def test_deeply_nested_json_is_invalid_response(rsps) -> None:
    depth = 200_000
    rsps.add("GET", NODES, body="[" * depth + "]" * depth, content_type="application/json")
    with pytest.raises(InvalidResponse, match="nests JSON deeper") as caught:
        make_hub(CURRENT_VERSION).request("core", "GET", "nodes")
    assert (caught.value.method, caught.value.url) == ("GET", NODES)


def test_deeply_nested_error_body_still_raises_the_status_error(rsps) -> None:
    depth = 200_000
    rsps.add("GET", NODES, status=400, body="[" * depth + "]" * depth)
    with pytest.raises(BadRequest):
        make_hub(CURRENT_VERSION).request("core", "GET", "nodes")


@pytest.mark.parametrize("authenticated", [True, False], ids=["pooled-read", "session-read"])
def test_missing_ca_bundle_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path, authenticated: bool
) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", missing)
    hub = Hub("https://127.0.0.1:9", auth=TokenAuth("t"), hub_version=CURRENT_VERSION)
    with pytest.raises(ConfigurationError) as caught:
        hub.request("core", "GET", "nodes", authenticated=authenticated)
    message = str(caught.value)
    assert "GET https://127.0.0.1:9/core/nodes" in message
    assert missing in message and "REQUESTS_CA_BUNDLE" in message


# -- writes and deletes whose answer was lost ---------------------------------------------


def test_a_retried_delete_that_meets_404_counts_as_deleted(rsps) -> None:
    url = f"{NODES}/{NODE_ID}"
    rsps.add("DELETE", url, body=requests.ConnectionError("reset after the row was deleted"))
    rsps.add("DELETE", url, status=404, json={"code": "entity_not_found", "message": "gone"})
    hub = make_hub(CURRENT_VERSION)
    response = hub.send("core", "DELETE", f"nodes/{NODE_ID}")
    assert response.status_code == 204
    assert len(rsps.calls) == 2


def test_a_first_delete_that_meets_404_is_still_not_found(rsps) -> None:
    url = f"{NODES}/{NODE_ID}"
    rsps.add("DELETE", url, status=404, json={"code": "entity_not_found", "message": "gone"})
    with pytest.raises(NotFound):
        make_hub(CURRENT_VERSION).send("core", "DELETE", f"nodes/{NODE_ID}")


def test_a_post_that_timed_out_says_its_outcome_is_unknown(rsps) -> None:
    rsps.add("POST", NODES, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(HubTimeout) as caught:
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="n1")
    message = str(caught.value)
    assert "outcome is unknown" in message and "row may exist" in message
    assert ".filter(" in message and f"POST {NODES}" in message
    assert len(rsps.calls) == 1


def test_a_get_that_timed_out_does_not_claim_an_unknown_outcome(rsps) -> None:
    for _ in range(3):
        rsps.add("GET", NODES, body=requests.ReadTimeout("read timed out"))
    hub, _slept = _hub_with_sleeps()
    with pytest.raises(HubTimeout) as caught:
        hub.request("core", "GET", "nodes")
    assert "outcome" not in str(caught.value) and "after 2 retries" in str(caught.value)


# -- token rejections and bodies that cannot be sent twice -----------------------------------


def _answer(status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


@pytest.mark.parametrize(
    ("status", "body", "rejected"),
    [
        # tests/recordings/hub-0.8.13/auth-03-unauthorized.json
        (401, {"statusCode": 401, "code": "UNAUTHORIZED", "message": ""}, True),
        (
            400,
            {"code": "invalid_token", "message": "The token header could not be extracted."},
            True,
        ),
        # tests/recordings/hub-0.14.0/auth-04-unauthorized.json, auth-01-token-password.json
        (
            500,
            {"code": "internal_error", "message": "The token header could not be extracted."},
            True,
        ),
        (500, {"code": "internal_error", "message": "The JWT is not active."}, True),
        # hub-api.md §3.3 (inferred there, without the final dot)
        (500, {"code": "internal_error", "message": "The JWT is invalid"}, True),
        (500, {"code": "internal_error", "message": "token table is locked"}, False),
        (500, {"code": "internal_error", "message": "JWT signing key rotation failed"}, False),
        (400, {"code": "bad_request", "message": "The JWT is invalid."}, False),
        (403, {"code": "invalid_token", "message": "The JWT is invalid."}, False),
    ],
)
def test_only_the_recorded_token_rejections_count(
    status: int, body: object, rejected: bool
) -> None:
    assert is_token_rejection(_answer(status, body)) is rejected


def test_a_one_shot_body_is_not_resent_after_a_401(rsps) -> None:
    rsps.add("POST", NODES, status=401, json={"code": "identity_unauthorized", "message": "x"})
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(Unauthorized):
        hub.send("core", "POST", "nodes", data=iter([b"streamed upload"]))
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("data", "replayable"),
    [(None, True), (b"x", True), ({"a": 1}, True), (iter([b"x"]), False), ([b"x"], True)],
)
def test_replayable_bodies(data: object, replayable: bool) -> None:
    assert Request("POST", NODES, data=data).replayable() is replayable


# -- redirects of requests with a body --------------------------------------------------------


def test_a_same_origin_307_of_a_post_is_followed(rsps) -> None:
    rsps.add("POST", NODES, status=307, headers={"Location": f"{HUB_URL}/core/v2/nodes"})
    rsps.add("POST", f"{HUB_URL}/core/v2/nodes", json={"data": {"id": NODE_ID, "name": "n1"}})
    assert Node.objects.using(make_hub(CURRENT_VERSION)).create(name="n1").name == "n1"
    assert json.loads(rsps.calls[1].request.body) == json.loads(rsps.calls[0].request.body)


@pytest.mark.parametrize(
    ("status", "location"),
    [
        (302, f"{HUB_URL}/core/v2/nodes"),  # would turn the create into a GET
        (308, "https://elsewhere.test/core/nodes"),
        (307, "http://hub.test:8080/core/nodes"),
    ],
)
def test_other_redirects_of_a_post_are_refused(rsps, status: int, location: str) -> None:
    rsps.add("POST", NODES, status=status, headers={"Location": location})
    with pytest.raises(TransportError, match=f"redirected \\({status}\\)") as caught:
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="n1")
    assert (caught.value.method, caught.value.url) == ("POST", NODES)
    assert len(rsps.calls) == 1


# -- the Hub's validation details ----------------------------------------------------------


def test_validation_issues_are_in_the_message(rsps) -> None:
    # the body of tests/recordings/hub-0.14.0/auth-10-realms.json (name too short)
    body = {
        "name": "AuthupError",
        "message": "Property name is invalid",
        "code": "bad_request",
        "issues": [
            {
                "type": "item",
                "path": ["name"],
                "message": "Too small: expected string to have >=3 characters",
                "code": "min_length",
                "data": {"min": 3},
            }
        ],
    }
    rsps.add("POST", NODES, status=400, json=body)
    with pytest.raises(BadRequest) as caught:
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="x")
    assert "invalid: name (Too small: expected string to have >=3 characters)" in str(caught.value)


def test_legacy_children_show_paths_but_never_the_received_value(rsps) -> None:
    # the shape of tests/recordings/hub-0.8.13/auth-11-users.json
    body = {
        "statusCode": 400,
        "code": "BAD_REQUEST",
        "message": "",
        "children": [{"path": "email", "pathAbsolute": "email", "received": "hunter2-secret"}],
    }
    rsps.add("POST", NODES, status=400, json=body)
    with pytest.raises(BadRequest) as caught:
        Node.objects.using(make_hub(LEGACY_VERSION)).create(name="x")
    assert "invalid: email" in str(caught.value) and "hunter2" not in str(caught.value)


def test_many_issues_are_cut_with_a_count(rsps) -> None:
    issues = [{"path": [f"f{n}"], "message": "Required"} for n in range(14)]
    rsps.add("POST", NODES, status=400, json={"code": "bad_request", "issues": issues})
    with pytest.raises(BadRequest) as caught:
        Node.objects.using(make_hub(CURRENT_VERSION)).create(name="x")
    assert "f9 (Required), and 4 more (see error.issues)" in str(caught.value)
    assert len(caught.value.issues) == 14


# -- a closed hub ----------------------------------------------------------------------------


def test_a_closed_hub_refuses_requests_instead_of_reopening(rsps) -> None:
    rsps.add("GET", NODES, json=PAGE)
    hub = make_hub(CURRENT_VERSION)
    assert list(Node.objects.using(hub)) == []
    hub.close()
    for attempt in (
        lambda: list(Node.objects.using(hub)),
        lambda: hub.request("core", "POST", "nodes", json={}),
    ):
        with pytest.raises(ConfigurationError, match="closed") as caught:
            attempt()
        assert NODES in str(caught.value)
    assert len(rsps.calls) == 1


def test_limits_are_checked_when_the_hub_is_made() -> None:
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        Hub(HUB_URL, max_response_bytes=0)
    with pytest.raises(ConfigurationError, match="deadline"):
        Hub(HUB_URL, deadline=-1)


def test_responses_mocks_keep_working_with_the_bounded_read(rsps) -> None:
    rsps.add(responses.GET, NODES, json=PAGE)
    assert make_hub(CURRENT_VERSION).request("core", "GET", "nodes") == PAGE


def test_a_delete_that_never_connected_and_then_meets_404_is_not_found(rsps) -> None:
    url = f"{NODES}/{NODE_ID}"
    rsps.add("DELETE", url, body=requests.ConnectTimeout("no connection was made"))
    rsps.add("DELETE", url, status=404, json={"code": "entity_not_found", "message": "gone"})
    with pytest.raises(NotFound):
        make_hub(CURRENT_VERSION).send("core", "DELETE", f"nodes/{NODE_ID}")
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(("status", "deleted"), [(502, True), (504, True), (503, False)])
def test_a_delete_retried_after_a_gateway_error_and_then_404(
    rsps, status: int, deleted: bool
) -> None:
    url = f"{NODES}/{NODE_ID}"
    rsps.add("DELETE", url, status=status, json={})
    rsps.add("DELETE", url, status=404, json={"code": "entity_not_found", "message": "gone"})
    hub = make_hub(CURRENT_VERSION)
    if deleted:
        assert hub.send("core", "DELETE", f"nodes/{NODE_ID}").status_code == 204
    else:  # the Hub's own 503: it did not act, so the row was not there
        with pytest.raises(NotFound):
            hub.send("core", "DELETE", f"nodes/{NODE_ID}")
