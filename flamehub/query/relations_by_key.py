"""``get(id=...)`` with ``include`` where neither the record nor the list can answer it.

Hub releases from 0.8.32 to 0.12.x ignore ``include`` on ``GET /<path>/<id>`` (recorded on
0.12.2 and 0.12.7), so :meth:`QuerySet.get` reads such a row through the list
(``filter[id]=...&include=...``). Some collections do not allow ``filter[id]`` there either
(analysis buckets and their files: the Hub would drop the key and answer every row). For
those, the row is read by id and each included relation by its foreign key
(``analysis_bucket`` by ``analysis_bucket_id``): two or three requests, the same answer as
an honoured ``include``, never a silent ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..resources.base import Resource
    from .queryset import QuerySet

__all__ = ["get_then_read_relations", "reads_relations_by_key"]

M = TypeVar("M", bound="Resource")


def reads_relations_by_key(queryset: QuerySet[Any]) -> bool:
    """Whether ``queryset.get(id=...)`` must read its includes by their foreign keys: the
    release ignores ``include`` on a record and cannot filter the list by ``id``, and every
    included relation has its ``<relation>_id`` field selected."""
    hub = queryset._resolve_hub()
    meta = queryset.meta
    if meta.include_by_id(queryset._dialect(hub)):
        return False
    capabilities = queryset._capabilities(hub)
    if "id" in capabilities.filters or queryset._only:
        return False  # the list answers it (or refuses it with the usual QueryError)
    queryset._select_params(capabilities, queryset._dialect(hub))  # unknown includes raise
    return all(f"{name}_id" in meta.scalar_fields for name in queryset._includes)


def get_then_read_relations(queryset: QuerySet[M], pk: Any) -> M:
    """The row ``pk`` read by id, then each included relation by its foreign key."""
    hub = queryset._resolve_hub()
    plain = queryset._clone()
    plain._includes = ()
    row = plain._get_by_id(pk)
    for name in queryset._includes:
        key = getattr(row, f"{name}_id")
        related = None
        if key is not None:
            target = queryset.meta.relations[name].type
            try:
                related = target.objects.using(hub).get(id=key)
            except target.DoesNotExist:
                related = None  # a dangling key: what the Hub's include (a left join) answers
        setattr(row, name, related)
    return row
