"""The query engine: Q objects, lookups and QuerySets.

``Q`` is light; ``QuerySet`` and ``Manager`` (which need the HTTP stack and the
resource machinery) are imported on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .q import Q

if TYPE_CHECKING:
    from .queryset import Manager, QuerySet

__all__ = ["Manager", "Q", "QuerySet"]


def __getattr__(name: str) -> Any:
    if name in ("Manager", "QuerySet"):
        value = getattr(importlib.import_module("flamehub.query.queryset"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
