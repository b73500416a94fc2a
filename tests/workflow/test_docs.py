"""The Python code blocks of docs/workflow.rst run, in order, and print what they say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.rst"
_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:   .*\n|\n)+)", re.MULTILINE)
#: ``print(...)   # expected`` lines: the comment is what the call prints.
_PRINTED = re.compile(r"^\s*print\(.*\)\s+#\s*(.+)$", re.MULTILINE)


def python_blocks() -> list[str]:
    text = DOC.read_text()
    blocks = []
    for match in _BLOCK.finditer(text):
        lines = match.group(1).splitlines()
        blocks.append("\n".join(line[3:] for line in lines) + "\n")
    return blocks


def test_the_page_has_its_examples() -> None:
    assert len(python_blocks()) >= 6


def test_every_python_block_runs_and_prints_what_its_comments_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "workflow_docs"}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for block in python_blocks():
                exec(compile(block, str(DOC), "exec"), namespace)  # our own docs
    finally:
        local = namespace.get("local")
        if local is not None:
            local.stop()
        worker = namespace.get("worker")
        if worker is not None:
            worker.stop()
    lines = printed.getvalue().splitlines()
    expected = [comment.strip() for block in python_blocks() for comment in _PRINTED.findall(block)]
    assert len(lines) == len(expected)
    for line, comment in zip(lines, expected, strict=True):
        if comment.startswith("..."):  # "... tail": the line ends like that
            assert line.endswith(comment[3:].strip()), (line, comment)
        else:
            assert line == comment, (line, comment)
