"""Relations over a whole query: ``prefetch_related``, ``select_related``, ``in_bulk``.

A forward relation (``node.realm``) loads itself on first access, one ``GET`` per
object (:mod:`flamehub.resources.related`). Over many rows that is one request per
row; this module batches them, as Django's ``prefetch_related`` does:

- after each page of a QuerySet, the distinct ids of each named relation that the
  rows do not already hold are fetched with ``filter(id__in=...)`` in batches of at
  most :data:`BATCH_SIZE` ids (one page each), the batches in flight bounded by the
  QuerySet's concurrency; a collection the Hub cannot filter by id is read with one
  ``GET /<path>/<id>`` per id instead;
- rows (of all the pages of one evaluation) that share an id share one object;
- a related id the Hub no longer has yields ``None`` for that row;
- a reverse relation (``project.nodes``, a related manager) is fetched by
  ``filter(<key>__in=...)`` over the parents' ids, and ``project.nodes.all()`` is then
  answered from those rows without a request;
- ``a__b`` follows ``b`` on the objects ``a`` brought, at any depth, across services.

``select_related`` asks the Hub to embed (``include``) what the declaration allows
for the relation on that Hub generation (``Meta.includes``), and prefetches the rest.

Example::

    for node in Node.objects.prefetch_related("realm"):   # pages + one realm request
        print(node.name, node.realm.name)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .. import errors
from ..dialects import MAX_PAGE_SIZE
from ..resources.base import RelatedManagerField, Resource, meta_of, objects_on
from ..resources.loading import dialect_of
from ..resources.related import (
    defer,
    forward_relations,
    loaded_relation,
    set_loaded_relation,
)
from .paging import DEFAULT_CONCURRENCY
from .q import LOOKUP_SEPARATOR

if TYPE_CHECKING:
    from .queryset import QuerySet

__all__ = [
    "BATCH_SIZE",
    "Prefetcher",
    "after_get",
    "check_relation_paths",
    "fetch_by_ids",
    "filter_field",
    "get_then_read_relations",
    "merge",
    "reads_relations_by_key",
    "reverse_relations",
    "select_includes",
]

M = TypeVar("M", bound=Resource)

#: Ids per ``id__in`` request: what one page of the Hub returns.
BATCH_SIZE = MAX_PAGE_SIZE

#: A tree of relation names: ``{"project": {"master_image": {}}}``.
Tree = dict[str, "Tree"]


def reverse_relations(model: type[Resource]) -> dict[str, RelatedManagerField[Any]]:
    """The related managers (reverse relations) of ``model`` by name.

    Example::

        reverse_relations(Project)["nodes"].field     # 'project_id'
    """
    found: dict[str, RelatedManagerField[Any]] = {}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, RelatedManagerField):
                found[name] = value
    return found


def _relation_names(model: type[Resource], *, reverse: bool) -> list[str]:
    names = list(forward_relations(model))
    if reverse:
        names += list(reverse_relations(model))
    return sorted(names)


def check_relation_paths(
    model: type[Resource], paths: Iterable[str], *, reverse: bool, method: str
) -> Tree:
    """``paths`` (``"project__master_image"``) as a tree, each step checked against the
    declarations; a name that is no relation raises :class:`~flamehub.QueryError`.

    Example::

        check_relation_paths(Analysis, ["project__master_image"], reverse=True,
                             method="prefetch_related")
    """
    tree: Tree = {}
    for path in paths:
        if not isinstance(path, str) or not path:
            raise errors.QueryError(f"{method}() takes relation names, not {path!r}")
        current, node = model, tree
        for step in path.split(LOOKUP_SEPARATOR):
            forward = forward_relations(current)
            backward = reverse_relations(current)
            if step in forward:
                following: type[Resource] = forward[step].target(current)
            elif step in backward:
                if not reverse:
                    raise errors.QueryError(
                        f"{method}({path!r}): {current.__name__}.{step} is a reverse relation "
                        f"(a related manager); use prefetch_related({path!r})"
                    )
                following = backward[step].target()
            else:
                raise errors.QueryError(
                    f"{method}({path!r}): {current.__name__} has no relation {step!r}; its "
                    f"relations: {', '.join(_relation_names(current, reverse=reverse))}"
                )
            node = node.setdefault(step, {})
            current = following
    return tree


def select_includes(query: QuerySet[Any], includable: frozenset[str]) -> tuple[str, ...]:
    """The relations of ``select_related()`` the Hub embeds for this query (``include``):
    the first step of each path, where the declaration allows it on this Hub."""
    heads = (path.split(LOOKUP_SEPARATOR)[0] for path in query._select)
    return tuple(name for name in dict.fromkeys(heads) if name in includable)


# -- filters on relations ----------------------------------------------------------------


def filter_field(model: type[Resource], field: str) -> str:
    """The field a filter on ``field`` compares: ``realm`` (an object or id) is
    ``realm_id``, as in Django; a filter across a relation (``realm__name``) cannot be
    sent to the Hub and raises :class:`~flamehub.QueryError` saying what to do instead.

    Example::

        filter_field(Node, "realm")          # 'realm_id'
        filter_field(Node, "realm__name")    # QueryError: ... filter(realm_id__in=...)
    """
    meta = meta_of(model)
    forward = forward_relations(model)
    if field in forward and forward[field].id_field in meta.scalar_fields:
        return forward[field].id_field
    head, separator, rest = field.partition(LOOKUP_SEPARATOR)
    if not separator:
        return field
    name = model.__name__
    if head in forward and forward[head].id_field in meta.scalar_fields:
        target = forward[head].target(model).__name__
        raise errors.QueryError(
            f"cannot filter {name} by {field!r}: the Hub filters a collection by its own "
            f"fields only, not across the relation {head!r}; select the ids first, e.g. "
            f"{name}.objects.filter({forward[head].id_field}__in=[row.id for row in "
            f"{target}.objects.filter({rest}=...)]) (two queries)"
        )
    backward = reverse_relations(model)
    if head in backward:
        manager = backward[head]
        raise errors.QueryError(
            f"cannot filter {name} by {field!r}: the Hub filters a collection by its own "
            f"fields only, not across the reverse relation {head!r}; query "
            f"{manager.model_name}.objects.filter({rest}=...) and use its {manager.field}"
        )
    return field


# -- fetching many rows by id ---------------------------------------------------------


def _run(tasks: Sequence[Callable[[], Any]], concurrency: int) -> list[Any]:
    """Run ``tasks``, at most ``concurrency`` at a time; results in order."""
    if len(tasks) <= 1 or concurrency <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(tasks)), thread_name_prefix="flamehub-prefetch"
    ) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _key(value: Any) -> str:
    return str(value)


def _batches(keys: list[str]) -> list[list[str]]:
    """``keys`` in runs of at most :data:`BATCH_SIZE` (one ``__in`` request each)."""
    return [keys[start : start + BATCH_SIZE] for start in range(0, len(keys), BATCH_SIZE)]


def _filterable(query: QuerySet[Any], field: str) -> bool:
    from . import compiler

    return field in compiler.capabilities(query, query._resolve_hub()).filters


def fetch_by_ids(query: QuerySet[Any], ids: Iterable[Any], concurrency: int) -> dict[str, Resource]:
    """The rows of ``query`` whose id is in ``ids``, by ``str(id)``: ``id__in`` batches of
    :data:`BATCH_SIZE` (one request each) where the Hub filters by id, else one
    ``GET /<path>/<id>`` per id; ids the Hub does not have are left out.

    Example::

        fetch_by_ids(Realm.objects.using(hub), realm_ids, concurrency=4)
    """
    wanted = list(dict.fromkeys(_key(pk) for pk in ids if pk is not None))
    if not wanted:
        return {}
    model = query.model
    if _filterable(query, "id"):
        batches = _batches(wanted)

        def batch_task(batch: list[str]) -> Callable[[], list[Resource]]:
            return lambda: list(query.filter(id__in=batch).iterator(concurrency=1))

        results = _run([batch_task(batch) for batch in batches], concurrency)
        rows = [row for batch_rows in results for row in batch_rows]
    else:

        def get_task(pk: str) -> Callable[[], Resource | None]:
            def get() -> Resource | None:
                try:
                    return query.get(id=pk)
                except model.DoesNotExist:
                    return None

            return get

        found = _run([get_task(pk) for pk in wanted], concurrency)
        rows = [row for row in found if row is not None]
    asked = set(wanted)
    return {_key(row.pk): row for row in rows if _key(row.pk) in asked}


# -- after each page --------------------------------------------------------------------


class Prefetcher:
    """What a QuerySet does to each page it reads: defer the fields ``only()`` left out,
    fetch ``prefetch_related()``/``select_related()`` relations. One per evaluation, so
    rows of all its pages share related objects."""

    def __init__(self, query: QuerySet[Any], concurrency: int | None) -> None:
        self.query = query
        self.hub = query._hub  # None: the default hub, resolved per service
        self.concurrency = concurrency or query._concurrency or DEFAULT_CONCURRENCY
        self.tree: Tree = {}
        for paths, reverse, method in (
            (query._prefetch, True, "prefetch_related"),
            (query._select, False, "select_related"),
        ):
            merge(
                self.tree, check_relation_paths(query.model, paths, reverse=reverse, method=method)
            )
        #: Related objects seen so far, by class and ``str(id)``.
        self.seen: dict[type[Resource], dict[str, Resource]] = {}
        self.deferred: frozenset[str] = frozenset()
        if query._only:
            hub = query._resolve_hub()
            dialect = dialect_of(hub, query.model)
            meta = meta_of(query.model)
            caps = meta.capabilities_at(dialect)
            asked = set(query._only) | set(query._extra_fields)
            self.deferred = frozenset(
                name
                for name, spec in meta.scalar_fields.items()
                if name not in asked
                and name not in caps.optional_fields
                and spec.exists_on(dialect)
            )
            for name in self.tree:  # a relation's id must be read with the row
                relation = forward_relations(query.model).get(name)
                if relation is not None and relation.id_field in self.deferred:
                    raise errors.QueryError(
                        f"only() leaves out {query.model.__name__}.{relation.id_field}, which "
                        f"the relation {name!r} needs: add it to only()"
                    )

    @classmethod
    def needed(cls, query: QuerySet[Any]) -> bool:
        return bool(query._prefetch or query._select or query._only)

    def __call__(self, rows: list[Any]) -> None:
        if self.deferred:
            for row in rows:
                defer(row, self.deferred)
        if rows and self.tree:
            self._prefetch(rows, self.tree)

    def _prefetch(self, rows: list[Resource], tree: Tree) -> None:
        model = type(rows[0])
        for name, children in tree.items():
            if name in forward_relations(model):
                related = self._forward(model, rows, name)
            else:
                related = self._reverse(model, rows, name)
            if children and related:
                self._prefetch(related, children)

    def _known(self, model: type[Resource]) -> dict[str, Resource]:
        return self.seen.setdefault(model, {})

    def _share(self, row: Resource) -> Resource:
        """The object already seen for ``row``'s class and id, else ``row`` (remembered)."""
        known = self._known(type(row))
        return known.setdefault(_key(row.pk), row) if row.pk is not None else row

    def _forward(self, model: type[Resource], rows: list[Resource], name: str) -> list[Resource]:
        relation = forward_relations(model)[name]
        target = relation.target(model)
        known = self._known(target)
        missing: list[Any] = []
        for row in rows:
            present = loaded_relation(row, name)
            if present is not None:  # embedded by include: share it
                set_loaded_relation(row, name, self._share(present))
                continue
            key = row.__dict__.get(relation.id_field) if relation.has_id_field(model) else None
            if key is not None and _key(key) not in known:
                missing.append(key)
        if missing:
            fetched = fetch_by_ids(objects_on(target, self.hub), missing, self.concurrency)
            for pk in dict.fromkeys(_key(key) for key in missing):
                known[pk] = fetched.get(pk)  # type: ignore[assignment]  # None: gone
        related: dict[int, Resource] = {}
        for row in rows:
            if loaded_relation(row, name) is not None:
                item = loaded_relation(row, name)
            elif relation.has_id_field(model):
                key = row.__dict__.get(relation.id_field)
                if key is None:
                    continue
                item = known.get(_key(key))
                set_loaded_relation(row, name, item)
            else:
                continue
            if item is not None:
                related[id(item)] = item
        return list(related.values())

    def _reverse(self, model: type[Resource], rows: list[Resource], name: str) -> list[Resource]:
        field = reverse_relations(model)[name]
        target = field.target()
        parents = [row for row in rows if row.pk is not None]
        keys = list(dict.fromkeys(_key(row.pk) for row in parents))
        query = objects_on(target, self.hub)
        children: list[Resource] = []
        if keys and _filterable(query, field.field):
            batches = _batches(keys)
            inner = 1 if len(batches) > 1 else self.concurrency

            def task(batch: list[str]) -> Callable[[], list[Resource]]:
                lookup = {f"{field.field}__in": batch}
                return lambda: list(query.filter(**lookup).iterator(concurrency=inner))

            for found in _run([task(batch) for batch in batches], self.concurrency):
                children.extend(found)
        elif keys:  # the Hub cannot filter by the key in a list: one listing per parent

            def listing(parent: Resource) -> Callable[[], list[Resource]]:
                lookup = {field.field: parent.pk}
                return lambda: list(query.filter(**lookup).iterator(concurrency=1))

            for found in _run([listing(parent) for parent in parents], self.concurrency):
                children.extend(found)
        children = [self._share(child) for child in children]
        grouped: dict[str, list[Resource]] = {}
        for child in children:
            grouped.setdefault(_key(getattr(child, field.field, None)), []).append(child)
        for row in parents:
            row.__dict__.setdefault("_prefetched", {})[name] = grouped.get(_key(row.pk), [])
        return list({id(child): child for child in children}.values())


