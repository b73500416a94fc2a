"""Reads that go straight to the connection pool act exactly like ``HTTPAdapter.send``.

A small threaded HTTP server on a loopback port answers with what each test needs
(cookies, gzip, redirects, cut-off bodies, slow answers); every response of the pooled
path is compared with the one ``requests`` makes itself for the same request.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from flamehub import errors
from flamehub.transport import _PLAIN_URL, RetryPolicy, Transport, _encode_query

BODY = {"data": [{"id": "a", "name": "é"}], "meta": {"total": 1}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass

    def answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        fields = {key.replace("_", "-"): value for key, value in headers.items()}
        fields.setdefault("Content-Type", "application/json; charset=utf-8")
        fields.setdefault("Content-Length", str(len(body)))
        for key, value in fields.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "headers": dict(self.headers)})
        path = self.path.split("?")[0]
        payload = json.dumps(BODY).encode()
        if path == "/plain":
            self.answer(200, payload, X_Answer="yes")
        elif path == "/cookie":
            self.answer(200, payload, Set_Cookie="sticky=abc; Path=/")
        elif path == "/gzip":
            self.answer(200, gzip.compress(payload), Content_Encoding="gzip")
        elif path == "/redirect":
            self.answer(307, b"", Location="/plain")
        elif path == "/cut":
            self.answer(200, payload[:10], Content_Length=str(len(payload)))
            self.close_connection = True
        elif path == "/slow":
            time.sleep(0.5)
            self.answer(200, payload)
        else:
            self.answer(404, b'{"message": "no"}')


@pytest.fixture
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Bearer(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer t"
        return request


def spy_pool(transport: Transport, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    used: list[str] = []
    original = transport._send_pooled

    def spy(adapter: Any, prepared: requests.PreparedRequest, *args: Any) -> Any:
        used.append(prepared.url or "")
        return original(adapter, prepared, *args)

    monkeypatch.setattr(transport, "_send_pooled", spy)
    return used


def fingerprint(response: requests.Response) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    return {
        "status": response.status_code,
        "reason": response.reason,
        "headers": headers,
        "content": response.content,
        "encoding": response.encoding,
        "url": response.url,
        "request": (response.request.method, response.request.url),
        "json": response.json() if response.content else None,
    }


def test_a_pooled_read_matches_what_requests_returns(base: str, monkeypatch) -> None:
    transport = Transport()
    used = spy_pool(transport, monkeypatch)
    url = f"{base}/plain"
    params = [("filter[name]", "site-,é"), ("page[limit]", 5)]
    pooled = transport.send("GET", url, params=params, auth=Bearer())
    assert used == [pooled.request.url]
    reference = requests.Session().get(url, params=params, headers={"Authorization": "Bearer t"})
    assert fingerprint(pooled) == fingerprint(reference)
    assert pooled.headers["X-Answer"] == "yes" and pooled.elapsed.total_seconds() > 0
    sent = Handler.seen[0]["headers"]
    assert sent["Authorization"] == "Bearer t" and sent["User-Agent"].startswith("flamehub/")
    # the connection is reused: one pool per origin, looked up once
    transport.send("GET", url, auth=Bearer())
    assert list(transport._origins) == [base] and len(used) == 2
    assert transport._origins[base].pool is not None


def test_gzip_bodies_are_decoded(base: str, monkeypatch) -> None:
    transport = Transport()
    used = spy_pool(transport, monkeypatch)
    response = transport.send("GET", f"{base}/gzip", auth=Bearer())
    assert used and response.json() == BODY
    assert response.raw.headers["Content-Encoding"] == "gzip"


def test_cookies_of_a_pooled_read_reach_the_session(base: str, monkeypatch) -> None:
    transport = Transport()
    spy_pool(transport, monkeypatch)
    transport.send("GET", f"{base}/cookie", auth=Bearer())
    assert transport.session.cookies.get("sticky") == "abc"
    transport.send("GET", f"{base}/plain", auth=Bearer())
    assert Handler.seen[-1]["headers"]["Cookie"] == "sticky=abc"


def test_redirects_are_followed_through_the_session(base: str) -> None:
    response = Transport().send("GET", f"{base}/redirect", auth=Bearer())
    assert response.json() == BODY and response.url == f"{base}/plain"
    assert [seen["path"] for seen in Handler.seen] == ["/redirect", "/redirect", "/plain"]


def test_a_cut_off_body_is_retried_then_reported(base: str) -> None:
    transport = Transport(retry=RetryPolicy(total=2, backoff_factor=0.0))
    with pytest.raises(errors.TransportError, match=r"cut off.*after 2 retries") as caught:
        transport.send("GET", f"{base}/cut", auth=Bearer())
    assert caught.value.url == f"{base}/cut" and len(Handler.seen) == 3


def test_a_slow_answer_is_a_timeout_naming_url_and_limit(base: str) -> None:
    transport = Transport(timeout=(1.0, 0.1), retry=RetryPolicy(total=0))
    with pytest.raises(errors.HubTimeout, match=r"GET .*/slow got no answer within") as caught:
        transport.send("GET", f"{base}/slow", auth=Bearer())
    assert "0.1" in str(caught.value)


def test_a_refused_connection_is_a_transport_error() -> None:
    transport = Transport(retry=RetryPolicy(total=0))
    with pytest.raises(errors.TransportError, match=r"GET http://127.0.0.1:9/x failed"):
        transport.send("GET", "http://127.0.0.1:9/x", auth=Bearer())


def test_a_closed_pool_is_replaced_and_close_releases_the_pools(base: str) -> None:
    transport = Transport()
    transport.send("GET", f"{base}/plain", auth=Bearer())
    first = transport._origins[base].pool
    assert first is not None
    # a pool closed behind the transport's back (the session closed, or a pool manager
    # that closes the pools it drops) is not used again
    transport.session.get_adapter(base).poolmanager.clear()
    first.close()
    assert transport.send("GET", f"{base}/plain", auth=Bearer()).json() == BODY
    second = transport._origins[base].pool
    assert second is not None
    assert second is not first and second.pool is not None
    transport.close()
    assert transport._origins == {} and second.pool is None


def test_deletes_proxies_and_patched_adapters_keep_adapter_send(base: str, monkeypatch) -> None:
    transport = Transport()
    used = spy_pool(transport, monkeypatch)
    assert transport.send("DELETE", f"{base}/plain", auth=Bearer()).status_code == 501
    assert used == []
    with responses.RequestsMock() as mock:  # patches HTTPAdapter.send
        mock.add("GET", f"{base}/plain", json={"mocked": True})
        assert transport.send("GET", f"{base}/plain", auth=Bearer()).json() == {"mocked": True}
    assert used == []
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = Transport(retry=RetryPolicy(total=0))
    proxied_used = spy_pool(proxied, monkeypatch)
    seen_before = len(Handler.seen)
    with pytest.raises(errors.TransportError, match="Connection refused"):  # by the proxy
        proxied.send("GET", f"{base}/plain", auth=Bearer())
    assert proxied._origins[base].proxied and proxied_used == []
    assert len(Handler.seen) == seen_before  # the server itself was never asked


PATH_TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~!$&'()*+,;=:@/-",
    max_size=40,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    host=st.sampled_from(["localhost", "127.0.0.1", "hub.example.org", "core.privateaim.dev"]),
    port=st.sampled_from(["", ":3000", ":443"]),
    path=PATH_TEXT,
    params=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=3),
)
def test_plain_urls_are_what_prepare_url_makes_of_them(
    host: str, port: str, path: str, params: list[tuple[str, str]]
) -> None:
    url = f"http://{host}{port}/{path}"
    if "/." in url:  # dot segments are resolved by requests: not plain
        assert not _PLAIN_URL.fullmatch(url)
        return
    assert _PLAIN_URL.fullmatch(url)
    query = _encode_query(params)
    reference = requests.PreparedRequest()
    reference.prepare_url(url, query)
    assert reference.url == (f"{url}?{query}" if query else url)


@pytest.mark.parametrize(
    "url",
    [
        "http://Hub.example.org/core/",  # requests lower-cases the host
        "http://hub.example.org",  # and adds the path "/"
        "http://hub.example.org/a%2fb",  # and re-quotes percent escapes
        "http://hub.example.org/naïve",  # and quotes non-ASCII
        "http://hub.example.org/a b",
        "http://hub.example.org/a?b=1",
        "http://hub.example.org/a#b",
        "http://hub.example.org/core/nodes/..",  # and resolves dot segments
        "http://hub.example.org/core/./nodes",
    ],
)
def test_other_urls_go_through_prepare_url(url: str) -> None:
    assert not _PLAIN_URL.fullmatch(url)
