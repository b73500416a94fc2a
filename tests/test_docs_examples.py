"""Every code block of README.md and docs/*.rst runs, on a local Hub of both generations
(issue #17, item 6), so that a documentation example cannot drift from the code.

The conventions (also in tests/README.md, "The documentation examples"):

- The blocks of one page run in order in one namespace, like a doctest session: a fresh
  module per page and generation, with ``local`` (the module's :class:`LocalHub` of that
  generation, reset before the page) and ``hub`` (a :class:`flamehub.Hub` logged in as the
  seeded ``admin`` / ``start123`` on it, also made the default with ``flamehub.connect``).
  Nothing else is pre-imported: a page imports what it uses. ``http://localhost:3000``
  (the URL the docs use for a Hub of your own) is replaced by ``local.url`` before a
  block runs. The page runs in an empty temporary directory as its working directory.
- A marker right before a block (an RST comment ``.. flamehub-docs: <kind> -- <reason>``,
  in Markdown an HTML comment ``<!-- flamehub-docs: <kind> -- <reason> -->``) says
  ``legacy-only`` (runs on Hub 0.8.13 only), ``current-only`` (on 0.14.0 only) or
  ``not-run`` (never: a shell session, a real deployment, a fragment). The reason is
  required. A marker for a ``::`` literal block goes before the paragraph introducing it.
- ``.. flamehub-docs: setup`` followed by an indented body (in Markdown, the body inside
  the HTML comment) is code the rendered page does not show, run in the page's namespace
  where it stands: it prepares what the text presupposes (files on disk, an analysis).
- Every other block must be Python and must run: a block in another language, or one that
  raises, fails the test with the page, line and generation.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import flamehub
from flamehub import Hub, PasswordAuth
from flamehub.resources.base import REGISTRY
from flamehub.testing import LocalHub

ROOT = Path(__file__).resolve().parents[1]
#: Every page whose code blocks run: the README and the Sphinx pages.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.rst"))]
#: The Hub versions of the two API generations.
GENERATIONS = {"legacy": "0.8.13", "current": "0.14.0"}
#: The URL the docs use for "your Hub"; replaced by the local Hub's URL.
DOCS_URL = "http://localhost:3000"
#: The kinds of marker; all but ``setup`` need a reason.
KINDS = ("legacy-only", "current-only", "not-run", "setup")
#: Languages that run as Python ("" is an rst ``::`` block, highlighted as Python).
PYTHON = ("python", "python3", "py", "")

MARKER = re.compile(r"flamehub-docs:\s*(?P<kind>[\w-]+)\s*(?:--\s*(?P<reason>.*\S))?\s*$")


class DocsMarkupError(AssertionError):
    """A marker that is misspelled, lacks its reason or marks no block."""


@dataclass(frozen=True)
class Block:
    """One code block of a page: where it starts, its language, its code and its marker."""

    line: int  # 1-based line of the block's first code line
    language: str
    code: str
    kind: str | None = None  # a marker kind, or None for an unmarked block
    reason: str | None = None

    def runs_on(self, generation: str) -> bool:
        if self.kind == "not-run":
            return False
        if self.kind == "legacy-only":
            return generation == "legacy"
        if self.kind == "current-only":
            return generation == "current"
        return True


def _marker(text: str, where: str) -> tuple[str, str | None]:
    match = MARKER.fullmatch(text.strip())
    if match is None or match["kind"] not in KINDS:
        raise DocsMarkupError(
            f"{where}: unknown flamehub-docs marker {text.strip()!r}; kinds: {KINDS}"
        )
    kind, reason = match["kind"], match["reason"]
    if kind != "setup" and not reason:
        raise DocsMarkupError(
            f"{where}: marker {kind!r} needs a reason: 'flamehub-docs: {kind} -- <why>'"
        )
    return kind, reason


def _indented_body(lines: list[str], start: int, indent: int) -> tuple[int, int, str]:
    """The lines from ``start`` indented deeper than ``indent``: (first line, end, code)."""
    end = start
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    first = start
    while first < end and not lines[first].strip():
        first += 1
    return first, end, textwrap.dedent("\n".join(lines[first:end]))


def _attach(pending: tuple[str, str | None, int] | None, block: Block) -> Block:
    """``block`` with the marker that precedes it, if any."""
    if pending is None:
        return block
    kind, reason, _ = pending
    return Block(block.line, block.language, block.code, kind, reason)


def rst_blocks(text: str, name: str = "<rst>") -> list[Block]:
    """The literal and code blocks of an rst page, with their markers and setup blocks."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: tuple[str, str | None, int] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        where = f"{name}:{i + 1}"
        if stripped.startswith(".. flamehub-docs"):
            kind, reason = _marker(stripped[3:], where)
            if pending is not None:
                raise DocsMarkupError(
                    f"{name}:{pending[2]}: marker followed by another marker, not a block"
                )
            if kind == "setup":
                first, end, code = _indented_body(lines, i + 1, indent)
                if not code.strip():
                    raise DocsMarkupError(f"{where}: a setup marker needs an indented body")
                blocks.append(Block(first + 1, "python", code, "setup"))
                i = end
                continue
            pending = (kind, reason, i + 1)
            i += 1
            continue
        directive = re.fullmatch(r"\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*", stripped)
        literal = not stripped.startswith("..") and stripped.endswith("::") and stripped != "::"
        if directive or literal or stripped == "::":
            language = directive[1].lower() if directive else ""
            body_start = i + 1
            if directive:  # skip the directive's options
                while body_start < len(lines) and re.match(r"\s+:\w[\w-]*:", lines[body_start]):
                    body_start += 1
            first, end, code = _indented_body(lines, body_start, indent)
            if code.strip():
                blocks.append(_attach(pending, Block(first + 1, language, code)))
                pending = None
                i = end
                continue
        i += 1
    if pending is not None:
        raise DocsMarkupError(
            f"{name}:{pending[2]}: marker {pending[0]!r} is not followed by a code block"
        )
    return blocks


