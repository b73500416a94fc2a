"""What a new user meets on the command line (issue #17 items 5, 7, 8, 9, 10)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flamehub._version import __version__
from flamehub.cli import VERSION_TEXT
from flamehub.testing import LocalHub

from .conftest import ADMIN_PASSWORD

#: How long a child process may take.
TIMEOUT = 60


def _script() -> str:
    return shutil.which("flamehub") or str(Path(sys.executable).with_name("flamehub"))


def _child_env(config_home: Path, **extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    env["XDG_CONFIG_HOME"] = str(config_home)
    env.update(extra)
    return env


# -- item 10: serve --host / --hub-version, --version everywhere -----------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["serve", "--version"],
        ["node", "--version"],
        ["node", "list", "--version"],
        ["logout", "--version"],
        ["completion", "--version"],
        ["quickstart", "--version"],
    ],
)
def test_version_prints_flamehubs_version_on_every_command(cli, config_home, argv) -> None:
    result = cli(*argv)
    assert (result.code, result.out) == (0, f"{VERSION_TEXT}\n")
    assert __version__ in VERSION_TEXT


def test_serve_on_a_non_loopback_host_warns_before_listening(config_home: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is assigned to no interface: the bind fails, after the warning,
    # so nothing is ever reachable from other machines during the test
    result = subprocess.run(
        [_script(), "serve", "--hub-version", "0.8.13", "--host", "192.0.2.1"],
        capture_output=True,
        text=True,
        env=_child_env(config_home),
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stderr.startswith("warning: listening on 192.0.2.1, reachable from other")
    assert "admin password" in result.stderr
    assert result.returncode == 1 and "Traceback" not in result.stderr
    help_text = subprocess.run(
        [_script(), "serve", "--help"],
        capture_output=True,
        text=True,
        env=_child_env(config_home),
        timeout=TIMEOUT,
        check=True,
    ).stdout
    assert "--hub-version" in help_text and "--host" in help_text
    assert "127.0.0.1" in help_text


def test_loopback_hosts_need_no_warning() -> None:
    from flamehub.cli import _is_loopback

    assert all(_is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(_is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "hub.example.org"))


# -- item 5: connection: quickstart flags, no password, URL hints ------------------------


def test_quickstart_honours_url_flags_and_the_saved_login(cli, config_home) -> None:
    with LocalHub(version="0.8.13") as local:
        flagged = cli(
            "--url", local.url, "--username", "admin", "--password", ADMIN_PASSWORD, "quickstart"
        )
        assert flagged.code == 0, flagged.err
        assert f"Using the Hub at {local.url}/core/" in flagged.out
        assert "started an embedded local Hub" not in flagged.out
        assert "1. Hub version 0.8.13" in flagged.out

        login = cli("login", "--url", local.url, "--username", "admin", "--password", "start123")
        assert login.code == 0, login.err
        saved = cli("quickstart")
        assert saved.code == 0, saved.err
        assert f"Using the Hub at {local.url}/core/" in saved.out
        with LocalHub(version="0.14.0") as other:
            # the saved login belongs to its URL only: another URL gets none of it
            elsewhere = cli("quickstart", "--url", other.url)
            assert elsewhere.code == 1
            assert "no password" not in elsewhere.err  # no user name stored for it either
            assert other.stats.token_requests["password"] == 0


def test_a_user_name_without_password_and_no_terminal_is_refused(
    cli, config_home, monkeypatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    # port 9 (discard) has no Hub: a request would fail with a connection error instead
    result = cli("--url", "http://127.0.0.1:9", "--username", "admin", "node", "list")
    assert result.code == 1
    assert result.err.startswith("error: no password given for user 'admin'")
    assert "FLAMEHUB_PASSWORD" in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("localhost:3000", "'http://localhost:3000'"),
        ("hub.example.org", "'https://hub.example.org'"),
        ("http://localhost:3000/core", "base URL instead ('http://localhost:3000')"),
        ("https://hub.example.org/storage/", "base URL instead ('https://hub.example.org')"),
        ("https://hub.example.org/x/auth", "('https://hub.example.org/x')"),
    ],
)
def test_a_url_without_scheme_or_with_a_service_path_gets_a_hint(
    cli, config_home, url, hint
) -> None:
    for argv in (["--url", url, "node", "list"], ["login", "--url", url, "--token", "t"]):
        result = cli(*argv)
        assert result.code == 1, result
        assert result.err.startswith("error: the Hub URL") and hint in result.err
