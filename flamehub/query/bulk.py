"""Writes over many rows: ``update()``, ``delete()``, ``bulk_create()``, and the
Django lookups that read before they write (``get_or_create()``, ``update_or_create()``,
``in_bulk()``, ``latest()``, ``earliest()``, ``contains()``).

The Hub has no bulk endpoints, so every bulk write is a client-side loop of single-row
requests with the QuerySet's bounded concurrency (:func:`run_rows`). The loop finishes
every row it can, then raises :class:`~flamehub.errors.BulkError` holding the rows done
and each failed row with its error (each row once). A create is never resent: a POST
that timed out is a failed row with an unknown outcome. The loop keeps to the Hub's rate
limit: it waits while a service's ``ratelimit-remaining`` is 0, the transport resends
429 answers, and rows that still end in :class:`~flamehub.errors.RateLimited` are
retried one at a time after the wait the Hub asked for, instead of failing.

Current Hubs compare strings case-insensitively (query-semantics.md), so a filter
``name="site-a"`` also returns ``"Site-A"``. Every write here re-checks the rows the Hub
returned against the exact-equality conditions on text fields (``name=v``,
``name__in=[...]``) of the query's top-level AND, case-sensitively, and leaves out the
rows that do not match
(:func:`exact_conditions`, :func:`matches_exactly`).
"""

from __future__ import annotations

import enum
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .. import errors
from ..dialects import MAX_PAGE_SIZE
from ..resources.base import Resource, meta_of, wire_body
from . import relations
from .lookups import EmptyResult
from .paging import DEFAULT_CONCURRENCY, check_concurrency
from .q import AND, Condition, Q

if TYPE_CHECKING:
    from ..hub import Hub
    from .queryset import QuerySet

__all__ = [
    "RATE_LIMIT_ROUNDS",
    "TEXT_KIND",
    "bulk_create",
    "contains",
    "delete",
    "earliest",
    "exact_conditions",
    "get_or_create",
    "in_bulk",
    "latest",
    "matches_exactly",
    "run_rows",
    "update",
    "update_or_create",
]

M = TypeVar("M", bound=Resource)
T = TypeVar("T")
R = TypeVar("R")

#: A value no field has: update_or_create() compares an unknown key as different.
_UNSET = object()
#: The field kind whose values :func:`matches_exactly` compares case-sensitively.
TEXT_KIND = "str"
#: How often a row that ended in RateLimited is tried again, one row at a time.
RATE_LIMIT_ROUNDS = 3


# -- exact matching ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Resource):
        return _plain(value.pk)
    return value


def exact_conditions(where: Q) -> list[Condition]:
    """The ``exact`` and ``in`` conditions every row of ``where`` must meet (its top-level AND)."""
    if where.negated or (where.connector != AND and len(where.children) > 1):
        return []
    return [
        child
        for child in where.children
        if isinstance(child, Condition) and child.lookup in ("exact", "in")
    ]


def matches_exactly(row: Resource, conditions: Iterable[Condition]) -> bool:
    """Whether ``row`` meets ``conditions`` comparing strings case-sensitively.

    Only text fields are re-checked (the Hub's case-insensitive comparisons are the
    reason); ids, enums, numbers, dates, and fields the row does not carry are left to
    the Hub (an id given in upper case still means the row).
    """
    fields = meta_of(type(row)).fields
    for condition in conditions:
        spec = fields.get(condition.field)
        if spec is None or spec.kind != TEXT_KIND:
            continue
        have = _plain(getattr(row, condition.field))
        if not isinstance(have, str):
            continue
        if condition.lookup == "in":
            wanted = [_plain(item) for item in condition.value]
            if all(isinstance(item, str) for item in wanted) and have not in wanted:
                return False
        else:
            wanted_one = _plain(condition.value)
            if isinstance(wanted_one, str) and have != wanted_one:
                return False
    return True


def _matching_rows(query: QuerySet[M]) -> list[M]:
    conditions = exact_conditions(query._where)
    return [row for row in query.iterator() if matches_exactly(row, conditions)]


# -- the loop -----------------------------------------------------------------------


def _workers(query: QuerySet[Any]) -> int:
    return check_concurrency(query._concurrency or DEFAULT_CONCURRENCY)


