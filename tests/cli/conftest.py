"""A LocalHub per Hub version and an isolated environment for the ``flamehub`` command."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from flamehub.cli import main
from flamehub.testing import LocalHub

#: The two API generations the command is tested against.
VERSIONS = ("0.8.13", "0.14.0")
ADMIN_PASSWORD = "start123"


@attrs.define
class Result:
    """What one run of the command did."""

    code: int
    out: str
    err: str


@pytest.fixture(scope="module", params=VERSIONS, ids=["legacy", "current"])
def local(request: pytest.FixtureRequest) -> Iterator[LocalHub]:
    with LocalHub(version=request.param) as started:
        yield started


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``XDG_CONFIG_HOME`` and no ``FLAMEHUB_*`` variables."""
    for name in list(os.environ):
        if name.startswith("FLAMEHUB_"):
            monkeypatch.delenv(name)
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


@pytest.fixture
def flamehub_env(local: LocalHub, config_home: Path, monkeypatch: pytest.MonkeyPatch) -> LocalHub:
    """``FLAMEHUB_URL`` and the admin's credentials pointing at ``local``."""
    monkeypatch.setenv("FLAMEHUB_URL", local.url)
    monkeypatch.setenv("FLAMEHUB_USERNAME", "admin")
    monkeypatch.setenv("FLAMEHUB_PASSWORD", ADMIN_PASSWORD)
    return local


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``flamehub ARGS...`` in-process and return a :class:`Result`."""

    def run(*argv: str) -> Result:
        out = io.StringIO()
        code = main(list(argv), out=out)
        captured = capsys.readouterr()
        return Result(code, out.getvalue() + captured.out, captured.err)

    return run
