"""The query engine: Q objects, lookups and QuerySets."""

from .q import Q
from .queryset import Manager, QuerySet

__all__ = ["Manager", "Q", "QuerySet"]
