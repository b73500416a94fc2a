"""Masking replaces whole secrets, not substrings of ordinary words, and previews of odd
bodies hide credentials in JSON and form-encoded pairs (#12.8)."""

from __future__ import annotations

import pytest

from flamehub import RetryPolicy, ServerError
from flamehub.errors import is_secret_key, mask_secrets, redact_preview
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub


@pytest.mark.parametrize(
    ("text", "secrets", "masked"),
    [
        ("login admin/admin failed", ["admin"], "login <hidden>/<hidden> failed"),
        ("user administrator exists", ["admin"], "user administrator exists"),
        ("the password is a", ["a"], "the password is <hidden>"),
        ("Bearer eyJ.a-b_c=", ["eyJ.a-b_c="], "Bearer <hidden>"),
        ("secret=s3cr3t&x=1", ["s3cr3t"], "secret=<hidden>&x=1"),
        ("nothing here", [None, ""], "nothing here"),
        ("abcd and abc", ["abc", "abcd"], "<hidden> and <hidden>"),
    ],
)
def test_mask_secrets(text: str, secrets: list[str | None], masked: str) -> None:
    assert mask_secrets(text, secrets) == masked


@pytest.mark.parametrize(
    ("key", "secret"),
    [("access_token", True), ("client_secret", True), ("password", True), ("name", False)],
)
def test_is_secret_key(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("access_token=abc&expires_in=900", "access_token=<hidden>&expires_in=900"),
        ("a=1&client_secret=x%2Fy&b=2", "a=1&client_secret=<hidden>&b=2"),
        ('{"refresh_token": "r1", "id": 1}', '{"refresh_token": "<hidden>", "id": 1}'),
        ("the tokens are fine", "the tokens are fine"),
    ],
)
def test_redact_preview_covers_json_and_form_pairs(text: str, redacted: str) -> None:
    assert redact_preview(text) == redacted


def test_a_non_json_error_body_does_not_show_a_token(rsps) -> None:
    url = f"{HUB_URL}/core/nodes"
    rsps.add("GET", url, status=502, body="upstream said access_token=leaked-9f2&x=1")
    with pytest.raises(ServerError) as caught:
        make_hub(CURRENT_VERSION, retry=RetryPolicy(total=0)).request("core", "GET", "nodes")
    assert "leaked-9f2" not in str(caught.value) and "leaked-9f2" not in repr(caught.value.body)
    assert "access_token=<hidden>" in str(caught.value)