def merge(into: Tree, other: Tree) -> Tree:
    """``other`` merged into ``into`` (in place)."""
    for name, children in other.items():
        merge(into.setdefault(name, {}), children)
    return into


def after_get(query: QuerySet[Any], row: Any) -> None:
    """The page hook for one row read by id (``get(id=...)``)."""
    if Prefetcher.needed(query):
        Prefetcher(query, None)([row])


# -- get(id=...) with include where neither the record nor the list answers it ----------
# Hub releases from 0.8.32 to 0.12.x ignore ``include`` on ``GET /<path>/<id>`` (recorded
# on 0.12.2 and 0.12.7), so QuerySet.get reads such a row through the list
# (``filter[id]=...&include=...``). Some collections do not allow ``filter[id]`` there
# either (analysis buckets and their files: the Hub would drop the key and answer every
# row). For those, the row is read by id and each included relation by its foreign key:
# the same answer as an honoured ``include``, never a silent ``None``.


def reads_relations_by_key(query: QuerySet[Any]) -> bool:
    """Whether ``query.get(id=...)`` must read its includes by their foreign keys: the
    release ignores ``include`` on a record and cannot filter the list by ``id``, and every
    included relation has its ``<relation>_id`` field selected."""
    hub = query._resolve_hub()
    meta = query.meta
    if meta.include_by_id(query._dialect(hub)):
        return False
    capabilities = query._capabilities(hub)
    if "id" in capabilities.filters or query._only:
        return False  # the list answers it (or refuses it with the usual QueryError)
    query._select_params(capabilities, query._dialect(hub))  # unknown includes raise
    forward = forward_relations(query.model)
    return all(
        name in forward and forward[name].has_id_field(query.model) for name in query._includes
    )


def get_then_read_relations(query: QuerySet[M], pk: Any) -> M:
    """The row ``pk`` read by id, then each included relation by its foreign key (one
    ``GET /<path>/<id>`` each, as the recordings of 0.12.x show)."""
    hub = query._resolve_hub()
    plain = query._clone()
    plain._includes = ()
    row = plain._get_by_id(pk)
    for name in query._includes:
        relation = forward_relations(query.model)[name]
        key = getattr(row, relation.id_field)
        related = None
        if key is not None:
            target = relation.target(query.model)
            try:
                related = objects_on(target, hub).get(id=key)
            except target.DoesNotExist:
                related = None  # a dangling key: what the Hub's include (a left join) answers
        set_loaded_relation(row, name, related)
    return row
