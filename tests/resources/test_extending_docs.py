"""docs/extending.rst runs: its example declares a resource with actions and uses them
against the local Hub (issue #16, item 9).

The page's code blocks run in order as the body of one fresh module, as they would in an
application's own module; what they print is checked here.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from flamehub.resources.base import REGISTRY, action_spec, registry_key

PAGE = Path(__file__).resolve().parents[2] / "docs" / "extending.rst"
#: The name of the module the page's code runs as.
MODULE = "flamehub_docs_extending"


def code_blocks(text: str) -> list[str]:
    """The ``.. code-block:: python`` blocks of an rst page, dedented."""
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text, re.M):
        lines = match.group(1).splitlines()
        blocks.append("\n".join(line[3:] for line in lines))
    return blocks


@pytest.fixture
def page_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType(MODULE)
    sys.modules[MODULE] = module
    try:
        yield module
    finally:
        del sys.modules[MODULE]
        for key in [key for key in REGISTRY if key.startswith(MODULE + ".")]:
            del REGISTRY[key]


def test_the_page_is_in_the_toctree() -> None:
    index = (PAGE.parent / "index.rst").read_text(encoding="utf-8")
    assert re.search(r"^   extending$", index, re.M)


def test_the_example_runs_against_the_local_hub(page_module: types.ModuleType) -> None:
    blocks = code_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) == 2
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile("\n".join(blocks), str(PAGE), "exec"), page_module.__dict__)
    site = page_module.Site
    assert REGISTRY[registry_key(site)] is site
    assert action_spec(site.hide) is not None and action_spec(site.credentials) is not None
    credentials_line, refusal = printed.getvalue().splitlines()
    assert credentials_line.startswith("ClientCredentials(id=UUID(")
    assert "secret='<hidden>'" in credentials_line
    assert refusal.startswith("Site.credentials() does not exist on Hub 0.8.13")
