"""Compile lookups into the Hub's ``filter`` parameter, or refuse them.

Two wire forms exist (``docs/queries.rst`` has the full table):

- the **bracket** form, ``filter[name]=site-~`` (one condition per field, all
  AND-ed), which every Hub understands; and
- the **expression** form, ``filter=or(startsWith(name,'site-'),eq(hidden,'true'))``,
  which only current Hubs (>= 0.13) have.

flamehub uses the bracket form whenever it can say exactly what was asked,
the expression form when it cannot and the Hub has it, and raises
:class:`~flamehub.QueryError` otherwise. It never sends a query that would
mean something else on the server (a widened filter, a value split at a comma,
a string coerced into a number).

Example::

    >>> compile_filters(Q(name__startswith="site-"), Node, dialect_0_14)
    [('filter[name]', 'site-~')]
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from ..dialects import Dialect
from ..errors import QueryError
from ..resources.base import Capabilities, FieldSpec, Resource, ResourceMeta
from ..resources.convert import format_datetime
from .q import AND, LOOKUP_SEPARATOR, LOOKUPS, Condition, Q

#: Text lookups: they need a string field.
TEXT_LOOKUPS = frozenset({"contains", "startswith", "endswith", "like"})
#: Range lookups.
RANGE_LOOKUPS = frozenset({"gt", "gte", "lt", "lte"})
#: The names of the expression dialect's operators.
EXPRESSION_OPERATORS = {
    "exact": "eq",
    "in": "in",
    "startswith": "startsWith",
    "endswith": "endsWith",
    "contains": "contains",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
}

# A numeric-looking string survives the Hub's scalar coercion only in its canonical form.
_CANONICAL_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")
_COERCED_WORDS = frozenset({"true", "false", "null", "undefined"})
#: ``Number.MAX_SAFE_INTEGER``: the Hub (JavaScript) reads every number as a double.
MAX_SAFE_INTEGER = 2**53 - 1
#: Range lookups whose bound moves up to the next millisecond for a sub-millisecond datetime.
_CEILING_LOOKUPS = frozenset({"gte", "lt"})
#: Range lookups whose bound can be cut down to the millisecond.
_FLOOR_LOOKUPS = frozenset({"gt", "lte"})


class EmptyResult(Exception):
    """The filters can match nothing (``id__in=[]``): no request is needed."""


@attrs.frozen
class _Encoded:
    """A condition with its values as wire text."""

    condition: Condition
    spec: FieldSpec
    wire_field: str
    texts: tuple[str, ...]


def compile_filters(
    where: Q, meta: ResourceMeta, caps: Capabilities, dialect: Dialect
) -> list[tuple[str, str]]:
    """The ``filter`` query parameters of ``where``.

    Raises :class:`QueryError` for what cannot be said exactly, and
    :class:`EmptyResult` when nothing can match.
    """
    if not where:
        return []
    encoded = _encode_tree(where, meta, caps, dialect)
    folded = _fold_empty_in(where, encoded)
    if folded is False:
        raise EmptyResult(f"{where!r} matches nothing (an empty __in list)")
    if folded is True:
        return []  # e.g. exclude(id__in=[]): every row
    where = folded
    reason = _bracket_obstacle(where, encoded, dialect)
    if reason is None:
        return _bracket_params(where, encoded, dialect)
    if not dialect.expressions:
        raise QueryError(
            f"{reason}; Hub {dialect.version_string} only understands one AND-ed condition "
            "per field (current Hubs >= 0.13 can express this with their expression dialect)"
        )
    return [("codec", "url-expression"), ("filter", _expression(where, encoded))]


# -- validation and encoding ---------------------------------------------------


def _fold_empty_in(node: Q, encoded: dict[int, _Encoded]) -> Q | bool:
    """``node`` without its ``x__in=[]`` conditions (always false), or its constant value.

    ``filter(id__in=[])`` matches nothing, but ``exclude(id__in=[])`` matches every row
    and ``Q(id__in=[]) | Q(name="a")`` is just ``name="a"``.
    """
    is_and = node.connector == AND
    kept: list[Q | Condition] = []
    for child in node.children:
        if isinstance(child, Condition):
            item = encoded[id(child)]
            value: Q | Condition | bool = (
                False if item.condition.lookup == "in" and not item.texts else child
            )
        else:
            value = _fold_empty_in(child, encoded)
        if value is True or value is False:
            if value is not is_and:  # False in an AND, True in an OR decides the group
                return value != node.negated
            continue  # True in an AND, False in an OR changes nothing
        kept.append(value)
    if not kept:
        return is_and != node.negated
    if len(kept) == len(node.children) and all(
        new is old for new, old in zip(kept, node.children, strict=True)
    ):
        return node
    return Q._node(kept, node.connector, node.negated)


def _encode_tree(
    node: Q, meta: ResourceMeta, caps: Capabilities, dialect: Dialect
) -> dict[int, _Encoded]:
    encoded: dict[int, _Encoded] = {}
    for condition in node.conditions():
        encoded[id(condition)] = _encode_condition(condition, meta, caps, dialect)
    return encoded


def _encode_condition(
    condition: Condition, meta: ResourceMeta, caps: Capabilities, dialect: Dialect
) -> _Encoded:
    model = meta.model.__name__
    field, lookup, value = condition.field, condition.lookup, condition.value
    if LOOKUP_SEPARATOR in field:
        head, _, tail = field.rpartition(LOOKUP_SEPARATOR)
        if head in meta.fields:
            raise QueryError(
                f"unsupported lookup {tail!r} on {model}.{head}; the lookups are "
                f"{', '.join(sorted(LOOKUPS))}"
            )
    spec = meta.fields.get(field)
    if spec is None or spec.kind == "relation":
        raise QueryError(
            f"{model} has no field {field!r}; fields it can be filtered by on Hub "
            f"{dialect.version_string}: {_names(caps.filters)}"
        )
    if field not in caps.filters:
        raise QueryError(
            f"cannot filter {model} by {field!r}: the Hub ignores that key and would answer with "
            f"every {meta.name}; filterable fields on Hub {dialect.version_string}: "
            f"{_names(caps.filters)}"
        )
    if lookup == "exact" and value is None:
        condition = Condition(field, "isnull", True)
        lookup, value = "isnull", True
    if lookup == "like" and spec.kind not in ("str", "enum"):
        # checked before the translation: 'x' would otherwise become an exact match,
        # which on an id or number field compares values, not text
        raise QueryError(f"{model}.{field} is not a text field: like needs one")
    if lookup == "like" and dialect.rapiq2:
        condition = _translate_like(condition, model)
        lookup, value = condition.lookup, condition.value
    elif lookup == "like" and not isinstance(value, str):
        raise QueryError(f"{field}__like takes a string pattern, not {value!r}")
    if lookup in TEXT_LOOKUPS and spec.kind not in ("str", "enum"):
        raise QueryError(f"{model}.{field} is not a text field: {lookup} needs one")
    if lookup in RANGE_LOOKUPS and spec.kind == "bool":
        raise QueryError(f"{model}.{field} is a boolean: {lookup} does not apply")
    if lookup == "isnull":
        if not isinstance(value, bool):
            raise QueryError(f"{field}__isnull takes True or False, not {value!r}")
        return _Encoded(condition, spec, spec.wire(dialect), ())
    if lookup == "in":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise QueryError(f"{field}__in takes a list of values, not {value!r}")
        values = list(value)
        texts = tuple(
            "null" if item is None else _encode_value(item, spec, lookup, field, model)
            for item in values
        )
        return _Encoded(condition, spec, spec.wire(dialect), texts)
    text = _encode_value(value, spec, lookup, field, model)
    if (
        dialect.like_wildcards
        and lookup in ("startswith", "contains")
        and ("%" in text or "_" in text)
    ):
        raise QueryError(
            f"{field}__{lookup}={value!r}: on Hub {dialect.version_string} '%' and '_' in a "
            "pattern are SQL wildcards, so this would match more than asked; use "
            f"{field}__like=... if a wildcard pattern is what you mean"
        )
    return _Encoded(condition, spec, spec.wire(dialect), (text,))


def _translate_like(condition: Condition, model: str) -> Condition:
    """``like`` on a rapiq 2 Hub: the legacy ``~p`` meaning, SQL ``LIKE 'p%'``.

    ``x`` and ``x%`` start with x, ``%x`` and ``%x%`` contain x; rapiq 2 has no
    operator for ``_`` (one character) or a ``%`` between other characters.
    """
    field, pattern = condition.field, condition.value
    if not isinstance(pattern, str):
        raise QueryError(f"{field}__like takes a string pattern, not {pattern!r}")
    core = pattern.strip("%")
    if "_" in pattern or "%" in core or not core:
        what = (
            "'_' (any one character)"
            if "_" in pattern
            else "a '%' between other characters"
            if core
            else "a pattern of wildcards only"
        )
        raise QueryError(
            f"{field}__like={pattern!r} on {model}: like means LIKE '{pattern}%' (a prefix "
            f"match), and current Hubs have no operator for {what}; they express "
            f"'x' or 'x%' ({field}__startswith) and '%x' or '%x%' ({field}__contains); "
            f"use {field}__startswith, __contains, __endswith or __exact, combined with "
            "Q objects if needed"
        )
    lookup = "contains" if pattern.startswith("%") else "startswith"
    return Condition(field, lookup, core)


def _encode_value(value: Any, spec: FieldSpec, lookup: str, field: str, model: str) -> str:
    if value is None:
        raise QueryError(f"{field}__{lookup}=None is not a comparison; use {field}__isnull=True")
    if isinstance(value, Resource):
        value = value.pk
    if spec.kind == "bool" and not isinstance(value, bool):
        raise QueryError(f"{model}.{field} is a boolean: compare it with True or False")
    if isinstance(value, bool):
        if spec.kind not in ("bool", "json"):
            raise QueryError(f"{model}.{field} is not a boolean; {value!r} cannot match it")
        return "true" if value else "false"
    if spec.kind == "uuid":
        try:
            return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            raise QueryError(f"{model}.{field} holds ids: {value!r} is not a UUID") from None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, datetime):
        return _datetime_text(value, lookup, field)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise QueryError(
                f"{field}__{lookup}={value!r}: the Hub reads numbers as JavaScript doubles, "
                f"which cannot hold this integer exactly (limit {MAX_SAFE_INTEGER})"
            )
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QueryError(f"{field}__{lookup}={value!r}: the Hub has no such number")
        # positional notation: the Hub does not read '1e+16' as a number
        return format(Decimal(repr(value)), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise QueryError(f"cannot send {type(value).__name__} value {value!r} for {model}.{field}")
    if value == "":
        raise QueryError(f"{field}__{lookup}='': the Hub drops filters with empty values")
    if value.strip().lower() in _COERCED_WORDS:
        raise QueryError(
            f"{field}__{lookup}={value!r}: the Hub reads this string as "
            f"{value.strip().lower()}, not as text"
        )
    if _looks_numeric(value) and not _coerces_exactly(value):
        raise QueryError(
            f"{field}__{lookup}={value!r}: the Hub coerces numeric-looking values, so this "
            "would compare against a different number"
        )
    return value


def _coerces_exactly(text: str) -> bool:
    """Whether the Hub's number coercion of ``text`` still compares like ``text``."""
    if not _CANONICAL_NUMBER.fullmatch(text):
        return False
    if "." in text:
        return repr(float(text)) == text
    number = int(text)
    return str(number) == text and abs(number) <= MAX_SAFE_INTEGER


