"""The resource machinery: declarations in, metadata, loading and persistence out.

A resource is a short declarative class::

    @resource
    class Realm(Resource):
        id: UUID | None = readonly()
        name: str | None = writable(required=True)
        ...

        class Meta:
            service = "auth"
            path = "realms"
            filters = ("id", "name", "display_name", "built_in")
            sorts = ("id", "name", "created_at", "updated_at")

``@resource`` makes it an attrs class; :func:`meta_of` turns its fields and
``Meta`` into a :class:`ResourceMeta` (wire names per generation, writable
fields, allowed query keys); ``Realm.objects`` is its manager.
"""

from __future__ import annotations

import copy
import types
import typing
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import attrs

from .. import errors
from ..dialects import Dialect, Generation
from .fields import ALL_GENERATIONS, FieldOptions, options_of

if TYPE_CHECKING:
    from ..hub import Hub
    from ..query.queryset import Manager

R = TypeVar("R", bound="Resource")

#: Every resource class by name, for relations and the endpoint table.
REGISTRY: dict[str, type[Resource]] = {}


@attrs.frozen
class FieldSpec:
    """One field of a resource, resolved: its kind and how it travels."""

    name: str
    kind: str
    type: Any
    options: FieldOptions
    many: bool = False

    def wire(self, dialect: Dialect) -> str:
        """The JSON key of this field on ``dialect``'s generation."""
        override = self.options.wire.get(dialect.generation)
        return override or dialect.wire_name(self.name)

    def exists_on(self, generation: Generation) -> bool:
        return generation in self.options.generations


@attrs.frozen
class Capabilities:
    """What a resource's list endpoint accepts on one generation (Python field names)."""

    filters: frozenset[str]
    sorts: frozenset[str]
    includes: frozenset[str]
    fields: frozenset[str]
    optional_fields: frozenset[str]
    multi_key_sort: bool
    available: bool


_CAPABILITY_KEYS = (
    "filters",
    "sorts",
    "includes",
    "fields",
    "optional_fields",
    "multi_key_sort",
    "generations",
)