def run_rows(
    hub: Hub,
    service: str,
    items: Sequence[T],
    work: Callable[[T], R],
    workers: int,
) -> tuple[list[tuple[int, R]], list[tuple[int, errors.FlamehubError]]]:
    """Run ``work`` on every item, ``workers`` at a time; ``(done, failed)`` by index, in order.

    Before each request the loop waits while ``service``'s rate-limit window is used up
    (:meth:`~flamehub.ratelimit.RateLimits.pause`). Items that fail with
    :class:`~flamehub.errors.RateLimited` (the Hub did not act) are tried again one at a
    time after the wait the Hub named, up to :data:`RATE_LIMIT_ROUNDS` times.
    """
    book = hub.transport.rate_limits
    sleep = hub.transport._sleep

    def attempt(index: int) -> tuple[int, R | errors.FlamehubError]:
        pause = book.pause(service)
        if pause > 0:
            sleep(min(pause, hub.transport.retry.max_rate_limit_wait))
        try:
            return index, work(items[index])
        except errors.FlamehubError as failure:
            return index, failure

    results: dict[int, R | errors.FlamehubError] = {}
    pending = list(range(len(items)))
    if workers <= 1 or len(pending) <= 1:
        results.update(attempt(index) for index in pending)
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="flamehub-bulk") as pool:
            results.update(pool.map(attempt, pending))
    for _ in range(RATE_LIMIT_ROUNDS):
        limited = [i for i in sorted(results) if isinstance(results[i], errors.RateLimited)]
        if not limited:
            break
        for index in limited:  # slower: one at a time, after the wait the Hub asked for
            failure = results[index]
            assert isinstance(failure, errors.RateLimited)
            wait = failure.retry_after or hub.transport.retry.backoff_factor
            sleep(min(wait, hub.transport.retry.max_rate_limit_wait))
            results[index] = attempt(index)[1]
    done: list[tuple[int, R]] = []
    failed: list[tuple[int, errors.FlamehubError]] = []
    for index in sorted(results):
        outcome = results[index]
        if isinstance(outcome, errors.FlamehubError):
            failed.append((index, outcome))
        else:
            done.append((index, outcome))
    return done, failed


def _finish(
    operation: str,
    items: Sequence[Any],
    done: list[tuple[int, Any]],
    failed: list[tuple[int, errors.FlamehubError]],
) -> None:
    if failed:
        raise errors.BulkError(
            operation,
            [result for _, result in done],
            [(items[index], failure) for index, failure in failed],
        )


# -- bulk writes ----------------------------------------------------------------------


def update(query: QuerySet[M], values: Mapping[str, Any]) -> int:
    """``QuerySet.update(**values)``: one update request per matching row; rows updated."""
    query._check_not_sliced("update")
    hub = query._resolve_hub()
    meta = query.meta
    dialect = query._dialect(hub)
    meta.require_operation("updatable", dialect, "updated")
    if not values:
        raise errors.QueryError(f"{query.model.__name__}.objects.update() needs field=value")
    wire_body(query.model, dialect, values, creating=False)  # bad values fail before a request
    try:
        query._query_params(hub)
    except EmptyResult:
        return 0
    rows = _matching_rows(query)
    done, failed = run_rows(
        hub, meta.service, rows, lambda row: query._update(row.pk, values), _workers(query)
    )
    _finish("update", rows, done, failed)
    return len(done)


