"""The size limit of answers read into memory (#12.4) at its boundary, for plain and
chunked bodies, and its default (a named constant in the tens of MB)."""

from __future__ import annotations

import pytest

from flamehub import InvalidResponse
from flamehub.transport import DEFAULT_MAX_RESPONSE_BYTES, Transport
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub

NODES = f"{HUB_URL}/core/nodes"
LIMIT = 1024


def test_the_default_limit_is_tens_of_megabytes() -> None:
    assert 10 * 1024 * 1024 <= DEFAULT_MAX_RESPONSE_BYTES < 100 * 1024 * 1024
    assert Transport().max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES


@pytest.mark.parametrize("authenticated", [True, False], ids=["fast-path", "session"])
def test_a_body_of_exactly_the_limit_is_read(rsps, authenticated: bool) -> None:
    body = b'"' + b"x" * (LIMIT - 2) + b'"'
    rsps.add("GET", NODES, body=body, content_type="application/json")
    hub = make_hub(CURRENT_VERSION, max_response_bytes=LIMIT)
    assert hub.request("core", "GET", "nodes", authenticated=authenticated) == "x" * (LIMIT - 2)


@pytest.mark.parametrize("authenticated", [True, False], ids=["fast-path", "session"])
def test_one_byte_more_is_invalid_response(rsps, authenticated: bool) -> None:
    rsps.add("GET", NODES, body=b"x" * (LIMIT + 1), content_type="application/json")
    hub = make_hub(CURRENT_VERSION, max_response_bytes=LIMIT)
    with pytest.raises(InvalidResponse, match=f"max_response_bytes={LIMIT}") as caught:
        hub.request("core", "GET", "nodes", authenticated=authenticated)
    assert (caught.value.method, caught.value.url) == ("GET", NODES)


def test_an_error_answer_of_a_streamed_request_is_bounded_too(rsps) -> None:
    rsps.add("GET", NODES, status=500, body=b"x" * (LIMIT + 1))
    hub = make_hub(CURRENT_VERSION, max_response_bytes=LIMIT)
    with pytest.raises(InvalidResponse):
        hub.send("core", "GET", "nodes", stream=True)


def test_a_streamed_download_is_not_limited(rsps) -> None:
    rsps.add("GET", NODES, body=b"x" * (LIMIT * 4))
    hub = make_hub(CURRENT_VERSION, max_response_bytes=LIMIT)
    response = hub.send("core", "GET", "nodes", stream=True)
    assert sum(len(chunk) for chunk in response.iter_content(512)) == LIMIT * 4
