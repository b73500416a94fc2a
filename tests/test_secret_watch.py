"""The session's secret watch (tests/_secret_watch.py) finds planted leaks.

Every leak here is planted into a private :class:`Watch` (``watching`` swaps it in for the
session's), so the session's own check never sees them.
"""

from __future__ import annotations

import logging
import secrets

import pytest

from flamehub import Hub, PasswordAuth, TokenAuth
from flamehub.errors import FlamehubError, InvalidResponse
from flamehub.models import Node
from flamehub.testing import LocalHub
from tests import _secret_watch
from tests._secret_watch import (
    ACTIVE,
    EXCLUSIONS,
    PREFIX,
    SecretWatchItem,
    Watch,
    check,
    fingerprint,
    watching,
)

pytestmark = pytest.mark.skipif(
    not _secret_watch.INSTALLED, reason="the secret watch is off (-p no:tests._secret_watch)"
)


def _planted() -> str:
    return "planted-" + secrets.token_hex(12)


def test_planted_leaks_in_logs_errors_and_reprs_are_found(
    caplog: pytest.LogCaptureFixture,
) -> None:
    password, token = _planted(), _planted()
    with watching(Watch()) as watch:
        auth = PasswordAuth("someone", password)
        hub = Hub("http://hub.test", auth=TokenAuth(token), hub_version="0.14.0")
        logging.getLogger("flamehub.selftest").debug("the password is %s", password)
        FlamehubError(f"refused token {token}")
        InvalidResponse("no JSON", body_preview=f"<html>{password[: PREFIX + 1]}...")
        Node(name=f"node-{token}")
    assert ACTIVE is not watch  # the session's watch is back
    kinds = ("PasswordAuth password", "TokenAuth static_token")
    assert watch.secrets == dict(zip((password, token), kinds, strict=True))
    assert watch.counts["log"] == 1 and watch.counts["error"] == 2
    assert watch.counts["repr: hub"] == 1 and watch.counts["repr: auth"] == 2
    assert watch.counts["repr: model"] == 1
    found = {(leak.kind, leak.category, leak.detail) for leak in watch.leaks()}
    password_12, token_12 = (f"{kind} (first {PREFIX} chars)" for kind in kinds)
    assert found == {
        ("PasswordAuth password", "log", "flamehub.selftest DEBUG"),
        ("PasswordAuth password", "log", "flamehub.selftest DEBUG args"),
        (password_12, "log", "flamehub.selftest DEBUG"),
        (password_12, "log", "flamehub.selftest DEBUG args"),
        (password_12, "error", "InvalidResponse.body_preview"),
        ("TokenAuth static_token", "error", "str(FlamehubError)"),
        ("TokenAuth static_token", "error", "repr(FlamehubError)"),
        (token_12, "error", "str(FlamehubError)"),
        (token_12, "error", "repr(FlamehubError)"),
        ("TokenAuth static_token", "repr: model", "Node"),
        (token_12, "repr: model", "Node"),
        # a model's pprint() dump and notebook table are watched too
        ("TokenAuth static_token", "repr: model", "Node.pprint()"),
        (token_12, "repr: model", "Node.pprint()"),
        ("TokenAuth static_token", "repr: model", "Node._repr_html_()"),
        (token_12, "repr: model", "Node._repr_html_()"),
    }
    # the hub and the auth objects hide what they hold
    assert not [leak for leak in watch.leaks() if leak.category.startswith("repr: h")]
    # the record exists for the watch only: the test's handlers never saw it
    assert not [record for record in caplog.records if record.name == "flamehub.selftest"]
    assert auth.username == "someone" and hub.auth is not None


