"""Lazy, chainable QuerySets over a Hub collection.

A QuerySet describes a query; nothing is sent until it is evaluated
(iteration, ``len()``, ``bool()``, ``list()``, indexing, ``count()``,
``exists()``, ``first()``, ``last()``, ``get()``). Every builder method
returns a new QuerySet, so partial queries can be kept and reused.

Example::

    sites = Node.objects.filter(name__startswith="site-").exclude(hidden=True)
    newest = sites.order_by("-created_at")[:10]     # still no request
    for node in newest:                             # one request: page[limit]=10
        print(node.name)

Pages: the Hub caps ``page[limit]`` at 50, so a QuerySet reads as many pages
as the slice needs, and reads ``meta.total`` to know when to stop. Once the
first page has revealed ``meta.total``, the remaining pages are fetched by a
small bounded thread pool (:data:`DEFAULT_CONCURRENCY` requests in flight),
and rows are still yielded strictly in order; ``concurrency(1)`` (or
``iterator(concurrency=1)``) reads one page at a time.

This module describes queries; the other concerns live beside it, as in Django's
``query.py`` and ``sql/``: :mod:`flamehub.query.compiler` turns a QuerySet into the
Hub's parameters, :mod:`flamehub.query.lookups` declares each lookup,
:mod:`flamehub.query.paging` reads pages, :mod:`flamehub.resources.loading` turns
rows into instances, and :func:`flamehub.resources.base.wire_body` checks the body
of a create or update.
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .. import errors
from ..dialects import MAX_PAGE_SIZE, Dialect
from ..hub import Hub, default_hub, resolve_hub
from ..resources.base import (
    Capabilities,
    Resource,
    ResourceMeta,
    id_segment,
    meta_of,
    wire_body,
)
from ..resources.loading import dialect_of, load, load_rows
from . import bulk, compiler, paging, relations
from . import values as values_module
from .lookups import EmptyResult
from .paging import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, check_concurrency
from .q import Q
from .values import ValuesQuerySet

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "REPR_OUTPUT_SIZE",
    "Manager",
    "QuerySet",
    # where resource modules have always found them (they live in resources.loading)
    "load",
    "load_rows",
]

M = TypeVar("M", bound=Resource)

#: Rows shown by ``repr()`` of a QuerySet before "...".
REPR_OUTPUT_SIZE = 20


class QuerySet(Generic[M]):
    """A lazy query of one resource on one Hub.

    Example::

        Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]
    """

    def __init__(self, model: type[M], hub: Hub | None = None) -> None:
        self.model = model
        self._hub = hub
        self._where = Q()
        self._ordering: tuple[str, ...] = ()
        self._includes: tuple[str, ...] = ()
        self._only: tuple[str, ...] = ()
        self._extra_fields: tuple[str, ...] = ()
        self._offset = 0
        self._limit: int | None = None
        self._page_size = MAX_PAGE_SIZE
        self._reversed = False
        self._result_cache: list[M] | None = None
        self._known_total: int | None = None
        #: Pages in flight when paging; ``None`` means :data:`DEFAULT_CONCURRENCY`.
        self._concurrency: int | None = None
        #: Values ``create()`` adds (a related manager's parent key, e.g. ``project_id``).
        self._create_defaults: dict[str, Any] = {}
        #: ``none()``: matches nothing, sends nothing.
        self._empty = False
        # (relations) prefetch_related() / select_related() paths: query/relations.py
        self._prefetch: tuple[str, ...] = ()
        self._select: tuple[str, ...] = ()
        #: (relations) rows a prefetch stored for a related manager: all() keeps them
        self._prefetched_rows = False

    # -- cloning ---------------------------------------------------------------

    def _clone(self) -> Self:
        klass = type(self)
        clone = klass.__new__(klass)
        clone.__dict__.update(self.__dict__)
        clone._result_cache = None
        clone._known_total = None
        return clone

    def _check_not_sliced(self, operation: str) -> None:
        if self._offset or self._limit is not None:
            raise errors.QueryStateError(
                f"cannot {operation} a QuerySet once it has been sliced; "
                "apply filters and ordering before [a:b]"
            )

    @property
    def meta(self) -> ResourceMeta:
        return meta_of(self.model)

    # -- builders --------------------------------------------------------------

    def all(self) -> Self:
        """A copy of this QuerySet (re-evaluated when used).

        Example::

            everything = Node.objects.all()
        """
        clone = self._clone()
        if self._prefetched_rows:  # (relations) project.nodes.all() after a prefetch
            clone._result_cache = self._result_cache
        return clone

    def using(self, hub: Hub) -> Self:
        """Run this query on ``hub`` instead of the default one.

        Example::

            Node.objects.using(other_hub).count()
        """
        clone = self._clone()
        clone._hub = hub
        return clone

    def filter(self, *conditions: Q, **lookups: Any) -> Self:
        """Keep rows matching every lookup (``field__lookup=value``) and Q object.

        Example::

            Node.objects.filter(name__startswith="site-", hidden=False)
        """
        self._check_not_sliced("filter")
        clone = self._clone()
        clone._where = self._where & Q(*conditions, **lookups)
        return clone

    def exclude(self, *conditions: Q, **lookups: Any) -> Self:
        """Drop rows matching all the given lookups.

        Example::

            Node.objects.exclude(hidden=True)
        """
        self._check_not_sliced("exclude")
        clone = self._clone()
        clone._where = self._where & ~Q(*conditions, **lookups)
        return clone

    def order_by(self, *keys: str) -> Self:
        """Sort by fields; ``-field`` sorts descending. Replaces any earlier ordering.

        Example::

            Node.objects.order_by("-created_at", "name")
        """
        self._check_not_sliced("reorder")
        clone = self._clone()
        clone._ordering = tuple(keys)
        return clone

    def reverse(self) -> Self:
        """The same query in the opposite order.

        Example::

            Node.objects.order_by("name").reverse()
        """
        self._check_not_sliced("reverse")
        clone = self._clone()
        clone._reversed = not self._reversed
        return clone

    def include(self, *relations: str) -> Self:
        """Embed related resources (the Hub's ``include``); they become typed attributes.

        Example::

            node = Node.objects.include("registry").get(id=node_id)
            print(node.registry.host if node.registry else None)
        """
        clone = self._clone()
        clone._includes = tuple(dict.fromkeys(self._includes + relations))
        return clone

    def only(self, *fields: str) -> Self:
        """Fetch only these fields (plus ``id``); reading another loads the row once.

        Example::

            Node.objects.only("id", "name")
        """
        clone = self._clone()
        clone._only = tuple(dict.fromkeys(("id", *fields)))
        return clone

    def with_fields(self, *fields: str) -> Self:
        """Also fetch fields the Hub leaves out by default (``fields=+x``).

        Example::

            Registry.objects.with_fields("account_secret").get(id=registry_id)
        """
        clone = self._clone()
        clone._extra_fields = tuple(dict.fromkeys(self._extra_fields + fields))
        return clone

    def page_size(self, size: int) -> Self:
        """Rows per request when paging (1 to 50, the Hub's cap).

        Example::

            for node in Node.objects.page_size(10).iterator():
                ...
        """
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise errors.QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {size}")
        clone = self._clone()
        clone._page_size = size
        return clone

    def concurrency(self, workers: int) -> Self:
        """How many pages to fetch at the same time (1 to :data:`MAX_CONCURRENCY`).

        The first page is always read alone: it tells ``meta.total``. The remaining
        pages are then requested by a pool of ``workers`` threads, at most
        ``workers`` pages ahead of the consumer, and their rows are yielded in
        order. ``1`` reads one page after the other. The default is
        :data:`DEFAULT_CONCURRENCY` (4).

        Example::

            for node in Node.objects.concurrency(8).iterator():
                ...
        """
        clone = self._clone()
        clone._concurrency = check_concurrency(workers)
        return clone

    # -- slicing ---------------------------------------------------------------

    @overload
    def __getitem__(self, key: int) -> M: ...
    @overload
    def __getitem__(self, key: slice) -> Self: ...
    def __getitem__(self, key: int | slice) -> M | Self:
        if isinstance(key, bool) or not isinstance(key, (int, slice)):
            raise TypeError(f"QuerySet indices must be integers or slices, not {key!r}")
        if isinstance(key, int):
            if key < 0:
                raise errors.QueryError(
                    f"negative indexing is not supported (index {key}); use "
                    ".reverse()[0] or .last()"
                )
            if self._result_cache is not None:
                return self._result_cache[key]
            rows = list(self._window(key, 1))
            if not rows:
                raise IndexError(f"{self.model.__name__} QuerySet index {key} out of range")
            return rows[0]
        if key.step not in (None, 1):
            raise errors.QueryError(f"slice steps are not supported (step {key.step})")
        start, stop = key.start or 0, key.stop
        if start < 0 or (stop is not None and stop < 0):
            raise errors.QueryError(
                f"negative slice bounds are not supported ([{key.start}:{key.stop}])"
            )
        if self._result_cache is not None:
            clone = self._clone()
            clone._result_cache = self._result_cache[key]
            return clone
        return self._window(start, None if stop is None else max(stop - start, 0))

    def _window(self, start: int, length: int | None) -> Self:
        clone = self._clone()
        clone._offset = self._offset + start
        if self._limit is not None:
            remaining = max(self._limit - start, 0)
            length = remaining if length is None else min(length, remaining)
        clone._limit = length
        return clone

    # -- the hub -----------------------------------------------------------------------

    def _resolve_hub(self) -> Hub:
        return resolve_hub(self._hub).for_service(self.meta.service)

    def _dialect(self, hub: Hub) -> Dialect:
        return dialect_of(hub, self.model)

    # -- compilation: flamehub.query.compiler ---------------------------------------

    def _capabilities(self, hub: Hub) -> Capabilities:
        return compiler.capabilities(self, hub)

    def _query_params(
        self, hub: Hub, *, ordered: bool = True, select: bool = True
    ) -> list[tuple[str, str]]:
        """Filter/sort/include/fields parameters (raises QueryError or EmptyResult)."""
        if self._empty:
            raise EmptyResult("none() matches nothing")
        return compiler.query_params(self, hub, ordered=ordered, select=select)

    def _sort_params(self, caps: Capabilities, dialect: Dialect) -> list[tuple[str, str]]:
        return compiler.sort_params(self, caps, dialect)

    def _select_params(self, caps: Capabilities, dialect: Dialect) -> list[tuple[str, str]]:
        return compiler.select_params(self, caps, dialect)

    # -- paging: flamehub.query.paging -------------------------------------------------

    def _fetch_page(
        self, hub: Hub, params: list[tuple[str, str]], offset: int, limit: int
    ) -> paging.Page[M]:
        return paging.fetch_page(self, hub, params, offset, limit)

    def _pages(self, concurrency: int | None = None) -> Generator[list[M], None, None]:
        return paging.pages(self, concurrency)

    def _load(self, row: dict[str, Any], hub: Hub) -> M:
        return load(self.model, row, hub)

    # -- evaluation --------------------------------------------------------------------

    def iterator(self, *, concurrency: int | None = None) -> Iterator[M]:
        """Stream rows page by page without caching them (for collections of any size).

        After the first page has told ``meta.total``, up to ``concurrency`` pages
        (default: the QuerySet's :meth:`concurrency`, else :data:`DEFAULT_CONCURRENCY`)
        are fetched at the same time; rows still come in order, and at most that
        many pages are held ahead of the loop. ``concurrency=1`` fetches one page
        after the other. Stopping the loop early cancels the pages not yet requested.

        Example::

            for node in Node.objects.iterator():
                process(node)
            for node in Node.objects.iterator(concurrency=1):   # strictly sequential
                process(node)
        """
        # (relations) deferred fields and prefetches, page by page: query/relations.py
        after_page = (
            relations.Prefetcher(self, concurrency) if relations.Prefetcher.needed(self) else None
        )
        pages = self._pages(concurrency)
        try:
            for rows in pages:
                if after_page is not None:
                    after_page(rows)
                yield from rows
        finally:
            pages.close()

    def _fetch_all(self) -> list[M]:
        if self._result_cache is None:
            self._result_cache = list(self.iterator())
        return self._result_cache

    def __iter__(self) -> Iterator[M]:
        return iter(self._fetch_all())

    def __len__(self) -> int:
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        return bool(self._fetch_all())

    def __repr__(self) -> str:
        if self._result_cache is None and self._hub is None:
            try:
                default_hub()
            except errors.ConfigurationError:
                return f"<{type(self).__name__} of {self.model.__name__} (no hub connected)>"
        rows = list(self[: REPR_OUTPUT_SIZE + 1])
        shown = ", ".join(repr(row) for row in rows[:REPR_OUTPUT_SIZE])
        more = ", ..." if len(rows) > REPR_OUTPUT_SIZE else ""
        return f"<{type(self).__name__} [{shown}{more}]>"

    # -- terminal methods ------------------------------------------------------------

    def count(self) -> int:
        """The number of matching rows: one request reading ``meta.total``.

        Example::

            Node.objects.filter(hidden=False).count()
        """
        if self._result_cache is not None:
            return len(self._result_cache)
        hub = self._resolve_hub()
        try:
            params = self._query_params(hub, ordered=False, select=False)
        except EmptyResult:
            return 0
        total = self._fetch_page(hub, params, 0, 1).total
        if total is None:
            return len(list(self.iterator()))
        available = max(total - self._offset, 0)
        return available if self._limit is None else min(available, self._limit)

    def exists(self) -> bool:
        """Whether any row matches (one small request).

        Example::

            if not Realm.objects.filter(name="site-a").exists(): ...
        """
        if self._result_cache is not None:
            return bool(self._result_cache)
        window = self._window(0, 1)
        window._prefetch = window._select = ()  # (relations) not needed to answer
        return bool(list(window))

    def first(self) -> M | None:
        """The first row in the ordering (creation time by default), or ``None``.

        Example::

            Node.objects.order_by("name").first()
        """
        if self._result_cache is not None:
            return self._result_cache[0] if self._result_cache else None
        rows = list(self._window(0, 1))
        return rows[0] if rows else None

    def last(self) -> M | None:
        """The last row in the ordering (creation time by default), or ``None``.

        Example::

            Node.objects.last()         # the newest node
        """
        if self._result_cache is not None:
            return self._result_cache[-1] if self._result_cache else None
        if self._offset or self._limit is not None:
            rows = list(self)
            return rows[-1] if rows else None
        return self.reverse().first()

    def get(self, *conditions: Q, **lookups: Any) -> M:
        """The one row matching the lookups.

        ``get(id=...)`` alone is a direct ``GET /<path>/<id>``. Raises
        ``Model.DoesNotExist`` or ``Model.MultipleObjectsReturned``.

        Example::

            master = Realm.objects.get(name="master")
        """
        by_id = not conditions and set(lookups) == {"id"} and not self._where and not self._empty
        if by_id and (not self._includes or self.meta.include_by_id(self._resolve_hub().dialect)):
            return self._get_by_id(lookups["id"])
        if by_id and relations.reads_relations_by_key(self):  # issue #11: 0.12.x
            return relations.get_then_read_relations(self, lookups["id"])
        query = self.filter(*conditions, **lookups) if conditions or lookups else self
        window = query._window(0, 2)
        rows = list(window)
        if not rows:
            raise self.model.DoesNotExist(f"no {self.model.__name__} matches {query._where!r}")
        if len(rows) > 1:
            total = window._known_total
            raise self.model.MultipleObjectsReturned(
                f"get() found {total if total is not None else 'more than one'} "
                f"{self.model.__name__} rows matching {query._where!r}; expected exactly one"
            )
        return rows[0]

    def _get_by_id(self, pk: Any) -> M:
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("gettable", self._dialect(hub), "read by id")
        if self._includes or self._only or self._extra_fields:
            params = self._select_params(self._capabilities(hub), self._dialect(hub))
        else:  # nothing to check against the capabilities (the hot path of get(id=...))
            meta.require(self._dialect(hub))
            params = []
        try:
            body = hub.request(meta.service, "GET", f"{meta.path}/{id_segment(pk)}", params=params)
        except errors.NotFound as missing:
            raise self.model.DoesNotExist(
                f"{self.model.__name__} {pk} does not exist ({missing.request_line})"
            ) from missing
        row = self._load(self._dialect(hub).unwrap_record(body), hub)
        relations.after_get(self, row)  # (relations)
        return row

    # -- relations: query/relations.py -------------------------------------------------

    def prefetch_related(self, *lookups: str) -> Self:
        """Fetch these relations of all rows in batches, page by page (Django's spelling).

        Forward relations (``"realm"``), reverse ones (related managers: ``"nodes"``)
        and paths (``"project__master_image"``), across services. Each page costs one
        ``id__in`` request per relation and 50 distinct ids (none for ids an earlier
        page brought); ``prefetch_related(None)`` clears the list.

        Example::

            for node in Node.objects.prefetch_related("realm"):
                print(node.name, node.realm.name)
        """
        clone = self._clone()
        if lookups == (None,):
            clone._prefetch = ()
            return clone
        relations.check_relation_paths(self.model, lookups, reverse=True, method="prefetch_related")
        clone._prefetch = tuple(dict.fromkeys(self._prefetch + lookups))
        return clone

    def select_related(self, *fields: str) -> Self:
        """Follow forward relations: embedded by the Hub (``include``) where the declaration
        allows it on this Hub, fetched in batches (:meth:`prefetch_related`) otherwise.

        Example::

            Analysis.objects.select_related("project", "project__master_image")
        """
        clone = self._clone()
        if fields == (None,):
            clone._select = ()
            return clone
        relations.check_relation_paths(self.model, fields, reverse=False, method="select_related")
        clone._select = tuple(dict.fromkeys(self._select + fields))
        return clone

    # -- writes ----------------------------------------------------------------------

    if TYPE_CHECKING:
        # Type checkers see create() as the model's constructor: the same keywords (a
        # misspelled field is an error in the editor) and the model as the result.
        @property
        def create(self) -> type[M]: ...

    else:

        def create(self, **values: Any) -> M:
            """Create a row (``POST /<path>``) and return it as the Hub stored it.

            Unknown fields, read-only fields and missing required fields raise
            :class:`~flamehub.QueryError` before anything is sent. Through a related
            manager the parent's key is filled in (``project.nodes.create(node_id=...)``).

            Example::

                node = Node.objects.create(name="site-a", realm_id=realm.id)
            """
            return self._create(**values)

    def _create(self, **values: Any) -> M:
        """What :meth:`create` does (type checkers see ``create`` as the constructor)."""
        values = {**self._create_defaults, **values}
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("creatable", self._dialect(hub), "created")
        body = wire_body(self.model, self._dialect(hub), values, creating=True)
        response = hub.request(meta.service, "POST", meta.path, json=body)
        return self._load(self._dialect(hub).unwrap_record(response), hub)

    def _update(self, pk: Any, values: Mapping[str, Any]) -> M:
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("updatable", self._dialect(hub), "updated")
        body = wire_body(self.model, self._dialect(hub), values, creating=False)
        response = hub.request(meta.service, "POST", f"{meta.path}/{id_segment(pk)}", json=body)
        return self._load(self._dialect(hub).unwrap_record(response), hub)

    def _delete(self, pk: Any) -> None:
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("deletable", self._dialect(hub), "deleted")
        hub.send(meta.service, "DELETE", f"{meta.path}/{id_segment(pk)}").close()

    # -- bulk work and read-then-write lookups: flamehub.query.bulk (issue #14) --------

    def none(self) -> Self:
        """A QuerySet that matches nothing and sends no request.

        Example::

            Node.objects.none().count()      # 0, no request
        """
        clone = self._clone()
        clone._empty = True
        return clone

    def update(self, **values: Any) -> int:
        """Set ``values`` on every matching row; returns the number of rows updated.

        The Hub has no bulk update: one ``POST /<path>/<id>`` per row, at most
        :meth:`concurrency` at a time. Rows whose strings the Hub matched only
        case-insensitively are left out (see :mod:`flamehub.query.bulk`). If some rows
        fail, the others are still updated and :class:`~flamehub.BulkError` says which.

        Example::

            Node.objects.filter(name__startswith="test-").update(hidden=True)
        """
        return bulk.update(self, values)

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete every matching row; returns ``(count, {"Model": count})`` like Django.

        One ``DELETE /<path>/<id>`` per row, at most :meth:`concurrency` at a time
        (rows that fail end in :class:`~flamehub.BulkError`, the rest are deleted).
        Collections the Hub deletes by filter (``Meta.bulk_delete``, the log collections
        of current Hubs) get one count and one ``DELETE /<path>?filter...``. Filters are
        checked exactly as for a listing, so a filter the Hub would ignore is refused
        instead of widening the delete.

        Example::

            Node.objects.filter(name__startswith="test-").delete()    # (3, {'Node': 3})
            AnalysisLog.objects.filter(analysis_id=analysis.id).delete()
        """
        return bulk.delete(self)

    def bulk_create(self, objs: Iterable[M]) -> list[M]:
        """Create every object (one ``POST`` each, concurrently); returns them in order.

        Each object is updated in place to the row the Hub stored. Every object is
        checked before anything is sent. A create is never resent: one that timed out
        is a failed row of :class:`~flamehub.BulkError` whose outcome is unknown.

        Example::

            Node.objects.bulk_create([Node(name=f"s{i}", realm_id=realm.id) for i in range(3)])
        """
        return bulk.bulk_create(self, objs)

    def get_or_create(
        self, defaults: Mapping[str, Any] | None = None, **lookups: Any
    ) -> tuple[M, bool]:
        """``(object, created)``: the row matching ``lookups`` exactly, else a new one
        made of ``lookups`` and ``defaults``.

        Only exact-equality lookups (``field=value``) are accepted; one list request,
        plus one create when nothing matched (a 409 on the create reads again).

        Example::

            node, created = Node.objects.get_or_create(name="site-a", defaults={"realm_id": r.id})
        """
        return bulk.get_or_create(self, defaults, lookups)

    def update_or_create(
        self,
        defaults: Mapping[str, Any] | None = None,
        create_defaults: Mapping[str, Any] | None = None,
        **lookups: Any,
    ) -> tuple[M, bool]:
        """``(object, created)``: update the row matching ``lookups`` with ``defaults``,
        or create it (from ``lookups`` and ``create_defaults``, else ``defaults``).

        One list request plus at most one write (only the fields that differ are sent).

        Example::

            node, created = Node.objects.update_or_create(name="site-a", defaults={"hidden": True})
        """
        return bulk.update_or_create(self, defaults, create_defaults, lookups)

    def in_bulk(self, id_list: Iterable[Any] | None = None) -> dict[Any, M]:
        """``{id: object}`` for the given ids (every row for ``None``).

        Ids go in batches of 50 (``id__in``), requested concurrently; missing ids are
        simply absent.

        Example::

            nodes = Node.objects.in_bulk([id1, id2])
        """
        return bulk.in_bulk(self, id_list)

    def latest(self, *fields: str) -> M:
        """The row with the greatest ``fields`` (default ``created_at``); DoesNotExist if none.

        Example::

            Analysis.objects.latest("created_at")
        """
        return bulk.latest(self, fields)

    def earliest(self, *fields: str) -> M:
        """The row with the smallest ``fields`` (default ``created_at``); DoesNotExist if none.

        Example::

            Node.objects.earliest("created_at")
        """
        return bulk.earliest(self, fields)

    def contains(self, obj: M) -> bool:
        """Whether ``obj`` is one of the matching rows (one small request).

        Example::

            Node.objects.filter(hidden=False).contains(node)
        """
        return bulk.contains(self, obj)

    # -- values, tables and pickling (issue #14; the logic is flamehub.query.values') -----

    def values(self, *fields: str) -> ValuesQuerySet[dict[str, Any]]:
        """The rows as dicts of these fields (every field if none is named); lazy.

        One page request per 50 rows, with the Hub's sparse fieldset (``fields=id,name``)
        where the declaration allows. Fields the Hub's release lacks are left out.

        Example::

            Node.objects.filter(hidden=False).values("id", "name")
        """
        return ValuesQuerySet(
            self, values_module.check_fields(self.model, fields), values_module.DICT
        )

    @overload
    def values_list(
        self, *fields: str, flat: Literal[True], named: Literal[False] = False
    ) -> ValuesQuerySet[Any]: ...
    @overload
    def values_list(
        self, *fields: str, flat: Literal[False] = False, named: bool = False
    ) -> ValuesQuerySet[tuple[Any, ...]]: ...
    def values_list(
        self, *fields: str, flat: bool = False, named: bool = False
    ) -> ValuesQuerySet[Any]:
        """The rows as tuples of these fields; ``flat=True`` (one field) the values
        themselves, ``named=True`` named tuples (``row.name``); lazy.

        Example::

            Node.objects.values_list("id", flat=True)
            for row in Node.objects.values_list("id", "name", named=True):
                print(row.name)
        """
        if flat and named:
            raise errors.QueryError("values_list() takes flat=True or named=True, not both")
        if flat and len(fields) != 1:
            raise errors.QueryError(
                f"values_list(flat=True) takes exactly one field, not {len(fields)}"
            )
        shape = (
            values_module.FLAT if flat else values_module.NAMED if named else values_module.TUPLE
        )
        return ValuesQuerySet(self, values_module.check_fields(self.model, fields), shape)

    def to_dataframe(self, *fields: str) -> Any:
        """These fields (every field if none is named) as a pandas DataFrame, one column
        per field (needs ``pip install 'flamehub[pandas]'``).

        Example::

            df = Node.objects.to_dataframe("name", "created_at")
        """
        return values_module.dataframe(self, fields)

    def _repr_html_(self) -> str:
        """The first 20 rows as an HTML table in Jupyter, then "..." (values escaped,
        no secret field among the columns)."""
        from ..tables import HTML_ROWS, declared_columns, default_columns, render_html_table

        rows = list(self[: HTML_ROWS + 1])
        hub = self._resolve_hub()
        columns = default_columns(declared_columns(self.model, hub.generation, secrets=False))
        records = [{name: getattr(row, name) for name in columns} for row in rows[:HTML_ROWS]]
        return render_html_table(records, columns, more=len(rows) > HTML_ROWS)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled as its query: no Hub (the copy runs on the default Hub, or ``using()``)
        and no rows read (Django keeps them; a query here is cheap to run again)."""
        state = dict(self.__dict__)
        state.update(_hub=None, _result_cache=None, _known_total=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy of the query on the same Hub (shared, never copied), without the rows."""
        clone = self._clone()
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key not in ("_hub", "model", "_result_cache", "_known_total"):
                clone.__dict__[key] = copy.deepcopy(value, memo)
        return clone


class Manager(Generic[M]):
    """``Model.objects``: where queries start.

    A manager is not a query: each of its methods starts from :meth:`get_queryset`
    (every row, on the default hub) and answers what the same
    :class:`QuerySet` method answers, as in Django. A resource declares its own
    manager class in ``Meta.manager`` to add collection actions (``MasterImage.objects.sync()``)
    or to narrow ``get_queryset()``.

    Example::

        Node.objects.filter(name="site-a")
        Node.objects.create(name="site-b", realm_id=realm.id)
        Node.objects.using(other_hub).count()
    """

    def __init__(self, model: type[M], hub: Hub | None = None) -> None:
        self.model = model
        self._hub = hub

    def get_queryset(self) -> QuerySet[M]:
        """The QuerySet every method of the manager starts from: all rows.

        Example::

            Node.objects.get_queryset().filter(hidden=False)
        """
        return QuerySet(self.model, self._hub)

    @property
    def meta(self) -> ResourceMeta:
        return meta_of(self.model)

    def _resolve_hub(self) -> Hub:
        return self.get_queryset()._resolve_hub()

    def __repr__(self) -> str:
        return f"<Manager of {self.model.__name__}>"

    # -- the QuerySet methods, each on get_queryset() ---------------------------------

    def all(self) -> QuerySet[M]:
        """:meth:`QuerySet.all`."""
        return self.get_queryset()

    def using(self, hub: Hub) -> QuerySet[M]:
        """:meth:`QuerySet.using`."""
        return self.get_queryset().using(hub)

    def filter(self, *conditions: Q, **lookups: Any) -> QuerySet[M]:
        """:meth:`QuerySet.filter`."""
        return self.get_queryset().filter(*conditions, **lookups)

    def exclude(self, *conditions: Q, **lookups: Any) -> QuerySet[M]:
        """:meth:`QuerySet.exclude`."""
        return self.get_queryset().exclude(*conditions, **lookups)

    def order_by(self, *keys: str) -> QuerySet[M]:
        """:meth:`QuerySet.order_by`."""
        return self.get_queryset().order_by(*keys)

    def reverse(self) -> QuerySet[M]:
        """:meth:`QuerySet.reverse`."""
        return self.get_queryset().reverse()

    def include(self, *relations: str) -> QuerySet[M]:
        """:meth:`QuerySet.include`."""
        return self.get_queryset().include(*relations)

    def only(self, *fields: str) -> QuerySet[M]:
        """:meth:`QuerySet.only`."""
        return self.get_queryset().only(*fields)

    def with_fields(self, *fields: str) -> QuerySet[M]:
        """:meth:`QuerySet.with_fields`."""
        return self.get_queryset().with_fields(*fields)

    # (relations)
    def prefetch_related(self, *lookups: str) -> QuerySet[M]:
        """:meth:`QuerySet.prefetch_related`."""
        return self.get_queryset().prefetch_related(*lookups)

    def select_related(self, *fields: str) -> QuerySet[M]:
        """:meth:`QuerySet.select_related`."""
        return self.get_queryset().select_related(*fields)

    def in_bulk(self, id_list: Iterable[Any] | None = None) -> dict[Any, M]:
        """:meth:`QuerySet.in_bulk`."""
        return self.get_queryset().in_bulk(id_list)

    def page_size(self, size: int) -> QuerySet[M]:
        """:meth:`QuerySet.page_size`."""
        return self.get_queryset().page_size(size)

    def concurrency(self, workers: int) -> QuerySet[M]:
        """:meth:`QuerySet.concurrency`."""
        return self.get_queryset().concurrency(workers)

    @overload
    def __getitem__(self, key: int) -> M: ...
    @overload
    def __getitem__(self, key: slice) -> QuerySet[M]: ...
    def __getitem__(self, key: int | slice) -> M | QuerySet[M]:
        return self.get_queryset()[key]

    def iterator(self, *, concurrency: int | None = None) -> Iterator[M]:
        """:meth:`QuerySet.iterator`."""
        return self.get_queryset().iterator(concurrency=concurrency)

    def count(self) -> int:
        """:meth:`QuerySet.count`."""
        return self.get_queryset().count()

    def exists(self) -> bool:
        """:meth:`QuerySet.exists`."""
        return self.get_queryset().exists()

    def first(self) -> M | None:
        """:meth:`QuerySet.first`."""
        return self.get_queryset().first()

    def last(self) -> M | None:
        """:meth:`QuerySet.last`."""
        return self.get_queryset().last()

    def get(self, *conditions: Q, **lookups: Any) -> M:
        """:meth:`QuerySet.get`."""
        return self.get_queryset().get(*conditions, **lookups)

    if TYPE_CHECKING:

        @property
        def create(self) -> type[M]: ...

    else:

        def create(self, **values: Any) -> M:
            """:meth:`QuerySet.create`."""
            return self.get_queryset()._create(**values)

    def delete(self) -> tuple[int, dict[str, int]]:
        """:meth:`QuerySet.delete` of every row."""
        return self.get_queryset().delete()

    # -- bulk work and read-then-write lookups (issue #14) ---------------------------

    def none(self) -> QuerySet[M]:
        """:meth:`QuerySet.none`."""
        return self.get_queryset().none()

    def update(self, **values: Any) -> int:
        """:meth:`QuerySet.update` of every row."""
        return self.get_queryset().update(**values)

    def bulk_create(self, objs: Iterable[M]) -> list[M]:
        """:meth:`QuerySet.bulk_create`."""
        return self.get_queryset().bulk_create(objs)

    def get_or_create(
        self, defaults: Mapping[str, Any] | None = None, **lookups: Any
    ) -> tuple[M, bool]:
        """:meth:`QuerySet.get_or_create`."""
        return self.get_queryset().get_or_create(defaults, **lookups)

    def update_or_create(
        self,
        defaults: Mapping[str, Any] | None = None,
        create_defaults: Mapping[str, Any] | None = None,
        **lookups: Any,
    ) -> tuple[M, bool]:
        """:meth:`QuerySet.update_or_create`."""
        return self.get_queryset().update_or_create(defaults, create_defaults, **lookups)

    def latest(self, *fields: str) -> M:
        """:meth:`QuerySet.latest`."""
        return self.get_queryset().latest(*fields)

    def earliest(self, *fields: str) -> M:
        """:meth:`QuerySet.earliest`."""
        return self.get_queryset().earliest(*fields)

    def contains(self, obj: M) -> bool:
        """:meth:`QuerySet.contains`."""
        return self.get_queryset().contains(obj)

    def values(self, *fields: str) -> ValuesQuerySet[dict[str, Any]]:
        """:meth:`QuerySet.values`."""
        return self.get_queryset().values(*fields)

    @overload
    def values_list(
        self, *fields: str, flat: Literal[True], named: Literal[False] = False
    ) -> ValuesQuerySet[Any]: ...
    @overload
    def values_list(
        self, *fields: str, flat: Literal[False] = False, named: bool = False
    ) -> ValuesQuerySet[tuple[Any, ...]]: ...
    def values_list(
        self, *fields: str, flat: bool = False, named: bool = False
    ) -> ValuesQuerySet[Any]:
        """:meth:`QuerySet.values_list`."""
        return self.get_queryset().values_list(*fields, flat=flat, named=named)  # type: ignore[call-overload]

    def to_dataframe(self, *fields: str) -> Any:
        """:meth:`QuerySet.to_dataframe`."""
        return self.get_queryset().to_dataframe(*fields)

    def _update(self, pk: Any, values: Mapping[str, Any]) -> M:
        return self.get_queryset()._update(pk, values)

    def _delete(self, pk: Any) -> None:
        self.get_queryset()._delete(pk)

    def _load(self, row: dict[str, Any], hub: Hub) -> M:
        return load(self.model, row, hub)
