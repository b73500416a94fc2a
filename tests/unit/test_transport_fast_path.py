"""The transport's direct-to-adapter path (authenticated bodiless requests) acts like requests."""

from __future__ import annotations

from typing import Any

import requests
import responses

from flamehub.transport import Transport, _encode_query

URL = "http://hub.test/core/nodes"


class Bearer(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer t"
        return request


def test_query_encoding_matches_requests() -> None:
    cases: list[Any] = [
        [("filter[name]", "a b,é"), ("sort", "-createdAt"), ("skip", None), ("n", 5)],
        {"a": ["1", "2"], "b": None, "c": True},
        [],
        None,
        "a=b",
    ]
    for params in cases:
        theirs, ours = requests.PreparedRequest(), requests.PreparedRequest()
        theirs.prepare_url(URL + "?z=1", params)
        ours.prepare_url(URL + "?z=1", _encode_query(params))
        assert ours.url == theirs.url


def test_headers_params_and_auth_are_sent(rsps) -> None:
    rsps.add("GET", URL, json={"data": []})
    transport = Transport()
    transport.session.headers["X-Session"] = "s"
    response = transport.send(
        "GET", URL, params=[("page[limit]", "5")], headers={"X-Call": "c"}, auth=Bearer()
    )
    sent = rsps.calls[0].request
    assert sent.url == URL + "?page%5Blimit%5D=5"
    assert sent.headers["X-Session"] == "s" and sent.headers["X-Call"] == "c"
    assert sent.headers["Authorization"] == "Bearer t"
    assert sent.headers["User-Agent"].startswith("flamehub/")
    assert response.json() == {"data": []}
    assert response.elapsed.total_seconds() >= 0


def test_cookies_are_kept_and_sent_back(rsps) -> None:
    rsps.add("GET", URL, json={}, headers={"Set-Cookie": "sticky=abc; Path=/"})
    rsps.add("GET", URL, json={})
    transport = Transport()
    transport.send("GET", URL, auth=Bearer())
    assert transport.session.cookies.get("sticky") == "abc"
    transport.send("GET", URL, auth=Bearer())
    assert rsps.calls[1].request.headers["Cookie"] == "sticky=abc"


def test_redirects_are_followed_through_the_session(rsps) -> None:
    rsps.add("GET", URL, status=307, headers={"Location": URL + "/moved"})
    rsps.add("GET", URL, status=307, headers={"Location": URL + "/moved"})
    rsps.add("GET", URL + "/moved", json={"ok": True})
    response = Transport().send("GET", URL, auth=Bearer())
    assert response.json() == {"ok": True}
    assert [call.request.url for call in rsps.calls] == [URL, URL, URL + "/moved"]


def test_session_hooks_and_subclasses_use_the_full_path(rsps) -> None:
    rsps.add("GET", URL, json={})
    rsps.add("GET", URL, json={})
    seen: list[str] = []
    transport = Transport()
    transport.session.hooks["response"].append(lambda r, *a, **k: seen.append(r.url))
    transport.send("GET", URL, auth=Bearer())
    assert seen == [URL]

    class Recording(requests.Session):
        sent: list[str] = []

        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            self.sent.append(request.url or "")
            return super().send(request, **kwargs)

    Transport(Recording()).send("GET", URL, auth=Bearer())
    assert Recording.sent == [URL]


def test_proxy_environment_is_read_once_per_origin(monkeypatch) -> None:
    transport = Transport()
    calls: list[str] = []
    original = transport.session.merge_environment_settings

    def counting(url: str, *args: Any) -> Any:
        calls.append(url)
        return original(url, *args)

    monkeypatch.setattr(transport.session, "merge_environment_settings", counting)
    with responses.RequestsMock() as mock:
        mock.add("GET", URL, json={})
        mock.add("GET", URL + "/1", json={})
        mock.add("GET", "http://other.test/x", json={})
        transport.send("GET", URL, auth=Bearer())
        transport.send("GET", URL + "/1", auth=Bearer())
        transport.send("GET", "http://other.test/x", auth=Bearer())
    assert calls == [URL, "http://other.test/x"]


def test_bodies_and_unauthenticated_requests_use_the_full_path(rsps, monkeypatch) -> None:
    rsps.add("POST", URL, json={})
    rsps.add("GET", URL, json={})
    transport = Transport()
    used: list[str] = []
    original = transport.session.request

    def spy(method: str, url: str, **kwargs: Any) -> requests.Response:
        used.append(method)
        return original(method, url, **kwargs)

    monkeypatch.setattr(transport.session, "request", spy)
    transport.send("POST", URL, json={"a": 1}, auth=Bearer())
    transport.send("GET", URL)
    assert used == ["POST", "GET"]