def test_the_report_names_kind_place_and_test_but_never_the_secret() -> None:
    password = _planted()
    watch = Watch()
    watch.secret("PasswordAuth password", password)
    watch.test = "tests/some/test_file.py::test_it"
    watch.saw("log")
    watch.text("log", "flamehub.transport DEBUG", f"sent Authorization: Basic {password}!")
    watch.text("error", "str(InvalidResponse)", f"cut off: {password[:PREFIX]} and {password}")
    problems = check(watch, ["tests/some/test_file.py::test_it"])
    report = "\n".join(problems)
    assert password not in report and password[:PREFIX] not in report
    assert fingerprint(password) in report and password[:3] in fingerprint(password)
    assert "PasswordAuth password" in report and "flamehub.transport DEBUG" in report
    assert "tests/some/test_file.py::test_it" in report
    assert "Authorization: Basic <SECRET>!" in report
    assert "cut off: <SECRET> and <SECRET>" in report
    assert report.startswith("4 secret(s) leaked:")  # the password and its prefix, twice


def test_short_common_and_absent_secrets_are_not_reported() -> None:
    watch = Watch()
    for value in ("tiny", "password", "", None):
        watch.secret("PasswordAuth password", value)
    assert watch.secrets == {}
    long_one = secrets.token_urlsafe(32)
    watch.secret("LocalHub access token (password grant)", long_one)
    watch.secret("PasswordAuth password", "start123")
    watch.text("log", "x", f"only a little of it: {long_one[: PREFIX - 1]}...")
    watch.text("log", "x", "start12 and tart123")
    assert watch.leaks() == []
    watch.text("log", "y", f"cut: {long_one[:PREFIX]}")
    watch.text("log", "y", "as a word:start123.")
    assert sorted(leak.kind for leak in watch.leaks()) == [
        "LocalHub access token (password grant) (first 12 chars)",
        "PasswordAuth password",
    ]


def test_local_hub_secrets_are_collected() -> None:
    with watching(Watch()) as watch:
        local = LocalHub(version="0.14.0")
        try:
            state = local._live_state
            client_id, client_secret = local.system_credentials
            issued = state.tokens.login("client", client_id, with_refresh=True, grant="password")
        finally:
            local.stop()
    assert watch.secrets[client_secret] == "LocalHub client secret"
    assert watch.secrets["start123"] == "LocalHub user password"  # the admin's, at seeding
    assert watch.secrets[issued["access_token"]] == "LocalHub access token (password grant)"
    assert watch.secrets[issued["refresh_token"]] == "LocalHub refresh token (password grant)"
    assert watch.counts["repr: hub"] == 1  # the LocalHub


def test_a_blind_watch_fails_the_run() -> None:
    problems = check(Watch(), ["tests/replay/test_nodes.py::test_x"])
    assert problems[0] == "the watch saw nothing where it must have seen something:"
    assert "  log: none" not in "\n".join(problems)  # replay tests need not log
    assert any("repr: model: none" in line for line in problems)
    assert check(Watch(), ["tests/test_quickstart.py::test_y"]) == []


def test_exclusions_are_narrow() -> None:
    (exclusion,) = EXCLUSIONS
    token = secrets.token_urlsafe(32)
    watch = Watch()
    watch.secret("LocalHub access token (password grant)", token)
    watch.test = exclusion.test + "current]"
    watch.text("log", "urllib3.connectionpool DEBUG", f"GET {exclusion.before}{token} HTTP/1.1")
    leaks = watch.leaks()
    assert len(leaks) == 2  # the token and its prefix
    assert all(leak.excluded_by(EXCLUSIONS) is exclusion for leak in leaks)
    # the same token elsewhere in the same test, or in the same text of another test
    watch.text("log", "urllib3.connectionpool DEBUG", f"Authorization: Bearer {token}")
    watch.test = "tests/local_hub/test_local_hub_server.py::test_other"
    watch.text("log", "urllib3.connectionpool DEBUG", f"POST {exclusion.before}{token}")
    kept = [leak for leak in watch.leaks() if leak.excluded_by(EXCLUSIONS) is None]
    assert len(kept) == 4


def test_the_watch_runs_last(request: pytest.FixtureRequest) -> None:
    last = request.session.items[-1]
    assert isinstance(last, SecretWatchItem)
    assert last.nodeid == f"tests/_secret_watch.py::{_secret_watch.ITEM_NAME}"
    assert sum(isinstance(item, SecretWatchItem) for item in request.session.items) == 1