class ResourceMeta:
    """Everything flamehub derives from a resource declaration."""

    def __init__(self, model: type[Resource]) -> None:
        declared = getattr(model, "Meta", None)
        if declared is None:
            raise TypeError(f"{model.__name__} needs an inner 'class Meta' with service and path")
        self.model = model
        self.name: str = getattr(declared, "name", None) or _default_name(model.__name__)
        self.verbose_name_plural: str = getattr(declared, "plural", None) or self.name + "s"
        self.service: str = declared.service
        self.path: str = declared.path.strip("/")
        self.ordering: tuple[str, ...] = tuple(getattr(declared, "ordering", ("created_at",)))
        self.server_ordering: tuple[str, ...] = tuple(getattr(declared, "server_ordering", ()))
        self.generations = frozenset(getattr(declared, "generations", ALL_GENERATIONS))
        self.creatable: bool = getattr(declared, "creatable", True)
        self.updatable: bool = getattr(declared, "updatable", True)
        self.deletable: bool = getattr(declared, "deletable", True)
        self.gettable: bool = getattr(declared, "gettable", True)
        self.fields: dict[str, FieldSpec] = _resolve_fields(model)
        self.scalar_fields = {name: f for name, f in self.fields.items() if f.kind != "relation"}
        self.relations = {name: f for name, f in self.fields.items() if f.kind == "relation"}
        base = {key: getattr(declared, key) for key in _CAPABILITY_KEYS if hasattr(declared, key)}
        self._declared: dict[Generation, dict[str, Any]] = {}
        for generation in Generation:
            merged = dict(base)
            merged.update(getattr(declared, generation.value, {}) or {})
            self._declared[generation] = merged
        self._capabilities: dict[Generation, Capabilities] = {}
        self._check_declaration()

    def _check_declaration(self) -> None:
        for generation in Generation:
            caps = self.capabilities(generation)
            unknown = (caps.filters | caps.sorts | caps.fields) - set(self.scalar_fields)
            unknown |= caps.includes - set(self.relations)
            if unknown:
                raise TypeError(
                    f"{self.model.__name__}.Meta names fields it does not declare: "
                    f"{', '.join(sorted(unknown))}"
                )

    def capabilities(self, generation: Generation) -> Capabilities:
        """The declared query vocabulary of ``generation``."""
        cached = self._capabilities.get(generation)
        if cached is not None:
            return cached
        declared = self._declared[generation]
        present = {n for n, f in self.scalar_fields.items() if f.exists_on(generation)}
        fields = frozenset(declared.get("fields", present)) & present
        caps = Capabilities(
            filters=frozenset(declared.get("filters", ())) & present,
            sorts=frozenset(declared.get("sorts", ())) & present,
            includes=frozenset(declared.get("includes", ())),
            fields=fields,
            optional_fields=frozenset(declared.get("optional_fields", ())),
            multi_key_sort=bool(declared.get("multi_key_sort", True)),
            available=generation in self.generations,
        )
        self._capabilities[generation] = caps
        return caps

    def capabilities_for(self, dialect: Dialect, schema: Mapping[str, Any] | None) -> Capabilities:
        """Capabilities on a connected Hub: its ``meta.schema`` when seen, else the declaration."""
        caps = self.capabilities(dialect.generation)
        if not schema:
            return caps
        filters = _schema_names(schema, ("filters",), dialect)
        sorts = _schema_names(schema, ("sorts", "sort"), dialect)
        relations = _schema_names(schema, ("relations",), dialect)
        fields = _schema_names(schema, ("fields",), dialect)
        indexed = _schema_flag(schema, ("sorts", "sort"), "indexed")
        return attrs.evolve(
            caps,
            filters=frozenset(filters & set(self.scalar_fields))
            if filters is not None
            else caps.filters,
            sorts=frozenset(sorts & set(self.scalar_fields)) if sorts is not None else caps.sorts,
            includes=frozenset(relations & set(self.relations))
            if relations is not None
            else caps.includes,
            fields=frozenset(fields & set(self.scalar_fields))
            if fields is not None
            else caps.fields,
            multi_key_sort=caps.multi_key_sort and indexed is not True,
        )

    def require(self, dialect: Dialect) -> None:
        """Raise :class:`~flamehub.errors.UnsupportedByHub` if the Hub lacks this resource."""
        if dialect.generation not in self.generations:
            have = " and ".join(sorted(g.value for g in self.generations))
            raise errors.UnsupportedByHub(
                f"{self.model.__name__} ({self.service} /{self.path}) does not exist on Hub "
                f"{dialect.version_string}; it exists on {have} Hubs"
            )

    def wire_names(self, dialect: Dialect, names: Iterable[str]) -> list[str]:
        return [self.fields[name].wire(dialect) for name in names]


def _schema_names(
    schema: Mapping[str, Any], keys: tuple[str, ...], dialect: Dialect
) -> set[str] | None:
    for key in keys:
        section = schema.get(key)
        if isinstance(section, Mapping):
            allowed = section.get("allowed")
            if isinstance(allowed, list):
                return {dialect.python_name(str(name)) for name in allowed}
            if allowed is None and key != "fields":
                return set()
    return None


def _schema_flag(schema: Mapping[str, Any], keys: tuple[str, ...], flag: str) -> Any:
    for key in keys:
        section = schema.get(key)
        if isinstance(section, Mapping):
            return section.get(flag)
    return None


def _default_name(class_name: str) -> str:
    out = []
    for index, char in enumerate(class_name):
        if char.isupper() and index:
            out.append("-")
        out.append(char.lower())
    return "".join(out)


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (uuid.UUID, "uuid"),
    (datetime, "datetime"),
    (date, "date"),
)


def _resolve_fields(model: type[Resource]) -> dict[str, FieldSpec]:
    attrs.resolve_types(model, localns=dict(REGISTRY))
    specs: dict[str, FieldSpec] = {}
    for field in attrs.fields(model):
        inner, many = _unwrap(field.type)
        options = options_of(field)
        kind = "json"
        if isinstance(inner, type):
            if issubclass(inner, Resource):
                kind = "relation"
            elif issubclass(inner, Enum):
                kind = "enum"
            else:
                kind = next((k for t, k in _KINDS if issubclass(inner, t)), "json")
        if many and kind != "relation":
            kind = "json"
        specs[field.name] = FieldSpec(field.name, kind, inner, options, many)
    return specs


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> X; ``list[X] | None`` -> (X, many=True)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
        return annotation, False
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        return (args[0] if args else Any), True
    return annotation, False


