"""Forward relations, identity and deferred fields of resource instances.

A relation is declared once, next to its id field::

    @resource
    class Node(Resource):
        realm_id: UUID | None = create_only()
        realm: Realm | None = relation()

``@resource`` puts a :class:`ForwardRelation` on the class for each ``relation()``
field. ``node.realm`` then is:

- the related object the query embedded (``include``/``select_related``), prefetched
  (``prefetch_related``) or assigned, as long as its id is still ``node.realm_id``;
- ``None`` when ``node.realm_id`` is ``None``, or when a prefetch found no such row;
- else loaded with one ``GET /realms/<id>`` on first access and kept on the instance.
  A row the Hub no longer has raises ``Realm.DoesNotExist`` (Django's behaviour for a
  dangling foreign key); a prefetch yields ``None`` for that row instead.

Assigning an instance (``node.realm = realm``, ``Node(realm=realm)``) sets
``node.realm_id``; assigning ``None`` after construction clears it.

The machinery that batches relations over a whole query is
:mod:`flamehub.query.relations`.
"""

from __future__ import annotations

import contextvars
import functools
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import errors

if TYPE_CHECKING:
    from .base import Resource

__all__ = [
    "ABSENT",
    "DEFERRED",
    "ForwardRelation",
    "defer",
    "deferred_names",
    "forward_relations",
    "install_relations",
    "load_deferred",
    "loaded_relation",
    "row_hash",
    "same_row",
    "set_loaded_relation",
    "without_loading",
]


class _Absent:
    """What a prefetch stores for a relation whose row the Hub no longer has."""

    def __repr__(self) -> str:
        return "<absent>"


#: Stored in an instance for a relation a prefetch found no row for: reads as ``None``.
ABSENT: Any = _Absent()


class _Deferred:
    """How ``repr()`` shows a field left out by ``only()`` (reading it would load the row)."""

    def __repr__(self) -> str:
        return "<deferred>"


#: What ``repr()`` shows for a deferred field (see :func:`load_deferred`).
DEFERRED: Any = _Deferred()

#: Set while ``repr()`` runs: a deferred field then reads as :data:`DEFERRED`, no request.
_NO_LOADING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "flamehub_no_loading", default=False
)


class ForwardRelation:
    """``node.realm``: the related resource of ``node.realm_id`` (see the module docs).

    Example::

        node.realm.name            # one GET /realms/<id> on first access, then cached
        node.realm = other_realm   # node.realm_id == other_realm.id
    """

    def __init__(self, name: str, id_field: str) -> None:
        self.name = name
        #: The field holding the related id (``realm_id``).
        self.id_field = id_field

    def __repr__(self) -> str:
        return f"<relation {self.name} by {self.id_field}>"

    def target(self, owner: type[Resource]) -> type[Resource]:
        """The related resource class (from the field's annotation)."""
        from .base import meta_of

        return typing.cast("type[Resource]", meta_of(owner).fields[self.name].type)

    def has_id_field(self, owner: type[Resource]) -> bool:
        from .base import meta_of

        return self.id_field in meta_of(owner).scalar_fields

    def __get__(self, instance: Resource | None, owner: type[Resource]) -> Any:
        if instance is None:
            return self
        stored = instance.__dict__.get(self.name)
        if not self.has_id_field(owner):  # an embedded-only relation: what the Hub sent
            return None if stored is ABSENT else stored
        if _NO_LOADING.get():
            return None if stored is ABSENT else stored
        key = getattr(instance, self.id_field)
        if stored is not None and stored is not ABSENT:
            if key is None or _same_id(stored.pk, key):
                return stored
        elif stored is ABSENT:
            marked = instance.__dict__.get("_absent_ids", {}).get(self.name)
            if key is None or _same_id(marked, key):
                return None
        if key is None:
            return None
        return self._load(instance, owner, key)

    def _load(self, instance: Resource, owner: type[Resource], key: Any) -> Resource:
        from .base import objects_on

        target = self.target(owner)
        try:
            related = objects_on(target, instance.hub).get(id=key)
        except target.DoesNotExist as missing:
            raise target.DoesNotExist(
                f"{owner.__name__}.{self.name}: {target.__name__} {key} "
                f"({owner.__name__}.{self.id_field}) does not exist on the Hub; "
                f"prefetch_related({self.name!r}) yields None for such rows"
            ) from missing
        instance.__dict__[self.name] = related
        return related

    def __set__(self, instance: Resource, value: Any) -> None:
        from .base import Resource

        if value is not None and not isinstance(value, Resource):
            raise errors.QueryError(
                f"{type(instance).__name__}.{self.name} takes a resource or None, not "
                f"{type(value).__name__} (set {self.id_field} to give an id)"
            )
        instance.__dict__[self.name] = value
        initialised = "_hub" in instance.__dict__
        if value is not None:
            if value.pk is None:
                raise errors.QueryError(
                    f"{type(instance).__name__}.{self.name}: this {type(value).__name__} has "
                    "no id (it was never saved to the Hub); save() it first"
                )
            instance.__dict__[self.id_field] = value.pk
        elif initialised and self.id_field in instance.__dict__:
            instance.__dict__[self.id_field] = None


def _same_id(a: Any, b: Any) -> bool:
    return a == b or str(a) == str(b)


