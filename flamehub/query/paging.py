"""Reading a query's rows page by page: the window enforced, the paging metadata checked.

Every page names its ``page[limit]`` (Hub 0.8.13 answers *every* row of some
collections without it) and ``page[offset]`` when not 0; whatever the server
answers, no more rows than the page asked for are kept. ``meta.total`` must be a
row count, a page must not repeat the rows before it (a server ignoring
``page[offset]``) and an empty page must not come before the announced total:
each of these ends in :class:`~flamehub.InvalidResponse` naming the request's
URL, never in an endless loop or rows read twice. Once the first page has told
``meta.total``, the remaining pages are fetched by a small thread pool
(:data:`DEFAULT_CONCURRENCY` requests in flight) and yielded in order.

Example::

    for rows in pages(Node.objects.filter(hidden=False)):
        ...                          # one list of instances per page
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .. import errors
from ..resources.base import Resource
from ..resources.loading import load_rows
from .lookups import EmptyResult

if TYPE_CHECKING:
    from ..hub import Hub
    from .queryset import QuerySet

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "Page",
    "check_concurrency",
    "fetch_page",
    "pages",
]

M = TypeVar("M", bound=Resource)

#: Pages fetched at the same time once ``meta.total`` is known (``1`` = one by one).
DEFAULT_CONCURRENCY = 4
#: Upper bound of :meth:`QuerySet.concurrency`: requests' default connection pool
#: keeps 10 connections per host, so up to this many requests reuse their connections.
MAX_CONCURRENCY = 10


def fetch_page(
    query: QuerySet[M], hub: Hub, params: list[tuple[str, str]], offset: int, limit: int
) -> Page[M]:
    """One page: ``page[limit]`` always sent, ``page[offset]`` when not 0.

    The answer is held to the window asked for: rows beyond ``limit`` are
    dropped (a Hub that ignores ``page[limit]`` answers every row), and a
    ``meta.total`` that is not a row count, or a ``meta.offset`` other than
    the one sent, raises :class:`~flamehub.InvalidResponse`.
    """
    meta = query.meta
    page = [*params, ("page[limit]", str(limit))]
    if offset:
        page.append(("page[offset]", str(offset)))
    response = hub.send(meta.service, "GET", meta.path, params=page)
    request = response.request
    url = (request.url or "") if request else ""
    body = hub.transport.json(response)
    rows, page_meta = query._dialect(hub).unwrap_collection(body, method="GET", url=url)
    total = _meta_count(page_meta, "total", url)
    answered_offset = _meta_count(page_meta, "offset", url)
    if answered_offset is not None and answered_offset != offset:
        raise _paging_error(
            url, f"it answered page[offset]={answered_offset} to page[offset]={offset}"
        )
    schema = page_meta.get("schema")
    if isinstance(schema, Mapping):
        hub.schemas[(meta.service, meta.path)] = schema
    applied = _int_or_none(page_meta.get("limit"))
    loaded = load_rows(query.model, rows[:limit], hub)
    return Page(loaded, total, applied if applied and applied > 0 else None, offset, url)


def pages(query: QuerySet[M], concurrency: int | None = None) -> Generator[list[M], None, None]:
    """Rows of the current window page by page: the first alone, then up to
    ``concurrency`` pages at once once ``meta.total`` is known.

    Never more rows than the window, never a row twice, never an endless loop:
    a page that repeats the rows of the pages before it (a server ignoring
    ``page[offset]``) or an empty page before the announced ``meta.total``
    raises :class:`~flamehub.InvalidResponse`.
    """
    hub = query._resolve_hub()
    try:
        params = query._query_params(hub)
    except EmptyResult:
        query._known_total = 0
        return
    workers = check_concurrency(
        concurrency if concurrency is not None else query._concurrency or DEFAULT_CONCURRENCY
    )
    offset = query._offset
    remaining = query._limit
    seen = _RecentRows(2 * query._page_size)
    while remaining is None or remaining > 0:
        want = query._page_size if remaining is None else min(query._page_size, remaining)
        page = fetch_page(query, hub, params, offset, want)
        if page.total is not None:
            query._known_total = page.total
        if not page.rows:
            _check_exhausted(page)
            return
        yield seen.fresh(page)
        offset += len(page.rows)
        if remaining is not None:
            remaining -= len(page.rows)
        if page.total is not None and offset >= page.total:
            return
        if page.total is None and len(page.rows) < (page.limit or want):
            return
        if page.total is not None and workers > 1 and (remaining is None or remaining > 0):
            # The total is known: fetch the rest concurrently, in steps of what
            # the Hub actually answered (it may cap pages below ``want``).
            step = min(want, page.limit or want, len(page.rows))
            yield from _concurrent_pages(query, hub, params, offset, remaining, step, workers, seen)
            return


def _concurrent_pages(
    query: QuerySet[M],
    hub: Hub,
    params: list[tuple[str, str]],
    offset: int,
    remaining: int | None,
    step: int,
    workers: int,
    seen: _RecentRows,
) -> Iterator[list[M]]:
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
    total = query._known_total if query._known_total is not None else offset
    next_offset = offset
    in_flight: deque[Future[Page[M]]] = deque()
    seen.widen((workers + 1) * step)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flamehub-page")

    def end() -> int:
        return total if stop is None else min(total, stop)

    def refill() -> None:
        nonlocal next_offset
        while len(in_flight) < workers and next_offset < end():
            size = min(step, end() - next_offset)
            in_flight.append(pool.submit(fetch_page, query, hub, params, next_offset, size))
            next_offset += size

    try:
        refill()
        while in_flight:
            page = in_flight.popleft().result()
            if page.total is not None:
                total = page.total
                query._known_total = page.total
            if not page.rows:
                _check_exhausted(page)
                return
            yield seen.fresh(page)
            refill()
    finally:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


@attrs.frozen
class Page(Generic[M]):
    """One answered page, held to the window asked for."""

    rows: list[M]
    #: ``meta.total`` (checked to be a row count), if the Hub sent one.
    total: int | None
    #: ``meta.limit``: the page size the Hub applied, if it said.
    limit: int | None
    offset: int
    url: str


class _RecentRows:
    """The ids of the rows yielded by the last pages: no row is yielded twice.

    Offsets shift when rows are added in front while paging, so a page may repeat
    a few rows of the one before (skipped); a page that holds *only* rows already
    yielded means the server ignored ``page[offset]``, which would otherwise loop
    or repeat rows (and, for ``for n in qs: n.delete()``, delete twice).
    """

    def __init__(self, size: int) -> None:
        self._order: deque[Any] = deque(maxlen=size)
        self._keys: set[Any] = set()
        #: The rows of the page before, to catch a repeated page of rows without ids.
        self._previous: list[Any] | None = None
        #: The first page, remembered only once a second page comes (a query of one
        #: page does no work per row here).
        self._unremembered: list[Any] | None = None

    def widen(self, size: int) -> None:
        """Remember at least ``size`` rows (concurrent pages keep more in flight)."""
        if size > (self._order.maxlen or 0):
            self._order = deque(self._order, maxlen=size)

    def fresh(self, page: Page[M]) -> list[M]:
        """The rows of ``page`` not yielded before; InvalidResponse if there are none."""
        if self._previous is None:
            self._previous = self._unremembered = page.rows
            return page.rows
        if page.rows == self._previous:  # also catches rows without an id
            raise self._repeated(page)
        if self._unremembered is not None:
            self._remember(self._unremembered)
            self._unremembered = None
        self._previous = page.rows
        rows = self._remember(page.rows)
        if page.rows and not rows:
            raise self._repeated(page)
        return rows

    def _remember(self, rows: list[M]) -> list[M]:
        """``rows`` not seen before, each now remembered."""
        new = []
        for row in rows:
            key = getattr(row, "pk", None)
            if key is not None:
                if key in self._keys:
                    continue
                if len(self._order) == self._order.maxlen:
                    self._keys.discard(self._order[0])
                self._order.append(key)
                self._keys.add(key)
            new.append(row)
        return new

    @staticmethod
    def _repeated(page: Page[Any]) -> errors.InvalidResponse:
        return _paging_error(
            page.url,
            f"the page at offset {page.offset} repeats rows already read "
            "(the server ignores page[offset])",
        )


def _check_exhausted(page: Page[Any]) -> None:
    """An empty page ends the rows, unless its own ``meta.total`` promises more."""
    if page.total is not None and page.offset < page.total:
        raise _paging_error(
            page.url,
            f"meta.total announces {page.total} rows, but the page at offset "
            f"{page.offset} is empty",
        )


def _meta_count(page_meta: Mapping[str, Any], key: str, url: str) -> int | None:
    """``meta[key]`` as a row count (``None`` if absent); InvalidResponse if it is none."""
    value = page_meta.get(key)
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _paging_error(url, f"meta.{key} is {value!r}, not a number of rows")
    return value


def _paging_error(url: str, problem: str) -> errors.InvalidResponse:
    return errors.InvalidResponse(
        f"cannot page through GET {url}: {problem}", method="GET", url=url
    )


def check_concurrency(workers: int) -> int:
    """``workers`` if it is a valid :meth:`QuerySet.concurrency`, else TypeError/QueryError."""
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"concurrency must be an int, not {workers!r}")
    if not 1 <= workers <= MAX_CONCURRENCY:
        raise errors.QueryError(
            f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {workers}"
        )
    return workers


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
