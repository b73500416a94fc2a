"""Compilation of a query into the Hub's parameters: ``filter``, ``sort``, ``include``, ``fields``.

What :mod:`flamehub.query.queryset` describes (conditions, ordering, relations,
fields), this module turns into query parameters of one Hub, as Django's
``sql/query.py`` and ``sql/compiler.py`` do for ``query.py``. Two wire forms of
filters exist (``docs/queries.rst`` has the full table):

- the **bracket** form, ``filter[name]=site-~`` (one condition per field, all
  AND-ed), which every Hub understands; and
- the **expression** form, ``filter=or(startsWith(name,'site-'),eq(hidden,'true'))``,
  which only current Hubs (>= 0.13) have.

flamehub uses the bracket form whenever it can say exactly what was asked,
the expression form when it cannot and the Hub has it, and raises
:class:`~flamehub.QueryError` otherwise. It never sends a query that would
mean something else on the server (a widened filter, a value split at a comma,
a string coerced into a number). What each lookup means on each Hub is said
by its class in :mod:`flamehub.query.lookups`.

Example::

    >>> compile_filters(Q(name__startswith="site-"), meta_of(Node), caps, dialect_0_14)
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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs

from .. import errors
from ..dialects import Dialect
from ..errors import QueryError
from ..resources.base import Capabilities, FieldSpec, Resource, ResourceMeta
from ..resources.convert import format_datetime
from ..resources.loading import dialect_of
from .lookups import LOOKUPS, EmptyResult, Lookup
from .q import AND, LOOKUP_SEPARATOR, Condition, Q
from .relations import filter_field, select_includes

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_SAFE_INTEGER",
    "capabilities",
    "check_query_length",
    "compile_filters",
    "query_params",
    "select_params",
    "sort_params",
]

if TYPE_CHECKING:
    from ..hub import Hub
    from .queryset import QuerySet

# A numeric-looking string survives the Hub's scalar coercion only in its canonical form.
_CANONICAL_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")
_COERCED_WORDS = frozenset({"true", "false", "null", "undefined"})
#: ``Number.MAX_SAFE_INTEGER``: the Hub (JavaScript) reads every number as a double.
MAX_SAFE_INTEGER = 2**53 - 1


# -- a query's parameters ------------------------------------------------------------


def capabilities(query: QuerySet[Any], hub: Hub) -> Capabilities:
    """What the Hub allows for the query's resource (declared, narrowed by ``meta.schema``)."""
    meta = query.meta
    dialect = dialect_of(hub, query.model)
    meta.require(dialect)
    return meta.capabilities_for(dialect, hub.schemas.get((meta.service, meta.path)))


def query_params(
    query: QuerySet[Any], hub: Hub, *, ordered: bool = True, select: bool = True
) -> list[tuple[str, str]]:
    """Filter/sort/include/fields parameters (raises QueryError or EmptyResult)."""
    meta = query.meta
    dialect = dialect_of(hub, query.model)
    caps = capabilities(query, hub)
    filtered = {condition.field for condition in query._where.conditions()}
    missing = caps.required_filters - filtered
    if missing:
        raise errors.QueryError(
            f"{query.model.__name__} on Hub {dialect.version_string} cannot be listed without "
            f"filter({', '.join(f'{name}=...' for name in sorted(missing))}): the Hub "
            "refuses the request"
        )
    params = compile_filters(query._where, meta, caps, dialect)
    check_query_length(query.model, params)
    if ordered:
        params.extend(sort_params(query, caps, dialect))
    if select:
        params.extend(select_params(query, caps, dialect))
    return params


#: The longest filter (in URL characters) flamehub sends: Hubs and the proxies in front
#: of them answer longer URLs with ``414 URI Too Long`` and an HTML page (nginx: 8 KiB
#: for the whole request line), so longer queries are refused before they are sent.
MAX_QUERY_LENGTH = 8_000


