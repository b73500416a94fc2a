"""The ``flamehub`` command on a shared machine, against hostile servers (#12)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flamehub import errors
from flamehub.cli import EXIT_TERMINATED
from flamehub.testing import LocalHub
from tests.cli.conftest import ADMIN_PASSWORD
from tests.cli.test_config_and_errors import _Terminal
from tests.security.conftest import HOSTILE_VERSION, Answer, HostileServer, json_answer

#: What a hostile Hub puts in names: a clipboard write (OSC 52), a title change, a CSI.
ESCAPES = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b]0;pwned\x07\x9b2J"
HOSTILE_NAME = f"report{ESCAPES}.txt"


@pytest.fixture(scope="module")
def local() -> Iterator[LocalHub]:
    with LocalHub(version="0.14.0") as started:
        yield started


@pytest.fixture
def hostile_env(hostile: HostileServer, config_home: Path, monkeypatch) -> HostileServer:
    """``FLAMEHUB_*`` pointing at the hostile server, with a token of its own."""
    monkeypatch.setenv("FLAMEHUB_TOKEN", "t")
    monkeypatch.setenv("FLAMEHUB_URL", hostile.url)
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", HOSTILE_VERSION)
    return hostile


def assert_no_raw_controls(text: str) -> None:
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text), text


# -- item 1: saved credentials stay with their Hub ----------------------------------------


def test_stored_password_never_reaches_another_url(
    cli, local: LocalHub, hostile: HostileServer, config_home: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    assert cli("login", "--url", local.url, "--username", "admin").code == 0
    monkeypatch.delenv("FLAMEHUB_PASSWORD")

    by_flag = cli("node", "list", "--url", hostile.url, "--hub-version", HOSTILE_VERSION)
    monkeypatch.setenv("FLAMEHUB_URL", hostile.url)
    by_env = cli("node", "list", "--hub-version", HOSTILE_VERSION)
    monkeypatch.delenv("FLAMEHUB_URL")

    assert by_flag.code == by_env.code == 1  # B needs its own login
    assert hostile.seen, "the commands did reach B"
    assert not [r for r in hostile.seen if r.path.endswith("/token")]
    assert not [r for r in hostile.seen if ADMIN_PASSWORD in r.text()]
    assert not [r for r in hostile.seen if "authorization" in {k.lower() for k in r.headers}]
    # A's login still works for A
    assert cli("realm", "list", "--json").code == 0


def test_each_hub_gets_only_its_own_stored_secret(
    cli, local: LocalHub, hostile: HostileServer, config_home: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    assert cli("login", "--url", local.url, "--username", "admin").code == 0
    monkeypatch.setenv("FLAMEHUB_PASSWORD", "b-only-secret")
    assert cli("login", "--url", hostile.url, "--username", "bob", "--no-check").code == 0
    monkeypatch.delenv("FLAMEHUB_PASSWORD")

    cli("node", "list", "--url", hostile.url, "--hub-version", HOSTILE_VERSION)
    token_requests = [r for r in hostile.seen if r.path == "/auth/token"]
    assert token_requests and all("b-only-secret" in r.text() for r in token_requests)
    assert not [r for r in hostile.seen if ADMIN_PASSWORD in r.text()]
    listed = cli("realm", "list", "--url", local.url + "/", "--json")  # A: A's password
    assert listed.code == 0, listed.err
    stored = json.loads((config_home / "flamehub" / "config.json").read_text())
    assert (stored["url"], stored["password"]) == (hostile.url, "b-only-secret")
    assert stored["hubs"] == {local.url: {"username": "admin", "password": ADMIN_PASSWORD}}


# -- item 9: the config file on a shared machine ----------------------------------------


def test_planted_symlinks_are_not_followed(
    cli, local: LocalHub, config_home: Path, tmp_path: Path, monkeypatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text('{"precious": true}\n')
    directory = config_home / "flamehub"
    directory.mkdir(parents=True)
    (directory / "config.json.tmp").symlink_to(victim)  # the old fixed temporary name
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    result = cli("login", "--url", local.url, "--username", "admin")
    assert result.code == 0, result.err
    assert victim.read_text() == '{"precious": true}\n'

    (directory / "config.json").unlink()
    (directory / "config.json").symlink_to(victim)  # the file itself planted as a link
    assert cli("login", "--url", local.url, "--username", "admin").code == 0
    assert victim.read_text() == '{"precious": true}\n'
    config = directory / "config.json"
    assert not config.is_symlink() and stat.S_IMODE(config.stat().st_mode) == 0o600
    assert ADMIN_PASSWORD not in victim.read_text()


def test_too_open_config_directory_is_tightened(
    cli, local: LocalHub, config_home: Path, monkeypatch
) -> None:
    directory = config_home / "flamehub"
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    assert cli("login", "--url", local.url, "--username", "admin").code == 0
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_config_directory_of_another_user_is_refused(
    cli, local: LocalHub, config_home: Path, monkeypatch
) -> None:
    directory = config_home / "flamehub"
    directory.mkdir(parents=True)
    os.chown(directory, 54321, 54321)
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    result = cli("login", "--url", local.url, "--username", "admin")
    assert result.code == 1 and "another user" in result.err
    assert list(directory.iterdir()) == []


# -- item 7: terminal escapes in Hub data --------------------------------------------------


def hostile_bucket_file(hostile: HostileServer, name: str = HOSTILE_NAME) -> str:
    file_id = str(uuid.uuid4())
    record = {
        "id": file_id,
        "name": name,
        "path": name,
        "directory": ".",
        "size": 5,
        "hash": "x",
        "createdAt": "2026-12-04T10:00:00.000Z",
        "updatedAt": "2026-12-04T10:00:00.000Z",
        "bucketId": str(uuid.uuid4()),
        "realmId": str(uuid.uuid4()),
    }
    hostile.routes[f"/storage/bucket-files/{file_id}"] = json_answer({"data": record})
    hostile.routes["/storage/bucket-files"] = json_answer(
        {"data": [record], "meta": {"total": 1, "limit": 50, "offset": 0}}
    )
    hostile.routes[f"/storage/bucket-files/{file_id}/stream"] = Answer(b"hello")
    return file_id


def test_escapes_in_hub_data_never_reach_the_terminal(
    cli, hostile_env: HostileServer, tmp_path: Path, monkeypatch
) -> None:
    hostile = hostile_env
    file_id = hostile_bucket_file(hostile)
    runs = [
        cli("bucket-file", "list"),
        cli("bucket-file", "list", "--fields", "name,path"),
        cli("bucket-file", "get", file_id),
        cli("bucket-file", "download", file_id, "--to", f"{tmp_path / 'down'}/"),
    ]
    for run in runs[:3]:
        assert run.code == 0, run.err
        assert_no_raw_controls(run.out + run.err)
        assert "\\x1b]52;c;" in run.out  # shown, escaped
    assert runs[3].code == 0, runs[3].err
    assert_no_raw_controls(runs[3].out)
    assert "report_]52;c;" in runs[3].out  # the name on disk has them replaced
    [written] = (tmp_path / "down").iterdir()
    assert_no_raw_controls(written.name)
    assert written.read_bytes() == b"hello"
    json_run = cli("bucket-file", "get", file_id, "--json")
    assert_no_raw_controls(json_run.out)
    assert json.loads(json_run.out)["name"] == HOSTILE_NAME  # JSON keeps the data, escaped


def test_escapes_in_hub_error_messages_are_escaped(
    cli, hostile: HostileServer, config_home: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FLAMEHUB_TOKEN", "t")
    hostile.routes["/core/nodes"] = json_answer(
        {"statusCode": 400, "code": "bad", "message": f"no{ESCAPES}pe"}, status=400
    )
    result = cli("node", "list", "--url", hostile.url, "--hub-version", HOSTILE_VERSION)
    assert result.code == 1
    assert result.err.startswith("error: ") and "\\x1b" in result.err
    assert_no_raw_controls(result.err)


# -- item 8: the password typed at the prompt is masked ------------------------------------


def test_typed_password_is_masked_in_errors(
    cli, hostile: HostileServer, config_home: Path, monkeypatch
) -> None:
    import flamehub.cli as cli_module

    typed = "tpw-551"  # under the suite's secret-watch length: the echo here is the attack
    hostile.routes["/auth/token"] = json_answer(
        {"statusCode": 400, "code": "invalid_grant", "message": f"password {typed} is wrong"},
        status=400,
    )
    monkeypatch.setattr(cli_module.sys, "stdin", _Terminal())
    monkeypatch.setattr(cli_module.getpass, "getpass", lambda prompt: typed)
    result = cli(
        "login", "--url", hostile.url, "--username", "admin", "--hub-version", HOSTILE_VERSION
    )
    assert result.code == 1
    assert [r for r in hostile.seen if typed in r.text()], "the attack: the Hub echoes it"
    assert typed not in result.err and errors.SECRET_MARKER in result.err


# -- item 10: SIGTERM removes the partial download -----------------------------------------


def test_sigterm_during_download_leaves_no_part_file(
    hostile: HostileServer, config_home: Path, tmp_path: Path
) -> None:
    file_id = hostile_bucket_file(hostile, name="big.bin")
    stop = time.monotonic() + 30

    def drip() -> Iterator[bytes]:
        yield b"x" * 65536
        while time.monotonic() < stop:
            time.sleep(0.05)
            yield b"x"

    hostile.routes[f"/storage/bucket-files/{file_id}/stream"] = Answer(
        pieces=drip, headers={"Content-Length": str(10**9)}
    )
    record = json.loads(hostile.routes[f"/storage/bucket-files/{file_id}"].body)
    record["data"]["size"] = 10**9
    hostile.routes[f"/storage/bucket-files/{file_id}"] = json_answer(record)
    target = tmp_path / "down"
    target.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    env.update(
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        FLAMEHUB_TOKEN="t",
        XDG_CONFIG_HOME=str(config_home),
    )
    command = [sys.executable, "-m", "flamehub.cli", "bucket-file", "download", file_id]
    command += ["--url", hostile.url, "--hub-version", HOSTILE_VERSION, "--to", str(target)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not list(target.glob("*.part")) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        assert list(target.glob("*.part")), "the download never started"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    stop = time.monotonic()
    assert process.returncode == EXIT_TERMINATED, err
    assert list(target.iterdir()) == []


# -- item 5: the default --to . follows the same rules --------------------------------------


def test_default_download_into_the_working_directory_replaces_nothing(
    cli, hostile_env: HostileServer, tmp_path: Path, monkeypatch
) -> None:
    hostile = hostile_env
    file_id = hostile_bucket_file(hostile, name=".bashrc")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# mine\n")
    monkeypatch.chdir(home)
    refused = cli("bucket-file", "download", file_id)
    assert refused.code == 1
    assert ".bashrc" in refused.err and "--overwrite" in refused.err
    assert (home / ".bashrc").read_text() == "# mine\n" and sorted(os.listdir(home)) == [".bashrc"]
    assert not [r for r in hostile.seen if r.path.endswith("/stream")]

    replaced = cli("bucket-file", "download", file_id, "--overwrite")
    assert replaced.code == 0, replaced.err
    assert (home / ".bashrc").read_bytes() == b"hello"

    hooks = tmp_path / "repo" / ".git" / "hooks"
    hooks.mkdir(parents=True)
    monkeypatch.chdir(hooks)
    planted = cli("bucket-file", "download", file_id, "--overwrite")
    assert planted.code == 1 and ".git" in planted.err
    assert os.listdir(hooks) == []
