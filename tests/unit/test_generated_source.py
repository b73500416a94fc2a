"""Generated loader code is registered in ``linecache`` (#16.7), so tracebacks through
it and ``inspect.getsource`` show the source instead of nothing."""

from __future__ import annotations

import inspect
import traceback

import pytest

from flamehub.dialects import Dialect
from flamehub.models import Node
from flamehub.resources.convert import converter_for
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION


@pytest.mark.parametrize("version", [LEGACY_VERSION, CURRENT_VERSION])
def test_generated_loader_source_is_shown(version: str) -> None:
    converter = converter_for(Dialect.for_version(version))
    converter.loader_for(Node)
    load = converter._loaders[Node]  # the generated function itself (tests may wrap loader_for)
    assert "def load(row, hub):" in inspect.getsource(load)
    with pytest.raises(AttributeError) as caught:
        load(None, None)  # type: ignore[arg-type]  # not a row: fails on its first line
    text = "".join(traceback.format_exception(caught.value))
    assert "get = row.get" in text and "<flamehub structure flamehub." in text