def markdown_blocks(text: str, name: str = "<md>") -> list[Block]:
    """The fenced and indented code blocks of a Markdown page, with markers and setup."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: tuple[str, str | None, int] | None = None
    previous_blank = True
    i = 0
    while i < len(lines):
        line = lines[i]
        where = f"{name}:{i + 1}"
        if line.startswith("<!--") and "flamehub-docs" in line:
            end = i
            while "-->" not in lines[end]:
                end += 1
            head = lines[i].removeprefix("<!--")
            if end == i:
                head = head.split("-->")[0]
            kind, reason = _marker(head, where)
            if pending is not None:
                raise DocsMarkupError(
                    f"{name}:{pending[2]}: marker followed by another marker, not a block"
                )
            if kind == "setup":
                code = textwrap.dedent("\n".join(lines[i + 1 : end]))
                if not code.strip():
                    raise DocsMarkupError(f"{where}: a setup comment needs a body")
                blocks.append(Block(i + 2, "python", code, "setup"))
            else:
                pending = (kind, reason, i + 1)
            i, previous_blank = end + 1, False
            continue
        fence = re.match(r"(```+|~~~+)\s*(\S*)", line)
        if fence:
            end = i + 1
            while end < len(lines) and not lines[end].startswith(fence[1]):
                end += 1
            blocks.append(
                _attach(pending, Block(i + 2, fence[2].lower(), "\n".join(lines[i + 1 : end])))
            )
            pending = None
            i, previous_blank = end + 1, False
            continue
        if previous_blank and line.startswith("    ") and line.strip() and not _in_list(lines, i):
            first, end, code = _indented_body(lines, i, 3)
            blocks.append(_attach(pending, Block(first + 1, "", code)))
            pending = None
            i, previous_blank = end, False
            continue
        previous_blank = not line.strip()
        i += 1
    if pending is not None:
        raise DocsMarkupError(
            f"{name}:{pending[2]}: marker {pending[0]!r} is not followed by a code block"
        )
    return blocks


def _in_list(lines: list[str], i: int) -> bool:
    """Whether an indented line continues a list item (then it is not a code block)."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j >= 0 and bool(re.match(r"\s*(?:[-*+]|\d+\.)\s", lines[j]))


def page_blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    name = str(page.relative_to(ROOT))
    return markdown_blocks(text, name) if page.suffix == ".md" else rst_blocks(text, name)


def run_blocks(
    blocks: list[Block], name: str, generation: str, namespace: dict[str, object], url: str
) -> int:
    """Run the blocks meant for ``generation`` in ``namespace``; the number that ran."""
    ran = 0
    for block in blocks:
        if not block.runs_on(generation):
            continue
        if block.language not in PYTHON:
            raise AssertionError(
                f"{name}:{block.line}: a {block.language!r} block is not Python and has no marker; "
                "mark it '.. flamehub-docs: not-run -- <why>' (Markdown: an HTML comment)"
            )
        source = "\n" * (block.line - 1) + block.code.replace(DOCS_URL, url)
        try:
            exec(compile(source, name, "exec"), namespace)
        except Exception as error:
            trace = "".join(traceback.format_exception(error)[-6:])
            raise AssertionError(
                f"{name}:{block.line} fails on the {generation} Hub ({GENERATIONS[generation]}); "
                f"fix it or mark it (see tests/README.md):\n{trace}"
            ) from error
        ran += 1
    return ran


