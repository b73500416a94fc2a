"""Masking replaces whole secrets, not substrings of ordinary words (#12.8)."""

from __future__ import annotations

import pytest

from flamehub.errors import is_secret_key, mask_secrets


@pytest.mark.parametrize(
    ("text", "secrets", "masked"),
    [
        ("login admin/admin failed", ["admin"], "login ***/*** failed"),
        ("user administrator exists", ["admin"], "user administrator exists"),
        ("the password is a", ["a"], "the password is ***"),
        ("Bearer eyJ.a-b_c=", ["eyJ.a-b_c="], "Bearer ***"),
        ("secret=s3cr3t&x=1", ["s3cr3t"], "secret=***&x=1"),
        ("nothing here", [None, ""], "nothing here"),
        ("abcd and abc", ["abc", "abcd"], "*** and ***"),
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
