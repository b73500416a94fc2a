"""Context-aware completion: ``flamehub __complete`` and the bash/zsh scripts that call it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from flamehub.cli import build_parser, main
from flamehub.models import Node
from flamehub.resources.base import REGISTRY, meta_of
from flamehub.resources.enums import NodeType

#: How long a child process may take.
TIMEOUT = 60
#: The filter keys of Node.realm_id (an id: equality, lists, null and ranges; no text lookups).
REALM_ID_KEYS = {
    "realm_id=",
    "realm_id__in=",
    "realm_id__isnull=",
    "realm_id__gt=",
    "realm_id__gte=",
    "realm_id__lt=",
    "realm_id__lte=",
}


@pytest.fixture(autouse=True)
def _isolated(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No FLAMEHUB_* variables, an empty config, and no network at all."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("completion must not send a request")

    monkeypatch.setattr(requests.Session, "send", refuse)
    return config_home


def complete(cli, *words: str, shell: str = "bash") -> list[str]:
    """The candidates for the last of ``words`` (``flamehub`` is prepended)."""
    line = ["flamehub", *words]
    result = cli("__complete", shell, str(len(line) - 1), *line)
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.splitlines()


# -- commands, subcommands, options ---------------------------------------------------


def test_commands_are_every_resource_and_the_local_commands(cli) -> None:
    offered = complete(cli, "")
    names = {meta_of(model).name for model in REGISTRY.values()}
    assert names | {"login", "logout", "serve", "quickstart", "completion"} == set(offered)
    assert "__complete" not in offered
    assert complete(cli, "analysis-n") == [
        "analysis-node",
        "analysis-node-event",
        "analysis-node-log",
    ]


def test_hidden_command_is_not_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "__complete" not in capsys.readouterr().out
    assert "__complete" not in build_parser().format_help()


def test_subcommands_of_a_resource(cli) -> None:
    node = complete(cli, "node", "")
    assert {"list", "get", "create", "update", "delete"} <= set(node)
    assert "upload" not in node and "download" not in node and "command" not in node
    assert "upload" in complete(cli, "bucket", "")
    assert "download" in complete(cli, "bucket-file", "")
    assert {"command", "build-start"} <= set(complete(cli, "analysis", ""))
    assert complete(cli, "master-image", "sy") == ["sync"]


def test_options_are_those_of_the_subcommand(cli) -> None:
    listing = complete(cli, "node", "list", "--")
    assert {"--filter", "--exclude", "--order", "--limit", "--offset", "--json"} <= set(listing)
    assert {"--include", "--fields", "--url", "--hub-version"} <= set(listing)
    assert "--to" not in listing and "--prefix" not in listing and "--no-check" not in listing

    getting = complete(cli, "node", "get", "--")
    assert {"--include", "--fields", "--json"} <= set(getting)
    assert not {"--filter", "--order", "--limit", "--offset", "--exclude"} & set(getting)

    assert complete(cli, "bucket-file", "download", "x", "--t") == ["--token", "--to"]
    assert "--no-check" in complete(cli, "login", "--")
    assert "--no-check" not in complete(cli, "logout", "--")


def test_options_given_once_are_not_offered_again(cli) -> None:
    offered = complete(cli, "node", "list", "--limit", "3", "--filter", "name=a", "--")
    assert "--limit" not in offered and "--json" in offered
    assert "--filter" in offered  # repeatable


def test_choices_of_arguments(cli) -> None:
    assert complete(cli, "completion", "") == ["bash", "zsh"]
    assert complete(cli, "completion", "z") == ["zsh"]


# -- resource vocabulary --------------------------------------------------------------


def test_filter_offers_lookups_of_filterable_fields_only(cli) -> None:
    offered = complete(cli, "node", "list", "--filter", "")
    assert {"name=", "name__startswith=", "name__in=", "realm_id=", "realm_id__isnull="} <= set(
        offered
    )
    assert {"hidden=", "online=", "client_id="} <= set(offered)  # client_id: current Hubs
    # public_key, created_at and type are fields of Node, but not filterable
    assert not [word for word in offered if word.startswith(("public_key", "created_at", "type"))]
    # text lookups need a text field, ranges no boolean
    assert "hidden__startswith=" not in offered and "hidden__gt=" not in offered
    assert "realm_id__startswith=" not in offered
    assert set(complete(cli, "node", "list", "--exclude", "realm")) == REALM_ID_KEYS


def test_filter_values_of_booleans(cli) -> None:
    assert complete(cli, "node", "list", "--filter", "hidden=") == ["hidden=true", "hidden=false"]
    assert complete(cli, "node", "list", "--filter", "name__isnull=f") == ["name__isnull=false"]
    assert complete(cli, "node", "list", "--filter", "public_key=") == []
    assert complete(cli, "node", "list", "--filter=name__sta") == ["--filter=name__startswith="]


def test_hub_generation_narrows_the_filters(cli, monkeypatch, config_home: Path) -> None:
    assert "client_id=" in complete(cli, "node", "list", "--filter", "c")
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.8.13")
    assert complete(cli, "node", "list", "--filter", "client") == []
    assert "robot_id=" in complete(cli, "node", "list", "--filter", "r")
    # a --hub-version on the line wins over the environment
    assert "client_id=" in complete(
        cli, "node", "list", "--hub-version", "0.14.0", "--filter", "client"
    )
    monkeypatch.delenv("FLAMEHUB_HUB_VERSION")
    stored = config_home / "flamehub" / "config.json"
    stored.parent.mkdir(parents=True)
    stored.write_text(json.dumps({"url": "http://hub", "hub_version": "0.8.13"}))
    assert complete(cli, "node", "list", "--filter", "client") == []


def test_order_offers_sort_keys_and_descending_forms(cli) -> None:
    offered = complete(cli, "node", "list", "--order", "")
    assert set(offered) == {
        "created_at",
        "-created_at",
        "name",
        "-name",
        "updated_at",
        "-updated_at",
    }
    assert "hidden" not in offered and "-realm_id" not in offered  # not sortable
    assert complete(cli, "node", "list", "--order", "-") == ["-created_at", "-name", "-updated_at"]
    assert complete(cli, "node", "list", "--order", "name,-") == [
        "name,-created_at",
        "name,-updated_at",
    ]
    assert complete(cli, "node", "list", "--order=-u") == ["--order=-updated_at"]


def test_includes_and_fields(cli) -> None:
    # every relation: forward ones and related managers (relations, #13)
    assert complete(cli, "node", "list", "--include", "") == [
        "analyses", "client", "projects", "realm", "registry", "registry_project", "robot"
    ]  # fmt: skip
    assert complete(cli, "node", "get", "x", "--include", "registry_p") == ["registry_project"]
    fields = complete(cli, "node", "list", "--fields", "name,")
    assert "name,realm_id" in fields and "name,created_at" in fields
    assert "name,name" not in fields and "name,registry" not in fields  # a relation


def test_create_and_update_offer_writable_fields(cli) -> None:
    created = complete(cli, "node", "create", "name=a", "")
    assert {"realm_id=", "type=", "hidden="} <= set(created)
    assert "name=" not in created and "online=" not in created and "id=" not in created
    updated = complete(cli, "node", "update", "x", "")
    assert "name=" in updated and "realm_id=" not in updated  # realm_id is create-only
    assert set(complete(cli, "node", "create", "type=")) == {
        f"type={member.value}" for member in NodeType
    }
    assert meta_of(Node).fields["type"].kind == "enum"


# -- actions --------------------------------------------------------------------------


def test_analysis_command_names(cli, monkeypatch) -> None:
    offered = complete(cli, "analysis", "command", "6f0e", "")
    assert {"buildStart", "buildCheck", "configurationLock", "spinUp"} <= set(offered)
    assert "name=" not in offered and "using=" not in offered
    assert complete(cli, "analysis", "command", "6f0e", "build") == [
        "buildStart",
        "buildCheck",
        "buildStop",
        "buildStatus",
    ]
    assert complete(cli, "analysis", "command", "") == []  # the id: no Hub, no guess
    assert complete(cli, "analysis", "command", "6f0e", "buildStart", "") == []
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.14.0")
    current = complete(cli, "analysis", "command", "6f0e", "")
    assert "distributionStart" in current and "spinUp" not in current
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.8.13")
    assert "spinUp" in complete(cli, "analysis", "command", "6f0e", "")


def test_action_keyword_arguments(cli) -> None:
    assert complete(cli, "project-node", "approve", "1c2d", "") == ["comment="]
    assert complete(cli, "project-node", "approve", "1c2d", "comment=ok", "") == []
    assert complete(cli, "analysis", "build-start", "6f0e", "") == []


def test_paths_fall_back_to_files(cli) -> None:
    assert complete(cli, "bucket", "upload", "b1", "") == [":files"]
    assert complete(cli, "bucket", "upload", "b1", "a.txt", "re") == [":files"]
    assert complete(cli, "bucket", "upload", "b1", "a.txt", "--prefix", "") == []
    assert complete(cli, "bucket-file", "download", "f1", "--to", "") == [":files"]
    assert complete(cli, "bucket-file", "download", "f1", "--to=d") == [":files"]
    assert complete(cli, "bucket-file", "download", "") == []  # an id, not a file


def test_zsh_gets_the_same_candidates(cli) -> None:
    assert complete(cli, "node", "list", "--or", shell="zsh") == ["--order"]


@pytest.mark.parametrize(
    "argv", [[], ["fish", "1", "flamehub"], ["bash", "x", "flamehub"], ["bash"]]
)
def test_malformed_requests_exit_2(cli, argv: list[str]) -> None:
    result = cli("__complete", *argv)
    assert result.code == 2 and "usage: flamehub __complete" in result.err


def test_unknown_words_offer_nothing(cli) -> None:
    assert complete(cli, "no-such", "") == []
    assert complete(cli, "node", "list", "--bogus=") == []
    assert cli("__complete", "bash", "9", "flamehub", "node").out == ""
    # cword just past the words: an empty word after them
    assert "list" in cli("__complete", "bash", "2", "flamehub", "node").out.splitlines()


# -- the scripts in a real shell ------------------------------------------------------


def _flamehub_dir() -> str:
    script = shutil.which("flamehub") or str(Path(sys.executable).with_name("flamehub"))
    if not Path(script).exists():
        pytest.skip("the flamehub console script is not installed")
    return str(Path(script).parent)


def _script(cli, shell: str, tmp_path: Path) -> Path:
    result = cli("completion", shell)
    assert result.code == 0
    path = tmp_path / f"flamehub.{shell}"
    path.write_text(result.out)
    return path


def test_bash_script_is_valid(cli, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    path = _script(cli, "bash", tmp_path)
    checked = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_zsh_script_is_valid(cli, tmp_path: Path) -> None:
    zsh = shutil.which("zsh")
    if zsh is None:
        pytest.skip("zsh is not installed: the zsh script cannot be checked here")
    path = _script(cli, "zsh", tmp_path)
    checked = subprocess.run([zsh, "-n", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


_BASH_DRIVER = """\
source "$1"
shift
# each case: the line, then the words as bash's readline splits them (at '=' too)
run() {
    COMP_LINE="$1"
    COMP_POINT=${#COMP_LINE}
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _flamehub_complete
    printf '%s\\n' "${COMPREPLY[*]}"
}
run "flamehub node list --" flamehub node list --
run "flamehub node get --" flamehub node get --
run "flamehub node list --filter name__st" flamehub node list --filter name__st
run "flamehub node list --filter=realm" flamehub node list --filter = realm
run "flamehub node list --filter hidden=" flamehub node list --filter hidden =
run "flamehub analysis command 6f0e build" flamehub analysis command 6f0e build
run "flamehub bucket upload b1 da" flamehub bucket upload b1 da
run "flamehub nod" flamehub nod
"""


def test_bash_round_trip_through_the_installed_command(tmp_path: Path, cli) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    script = _script(cli, "bash", tmp_path)
    driver = tmp_path / "driver.sh"
    driver.write_text(_BASH_DRIVER)
    work = tmp_path / "work"
    work.mkdir()
    (work / "data.csv").write_text("a\n")
    (work / "notes.txt").write_text("b\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["PATH"] = _flamehub_dir() + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [bash, str(driver), str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8, result.stdout + result.stderr
    listing, getting = lines[0].split(), lines[1].split()
    assert {"--filter", "--order", "--limit", "--json"} <= set(listing)
    assert "--filter" not in getting and "--limit" not in getting and "--include" in getting
    assert lines[2].split() == ["name__startswith="]
    # after '=' bash replaces only the part behind it: the candidates lose '--filter='
    assert set(lines[3].split()) == REALM_ID_KEYS
    assert lines[4].split() == ["true", "false"]
    assert lines[5].split() == ["buildStart", "buildCheck", "buildStop", "buildStatus"]
    assert lines[6].split() == ["data.csv"]
    assert lines[7].split() == ["node"]