def delete(query: QuerySet[M]) -> tuple[int, dict[str, int]]:
    """``QuerySet.delete()``: ``(rows deleted, {"Model": rows deleted})``.

    Collections the Hub deletes by filter (``Meta.bulk_delete``: current Hubs' logs) get
    one count request and one ``DELETE /<path>?filter...``; others one ``DELETE`` per row.
    """
    query._check_not_sliced("delete")
    hub = query._resolve_hub()
    meta = query.meta
    dialect = query._dialect(hub)
    name = query.model.__name__
    if meta.allows_any("bulk_delete", [dialect.generation]):
        meta.require_operation("bulk_delete", dialect, "bulk-deleted")
        try:
            params = query._query_params(hub, ordered=False, select=False)
        except EmptyResult:
            return 0, {}
        count = query.count()
        hub.send(meta.service, "DELETE", meta.path, params=params).close()
        return count, ({name: count} if count else {})
    meta.require_operation("deletable", dialect, "deleted")
    try:
        query._query_params(hub)
    except EmptyResult:
        return 0, {}
    rows = _matching_rows(query)

    def remove(row: M) -> M | None:
        try:
            query._delete(row.pk)
        except errors.NotFound:
            return None  # gone before we came: not deleted by us, not a failure
        return row

    done, failed = run_rows(hub, meta.service, rows, remove, _workers(query))
    deleted = [(index, row) for index, row in done if row is not None]
    for _, row in deleted:
        object.__setattr__(row, "_loaded", None)
        object.__setattr__(row, "_deleted", True)
    _finish("delete", rows, deleted, failed)
    return len(deleted), ({name: len(deleted)} if deleted else {})


def bulk_create(query: QuerySet[M], objs: Iterable[M]) -> list[M]:
    """``bulk_create(objs)``: one create per object, concurrently; the objects, in order,
    each now the row the Hub stored."""
    rows = list(objs)
    model = query.model
    hub = query._resolve_hub()
    meta = query.meta
    dialect = query._dialect(hub)
    meta.require_operation("creatable", dialect, "created")
    bodies: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for position, obj in enumerate(rows):
        first = seen.setdefault(id(obj), position)
        if first != position:
            raise errors.QueryError(
                f"bulk_create(): the object at position {position} is the one at position "
                f"{first} again; it would be created twice"
            )
        if type(obj) is not model:
            raise errors.QueryError(
                f"bulk_create() of {model.__name__} got {type(obj).__name__} at position "
                f"{position}; pass {model.__name__}(...) objects"
            )
        if obj.is_saved:
            raise errors.QueryError(
                f"bulk_create(): the {model.__name__} at position {position} already exists "
                f"on a Hub (id {obj.pk}); bulk_create() only creates new rows"
            )
        values = {**query._create_defaults, **obj.changed_fields()}
        try:
            wire_body(model, dialect, values, creating=True)
        except errors.QueryError as bad:
            raise errors.QueryError(
                f"bulk_create(): the object at position {position}: {bad}"
            ) from None
        bodies.append(values)

    def create(position: int) -> M:
        created = query._create(**bodies[position])
        rows[position]._assign_from(created)
        return rows[position]

    done, failed = run_rows(hub, meta.service, range(len(rows)), create, _workers(query))
    _finish("bulk_create", rows, done, failed)
    return rows


# -- reads -----------------------------------------------------------------------------


def in_bulk(query: QuerySet[M], id_list: Iterable[Any] | None = None) -> dict[Any, M]:
    """``in_bulk(ids)``: ``{id: object}``, read by :func:`flamehub.query.relations.fetch_by_ids`
    (``id__in`` batches of 50, concurrently)."""
    if query._offset or query._limit is not None:
        raise errors.QueryStateError("cannot use in_bulk() on a sliced QuerySet")
    if id_list is None:
        return {row.pk: row for row in query.iterator()}
    # one mechanism for reading rows by id: the batches prefetch_related() sends
    found = relations.fetch_by_ids(query, (_plain(pk) for pk in id_list), _workers(query))
    return {row.pk: typing.cast("M", row) for row in found.values()}


def _sort_keys(query: QuerySet[Any], fields: Sequence[str], method: str) -> tuple[str, ...]:
    if fields:
        return tuple(fields)
    if "created_at" in meta_of(query.model).fields:
        return ("created_at",)
    raise errors.QueryError(
        f"{method}() of {query.model.__name__} needs a field name (it has no created_at)"
    )


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def latest(query: QuerySet[M], fields: Sequence[str]) -> M:
    """The row with the greatest value of ``fields`` (default ``created_at``)."""
    keys = _sort_keys(query, fields, "latest")
    return _one(query.order_by(*(_flip(key) for key in keys)), "latest")


def earliest(query: QuerySet[M], fields: Sequence[str]) -> M:
    """The row with the smallest value of ``fields`` (default ``created_at``)."""
    return _one(query.order_by(*_sort_keys(query, fields, "earliest")), "earliest")


