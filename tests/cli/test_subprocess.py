"""The real entry points in child processes: ``flamehub``, ``python -m flamehub.cli``, serve."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flamehub import Hub, PasswordAuth
from flamehub._version import __version__
from flamehub.models import Realm

#: How long a child process may take.
TIMEOUT = 60


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env.update(extra)
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False
    )


def test_python_m_flamehub_cli_lists(local, tmp_path: Path) -> None:
    env = _env(
        tmp_path, FLAMEHUB_URL=local.url, FLAMEHUB_USERNAME="admin", FLAMEHUB_PASSWORD="start123"
    )
    result = _run([sys.executable, "-m", "flamehub.cli", "realm", "list", "--json"], env)
    assert result.returncode == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == ["master"]


def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    script = shutil.which("flamehub") or str(Path(sys.executable).with_name("flamehub"))
    env = _env(tmp_path, FLAMEHUB_URL="http://127.0.0.1:9", FLAMEHUB_HUB_VERSION="0.14.0")
    result = _run([script, "node", "list", "--password", "s3cret-pw", "--username", "u"], env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr
    usage = _run([script, "bogus"], env)
    assert usage.returncode == 2
    version = _run([script, "--version"], env)
    assert (version.returncode, version.stdout) == (0, f"flamehub {__version__}\n")


def test_serve_runs_until_terminated(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "flamehub.cli", "serve", "--hub-version", "0.8.13"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"Local FLAME Hub 0\.8\.13 running at (\S+)", first)
        assert match, first
        assert match.group(1).startswith("http://127.0.0.1:")  # loopback unless --host says
        credentials = [process.stdout.readline() for _ in range(2)]
        assert "admin" in credentials[0]
        with Hub(match.group(1), auth=PasswordAuth("admin", "start123")) as hub:
            assert Realm.objects.using(hub).get(name="master").name == "master"
            assert hub.version == "0.8.13"
    finally:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + TIMEOUT
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    assert code == 0, process.stderr.read() if process.stderr else ""


@pytest.fixture(scope="module")
def local():
    from flamehub.testing import LocalHub

    with LocalHub(version="0.14.0") as started:
        yield started


def test_quickstart_subcommand(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "flamehub.cli", "quickstart", "--hub-version", "0.8.13"]
    result = _run(argv, _env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "1. Hub version 0.8.13" in result.stdout
    assert "6. Downloaded it back: 65536 bytes, identical" in result.stdout
    assert "7. Cleaned up 3 objects" in result.stdout
