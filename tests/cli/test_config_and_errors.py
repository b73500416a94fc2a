"""Login, logout, setting precedence, errors, exit codes and completion."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from flamehub.cli import _config, _values
from flamehub.resources.base import REGISTRY, meta_of


@pytest.fixture(scope="module", params=["0.14.0"], ids=["current"])
def local(request):  # one generation is enough here
    from flamehub.testing import LocalHub

    with LocalHub(version=request.param) as started:
        yield started


def test_login_stores_0600_config_and_commands_use_it(cli, local, config_home: Path) -> None:
    result = cli("login", "--url", local.url, "--username", "admin", "--password", "start123")
    assert result.code == 0, result.err
    path = config_home / "flamehub" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {
        "url": local.url,
        "username": "admin",
        "password": "start123",
    }
    assert "start123" not in result.out + result.err

    listed = cli("realm", "list", "--json")
    assert listed.code == 0, listed.err
    assert [row["name"] for row in json.loads(listed.out)] == ["master"]

    assert cli("logout").code == 0
    assert not path.exists()
    after = cli("realm", "list")
    assert after.code == 1
    assert "no Hub URL" in after.err


def test_login_refuses_wrong_credentials_without_echoing_them(cli, local, config_home) -> None:
    result = cli("login", "--url", local.url, "--username", "admin", "--password", "wrong-pw-42")
    assert result.code == 1
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert "wrong-pw-42" not in result.err
    assert not (config_home / "flamehub" / "config.json").exists()


def test_precedence_flags_over_environment_over_file() -> None:
    stored = {"url": "http://file", "username": "file-user", "password": "file-pw"}
    env = {"FLAMEHUB_URL": "http://env", "FLAMEHUB_USERNAME": "env-user"}
    settings = _config.resolve({"url": "http://file/"}, env, stored)
    assert (settings.url, settings.username, settings.password) == (
        "http://file/",
        "env-user",
        "file-pw",
    )
    assert "file-pw" not in repr(settings)
    # The stored password belongs to http://file only (#12 item 1: it once went to any URL).
    elsewhere = _config.resolve({"url": "http://flag"}, env, stored)
    assert (elsewhere.url, elsewhere.username, elsewhere.password) == (
        "http://flag",
        "env-user",
        None,
    )


def test_values_are_parsed_sensibly() -> None:
    parsed = _values.parse_assignments(
        ["hidden=false", "online=true", "robot_id=null", "id__in=a,b", "name__startswith=site-"],
        lookups=True,
    )
    assert parsed == {
        "hidden": False,
        "online": True,
        "robot_id": None,
        "id__in": ["a", "b"],
        "name__startswith": "site-",
    }


def test_connection_errors_are_one_line(cli, config_home) -> None:
    result = cli("--url", "http://127.0.0.1:9", "--hub-version", "0.14.0", "node", "list")
    assert result.code == 1
    assert result.err.startswith("error: ") and result.err.count("\n") == 1


def test_query_errors_are_one_line(cli, local, config_home) -> None:
    result = cli(
        "node", "list", "--url", local.url, "--username", "admin", "--password", "start123",
        "--filter", "bogus=1",
    )  # fmt: skip
    assert result.code == 1
    assert result.err.startswith("error: Node has no field 'bogus'")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    "argv", [["node"], ["no-such-resource", "list"], ["node", "list", "--limit", "x"], []]
)
def test_usage_errors_exit_2(cli, argv: list[str]) -> None:
    assert cli(*argv).code == 2


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_lists_every_resource(cli, config_home, shell: str) -> None:
    # the script asks 'flamehub __complete' for candidates: every resource is a command there
    result = cli("completion", shell)
    assert result.code == 0
    assert f"flamehub __complete {shell} " in result.out
    if shell == "bash":
        assert "complete -F _flamehub_complete flamehub" in result.out
    else:
        assert "compdef _flamehub flamehub" in result.out
    names = {meta_of(model).name for model in REGISTRY.values()}
    assert {"node", "project", "analysis-node"} <= names
    commands = cli("__complete", shell, "1", "flamehub", "")
    assert commands.code == 0
    assert names <= set(commands.out.splitlines())
    actions = cli("__complete", shell, "2", "flamehub", "analysis", "")
    assert "build-start" in actions.out.splitlines()


class _Terminal:
    """A stand-in for a stream attached to a terminal."""

    def isatty(self) -> bool:
        return True


def test_login_prompts_for_what_is_missing(cli, local, config_home, monkeypatch) -> None:
    import flamehub.cli as cli_module

    monkeypatch.setattr(cli_module.sys, "stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: "admin")
    monkeypatch.setattr(cli_module.getpass, "getpass", lambda prompt: "start123")
    result = cli("login", "--url", local.url)
    assert result.code == 0, result.err
    stored = json.loads((config_home / "flamehub" / "config.json").read_text())
    assert (stored["username"], stored["password"]) == ("admin", "start123")


def test_login_without_terminal_says_what_is_missing(cli, local, config_home) -> None:
    result = cli("login", "--url", local.url)
    assert result.code == 1
    assert result.err == "error: Username is missing and there is no terminal to ask for it\n"


def test_progress_bars_only_on_a_terminal() -> None:
    import io

    from flamehub.cli import _progress

    assert _progress(_Terminal()) is True  # type: ignore[arg-type]
    assert _progress(io.StringIO()) is False