def _one(query: QuerySet[M], method: str) -> M:
    found = query.first()
    if found is None:
        raise query.model.DoesNotExist(
            f"{method}(): no {query.model.__name__} matches {query._where!r}"
        )
    return found


def contains(query: QuerySet[M], obj: Any) -> bool:
    """Whether ``obj`` (a saved object of the model) is one of the query's rows."""
    if not isinstance(obj, query.model):
        raise TypeError(
            f"contains() of a {query.model.__name__} QuerySet needs a {query.model.__name__}, "
            f"not {type(obj).__name__}"
        )
    if obj.pk is None:
        raise errors.QueryError("contains() needs a saved object (this one has no id)")
    wanted = _plain(obj.pk)
    if query._result_cache is not None or query._offset or query._limit is not None:
        return any(_plain(row.pk) == wanted for row in query)
    return query.filter(id=obj.pk).exists()


# -- get_or_create / update_or_create ---------------------------------------------------


def _exact_lookups(
    model: type[Resource], method: str, lookups: Mapping[str, Any]
) -> dict[str, Any]:
    """The lookups as field values; QueryError for a lookup that is not exact equality."""
    if not lookups:
        raise errors.QueryError(f"{method}() needs at least one field=value lookup")
    values: dict[str, Any] = {}
    for key, value in lookups.items():
        condition = Condition.parse(key, value)
        if condition.lookup != "exact" or "__" in condition.field:
            raise errors.QueryError(
                f"{method}() of {model.__name__} accepts only exact-equality lookups "
                f"(field=value), not {key!r}: the Hub could match other rows than meant"
            )
        values[condition.field] = value
    return values


def _resolved(defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value() if callable(value) else value for key, value in (defaults or {}).items()}


def _find_exact(query: QuerySet[M], values: Mapping[str, Any]) -> M | None:
    """One list request: the row meeting ``values`` exactly, or ``None``
    (MultipleObjectsReturned for several)."""
    narrowed = query.filter(**values)
    conditions = [Condition(field, "exact", value) for field, value in values.items()]
    rows = [row for row in narrowed._window(0, MAX_PAGE_SIZE) if matches_exactly(row, conditions)]
    if len(rows) > 1:
        raise query.model.MultipleObjectsReturned(
            f"{len(rows)} {query.model.__name__} rows match {narrowed._where!r} exactly; "
            "expected at most one"
        )
    return rows[0] if rows else None


def _create_or_reread(
    query: QuerySet[M], values: Mapping[str, Any], create_values: Mapping[str, Any]
) -> tuple[M, bool]:
    try:
        return query._create(**create_values), True
    except errors.Conflict:
        # another client created it between our read and our create: read it once more
        found = _find_exact(query, values)
        if found is None:
            raise
        return found, False


def get_or_create(
    query: QuerySet[M], defaults: Mapping[str, Any] | None, lookups: Mapping[str, Any]
) -> tuple[M, bool]:
    """``(object, created)``: one list request, plus one create when nothing matched."""
    values = _exact_lookups(query.model, "get_or_create", lookups)
    found = _find_exact(query, values)
    if found is not None:
        return found, False
    return _create_or_reread(query, values, {**values, **_resolved(defaults)})


def update_or_create(
    query: QuerySet[M],
    defaults: Mapping[str, Any] | None,
    create_defaults: Mapping[str, Any] | None,
    lookups: Mapping[str, Any],
) -> tuple[M, bool]:
    """``(object, created)``: one list request, plus one update (only of fields that
    differ; none if nothing differs) or one create."""
    values = _exact_lookups(query.model, "update_or_create", lookups)
    changes = _resolved(defaults)
    found = _find_exact(query, values)
    if found is None:
        extra = _resolved(create_defaults) if create_defaults is not None else changes
        found, created = _create_or_reread(query, values, {**values, **extra})
        if created:
            return found, True
    differing = {
        key: value
        for key, value in changes.items()
        if _plain(getattr(found, key, _UNSET)) != _plain(value)  # unknown keys: _update says
    }
    if not differing:
        return found, False
    return query._update(found.pk, differing), False
