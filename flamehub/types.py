"""Types of the flame-hub-client compatible facade (:mod:`flamehub.compat`).

``FilterOperator`` and the keyword shapes of ``find_*()`` keep the names
flame-hub-client scripts import from ``flame_hub.types``; ``UNSET`` marks a
field left out of an update.

Example::

    from flamehub.types import FilterOperator

    core_client.find_nodes(filter={"name": (FilterOperator.like, "site-")})
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final, Literal, TypedDict

__all__ = [
    "UNSET",
    "FieldParams",
    "FilterOperator",
    "FilterParams",
    "FindAllKwargs",
    "GetKwargs",
    "PageParams",
    "SortParams",
    "UnsetType",
]


class FilterOperator(str, enum.Enum):
    """The comparison of a ``find_*(filter={field: (operator, value)})`` entry.

    ``like`` means "starts with value" on every Hub generation (what flame-hub-client
    documented for Hub 0.8); the others are what their names say.

    Example::

        core_client.find_nodes(filter={"name": (FilterOperator.like, "site-")})
        core_client.find_analyses(filter={"created_at": (FilterOperator.ge, "2025-01-01")})
    """

    eq = "="
    neq = "!"
    like = "~"
    lt = "<"
    le = "<="
    gt = ">"
    ge = ">="


class UnsetType:
    """The type of :data:`UNSET` (a single instance exists)."""

    _instance: UnsetType | None = None

    def __new__(cls) -> UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


#: A field left out of an update (``None`` would send ``null``).
#:
#: Example::
#:
#:     core_client.update_node(node, hidden=True, external_name=UNSET)   # sends {"hidden": true}
UNSET: Final = UnsetType()


class PageParams(TypedDict, total=False):
    """``page=`` of ``find_*()``: ``{"limit": 50, "offset": 0}`` (the defaults)."""

    limit: int
    offset: int


class SortParams(TypedDict, total=False):
    """``sort=`` of ``find_*()``: ``{"by": "created_at", "order": "descending"}``."""

    by: str
    order: Literal["ascending", "descending"]


#: ``filter=`` of ``find_*()``: ``{field: value | (FilterOperator, value)}``.
FilterParams = dict[str, Any | tuple[FilterOperator, Any]]
#: ``fields=``: optional fields to add (``"account_secret"`` or several names).
FieldParams = str | Iterable[str]


class GetKwargs(TypedDict, total=False):
    """Keyword arguments of ``get_<plural>()``."""

    fields: FieldParams | None
    meta: bool


class FindAllKwargs(TypedDict, total=False):
    """Keyword arguments of ``find_<plural>()``."""

    filter: FilterParams | None
    page: PageParams | None
    sort: SortParams | None
    fields: FieldParams | None
    meta: bool
