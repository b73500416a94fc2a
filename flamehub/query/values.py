"""Rows as plain data: ``values()``, ``values_list()`` and ``to_dataframe()``.

A :class:`ValuesQuerySet` wraps an ordinary :class:`~flamehub.query.queryset.QuerySet`
(the one engine: the same compiler, pages, concurrency and checks) and turns each row it
reads into a dict, a tuple, a named tuple or a single value, as Django's ``values()`` and
``values_list()`` do. It stays lazy and chainable (``filter()``, ``order_by()``, slices).

Fewer bytes travel where the declaration allows: when every field asked for (and ``id``,
which paging needs to drop repeated rows) is selectable on the Hub's release
(``Meta.fields``, narrowed by the Hub's ``meta.schema``), the request carries the Hub's
sparse fieldset, ``fields=id,name``; otherwise whole rows are read and the fields picked.
Either way it is one page request per 50 rows.

Fields a Hub release lacks (``Node.client_id`` before 0.13) are left out of ``values()``
dicts and of ``to_dataframe()``'s columns; ``values_list()`` refuses them
(:class:`~flamehub.UnsupportedByHub`), since its positions would shift silently.

Relation spans (``values("project__name")``) follow to-one relations: the span
prefixes are loaded with :meth:`~flamehub.query.queryset.QuerySet.select_related` (the
Hub's ``include`` where it allows it, ``id__in`` batches otherwise), then each row walks
its attributes (``None`` once a step is ``None``). Rows with spans are read whole (a
sparse fieldset would drop the foreign keys the batches need).

Example::

    Node.objects.filter(hidden=False).values_list("id", flat=True)   # lazy
    Node.objects.values("name", "created_at")[:10]
    Analysis.objects.to_dataframe("name", "build_status", "created_at")
"""

from __future__ import annotations

import collections
import enum
import functools
import importlib
import operator
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .. import errors
from ..resources.base import FieldSpec, Resource, meta_of
from . import compiler

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..hub import Hub
    from .q import Q
    from .queryset import QuerySet

__all__ = [
    "DICT",
    "FLAT",
    "NAMED",
    "TUPLE",
    "ValuesQuerySet",
    "check_fields",
    "dataframe",
    "field_spec",
    "row_class",
    "span_prefixes",
    "walk",
]

T = TypeVar("T")

#: The shapes of a row (``values()``: ``DICT``; ``values_list()``: the others).
DICT, TUPLE, FLAT, NAMED = "dict", "tuple", "flat", "named"
#: Separates the steps of a relation span (``project__name``), as in lookups.
SPAN_SEPARATOR = "__"
#: What ``pip install`` adds pandas with.
PANDAS_EXTRA = "flamehub[pandas]"


# -- the fields asked for ----------------------------------------------------------------


def check_fields(model: type[Resource], fields: Sequence[str]) -> tuple[str, ...]:
    """``fields`` if each names a field of ``model`` (on some Hub), else QueryError, before
    any request; no fields means every field."""
    meta = meta_of(model)
    for name in fields:
        if not isinstance(name, str):
            raise TypeError(f"field names are strings, not {name!r}")
        if name in meta.relations:
            raise errors.QueryError(
                f"{model.__name__}.{name} is a relation, not a field; ask for its id field "
                f"({name}_id) if {model.__name__} has one"
            )
        field_spec(model, name)  # an unknown field, or a span step that is no relation
    if len(set(fields)) != len(fields):
        raise errors.QueryError(f"a field is named twice: {', '.join(fields)}")
    return tuple(fields)


def field_spec(model: type[Resource], name: str) -> list[FieldSpec]:
    """The fields a name steps through: ``[Node.name]``, or for a span ``project__name``
    ``[Analysis.project, Project.name]``; QueryError for an unknown step or a to-many one.

    Example::

        field_spec(Analysis, "project__name")[-1].name     # 'name'
    """
    steps = name.split(SPAN_SEPARATOR)
    specs: list[FieldSpec] = []
    current = model
    for step in steps[:-1]:
        relation = meta_of(current).relations.get(step)
        if relation is None or relation.many:
            raise errors.QueryError(
                f"cannot follow {step!r} in {name!r}: {current.__name__} has no to-one "
                f"relation {step!r}; relations: {', '.join(meta_of(current).relations) or '(none)'}"
            )
        specs.append(relation)
        current = relation.type
    last = meta_of(current).scalar_fields.get(steps[-1])
    if last is None:
        raise errors.QueryError(
            f"{current.__name__} has no field {steps[-1]!r}; its fields: "
            f"{', '.join(meta_of(current).scalar_fields)}"
        )
    return [*specs, last]