def check_query_length(model: type[Resource], params: list[tuple[str, str]]) -> None:
    """Refuse filters longer than :data:`MAX_QUERY_LENGTH` URL characters (QueryError).

    Example::

        check_query_length(Node, [("filter[id]", ",".join(thousand_ids))])   # QueryError
    """
    length = len(urlencode(params))
    if length > MAX_QUERY_LENGTH:
        name = model.__name__
        raise errors.QueryError(
            f"this {name} filter is {length:,} characters long in the URL, over the "
            f"{MAX_QUERY_LENGTH:,} Hubs safely accept (longer URLs are refused with 414 URI "
            f"Too Long); for many ids use {name}.objects.in_bulk(ids) (50 ids a request), or "
            "prefetch_related() on the rows that hold them"
        )


def sort_params(
    query: QuerySet[Any], caps: Capabilities, dialect: Dialect
) -> list[tuple[str, str]]:
    """The ``sort`` parameter: the ordering asked for, else a stable default for paging."""
    meta = query.meta
    keys = query._ordering or _default_sort(meta, caps)
    if query._reversed:
        base = keys or meta.server_ordering
        if not base:
            raise errors.QueryError(
                f"cannot reverse {query.model.__name__} rows: the Hub sorts them by no field"
            )
        keys = tuple(_flip(key) for key in base)
    if not keys:
        return []
    wire = []
    for key in keys:
        name = key.lstrip("-")
        if name not in meta.scalar_fields:
            raise errors.QueryError(
                f"{query.model.__name__} has no field {name!r} to order by; sortable fields on "
                f"Hub {dialect.version_string}: {', '.join(sorted(caps.sorts)) or '(none)'}"
            )
        if name not in caps.sorts:
            raise errors.QueryError(
                f"cannot order {query.model.__name__} by {name!r}: the Hub ignores that key; "
                f"sortable fields on Hub {dialect.version_string}: "
                f"{', '.join(sorted(caps.sorts)) or '(none)'}"
            )
        wire.append(("-" if key.startswith("-") else "") + meta.fields[name].wire(dialect))
    if len(wire) > 1 and not caps.multi_key_sort:
        raise errors.QueryError(
            f"{query.model.__name__} on Hub {dialect.version_string} sorts by one key only "
            f"(the server drops multi-key sorts entirely); got {', '.join(keys)}"
        )
    return [("sort", ",".join(wire))]


def _default_sort(meta: ResourceMeta, caps: Capabilities) -> tuple[str, ...]:
    """A stable ordering for paging when the user gave none and the Hub has no default."""
    if meta.server_ordering:
        return ()
    keys = tuple(key for key in meta.ordering if key.lstrip("-") in caps.sorts)
    return keys if caps.multi_key_sort else keys[:1]


def select_params(
    query: QuerySet[Any], caps: Capabilities, dialect: Dialect
) -> list[tuple[str, str]]:
    """The ``include`` and ``fields`` parameters."""
    meta = query.meta
    params: list[tuple[str, str]] = []
    for name in query._includes:
        if name not in caps.includes:
            raise errors.QueryError(
                f"cannot include {name!r} on {query.model.__name__}: includable on Hub "
                f"{dialect.version_string}: {', '.join(sorted(caps.includes)) or '(none)'}; "
                f"prefetch_related({name!r}) or select_related({name!r}) follow any relation"
            )
    # (relations) select_related(): what the Hub embeds, the rest is prefetched
    includes = tuple(dict.fromkeys(query._includes + select_includes(query, caps.includes)))
    if includes:
        params.append(("include", ",".join(meta.wire_names(dialect, includes))))
    requested = query._only + query._extra_fields
    for name in requested:
        if name not in caps.fields and name not in caps.optional_fields:
            raise errors.QueryError(
                f"cannot select field {name!r} of {query.model.__name__}: selectable on Hub "
                f"{dialect.version_string}: "
                f"{', '.join(sorted(caps.fields | caps.optional_fields))}"
            )
    if query._only:
        names = tuple(dict.fromkeys(query._only + query._extra_fields))
        params.append(("fields", ",".join(meta.wire_names(dialect, names))))
    elif query._extra_fields:
        params.append(
            ("fields", ",".join("+" + w for w in meta.wire_names(dialect, query._extra_fields)))
        )
    return params


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else "-" + key


