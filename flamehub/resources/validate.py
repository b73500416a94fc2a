"""Local checks of the values a create or an update sends, before any request.

The counterpart of the filter checks in :mod:`flamehub.query.lookups` for writes:
a value that does not fit its field's declared type (a string for a boolean, a word
that is not one of an enum's values, text that is not an id) raises
:class:`~flamehub.QueryError` naming the field, the value and what it accepts,
instead of reaching the Hub (which may store it, coerce it or answer with a bare 400).

Example::

    check_value("Node", meta_of(Node).fields["hidden"], "yes")
    # QueryError: Node.hidden is a boolean: set it to True or False, not 'yes'
    check_value("Node", meta_of(Node).fields["type"], "supercomputer")
    # QueryError: Node.type is one of: aggregator, default; not 'supercomputer' ...
"""

from __future__ import annotations

import enum
import math
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import QueryError

if TYPE_CHECKING:  # a type only, so that base.py may import this module
    from .base import FieldSpec

__all__ = ["check_value"]


def check_value(model: str, spec: FieldSpec, value: Any) -> None:
    """Raise :class:`~flamehub.QueryError` unless ``value`` fits the field ``spec`` of the
    resource called ``model``.

    ``None`` always fits (it clears the field; a create still needs its required
    fields). Fields of kind ``json`` (lists, objects) are not checked.

    Example::

        check_value("Node", meta_of(Node).fields["type"], NodeType.AGGREGATOR)   # fine
        check_value("Node", meta_of(Node).fields["realm_id"], "master")
        # QueryError: Node.realm_id holds ids: 'master' is not a UUID
    """
    if value is None:
        return
    where = f"{model}.{spec.name}"
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise QueryError(f"{where} is a boolean: set it to True or False, not {value!r}")
    elif isinstance(value, bool) and kind != "json":
        raise QueryError(f"{where} is not a boolean; {value!r} does not fit it ({kind})")
    elif kind == "enum":
        _check_enum(where, spec.type, value)
    elif kind == "uuid":
        from .base import Resource

        raw = value.pk if isinstance(value, Resource) else value
        if isinstance(raw, uuid.UUID):
            return
        try:
            uuid.UUID(str(raw))
        except ValueError:
            raise QueryError(f"{where} holds ids: {value!r} is not a UUID") from None
    elif kind == "int":
        if not isinstance(value, int):
            raise QueryError(f"{where} is an integer, not {type(value).__name__} {value!r}")
        from ..query.compiler import MAX_SAFE_INTEGER  # (the query package imports this one)

        if abs(value) > MAX_SAFE_INTEGER:
            raise QueryError(
                f"{where}={value!r}: the Hub reads numbers as JavaScript doubles, which "
                f"cannot hold this integer exactly (limit {MAX_SAFE_INTEGER})"
            )
    elif kind == "float":
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise QueryError(f"{where} is a finite number, not {value!r}")
    elif kind == "str":
        if not isinstance(value, str):
            raise QueryError(
                f"{where} is text: {type(value).__name__} {value!r} would be stored as "
                f"something else; pass a str (e.g. str(value))"
            )
    elif kind == "datetime":
        if not isinstance(value, datetime):
            raise QueryError(f"{where} is a point in time: pass a datetime, not {value!r}")
    elif kind == "date" and not isinstance(value, date):
        raise QueryError(f"{where} is a date: pass a datetime.date, not {value!r}")


def _check_enum(where: str, enum_type: Any, value: Any) -> None:
    if isinstance(enum_type, type) and isinstance(value, enum_type):
        return  # a member, or a value a Hub sent that this flamehub does not know yet
    known = {str(member.value): member for member in enum_type}
    text = value.value if isinstance(value, enum.Enum) else value
    if isinstance(text, str) and text in known:
        return
    raise QueryError(
        f"{where} is one of: {', '.join(sorted(known))}; not {value!r} "
        f"(a value this flamehub does not know can be sent as {enum_type.__name__}({text!r}))"
    )
