"""Loading wire rows into resource instances bound to the Hub they came from.

Beside :mod:`flamehub.resources.convert` (which turns one wire dict into one
instance), this module adds what a query needs around it: the dialect rows of a
model are spoken in on a Hub, the instances (and their embedded relations) are
marked as loaded from that Hub, and a row that cannot be read raises
:class:`~flamehub.InvalidResponse` instead of a cattrs error.

Example::

    node = load(Node, {"id": "...", "name": "site-a"}, hub)
    node.hub is hub      # True: node.save() and node.delete() use it
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from .. import errors
from .base import Resource, meta_of
from .convert import converter_for

if TYPE_CHECKING:
    from ..dialects import Dialect
    from ..hub import Hub

__all__ = ["dialect_of", "load", "load_rows"]

M = TypeVar("M", bound=Resource)


def dialect_of(hub: Hub, model: type[Resource]) -> Dialect:
    """The wire dialect ``hub`` speaks for ``model``: the one place queries, writes and
    loading ask for it.

    Example::

        dialect_of(hub, Node).wire_name("realm_id")     # 'realmId' on current Hubs
    """
    return hub.dialect_for(meta_of(model).service)


def load(model: type[M], row: dict[str, Any], hub: Hub | None) -> M:
    """A ``model`` instance from a wire row of ``hub``'s generation, bound to ``hub``."""
    if hub is None:
        raise errors.ConfigurationError("loading a row needs the hub it came from")
    return load_rows(model, [row], hub)[0]


def load_rows(model: type[M], rows: list[dict[str, Any]], hub: Hub) -> list[M]:
    """:func:`load` for a page of rows (the converter and its loader are looked up once)."""
    load_row = converter_for(dialect_of(hub, model)).loader_for(model)
    relations = tuple(meta_of(model).relations)
    instances = []
    for row in rows:
        try:
            instance = load_row(row, hub)  # marked as loaded from ``hub``
        except Exception as error:  # cattrs raises ExceptionGroups of many kinds
            detail = _structure_error_detail(error)
            raise errors.InvalidResponse(
                f"could not read a {model.__name__} from the Hub's answer: {detail}",
                body_preview=repr(row)[:200],
            ) from error
        values = instance.__dict__  # what the row embedded: never a relation's request
        for name in relations:
            related = values.get(name)
            if related is not None:  # (most rows embed nothing)
                _bind_relation(related, hub)
        instances.append(instance)
    return instances


def _bind(instance: Resource, hub: Hub | None) -> None:
    instance._mark_loaded(hub)
    for name in meta_of(type(instance)).relations:
        _bind_relation(instance.__dict__.get(name), hub)


def _bind_relation(related: Any, hub: Hub | None) -> None:
    for item in related if isinstance(related, list) else [related]:
        if isinstance(item, Resource):
            _bind(item, hub)


def _structure_error_detail(error: BaseException) -> str:
    exceptions = getattr(error, "exceptions", None)
    if isinstance(exceptions, (list, tuple)) and exceptions:
        parts = []
        for sub in exceptions:
            note = "; ".join(getattr(sub, "__notes__", []) or [])
            parts.append(
                f"{note}: {_structure_error_detail(sub)}" if note else _structure_error_detail(sub)
            )
        return "; ".join(parts)
    return f"{type(error).__name__}: {error}"