def install_relations(cls: type[Resource], names: Iterator[str] | list[str]) -> None:
    """Put a :class:`ForwardRelation` on ``cls`` for each relation field (by ``@resource``)."""
    for name in names:
        setattr(cls, name, ForwardRelation(name, f"{name}_id"))


def forward_relations(model: type[Resource]) -> dict[str, ForwardRelation]:
    """The forward relations of ``model`` by name.

    Example::

        forward_relations(Node)["realm"].id_field     # 'realm_id'
    """
    found = _FORWARD.get(model)
    if found is None:
        found = {}
        for klass in reversed(model.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, ForwardRelation):
                    found[name] = value
        if "__attrs_attrs__" in vars(model):  # final (after @resource): keep it
            _FORWARD[model] = found
    return found


#: :func:`forward_relations` per resource class.
_FORWARD: dict[type, dict[str, ForwardRelation]] = {}


def loaded_relation(instance: Resource, name: str) -> Resource | None:
    """The related object already on ``instance`` (embedded, prefetched, assigned or
    loaded before), never a request; ``None`` if there is none or it is stale.

    Example::

        loaded_relation(node, "realm")     # None until node.realm was read or prefetched
    """
    stored = instance.__dict__.get(name)
    if stored is None or stored is ABSENT:
        return None
    relation = forward_relations(type(instance)).get(name)
    if relation is not None and relation.has_id_field(type(instance)):
        key = instance.__dict__.get(relation.id_field)
        if key is not None and not _same_id(stored.pk, key):
            return None
    return typing.cast("Resource", stored)


def set_loaded_relation(instance: Resource, name: str, related: Resource | None) -> None:
    """Store ``related`` as ``instance``'s relation ``name`` (``None``: the row is gone)."""
    if related is None:
        relation = forward_relations(type(instance))[name]
        instance.__dict__[name] = ABSENT
        instance.__dict__.setdefault("_absent_ids", {})[name] = instance.__dict__.get(
            relation.id_field
        )
    else:
        instance.__dict__[name] = related


# -- deferred fields (only()) ------------------------------------------------------------


def defer(instance: Resource, names: frozenset[str]) -> None:
    """Leave ``names`` out of ``instance``: reading one loads the row (:func:`load_deferred`)."""
    values = instance.__dict__
    loaded = values.get("_loaded")
    for name in names:
        values.pop(name, None)
        if loaded is not None:
            loaded.pop(name, None)
    values["_deferred"] = names


def deferred_names(instance: Resource) -> frozenset[str]:
    """The fields of ``instance`` not loaded yet (``only()``)."""
    return typing.cast("frozenset[str]", instance.__dict__.get("_deferred", frozenset()))


def load_deferred(instance: Resource, name: str) -> Any:
    """The value of deferred field ``name``: the row is read once (``GET /<path>/<id>``) and
    every deferred field filled in. A row the Hub no longer has raises ``DoesNotExist``.

    Example::

        node = Node.objects.only("name").first()
        node.hidden          # one GET /nodes/<id>, then node.hidden and the rest are set
    """
    from .base import meta_of, objects_on

    model = type(instance)
    deferred = deferred_names(instance)
    if _NO_LOADING.get():
        return DEFERRED
    pk = instance.__dict__.get("id")
    if pk is None:
        raise errors.QueryError(
            f"{model.__name__}.{name} was left out by only() and this row has no id to load it by"
        )
    try:
        fresh = objects_on(model, instance.hub).get(id=pk)
    except model.DoesNotExist as missing:
        raise model.DoesNotExist(
            f"{model.__name__}.{name} was left out by only(), and {model.__name__} {pk} "
            "no longer exists on the Hub to load it from"
        ) from missing
    loaded = instance.__dict__.get("_loaded")
    for field in deferred:
        if field in meta_of(model).fields:
            value = fresh.__dict__.get(field)
            instance.__dict__[field] = value
            if loaded is not None and field in meta_of(model).scalar_fields:
                loaded[field] = (fresh.__dict__.get("_loaded") or {}).get(field, value)
    instance.__dict__["_deferred"] = frozenset()
    return instance.__dict__[name]


def without_loading(function: Any) -> Any:
    """``function`` (a ``__repr__``) run so that no deferred field or relation loads."""

    @functools.wraps(function)
    def wrapper(self: Any) -> Any:
        token = _NO_LOADING.set(True)
        try:
            return function(self)
        finally:
            _NO_LOADING.reset(token)

    return wrapper


# -- identity ---------------------------------------------------------------------------


def same_row(a: Resource, b: object) -> bool:
    """Django's model equality: the same class and the same id; an unsaved instance
    (no id) equals only itself. Rows a Hub sent without an id (entries of the log
    store of current Hubs) are values: equal when their fields are."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    pk = a.pk
    if pk is not None:
        return bool(pk == getattr(b, "pk", None))
    if a.is_saved and getattr(b, "is_saved", False) and getattr(b, "pk", None) is None:
        from .base import meta_of

        return all(
            a.__dict__.get(name) == vars(b).get(name) for name in meta_of(type(a)).scalar_fields
        )
    return False


def row_hash(instance: Resource) -> int:
    """The hash of a row: its class and id. Unsaved instances are unhashable (Django)."""
    pk = instance.pk
    if pk is None:
        raise TypeError(
            f"an unsaved {type(instance).__name__} (no id) is unhashable: its id, and so its "
            "hash, changes when it is saved"
        )
    return hash((type(instance).__qualname__, pk))