def _datetime_text(value: datetime, lookup: str, field: str) -> str:
    """The wire text of a datetime: the Hub keeps milliseconds, so a finer value is a bound
    that moves to the millisecond which selects the same rows, or is refused."""
    extra = value.microsecond % 1000
    if extra and lookup in _CEILING_LOOKUPS:
        value += timedelta(microseconds=1000 - extra)
    elif extra and lookup not in _FLOOR_LOOKUPS:
        raise QueryError(
            f"{field}__{lookup}={value!r}: the Hub stores timestamps to the millisecond, so "
            "this value can never be equal to one; drop the microseconds "
            "(value.replace(microsecond=value.microsecond // 1000 * 1000))"
        )
    return format_datetime(value)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "(none)"


# -- the bracket form ------------------------------------------------------------

_BRACKET_UNSAFE_START = ("!", "<", ">", "~")


def _flat_conditions(node: Q) -> list[tuple[Condition, bool]] | None:
    """``[(condition, negated)]`` if ``node`` is an AND of (possibly negated) single conditions."""
    if node.negated:
        inner = list(node.conditions())
        if len(inner) == 1 and _single_path(node):
            return [(inner[0], True)]
        return None
    if node.connector != AND and len(node.children) > 1:
        return None
    flat: list[tuple[Condition, bool]] = []
    for child in node.children:
        if isinstance(child, Condition):
            flat.append((child, False))
            continue
        sub = _flat_conditions(child)
        if sub is None:
            return None
        flat.extend(sub)
    return flat


