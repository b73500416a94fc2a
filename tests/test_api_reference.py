"""The API reference documents the names users import (#17 item 12).

The Sphinx build itself (``sphinx-build -W``) runs in CI; this checks what it is fed.
"""

from __future__ import annotations

from pathlib import Path

import flamehub.models
import flamehub.testing
from flamehub.resources.base import Resource

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_models_are_documented_under_flamehub_models() -> None:
    text = (DOCS / "api.rst").read_text()
    assert ".. automodule:: flamehub.models\n   :members:\n   :imported-members:" in text
    assert "automodule:: flamehub.resources.core" not in text  # not a second, internal name
    for name in ("LocalHub", "Fault"):
        assert f".. autoclass:: flamehub.testing.{name}" in text
        assert getattr(flamehub.testing, name).__doc__
    assert flamehub.models.Node.__module__.startswith("flamehub.resources")


def test_the_methods_of_every_resource_are_documented() -> None:
    extending = (DOCS / "extending.rst").read_text()
    assert ".. automodule:: flamehub.resources.base" in extending
    for method in ("save", "delete", "refresh"):
        assert "Example::" in (getattr(Resource, method).__doc__ or "")
