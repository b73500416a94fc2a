"""``flamehub login`` per Hub URL: prompts for every kind of secret, warnings for secret flags."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import flamehub.cli as cli_module
from flamehub.cli import _config, main


@pytest.fixture(scope="module", params=["0.14.0"], ids=["current"])
def local(request):
    from flamehub.testing import LocalHub

    with LocalHub(version=request.param) as started:
        yield started


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer every prompt; the labels asked are recorded (secret prompts end in '*')."""
    labels: list[str] = []

    def getpass(prompt: str) -> str:
        labels.append(prompt + "*")
        return f"typed-{len(labels)}-secret"

    def ask(prompt: str) -> str:
        labels.append(prompt)
        return "typed-name"

    monkeypatch.setattr(cli_module.sys, "stdin", _Terminal())
    monkeypatch.setattr(cli_module.getpass, "getpass", getpass)
    monkeypatch.setattr("builtins.input", ask)
    return labels


def stored(config_home: Path) -> dict:
    return json.loads((config_home / "flamehub" / "config.json").read_text())


@pytest.mark.parametrize(
    ("flags", "label", "key"),
    [
        (["--client-id", "my-client"], "Client secret: *", "client_secret"),
        (["--robot-id", "my-robot"], "Robot secret: *", "robot_secret"),
        (["--with-token"], "Token: *", "token"),
        (["--username", "admin"], "Password: *", "password"),
    ],
    ids=["client", "robot", "token", "password"],
)
def test_login_asks_for_the_secret_it_needs(
    cli, config_home: Path, asked: list[str], flags: list[str], label: str, key: str
) -> None:
    result = cli("login", "--url", "http://hub.invalid", "--no-check", *flags)
    assert result.code == 0, result.err
    assert asked == [label]
    entry = stored(config_home)
    assert entry["url"] == "http://hub.invalid" and entry[key] == "typed-1-secret"
    assert "typed-1-secret" not in result.out + result.err


def test_client_credentials_login_is_checked_against_the_hub(
    cli, local, config_home: Path, asked: list[str]
) -> None:
    result = cli("login", "--url", local.url, "--client-id", "no-such-client")
    assert result.code == 1
    assert asked == ["Client secret: *"]
    assert "client_credentials" in result.err and "typed-1-secret" not in result.err
    assert not (config_home / "flamehub" / "config.json").exists()


def test_secret_flags_warn_a_person_at_the_terminal(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    err = _Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", err)
    argv = ["login", "--url", "http://hub.invalid", "--no-check", "--username", "u"]
    assert main([*argv, "--password", "flag-pw-1"], out=io.StringIO()) == 0
    assert main(["node", "list", "--token", "flag-token-2"], out=io.StringIO()) == 1
    warnings = [line for line in err.getvalue().splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: --password is visible to other users of this machine (ps, shell history); "
        "leave it out to be asked for it by 'flamehub login', or set FLAMEHUB_PASSWORD",
        "warning: --token is visible to other users of this machine (ps, shell history); "
        "leave it out to be asked for it by 'flamehub login', or set FLAMEHUB_TOKEN",
    ]
    assert "flag-pw-1" not in err.getvalue() and "flag-token-2" not in err.getvalue()


def test_secret_flags_still_work_and_scripts_get_no_warning(cli, local, config_home: Path) -> None:
    result = cli("realm", "list", "--url", local.url, "--username", "admin", "--password",
                 "start123", "--json")  # fmt: skip
    assert result.code == 0 and result.err == ""
    assert [row["name"] for row in json.loads(result.out)] == ["master"]


def test_logout_of_one_hub_keeps_the_others(cli, config_home: Path, asked: list[str]) -> None:
    for url in ("http://a.invalid", "http://b.invalid"):
        assert cli("login", "--url", url, "--username", "u", "--no-check").code == 0
    assert cli("logout", "--url", "http://b.invalid/").code == 0
    config = _config.load_config(config_home / "flamehub" / "config.json")
    assert config.url == "http://a.invalid" and list(config.hubs) == ["http://a.invalid"]
    assert cli("logout").code == 0
    assert not (config_home / "flamehub" / "config.json").exists()


def test_a_one_letter_password_does_not_mask_every_word() -> None:
    from flamehub.cli import _one_line

    error = ValueError("realm a not found; password a rejected")
    assert _one_line(error, ["a"]) == "realm <hidden> not found; password <hidden> rejected"
    assert _one_line(ValueError("no such realm"), ["a"]) == "no such realm"