def _single_path(node: Q) -> bool:
    children = node.children
    if len(children) != 1:
        return False
    child = children[0]
    return isinstance(child, Condition) or (not child.negated and _single_path(child))


def _bracket_obstacle(where: Q, encoded: dict[int, _Encoded], dialect: Dialect) -> str | None:
    flat = _flat_conditions(where)
    if flat is None:
        return "OR and NOT over several conditions cannot be written as filter[...] keys"
    seen: set[str] = set()
    for condition, negated in flat:
        item = encoded[id(condition)]
        if condition.field in seen:
            return f"two conditions on {condition.field!r} cannot be written as filter[...] keys"
        seen.add(condition.field)
        lookup = item.condition.lookup
        template = dialect.bracket_form(lookup)[1 if negated else 0]
        if template is None:
            what = f"exclude({lookup})" if negated else lookup
            return f"{what} on {condition.field!r} has no filter[...] form"
        for text in item.texts:
            problem = _bracket_text_problem(text)
            if problem:
                return f"{condition}: {problem}"
    return None


def _bracket_text_problem(text: str) -> str | None:
    if "," in text:
        return "a comma in a filter[...] value splits it into a list"
    if text.startswith(_BRACKET_UNSAFE_START) or text.endswith("~"):
        return "a value starting with ! < > ~ or ending with ~ reads as an operator"
    return None