def span_prefixes(names: Sequence[str]) -> tuple[str, ...]:
    """The relations the spans among ``names`` go through (``project`` for
    ``project__name``), each once, in order.

    >>> span_prefixes(["name", "project__name", "project__master_image__path"])
    ('project', 'project__master_image')
    """
    prefixes = (name.rsplit(SPAN_SEPARATOR, 1)[0] for name in names if SPAN_SEPARATOR in name)
    return tuple(dict.fromkeys(prefixes))


def walk(row: Any, steps: tuple[str, ...]) -> Any:
    """The value at the end of ``steps`` from ``row`` (``None`` once a step is ``None``)."""
    value = row
    for step in steps:
        value = getattr(value, step, None)
        if value is None:
            return None
    return value


def _getter(name: str) -> Any:
    if SPAN_SEPARATOR not in name:
        return operator.attrgetter(name)
    steps = tuple(name.split(SPAN_SEPARATOR))
    return lambda row: walk(row, steps)


@functools.lru_cache(maxsize=256)
def row_class(names: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """The named tuple class ``Row`` of ``values_list(*names, named=True)`` (one per names).

    Example::

        row_class(("id", "name"))(1, "a").name     # 'a'
    """
    cls = collections.namedtuple("Row", names)  # type: ignore[misc]
    cls.__reduce__ = _reduce_row  # type: ignore[assignment,method-assign]
    return cls


def _reduce_row(row: Any) -> tuple[Any, ...]:
    """Pickle a ``Row`` by its field names and values (its class is made at run time)."""
    return (_make_row, (type(row)._fields, tuple(row)))


def _make_row(names: tuple[str, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    return row_class(names)(*values)


# -- the query ------------------------------------------------------------------------------


class ValuesQuerySet(Generic[T]):
    """The rows of a QuerySet as dicts (``values()``) or tuples (``values_list()``).

    Lazy and chainable like the QuerySet it wraps: nothing is sent until it is iterated,
    sliced with an index, counted or printed.

    Example::

        names = Node.objects.values_list("name", flat=True).order_by("name")
        list(names[:3])            # ['site-a', 'site-b', 'site-c']
    """

    def __init__(self, query: QuerySet[Any], fields: tuple[str, ...], shape: str) -> None:
        self._query = query
        self._fields = fields
        self._shape = shape
        self._result_cache: list[T] | None = None

    @property
    def model(self) -> type[Resource]:
        return self._query.model

    @property
    def query(self) -> QuerySet[Any]:
        """The QuerySet whose rows this reads (the engine; model instances)."""
        return self._query

    def _chain(self, query: QuerySet[Any]) -> ValuesQuerySet[T]:
        return ValuesQuerySet(query, self._fields, self._shape)

    # -- builders: the QuerySet's, kept in this shape ---------------------------------

    def all(self) -> ValuesQuerySet[T]:
        """A copy (re-evaluated when used)."""
        return self._chain(self._query.all())

    def using(self, hub: Hub) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.using <flamehub.query.queryset.QuerySet.using>`."""
        return self._chain(self._query.using(hub))

    def filter(self, *conditions: Q, **lookups: Any) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.filter <flamehub.query.queryset.QuerySet.filter>`."""
        return self._chain(self._query.filter(*conditions, **lookups))

    def exclude(self, *conditions: Q, **lookups: Any) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.exclude <flamehub.query.queryset.QuerySet.exclude>`."""
        return self._chain(self._query.exclude(*conditions, **lookups))

    def order_by(self, *keys: str) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.order_by <flamehub.query.queryset.QuerySet.order_by>`."""
        return self._chain(self._query.order_by(*keys))

    def reverse(self) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.reverse <flamehub.query.queryset.QuerySet.reverse>`."""
        return self._chain(self._query.reverse())

    def concurrency(self, workers: int) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.concurrency <flamehub.query.queryset.QuerySet.concurrency>`."""
        return self._chain(self._query.concurrency(workers))

    def page_size(self, size: int) -> ValuesQuerySet[T]:
        """:meth:`QuerySet.page_size <flamehub.query.queryset.QuerySet.page_size>`."""
        return self._chain(self._query.page_size(size))

    @overload
    def __getitem__(self, key: int) -> T: ...
    @overload
    def __getitem__(self, key: slice) -> ValuesQuerySet[T]: ...
    def __getitem__(self, key: int | slice) -> T | ValuesQuerySet[T]:
        if self._result_cache is not None:
            if isinstance(key, slice):
                window = self._query[key]  # checks the slice as the QuerySet does
                clone = self._chain(window)
                clone._result_cache = self._result_cache[key]
                return clone
            return self._result_cache[key]
        if isinstance(key, slice):
            return self._chain(self._query[key])
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"QuerySet indices must be integers or slices, not {key!r}")
        rows = list(self._chain(self._query[key : key + 1]) if key >= 0 else self._query[key])
        if not rows:
            raise IndexError(f"{self.model.__name__} QuerySet index {key} out of range")
        return rows[0]

    # -- evaluation -------------------------------------------------------------------

    def _plan(self, hub: Hub) -> tuple[tuple[str, ...], QuerySet[Any]]:
        """The fields this Hub has, and the engine query (sparse where allowed)."""
        query = self._query
        dialect = query._dialect(hub)
        meta = meta_of(self.model)
        asked = self._fields or tuple(meta.scalar_fields)
        present = tuple(
            name
            for name in asked
            if all(spec.exists_on(dialect) for spec in field_spec(self.model, name))
        )
        if self._shape != DICT and self._fields and present != asked:
            missing = [name for name in asked if name not in present]
            raise errors.UnsupportedByHub(
                f"{self.model.__name__}.{missing[0]} does not exist on Hub "
                f"{dialect.version_string}; values_list() would shift its positions "
                "(values() and to_dataframe() leave such fields out)"
            )
        spans = span_prefixes(present)
        if spans:  # relations the rows walk: embedded or fetched in batches, page by page
            query = query.select_related(*spans)
        caps = compiler.capabilities(query, hub)
        if not spans and not query._only and {"id", *present} <= caps.fields:
            query = query.only(*present)  # the Hub's sparse fieldset: fields=id,name
        return present, query

    def _rows(
        self, concurrency: int | None, plan: tuple[tuple[str, ...], QuerySet[Any]] | None = None
    ) -> Iterator[T]:
        names, query = plan or self._plan(self._query._resolve_hub())
        make = self._row_maker(names)
        rows = query.iterator(concurrency=concurrency)
        try:
            for instance in rows:
                yield make(instance)
        finally:
            rows.close()  # type: ignore[attr-defined]
        self._query._known_total = query._known_total

    def _row_maker(self, names: tuple[str, ...]) -> Any:
        getters = [(name, _getter(name)) for name in names]
        if self._shape == DICT:
            return lambda row: {name: get(row) for name, get in getters}
        if self._shape == FLAT:
            ((_name, get),) = getters
            return get
        if self._shape == NAMED:
            cls = row_class(names)
            return lambda row: cls(*(get(row) for _name, get in getters))
        return lambda row: tuple(get(row) for _name, get in getters)

    def iterator(self, *, concurrency: int | None = None) -> Iterator[T]:
        """Stream the rows page by page without caching them (as ``QuerySet.iterator``).

        Example::

            for node_id in Node.objects.values_list("id", flat=True).iterator():
                ...
        """
        return self._rows(concurrency)

    def _fetch_all(self) -> list[T]:
        if self._result_cache is None:
            self._result_cache = list(self._rows(None))
        return self._result_cache

    def __iter__(self) -> Iterator[T]:
        return iter(self._fetch_all())

    def __len__(self) -> int:
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        return bool(self._fetch_all())

    def count(self) -> int:
        """:meth:`QuerySet.count <flamehub.query.queryset.QuerySet.count>` (one request)."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return self._query.count()

    def exists(self) -> bool:
        """:meth:`QuerySet.exists <flamehub.query.queryset.QuerySet.exists>`."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        return self._query.exists()

    def first(self) -> T | None:
        """The first row in the ordering, or ``None``."""
        rows = list(self[:1])
        return rows[0] if rows else None

    def last(self) -> T | None:
        """The last row in the ordering, or ``None``."""
        query = self._query
        if query._offset or query._limit is not None or self._result_cache is not None:
            rows = self._fetch_all()
            return rows[-1] if rows else None
        rows = list(self.reverse()[:1])
        return rows[0] if rows else None

    # -- display, tables and pickling -------------------------------------------------

    def _shown_rows(self) -> tuple[list[T], bool]:
        """The rows a repr or a notebook table shows, and whether more exist."""
        from ..tables import HTML_ROWS

        rows = list(self[: HTML_ROWS + 1])
        return rows[:HTML_ROWS], len(rows) > HTML_ROWS

    def __repr__(self) -> str:
        from ..hub import default_hub

        if self._result_cache is None and self._query._hub is None:
            try:
                default_hub()
            except errors.ConfigurationError:
                return f"<ValuesQuerySet of {self.model.__name__} (no hub connected)>"
        rows, more = self._shown_rows()
        return f"<ValuesQuerySet [{', '.join(repr(row) for row in rows)}{', ...' if more else ''}]>"

    def _repr_html_(self) -> str:
        """The first 20 rows as an HTML table in Jupyter, then "..." (values escaped)."""
        from ..tables import render_html_table

        rows, more = self._shown_rows()
        hub = self._query._resolve_hub()
        names = self._plan(hub)[0]
        if self._shape == FLAT:
            dicts = [{names[0]: row} for row in rows]
        elif self._shape == DICT:
            dicts = [dict(row) for row in rows]  # type: ignore[call-overload]
        else:
            dicts = [dict(zip(names, row, strict=True)) for row in rows]  # type: ignore[call-overload]
        return render_html_table(dicts, names, more=more)

    def to_dataframe(self) -> Any:
        """These rows' fields as a pandas DataFrame (see :func:`dataframe`)."""
        return dataframe(self._query, self._fields)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled as its query (the rows read are not kept), as Django's QuerySets."""
        state = dict(self.__dict__)
        state["_result_cache"] = None
        return state

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        import copy

        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._query = copy.deepcopy(self._query, memo)
        clone._result_cache = None
        return clone


# -- DataFrames -------------------------------------------------------------------------


def _pandas() -> Any:
    try:
        pandas = importlib.import_module("pandas")  # optional: flamehub[pandas]
    except ImportError as missing:
        raise errors.ConfigurationError(
            f"to_dataframe() needs pandas; install the extra: pip install '{PANDAS_EXTRA}'"
        ) from missing
    return pandas


def dataframe(query: QuerySet[Any], fields: Sequence[str]) -> Any:
    """The rows of ``query`` as a pandas DataFrame: one column per field (every field if
    none is named), in order, leaving out the fields the Hub's release lacks.

    Column types: timestamps ``datetime64[ns, UTC]`` (timezone-aware), booleans
    ``boolean``, integers ``Int64``, decimals ``Float64`` (pandas' nullable types: a
    missing value is ``<NA>``), ids and enums as their text values (``object``), other
    fields as they are (``object``). The rows are read as ``values()`` reads them (one
    page request per 50 rows, the sparse fieldset where allowed).

    Example::

        df = Node.objects.filter(hidden=False).to_dataframe("name", "created_at")
        df["created_at"].dt.tz      # UTC
    """
    pandas = _pandas()  # before any request: without pandas nothing is sent
    names = check_fields(query.model, fields)
    values: ValuesQuerySet[dict[str, Any]] = ValuesQuerySet(query, names, DICT)
    plan = values._plan(query._resolve_hub())
    present = plan[0]
    rows = list(values._rows(None, plan))
    columns = {
        name: _column(pandas, field_spec(query.model, name)[-1], [row[name] for row in rows])
        for name in present
    }
    return pandas.DataFrame(columns, columns=list(present))


def _column(pandas: Any, spec: FieldSpec, data: list[Any]) -> Any:
    if spec.kind == "datetime":
        return pandas.to_datetime(pandas.Series(data, dtype=object), utc=True)
    if spec.kind == "bool":
        return pandas.array(data, dtype="boolean")
    if spec.kind == "int":
        return pandas.array(data, dtype="Int64")
    if spec.kind == "float":
        return pandas.array(data, dtype="Float64")
    return pandas.Series([_text_value(value) for value in data], dtype=object)


def _text_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