@pytest.fixture(scope="module", params=list(GENERATIONS))
def generation_hub(request: pytest.FixtureRequest) -> Iterator[tuple[str, LocalHub]]:
    with LocalHub(version=GENERATIONS[request.param]) as local:
        yield request.param, local


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_code_block_runs(
    page: Path,
    generation_hub: tuple[str, LocalHub],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generation, local = generation_hub
    blocks = page_blocks(page)
    local.reset()
    stem = re.sub(r"\W", "_", page.stem)
    module_name = f"flamehub_docs_{stem}_{generation}"
    module = types.ModuleType(module_name)
    monkeypatch.setitem(sys.modules, module_name, module)
    monkeypatch.chdir(tmp_path)
    for variable in [key for key in os.environ if key.startswith("FLAMEHUB_")]:
        monkeypatch.delenv(variable)
    hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
    previous = flamehub.connect(hub)
    module.__dict__.update(local=local, hub=hub)
    try:
        run_blocks(blocks, str(page.relative_to(ROOT)), generation, module.__dict__, local.url)
    finally:
        flamehub.connect(previous)
        hub.close()
        for key in [key for key in REGISTRY if key.startswith(module_name + ".")]:
            del REGISTRY[key]


def test_every_docs_page_is_in_the_toctree() -> None:
    index = (ROOT / "docs" / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   ([\w-]+)$", index, re.M))
    pages = {page.stem for page in PAGES if page.suffix == ".rst"} - {"index"}
    assert pages - listed == set()


def test_extending_page_declares_a_resource_and_uses_its_actions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/extending.rst starts its own local Hubs (issue #16, item 9); what it prints."""
    from flamehub.resources.base import action_spec, registry_key

    page = ROOT / "docs" / "extending.rst"
    module = types.ModuleType("flamehub_docs_extending_check")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    try:
        assert (
            run_blocks(
                page_blocks(page), "docs/extending.rst", "current", module.__dict__, DOCS_URL
            )
            == 2
        )
        site = module.__dict__["Site"]
        assert action_spec(site.hide) is not None and action_spec(site.credentials) is not None
        assert REGISTRY[registry_key(site)] is site
    finally:
        for key in [key for key in REGISTRY if key.startswith(module.__name__ + ".")]:
            del REGISTRY[key]
    credentials_line, refusal = capsys.readouterr().out.splitlines()
    assert credentials_line.startswith("ClientCredentials(id=UUID(")
    assert "secret='<hidden>'" in credentials_line
    assert refusal.startswith("Site.credentials() does not exist on Hub 0.8.13")


# -- the conventions themselves -------------------------------------------------------------

RST_SAMPLE = """\
Title
=====

.. code-block:: python

   x = 1

.. flamehub-docs: legacy-only -- only there

.. code-block:: python

   x += 10

.. flamehub-docs: setup

   x += 100

.. flamehub-docs: not-run -- a shell

Text::

    $ not python

.. flamehub-docs: current-only -- only there

::

    x += 1000
"""


def test_rst_blocks_markers_and_setup_are_read_in_order() -> None:
    blocks = rst_blocks(RST_SAMPLE)
    assert [(b.line, b.language, b.code, b.kind, b.reason) for b in blocks] == [
        (6, "python", "x = 1", None, None),
        (12, "python", "x += 10", "legacy-only", "only there"),
        (16, "python", "x += 100", "setup", None),
        (22, "", "$ not python", "not-run", "a shell"),
        (28, "", "x += 1000", "current-only", "only there"),
    ]
    for generation, expected in (("legacy", 111), ("current", 1101)):
        namespace: dict[str, object] = {}
        assert run_blocks(blocks, "sample.rst", generation, namespace, DOCS_URL) == 3
        assert namespace["x"] == expected


def test_markdown_blocks_markers_and_setup_are_read_in_order() -> None:
    text = (
        "Intro:\n\n<!-- flamehub-docs: not-run -- a shell -->\n\n    pip install x\n\n"
        "<!-- flamehub-docs: setup\nurl = 'http://localhost:3000/core/'\n-->\n"
        "```python\nassert url.endswith('/core/')\n```\n\n- a list\n    continued\n"
    )
    blocks = markdown_blocks(text)
    assert [(b.line, b.language, b.kind) for b in blocks] == [
        (5, "", "not-run"),
        (8, "python", "setup"),
        (11, "python", None),
    ]
    namespace: dict[str, object] = {}
    run_blocks(blocks, "sample.md", "current", namespace, "http://127.0.0.1:1")
    assert namespace["url"] == "http://127.0.0.1:1/core/"  # the docs URL is the local Hub's


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (".. code-block:: console\n\n   $ ls\n", "'console' block is not Python and has no marker"),
        (".. code-block:: python\n\n   1 / 0\n", "sample.rst:3 fails on the current Hub"),
        (".. flamehub-docs: not-run\n\n.. code-block:: console\n\n   $ ls\n", "needs a reason"),
        (".. flamehub-docs: skip -- why\n\n::\n\n   x\n", "unknown flamehub-docs marker"),
        (".. flamehub-docs: not-run -- why\n\nNo block follows.\n", "not followed by a code block"),
    ],
)
def test_an_unmarked_block_that_does_not_run_fails(text: str, message: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_blocks(rst_blocks(text, "sample.rst"), "sample.rst", "current", {}, DOCS_URL)