def _bracket_params(
    where: Q, encoded: dict[int, _Encoded], dialect: Dialect
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for condition, negated in _flat_conditions(where) or []:
        item = encoded[id(condition)]
        lookup = item.condition.lookup
        template = dialect.bracket_form(lookup)[1 if negated else 0]
        assert template is not None
        if lookup == "isnull":
            is_null = bool(item.condition.value) != negated
            text = "null" if is_null else "!null"
        else:
            text = template.format(",".join(item.texts))
        params.append((f"filter[{item.wire_field}]", text))
    return params


# -- the expression form -----------------------------------------------------------


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _expression(node: Q | Condition, encoded: dict[int, _Encoded]) -> str:
    if isinstance(node, Condition):
        item = encoded[id(node)]
        condition = item.condition
        if condition.lookup == "isnull":
            text = f"eq({item.wire_field},{_quote('null')})"
            return text if condition.value else f"not({text})"
        operator = EXPRESSION_OPERATORS[condition.lookup]
        values = ",".join(_quote(text) for text in item.texts)
        return f"{operator}({item.wire_field},{values})"
    parts = [_expression(child, encoded) for child in node.children]
    inner = parts[0] if len(parts) == 1 else f"{node.connector.lower()}({','.join(parts)})"
    return f"not({inner})" if node.negated else inner
