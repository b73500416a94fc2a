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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .. import errors
from ..dialects import MAX_PAGE_SIZE, Dialect
from ..hub import Hub, default_hub, resolve_hub
from ..resources.base import Capabilities, Resource, ResourceMeta, id_segment, meta_of
from ..resources.convert import converter_for
from ..resources.validate import check_value
from .lookups import EmptyResult, compile_filters
from .q import Q

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "REPR_OUTPUT_SIZE",
    "Manager",
    "QuerySet",
    "load",
    "load_rows",
]

M = TypeVar("M", bound=Resource)

#: Rows shown by ``repr()`` of a QuerySet before "...".
REPR_OUTPUT_SIZE = 20
#: Pages fetched at the same time once ``meta.total`` is known (``1`` = one by one).
DEFAULT_CONCURRENCY = 4
#: Upper bound of :meth:`QuerySet.concurrency`: requests' default connection pool
#: keeps 10 connections per host, so up to this many requests reuse their connections.
MAX_CONCURRENCY = 10


class QuerySet(Generic[M]):
    """A lazy query of one resource on one Hub.

    Example::

        Node.objects.filter(name__startswith="site-").order_by("-created_at")[:10]
    """

    _concurrency: int | None = None

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

    # -- cloning ---------------------------------------------------------------

    def _clone(self) -> Self:
        klass = QuerySet if isinstance(self, Manager) else type(self)
        clone = klass.__new__(klass)
        clone.__dict__.update(self.__dict__)
        clone._result_cache = None
        clone._known_total = None
        # a Manager's builders answer plain QuerySets (the Manager itself stays reusable);
        # typed as Self so chains keep the model type for checkers
        return clone  # type: ignore[return-value]

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
        return self._clone()

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
        """Fetch only these fields (plus ``id``); the others are ``None``.

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
        clone._concurrency = _check_concurrency(workers)
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

    # -- compiling -------------------------------------------------------------

    def _resolve_hub(self) -> Hub:
        return resolve_hub(self._hub)

    def _capabilities(self, hub: Hub) -> Capabilities:
        meta = self.meta
        dialect = hub.dialect
        meta.require(dialect)
        return meta.capabilities_for(dialect, hub.schemas.get((meta.service, meta.path)))

    def _query_params(
        self, hub: Hub, *, ordered: bool = True, select: bool = True
    ) -> list[tuple[str, str]]:
        """Filter/sort/include/fields parameters (raises QueryError or EmptyResult)."""
        meta = self.meta
        dialect = hub.dialect
        caps = self._capabilities(hub)
        filtered = {condition.field for condition in self._where.conditions()}
        missing = caps.required_filters - filtered
        if missing:
            raise errors.QueryError(
                f"{self.model.__name__} on Hub {dialect.version_string} cannot be listed without "
                f"filter({', '.join(f'{name}=...' for name in sorted(missing))}): the Hub "
                "refuses the request"
            )
        params = compile_filters(self._where, meta, caps, dialect)
        if ordered:
            params.extend(self._sort_params(caps, dialect))
        if select:
            params.extend(self._select_params(caps, dialect))
        return params

    def _sort_params(self, caps: Capabilities, dialect: Dialect) -> list[tuple[str, str]]:
        meta = self.meta
        keys = self._ordering or self._default_sort(caps)
        if self._reversed:
            base = keys or meta.server_ordering
            if not base:
                raise errors.QueryError(
                    f"cannot reverse {self.model.__name__} rows: the Hub sorts them by no field"
                )
            keys = tuple(_flip(key) for key in base)
        if not keys:
            return []
        wire = []
        for key in keys:
            name = key.lstrip("-")
            if name not in meta.scalar_fields:
                raise errors.QueryError(
                    f"{self.model.__name__} has no field {name!r} to order by; sortable fields on "
                    f"Hub {dialect.version_string}: {', '.join(sorted(caps.sorts)) or '(none)'}"
                )
            if name not in caps.sorts:
                raise errors.QueryError(
                    f"cannot order {self.model.__name__} by {name!r}: the Hub ignores that key; "
                    f"sortable fields on Hub {dialect.version_string}: "
                    f"{', '.join(sorted(caps.sorts)) or '(none)'}"
                )
            wire.append(("-" if key.startswith("-") else "") + meta.fields[name].wire(dialect))
        if len(wire) > 1 and not caps.multi_key_sort:
            raise errors.QueryError(
                f"{self.model.__name__} on Hub {dialect.version_string} sorts by one key only "
                f"(the server drops multi-key sorts entirely); got {', '.join(keys)}"
            )
        return [("sort", ",".join(wire))]

    def _default_sort(self, caps: Capabilities) -> tuple[str, ...]:
        """A stable ordering for paging when the user gave none and the Hub has no default."""
        if self.meta.server_ordering:
            return ()
        keys = tuple(key for key in self.meta.ordering if key.lstrip("-") in caps.sorts)
        return keys if caps.multi_key_sort else keys[:1]

    def _select_params(self, caps: Capabilities, dialect: Dialect) -> list[tuple[str, str]]:
        meta = self.meta
        params: list[tuple[str, str]] = []
        if self._includes:
            for name in self._includes:
                if name not in caps.includes:
                    raise errors.QueryError(
                        f"cannot include {name!r} on {self.model.__name__}: includable on Hub "
                        f"{dialect.version_string}: {', '.join(sorted(caps.includes)) or '(none)'}"
                    )
            params.append(("include", ",".join(meta.wire_names(dialect, self._includes))))
        requested = self._only + self._extra_fields
        for name in requested:
            if name not in caps.fields and name not in caps.optional_fields:
                raise errors.QueryError(
                    f"cannot select field {name!r} of {self.model.__name__}: selectable on Hub "
                    f"{dialect.version_string}: "
                    f"{', '.join(sorted(caps.fields | caps.optional_fields))}"
                )
        if self._only:
            names = tuple(dict.fromkeys(self._only + self._extra_fields))
            params.append(("fields", ",".join(meta.wire_names(dialect, names))))
        elif self._extra_fields:
            params.append(
                ("fields", ",".join("+" + w for w in meta.wire_names(dialect, self._extra_fields)))
            )
        return params

    # -- fetching --------------------------------------------------------------

    def _fetch_page(
        self, hub: Hub, params: list[tuple[str, str]], offset: int, limit: int
    ) -> tuple[list[M], dict[str, Any]]:
        meta = self.meta
        page = list(params)
        if limit < MAX_PAGE_SIZE:
            page.append(("page[limit]", str(limit)))
        if offset:
            page.append(("page[offset]", str(offset)))
        response = hub.send(meta.service, "GET", meta.path, params=page)
        request = response.request
        body = hub.transport.json(response)
        rows, page_meta = hub.dialect.unwrap_collection(
            body, method="GET", url=(request.url or "") if request else ""
        )
        schema = page_meta.get("schema")
        if isinstance(schema, Mapping):
            hub.schemas[(meta.service, meta.path)] = schema
        return load_rows(self.model, rows, hub), page_meta

    def _load(self, row: dict[str, Any], hub: Hub) -> M:
        return load(self.model, row, hub)

    def _pages(
        self, concurrency: int | None = None
    ) -> Generator[tuple[list[M], dict[str, Any]], None, None]:
        """Pages of the current window: the first alone, then up to ``concurrency`` at once."""
        hub = self._resolve_hub()
        try:
            params = self._query_params(hub)
        except EmptyResult:
            self._known_total = 0
            return
        workers = _check_concurrency(
            concurrency if concurrency is not None else self._concurrency or DEFAULT_CONCURRENCY
        )
        offset = self._offset
        remaining = self._limit
        while remaining is None or remaining > 0:
            want = self._page_size if remaining is None else min(self._page_size, remaining)
            rows, page_meta = self._fetch_page(hub, params, offset, want)
            total = _int_or_none(page_meta.get("total"))
            if total is not None:
                self._known_total = total
            yield rows, page_meta
            if not rows:
                return
            offset += len(rows)
            if remaining is not None:
                remaining -= len(rows)
            applied = _int_or_none(page_meta.get("limit"))
            if total is not None and offset >= total:
                return
            if total is None and len(rows) < (applied or want):
                return
            if total is not None and workers > 1 and (remaining is None or remaining > 0):
                # The total is known: fetch the rest concurrently, in steps of what
                # the Hub actually answered (it may cap pages below ``want``).
                step = min(want, applied or want, len(rows))
                yield from self._concurrent_pages(
                    hub, params, offset, remaining, step, workers, rows
                )
                return

    def _concurrent_pages(
        self,
        hub: Hub,
        params: list[tuple[str, str]],
        offset: int,
        remaining: int | None,
        step: int,
        workers: int,
        first: list[M],
    ) -> Iterator[tuple[list[M], dict[str, Any]]]:
        """Pages from ``offset`` on, ``workers`` requests in flight, yielded in order.

        At most ``workers`` pages are requested ahead of the consumer (memory stays
        bounded however large the collection is). The end is recomputed from the
        latest ``meta.total`` of each page as it is consumed, so rows added while
        iterating are followed and rows removed end the iteration early. Offsets
        shift when rows are added or removed mid-iteration; rows whose id was
        already yielded by one of the recent pages are skipped (no duplicates),
        and rows that shifted below an offset already read are missed, as with
        any offset pagination.
        """
        stop = None if remaining is None else offset + remaining
        total = self._known_total if self._known_total is not None else offset
        next_offset = offset
        in_flight: deque[Future[tuple[list[M], dict[str, Any]]]] = deque()
        recent: deque[Any] = deque(maxlen=(workers + 1) * step)
        seen: set[Any] = set()

        def first_time(row: M) -> bool:
            key = getattr(row, "pk", None)
            if key is None:
                return True
            if key in seen:
                return False
            if len(recent) == recent.maxlen:
                seen.discard(recent[0])
            recent.append(key)
            seen.add(key)
            return True

        for row in first:
            first_time(row)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flamehub-page")

        def end() -> int:
            return total if stop is None else min(total, stop)

        def refill() -> None:
            nonlocal next_offset
            while len(in_flight) < workers and next_offset < end():
                size = min(step, end() - next_offset)
                in_flight.append(pool.submit(self._fetch_page, hub, params, next_offset, size))
                next_offset += size

        try:
            refill()
            while in_flight:
                rows, page_meta = in_flight.popleft().result()
                page_total = _int_or_none(page_meta.get("total"))
                if page_total is not None:
                    total = page_total
                    self._known_total = page_total
                yield [row for row in rows if first_time(row)], page_meta
                if not rows:
                    return
                refill()
        finally:
            for future in in_flight:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

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
        pages = self._pages(concurrency)
        try:
            for rows, _meta in pages:
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
        _rows, page_meta = self._fetch_page(hub, params, 0, 1)
        total = _int_or_none(page_meta.get("total"))
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
        return bool(list(self._window(0, 1)))

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
        if not conditions and set(lookups) == {"id"} and not self._where:
            return self._get_by_id(lookups["id"])
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
        meta.require_operation("gettable", hub.dialect, "read by id")
        if self._includes or self._only or self._extra_fields:
            params = self._select_params(self._capabilities(hub), hub.dialect)
        else:  # nothing to check against the capabilities (the hot path of get(id=...))
            meta.require(hub.dialect)
            params = []
        try:
            body = hub.request(meta.service, "GET", f"{meta.path}/{id_segment(pk)}", params=params)
        except errors.NotFound as missing:
            raise self.model.DoesNotExist(
                f"{self.model.__name__} {pk} does not exist ({missing.request_line})"
            ) from missing
        return self._load(hub.dialect.unwrap_record(body), hub)

    # -- writes ----------------------------------------------------------------------

    def create(self, **values: Any) -> M:
        """Create a row (``POST /<path>``) and return it as the Hub stored it.

        Unknown fields, read-only fields and missing required fields raise
        :class:`~flamehub.QueryError` before anything is sent. Through a related
        manager the parent's key is filled in (``project.nodes.create(node_id=...)``).

        Example::

            node = Node.objects.create(name="site-a", realm_id=realm.id)
        """
        values = {**self._create_defaults, **values}
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("creatable", hub.dialect, "created")
        body = self._body(hub, values, creating=True)
        response = hub.request(meta.service, "POST", meta.path, json=body)
        return self._load(hub.dialect.unwrap_record(response), hub)

    def _update(self, pk: Any, values: Mapping[str, Any]) -> M:
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("updatable", hub.dialect, "updated")
        body = self._body(hub, values, creating=False)
        response = hub.request(meta.service, "POST", f"{meta.path}/{id_segment(pk)}", json=body)
        return self._load(hub.dialect.unwrap_record(response), hub)

    def delete(self) -> None:
        """Delete every matching row with one bulk request (``DELETE /<path>?filter...``).

        Only collections the Hub can bulk-delete have it (``Meta.bulk_delete``, e.g.
        the log collections of current Hubs); elsewhere it raises
        :class:`~flamehub.UnsupportedByHub` (delete objects one by one instead).
        Filters are checked exactly as for a listing, so a filter the Hub would
        ignore is refused instead of widening the delete.

        Example::

            AnalysisLog.objects.filter(analysis_id=analysis.id).delete()
        """
        self._check_not_sliced("delete")
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("bulk_delete", hub.dialect, "bulk-deleted")
        try:
            params = self._query_params(hub, ordered=False, select=False)
        except EmptyResult:
            return
        hub.send(meta.service, "DELETE", meta.path, params=params).close()

    def _delete(self, pk: Any) -> None:
        hub = self._resolve_hub()
        meta = self.meta
        meta.require_operation("deletable", hub.dialect, "deleted")
        hub.send(meta.service, "DELETE", f"{meta.path}/{id_segment(pk)}").close()

    def _body(self, hub: Hub, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        meta = self.meta
        dialect = hub.dialect
        converter = converter_for(dialect)
        name = self.model.__name__
        action = "create" if creating else "update"
        allowed = {
            field: spec
            for field, spec in meta.scalar_fields.items()
            if (spec.options.create if creating else spec.options.update)
        }
        body: dict[str, Any] = {}
        for field, value in values.items():
            spec = meta.fields.get(field)
            if spec is None:
                raise errors.QueryError(
                    f"{name} has no field {field!r}; fields it accepts on {action}: "
                    f"{', '.join(sorted(allowed))}"
                )
            if field not in allowed:
                other = "create-only" if spec.options.create else "read-only"
                if spec.options.update and creating:
                    other = "update-only"
                raise errors.QueryError(
                    f"{name}.{field} is {other}: the Hub would silently ignore it on {action}; "
                    f"fields it accepts on {action}: {', '.join(sorted(allowed))}"
                )
            if not spec.exists_on(dialect.generation):
                raise errors.UnsupportedByHub(
                    f"{name}.{field} does not exist on Hub {dialect.version_string}"
                )
            check_value(name, spec, value)
            body[spec.wire(dialect)] = converter.to_wire(value)
        if creating:
            required = meta.required_on_create(dialect.generation)
            missing = [key for key in allowed if key in required and values.get(key) is None]
            if missing:
                raise errors.QueryError(f"{name} needs {', '.join(missing)} to be created")
        return body


class Manager(QuerySet[M]):
    """``Model.objects``: the QuerySet of every row, and the entry point of queries.

    Example::

        Node.objects.filter(name="site-a")
        Node.objects.create(name="site-b", realm_id=realm.id)
    """

    def __repr__(self) -> str:
        return f"<Manager of {self.model.__name__}>"


def load(model: type[M], row: dict[str, Any], hub: Hub | None) -> M:
    """A ``model`` instance from a wire row of ``hub``'s generation, bound to ``hub``."""
    if hub is None:
        raise errors.ConfigurationError("loading a row needs the hub it came from")
    return load_rows(model, [row], hub)[0]


def load_rows(model: type[M], rows: list[dict[str, Any]], hub: Hub) -> list[M]:
    """:func:`load` for a page of rows (the converter and its loader are looked up once)."""
    load_row = converter_for(hub.dialect).loader_for(model)
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
        for name in relations:
            related = getattr(instance, name)
            if related is not None:  # (most rows embed nothing)
                _bind_relation(related, hub)
        instances.append(instance)
    return instances


def _bind(instance: Resource, hub: Hub | None) -> None:
    instance._mark_loaded(hub)
    for name in meta_of(type(instance)).relations:
        _bind_relation(getattr(instance, name), hub)


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


def _check_concurrency(workers: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"concurrency must be an int, not {workers!r}")
    if not 1 <= workers <= MAX_CONCURRENCY:
        raise errors.QueryError(
            f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {workers}"
        )
    return workers


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else "-" + key


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