def meta_of(model: type[Resource]) -> ResourceMeta:
    """The :class:`ResourceMeta` of a resource class (built on first use)."""
    meta = model.__dict__.get("_meta_cache")
    if meta is None:
        meta = ResourceMeta(model)
        model._meta_cache = meta
    return meta


class _ManagerDescriptor:
    """``Model.objects``: a fresh :class:`~flamehub.query.queryset.Manager` on every access."""

    def __get__(self, instance: object, owner: type[R]) -> Manager[R]:
        if instance is not None:
            raise AttributeError(
                f"'objects' is reached through the class ({owner.__name__}.objects), "
                "not through an instance"
            )
        from ..query.queryset import Manager

        return Manager(owner)


class Resource:
    """Base of every Hub resource.

    Instances come from QuerySets (``Node.objects.get(...)``), from
    ``Node.objects.create(...)``, or are built locally (``Node(name="x")``) and
    then ``save()``\\ d.

    Example::

        node = Node.objects.create(name="site-a", realm_id=realm.id)
        node.hidden = True
        node.save()            # POST /nodes/<id> {"hidden": true}
        node.refresh()
        node.delete()
    """

    objects: ClassVar[_ManagerDescriptor] = _ManagerDescriptor()
    DoesNotExist: ClassVar[type[errors.ObjectDoesNotExist]] = errors.ObjectDoesNotExist
    MultipleObjectsReturned: ClassVar[type[errors.MultipleObjectsReturned]] = (
        errors.MultipleObjectsReturned
    )
    _meta_cache: ClassVar[ResourceMeta | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        qualname = cls.__qualname__
        cls.DoesNotExist = type(
            "DoesNotExist",
            (errors.ObjectDoesNotExist,),
            {"__module__": cls.__module__, "__qualname__": f"{qualname}.DoesNotExist"},
        )
        cls.MultipleObjectsReturned = type(
            "MultipleObjectsReturned",
            (errors.MultipleObjectsReturned,),
            {"__module__": cls.__module__, "__qualname__": f"{qualname}.MultipleObjectsReturned"},
        )
        REGISTRY[cls.__name__] = cls

    # -- state ---------------------------------------------------------------

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_hub", None)
        object.__setattr__(self, "_loaded", None)

    def _mark_loaded(self, hub: Hub | None) -> None:
        """Remember the hub and the values as the server sent them (for ``save``)."""
        object.__setattr__(self, "_hub", hub)
        object.__setattr__(
            self,
            "_loaded",
            {name: _snapshot(getattr(self, name)) for name in meta_of(type(self)).scalar_fields},
        )

    @property
    def hub(self) -> Hub | None:
        """The hub this object was loaded from or saved to (``None`` if never)."""
        return self.__dict__.get("_hub")

    @property
    def pk(self) -> Any:
        """The primary key (``id``)."""
        return getattr(self, "id", None)

    @property
    def is_saved(self) -> bool:
        """Whether this object exists on a Hub (was loaded, created or saved)."""
        return self.__dict__.get("_loaded") is not None

    def changed_fields(self) -> dict[str, Any]:
        """Fields whose values differ from what the server last sent: ``{name: value}``."""
        loaded = self.__dict__.get("_loaded")
        meta = meta_of(type(self))
        if loaded is None:
            return {
                name: getattr(self, name)
                for name in meta.scalar_fields
                if getattr(self, name) is not None
            }
        return {
            name: getattr(self, name)
            for name in meta.scalar_fields
            if getattr(self, name) != loaded.get(name)
        }

    # -- persistence -----------------------------------------------------------

    def _manager(self, using: Hub | None) -> Manager[Any]:
        manager = type(self).objects
        hub = using or self.hub
        return manager.using(hub) if hub is not None else manager

    def save(self: R, *, using: Hub | None = None) -> R:
        """Create this object, or send only its changed fields (``POST /<path>/<id>``).

        Changing a field the Hub cannot update (read-only or create-only) raises
        :class:`~flamehub.QueryError` instead of being silently dropped by the server.
        Nothing is sent when nothing changed.

        Example::

            node.hidden = True
            node.save()
        """
        manager = self._manager(using)
        if not self.is_saved:
            created = manager.create(**self.changed_fields())
            self._assign_from(created)
            return self
        changes = self.changed_fields()
        if not changes:
            return self
        updated = manager._update(self.pk, changes)
        self._assign_from(updated)
        return self

    def delete(self, *, using: Hub | None = None) -> None:
        """Delete this object on the Hub (``DELETE /<path>/<id>``).

        Example::

            node.delete()
        """
        self._manager(using)._delete(self.pk)
        object.__setattr__(self, "_loaded", None)

    def refresh(self: R, *, using: Hub | None = None) -> R:
        """Reload every field from the Hub (``GET /<path>/<id>``).

        Example::

            analysis.refresh()
            print(analysis.build_status)
        """
        fresh = self._manager(using).get(id=self.pk)
        self._assign_from(fresh)
        return self

    # -- actions ---------------------------------------------------------------------

    def _require_hub(self, using: Hub | None = None) -> Hub:
        from ..hub import default_hub

        return using or self.hub or default_hub()

    def _action(
        self,
        method: str,
        suffix: str,
        *,
        json: Any = None,
        params: Any = None,
        using: Hub | None = None,
    ) -> Any:
        """Call ``<METHOD> /<path>/<id>/<suffix>`` and return the decoded JSON body.

        The one mechanism behind resource actions (commands, credentials ...)::

            def command(self, name):
                body = self._action("POST", "command", json={"command": name})
                return self._reload_from(body)
        """
        hub = self._require_hub(using)
        meta = meta_of(type(self))
        meta.require(hub.dialect)
        if self.pk is None:
            raise errors.QueryError(f"this {type(self).__name__} has no id: save it first")
        path = f"{meta.path}/{self.pk}/{suffix.strip('/')}"
        return hub.request(meta.service, method, path, json=json, params=params)

    def _reload_from(self: R, body: Any) -> R:
        """Update this object in place from a record answer (enveloped or bare)."""
        from ..query.queryset import load

        hub = self._require_hub()
        fresh = load(type(self), hub.dialect.unwrap_record(body), hub)
        self._assign_from(fresh)
        return self

    def _assign_from(self, other: Resource) -> None:
        for name in meta_of(type(self)).fields:
            object.__setattr__(self, name, getattr(other, name))
        object.__setattr__(self, "_hub", other.hub)
        object.__setattr__(self, "_loaded", other.__dict__.get("_loaded"))


def _snapshot(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


@overload
def resource(cls: type[R]) -> type[R]: ...
@overload
def resource(cls: None = None, **attrs_options: Any) -> Any: ...
def resource(cls: type[R] | None = None, **attrs_options: Any) -> Any:
    """Class decorator that turns a :class:`Resource` subclass into an attrs class.

    Example::

        @resource
        class Realm(Resource):
            id: UUID | None = readonly()
            name: str | None = writable(required=True)

            class Meta:
                service = "auth"
                path = "realms"
    """

    def wrap(klass: type[R]) -> type[R]:
        options = {"slots": False, "eq": True, "kw_only": True}
        options.update(attrs_options)
        defined = attrs.define(klass, **options)  # type: ignore[call-overload]
        REGISTRY[defined.__name__] = defined
        return typing.cast(type[R], defined)

    return wrap(cls) if cls is not None else wrap


class RelatedManagerField(Generic[R]):
    """Declares ``project.nodes``-style navigation: a QuerySet filtered on the parent.

    Example::

        class Project(Resource):
            nodes = RelatedManagerField("ProjectNode", "project_id")
    """

    def __init__(self, model: str, field: str) -> None:
        self.model_name = model
        self.field = field

    def __get__(self, instance: Resource | None, owner: type[Resource]) -> Any:
        if instance is None:
            return self
        model = REGISTRY[self.model_name]
        manager = model.objects
        if instance.hub is not None:
            manager = manager.using(instance.hub)
        return manager.filter(**{self.field: instance.pk})
