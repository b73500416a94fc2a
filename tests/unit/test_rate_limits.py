"""Rate limits (issue #14): reading ``ratelimit-*`` headers, remembering them per service,
and resending 429 answers for any method within the retries and the deadline.

The header names and values are the recorded ones (``hub-0.14.0/auth-10-realms.json``:
``ratelimit-limit: 1200``, ``ratelimit-remaining: 1164``, ``ratelimit-reset: 47``). No
recording shows a 429 answer: its status and ``Retry-After`` here are an assumption (the
tests say so in their names).
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from flamehub import RateLimited, RetryPolicy
from flamehub.models import Node
from flamehub.ratelimit import RateLimit, RateLimits, parse_rate_limit, wait_after_429
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub

NODES = f"{HUB_URL}/core/nodes"
CREATED = {
    "data": {
        "id": "a99721cc-d7f4-4ff2-9b95-8fec1396d348",
        "name": "site-a",
        "realmId": "0b02640a-76cc-4beb-aa50-9b7b3527dccb",
    },
    "meta": {},
}
RECORDED = {"ratelimit-limit": "1200", "ratelimit-remaining": "1164", "ratelimit-reset": "47"}
TOO_MANY = {"statusCode": 429, "code": "too_many_requests", "message": "Too many requests."}


def headers(values: dict[str, str]) -> requests.structures.CaseInsensitiveDict[str]:
    return requests.structures.CaseInsensitiveDict(values)


# -- parsing --------------------------------------------------------------------------------


def test_the_recorded_headers() -> None:
    assert parse_rate_limit(headers(RECORDED), now=100.0) == RateLimit(1200, 1164, 147.0)


def test_header_names_are_case_insensitive_and_x_prefixed_ones_count() -> None:
    found = parse_rate_limit(
        headers({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}), now=0.0
    )
    assert found == RateLimit(None, 0, 5.0)


def test_a_reset_given_as_unix_time_becomes_seconds() -> None:
    found = parse_rate_limit(headers({"ratelimit-reset": "2000000030"}), now=10.0, wall_now=2e9)
    assert found is not None and found.reset_at == pytest.approx(40.0)


@pytest.mark.parametrize(
    "garbage",
    [{}, {"ratelimit-limit": "many"}, {"ratelimit-remaining": "-3"}, {"ratelimit-reset": "nan"}],
)
def test_unusable_headers_announce_nothing(garbage: dict[str, str]) -> None:
    assert parse_rate_limit(headers(garbage), now=0.0) is None


def test_pause_only_while_nothing_remains() -> None:
    assert RateLimit(1200, 0, 150.0).pause(now=140.0) == 10.0
    assert RateLimit(1200, 0, 150.0).pause(now=160.0) == 0.0  # the window has started again
    assert RateLimit(1200, 1, 150.0).pause(now=140.0) == 0.0
    assert RateLimit(None, None, 150.0).pause(now=140.0) == 0.0


def test_the_book_keeps_the_latest_announcement_per_service() -> None:
    book = RateLimits()
    book.observe("auth", headers({"ratelimit-remaining": "0", "ratelimit-reset": "30"}), now=0.0)
    book.observe("core", headers(RECORDED), now=0.0)
    book.observe("core", headers({}), now=1.0)  # an answer without headers changes nothing
    assert book.pause("auth", now=10.0) == 20.0 and book.pause("core", now=10.0) == 0.0
    assert book.pause("storage") == 0.0
    book.clear()
    assert book.get("auth") is None


def test_wait_after_429_prefers_retry_after() -> None:
    assert wait_after_429(headers({"ratelimit-reset": "9"}), 2.0) == 2.0
    assert wait_after_429(headers({"ratelimit-reset": "9"}), None) == 9.0
    assert wait_after_429(headers({}), None) is None


# -- the transport ----------------------------------------------------------------------------


def _hub(**kwargs: object):  # type: ignore[no-untyped-def]
    hub = make_hub(CURRENT_VERSION, **kwargs)
    slept: list[float] = []
    hub.transport._sleep = slept.append
    return hub, slept


def test_assumed_429_resends_a_create_after_retry_after(rsps) -> None:
    rsps.add("POST", NODES, status=429, headers={"Retry-After": "4"}, json=TOO_MANY)
    rsps.add("POST", NODES, status=201, json=CREATED, headers=RECORDED)
    hub, slept = _hub()
    node = Node.objects.using(hub).create(name="site-a", realm_id=CREATED["data"]["realmId"])
    assert node.name == "site-a" and slept == [4.0]
    assert [call.request.method for call in rsps.calls] == ["POST", "POST"]
    assert json.loads(rsps.calls[0].request.body) == json.loads(rsps.calls[1].request.body)
    limit = hub.transport.rate_limits.get("core")  # remembered under the service's name
    assert limit is not None and (limit.limit, limit.remaining) == (1200, 1164)


def test_assumed_429_without_retry_after_waits_for_the_reset_else_backs_off(rsps) -> None:
    rsps.add("GET", NODES, status=429, headers={"ratelimit-reset": "7"}, json=TOO_MANY)
    rsps.add("GET", NODES, status=429, json=TOO_MANY)
    rsps.add("GET", NODES, json={"data": [], "meta": {"total": 0}})
    hub, slept = _hub(retry=RetryPolicy(backoff_factor=0.5))
    assert list(Node.objects.using(hub)) == []
    assert slept == [7.0, 1.0]  # the reset, then the second backoff step


def test_assumed_429_gives_up_after_its_retries_with_the_wait_named(rsps) -> None:
    for _ in range(3):
        rsps.add("POST", NODES, status=429, headers={"Retry-After": "1"}, json=TOO_MANY)
    hub, slept = _hub(retry=RetryPolicy(rate_limit_retries=2))
    with pytest.raises(RateLimited) as caught:
        Node.objects.using(hub).create(name="site-a")
    assert caught.value.status_code == 429 and caught.value.retry_after == 1.0
    assert slept == [1.0, 1.0] and len(rsps.calls) == 3


def test_assumed_429_asking_for_more_than_the_longest_wait_is_raised_at_once(rsps) -> None:
    rsps.add("GET", NODES, status=429, headers={"Retry-After": "600"}, json=TOO_MANY)
    hub, slept = _hub()
    with pytest.raises(RateLimited, match="429") as caught:
        list(Node.objects.using(hub))
    assert caught.value.retry_after == 600.0 and slept == [] and len(rsps.calls) == 1


def test_assumed_429_respects_the_deadline(rsps) -> None:
    rsps.add("GET", NODES, status=429, headers={"Retry-After": "5"}, json=TOO_MANY)
    hub, slept = _hub(deadline=2.0)
    started = time.monotonic()
    with pytest.raises(RateLimited):
        list(Node.objects.using(hub))
    assert slept == [] and time.monotonic() - started < 2.0  # no sleep past the deadline


def test_assumed_429_on_the_token_endpoint_is_resent(rsps) -> None:
    # the token POST is never resent after a failure the Hub may have acted on, but a 429
    # (authup's login_attempt_throttled, hub-api.md) says it did not act
    from flamehub import Hub, PasswordAuth

    token_url = f"{HUB_URL}/auth/token"
    rsps.add("POST", token_url, status=429, headers={"Retry-After": "3"}, json=TOO_MANY)
    rsps.add("POST", token_url, json={"access_token": "access-1", "expires_in": 900})
    rsps.add("GET", NODES, json={"data": [], "meta": {"total": 0}})
    hub = Hub(HUB_URL, auth=PasswordAuth("admin", "start123"), hub_version=CURRENT_VERSION)
    slept: list[float] = []
    hub.transport._sleep = slept.append
    assert list(Node.objects.using(hub)) == []
    assert slept == [3.0]
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer access-1"
