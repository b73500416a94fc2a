"""The README's main job: ``python -m flamehub.quickstart``."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

import flamehub
from flamehub import Hub, PasswordAuth
from flamehub.models import Bucket, Node
from flamehub.quickstart import run
from flamehub.testing import LocalHub


@pytest.mark.parametrize("version", ["0.8.13", "0.14.0"])
def test_quickstart_runs_on_an_embedded_hub(version: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEHUB_")}
    result = subprocess.run(
        [sys.executable, "-m", "flamehub.quickstart", "--hub-version", version],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"1. Hub version {version}" in result.stdout
    assert "6. Downloaded it back: 65536 bytes, identical" in result.stdout
    assert "7. Cleaned up 3 objects" in result.stdout
    assert "start123" not in result.stdout + result.stderr


def test_quickstart_uses_a_configured_hub_and_cleans_up(monkeypatch) -> None:
    with LocalHub(version="0.14.0") as local:
        monkeypatch.setenv("FLAMEHUB_URL", local.url)
        monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
        monkeypatch.setenv("FLAMEHUB_PASSWORD", "start123")
        out = io.StringIO()
        run(out=out)
        assert f"Using the Hub at {local.url}" in out.getvalue()
        with Hub(local.url, auth=PasswordAuth("admin", "start123")) as hub:
            assert not Node.objects.using(hub).filter(name__startswith="quickstart-").exists()
            assert not Bucket.objects.using(hub).filter(name__startswith="quickstart-").exists()


def test_quickstart_reports_failures_in_one_line(monkeypatch, capsys) -> None:
    from flamehub.quickstart import main

    monkeypatch.setenv("FLAMEHUB_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", "0.14.0")
    monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
    monkeypatch.setenv("FLAMEHUB_PASSWORD", "start123")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "start123" not in err


def test_quickstart_numbers_each_step_once(capsys) -> None:
    out = io.StringIO()
    run("0.14.0", out=out)
    steps = [line.split(".")[0] for line in out.getvalue().splitlines() if line[:1].isdigit()]
    assert steps == ["1", "2", "3", "4", "5", "6", "7"]


def test_quickstart_without_credentials_names_the_missing_variable(monkeypatch) -> None:
    from flamehub.quickstart import main

    for name in list(os.environ):
        if name.startswith("FLAMEHUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FLAMEHUB_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
    out = io.StringIO()
    with pytest.raises(flamehub.ConfigurationError, match="FLAMEHUB_PASSWORD is not"):
        run(out=out)
    assert "Logged in" not in out.getvalue()
    assert main([]) == 1