# -- filters --------------------------------------------------------------------------


@attrs.frozen
class _Encoded:
    """A condition as it goes on the wire: the lookup (after any rewrite) and its texts."""

    condition: Condition
    lookup: Lookup
    value: Any
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
    unsaid = sorted({item.lookup.name for item in encoded.values() if not item.lookup.expression})
    if unsaid:
        raise QueryError(f"{reason}; {', '.join(unsaid)} has no form in the expression dialect")
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
                False if item.lookup.matches_nothing(item.texts) else child
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
    # (relations) filter(realm=r) is filter(realm_id=r.id); realm__name is refused
    field = filter_field(meta.model, condition.field)
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
    asked = LOOKUPS[condition.lookup]
    # the kind first: like 'x' on an id field would otherwise become a startswith of text
    asked.check_kind(model, field, spec.kind)
    lookup, value = asked.prepare(field, condition.value, dialect, model)
    if lookup is not asked:
        lookup.check_kind(model, field, spec.kind)

    def encode_one(item: Any, by: Lookup) -> str:
        return _encode_value(item, spec, by, field, model)

    texts = lookup.encode(field, value, encode_one, dialect)
    return _Encoded(condition, lookup, value, spec, spec.wire(dialect), texts)


def _encode_value(value: Any, spec: FieldSpec, lookup: Lookup, field: str, model: str) -> str:
    if value is None:
        raise QueryError(
            f"{field}__{lookup.name}=None is not a comparison; use {field}__isnull=True"
        )
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
                f"{field}__{lookup.name}={value!r}: the Hub reads numbers as JavaScript doubles, "
                f"which cannot hold this integer exactly (limit {MAX_SAFE_INTEGER})"
            )
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QueryError(f"{field}__{lookup.name}={value!r}: the Hub has no such number")
        # positional notation: the Hub does not read '1e+16' as a number
        return format(Decimal(repr(value)), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise QueryError(f"cannot send {type(value).__name__} value {value!r} for {model}.{field}")
    if value == "":
        raise QueryError(f"{field}__{lookup.name}='': the Hub drops filters with empty values")
    if value.strip().lower() in _COERCED_WORDS:
        raise QueryError(
            f"{field}__{lookup.name}={value!r}: the Hub reads this string as "
            f"{value.strip().lower()}, not as text"
        )
    if _looks_numeric(value) and not _coerces_exactly(value):
        raise QueryError(
            f"{field}__{lookup.name}={value!r}: the Hub coerces numeric-looking values, so this "
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


def _datetime_text(value: datetime, lookup: Lookup, field: str) -> str:
    """The wire text of a datetime: the Hub keeps milliseconds, so a finer value is a bound
    that moves to the millisecond which selects the same rows, or is refused."""
    extra = value.microsecond % 1000
    if extra and lookup.datetime_rounding == "ceiling":
        value += timedelta(microseconds=1000 - extra)
    elif extra and lookup.datetime_rounding != "floor":
        raise QueryError(
            f"{field}__{lookup.name}={value!r}: the Hub stores timestamps to the millisecond, so "
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
        template = item.lookup.bracket(dialect, negated=negated)
        if template is None:
            name = item.lookup.name
            what = f"exclude({name})" if negated else name
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
        template = item.lookup.bracket(dialect, negated=negated)
        assert template is not None
        text = item.lookup.bracket_text(template, item.texts, item.value, negated)
        params.append((f"filter[{item.wire_field}]", text))
    return params


# -- the expression form -----------------------------------------------------------


def _expression(node: Q | Condition, encoded: dict[int, _Encoded]) -> str:
    if isinstance(node, Condition):
        item = encoded[id(node)]
        return item.lookup.expression_text(item.wire_field, item.texts, item.value)
    parts = [_expression(child, encoded) for child in node.children]
    inner = parts[0] if len(parts) == 1 else f"{node.connector.lower()}({','.join(parts)})"
    return f"not({inner})" if node.negated else inner
