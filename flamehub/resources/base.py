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
import functools
import inspect
import json
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import attrs

from .. import errors
from ..dialects import CURRENT_GENERATION_SINCE, Dialect, Generation
from .fields import ALL_GENERATIONS, FieldOptions, VersionRange, options_of

if TYPE_CHECKING:
    from ..hub import Hub
    from ..query.queryset import Manager, QuerySet

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
        """The JSON key of this field on ``dialect``'s Hub.

        A field that Hub release lacks (outside its ``since``/``until``) has no key
        there: the returned ``"-name"`` is never a key of a Hub's JSON, so another
        field's key (``bucket_id`` meaning something else) is never read into it.
        """
        if not self.options.versions.unbounded and not self.options.versions.contains(
            dialect.version
        ):
            return "-" + self.name
        override = self.on(dialect).wire.get(dialect.generation)
        return override or dialect.wire_name(self.name)

    def on(self, dialect: Dialect) -> FieldOptions:
        """The options on ``dialect``'s Hub release (its :func:`~.fields.variant`, if any)."""
        return self.options.at(dialect.version) if self.options.variants else self.options

    def exists_on(self, where: Generation | Dialect) -> bool:
        """Whether a generation (some release of it) or a dialect's release has the field."""
        versions = self.options.versions
        if isinstance(where, Generation):
            return where in self.options.generations and versions.overlaps(where)
        return where.generation in self.options.generations and versions.contains(where.version)


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
    #: Filters the Hub refuses to list without (e.g. ``analysis_id`` on log collections).
    required_filters: frozenset[str] = frozenset()


#: Operations a ``Meta`` (or its ``legacy``/``current`` dict) can switch on or off.
#: ``bulk_delete`` (``DELETE /<path>?filter...``) is off unless declared; the others are on.
OPERATIONS = ("creatable", "updatable", "deletable", "gettable", "bulk_delete")

_CAPABILITY_KEYS = (
    "filters",
    "sorts",
    "includes",
    "fields",
    "optional_fields",
    "multi_key_sort",
    "generations",
    "required_filters",
    *OPERATIONS,
    "required",
)


class ResourceMeta:
    """Everything flamehub derives from a resource declaration.

    ``Meta`` keys, each overridable per generation in ``legacy = {...}`` /
    ``current = {...}``: ``filters``, ``sorts``, ``includes``, ``fields``,
    ``optional_fields``, ``multi_key_sort``, ``required_filters`` (the Hub refuses
    a listing without them), ``required`` (fields a create needs; default: the
    fields declared ``required=True``) and the :data:`OPERATIONS` switches
    ``creatable``, ``updatable``, ``deletable``, ``gettable`` and ``bulk_delete``.
    Class-level only: ``service``, ``path``, ``plural``, ``generations``,
    ``ordering``, ``server_ordering``, ``manager`` (a ``Manager`` subclass) and
    ``include_ignored_by_id`` (a :class:`~.fields.VersionRange` of releases whose
    single-record GET ignores ``include``).

    Example::

        meta_of(AnalysisLog).capabilities(Generation.CURRENT).required_filters
    """

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
        #: Hub releases whose ``GET /<path>/<id>`` ignores ``include`` (``Meta``).
        self.include_ignored_by_id: VersionRange | None = getattr(
            declared, "include_ignored_by_id", None
        )
        #: A :class:`~flamehub.query.queryset.Manager` subclass for ``Model.objects``
        #: (``Meta.manager``), for collection-level actions such as ``sync()``.
        self.manager_class: type[Manager[Any]] | None = getattr(declared, "manager", None)
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
        #: Whether some field is narrowed to Hub releases (then capabilities_at narrows).
        self._versioned = any(not spec.options.versions.unbounded for spec in self.fields.values())
        self._capabilities_at: dict[tuple[Generation, tuple[int, ...]], Capabilities] = {}
        self._check_declaration()

    def _check_declaration(self) -> None:
        for generation in Generation:
            caps = self.capabilities(generation)
            unknown = (caps.filters | caps.sorts | caps.fields) - set(self.scalar_fields)
            unknown |= caps.includes - set(self.relations)
            unknown |= self.required_on_create(generation) - set(self.scalar_fields)
            unknown |= caps.required_filters - caps.filters
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
            required_filters=frozenset(declared.get("required_filters", ())),
        )
        self._capabilities[generation] = caps
        return caps

    def capabilities_at(self, dialect: Dialect) -> Capabilities:
        """The declared vocabulary on ``dialect``'s Hub release: the generation's, without
        the fields and relations that release lacks (``since``/``until``)."""
        caps = self.capabilities(dialect.generation)
        if not self._versioned:
            return caps
        key = (dialect.generation, dialect.version)
        cached = self._capabilities_at.get(key)
        if cached is None:
            present = {name for name, spec in self.fields.items() if spec.exists_on(dialect)}
            cached = attrs.evolve(
                caps,
                filters=caps.filters & present,
                sorts=caps.sorts & present,
                includes=caps.includes & present,
                fields=caps.fields & present,
                optional_fields=caps.optional_fields & present,
                required_filters=caps.required_filters & present,
            )
            self._capabilities_at[key] = cached
        return cached

    def capabilities_for(self, dialect: Dialect, schema: Mapping[str, Any] | None) -> Capabilities:
        """Capabilities on a connected Hub: its ``meta.schema`` when seen, else the declaration."""
        caps = self.capabilities_at(dialect)
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

    def include_by_id(self, dialect: Dialect) -> bool:
        """Whether ``GET /<path>/<id>`` honours ``include`` on ``dialect``'s Hub release;
        where it does not, ``get(id=...)`` with includes reads through the list.

        Example::

            meta_of(Analysis).include_by_id(Dialect.for_version("0.12.2"))   # False
        """
        ignored = self.include_ignored_by_id
        return ignored is None or not ignored.contains(dialect.version)

    def require(self, dialect: Dialect) -> None:
        """Raise :class:`~flamehub.errors.UnsupportedByHub` if the Hub lacks this resource."""
        if dialect.generation not in self.generations:
            have = " and ".join(sorted(g.value for g in self.generations))
            raise errors.UnsupportedByHub(
                f"{self.model.__name__} ({self.service} /{self.path}) does not exist on Hub "
                f"{dialect.version_string}; it exists on {have} Hubs"
            )

    def allows(self, operation: str, generation: Generation) -> bool:
        """Whether ``operation`` (one of :data:`OPERATIONS`) exists on ``generation``.

        Example::

            meta_of(AnalysisLog).allows("bulk_delete", Generation.CURRENT)   # True
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; known: {', '.join(OPERATIONS)}")
        return bool(self._declared[generation].get(operation, operation != "bulk_delete"))

    def require_operation(self, operation: str, dialect: Dialect, what: str) -> None:
        """Raise :class:`~flamehub.errors.UnsupportedByHub` unless ``operation`` exists there.

        Example::

            meta.require_operation("creatable", hub.dialect, "created")
        """
        self.require(dialect)
        if not self.allows(operation, dialect.generation):
            raise errors.UnsupportedByHub(
                f"{self.model.__name__} cannot be {what} through the API of Hub "
                f"{dialect.version_string}"
            )

    def required_on_create(self, where: Generation | Dialect) -> frozenset[str]:
        """Fields a create needs on a generation or a dialect's Hub release
        (``Meta.required``, else ``required=True``; narrowed to the release's fields).

        Example::

            meta_of(User).required_on_create(Generation.CURRENT)   # {'name', 'email'}
        """
        generation = where if isinstance(where, Generation) else where.generation
        declared = self._declared[generation].get("required")
        if declared is not None:
            names = {
                name
                for name in declared
                if name not in self.fields or self.fields[name].exists_on(where)
            }
            if not isinstance(where, Generation):  # a release may require more (a variant)
                names.update(
                    name
                    for name, spec in self.scalar_fields.items()
                    if spec.options.variants and spec.on(where).required and spec.exists_on(where)
                )
            return frozenset(names)
        return frozenset(
            name
            for name, spec in self.scalar_fields.items()
            if (spec.options if isinstance(where, Generation) else spec.on(where)).required
            and spec.exists_on(where)
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
    attrs_class: Any = model  # an attrs class once @resource has run
    attrs.resolve_types(attrs_class, localns=dict(REGISTRY))
    specs: dict[str, FieldSpec] = {}
    for field in attrs.fields(attrs_class):
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
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
        return annotation, False
    if origin in (list, tuple, set, frozenset):
        items = typing.get_args(annotation)
        return (items[0] if items else Any), True
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

        manager_class = meta_of(owner).manager_class or Manager
        return manager_class(owner)


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

    if TYPE_CHECKING:
        # attrs makes the real keyword-only __init__ of each resource; type checkers do
        # not see through @resource, so they get this signature (unknown names are
        # refused at run time with the class's TypeError)
        def __init__(self, **fields: Any) -> None: ...

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

    # -- plain values --------------------------------------------------------------

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict; ``mode="json"`` makes every value JSON-safe.

        Named like pydantic's method, for scripts written against flame-hub-client.

        Example::

            node.model_dump(mode="json")["realm_id"]     # 'c0ffee...' (a str)
        """
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        out: dict[str, Any] = {}
        for name in meta_of(type(self)).fields:
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            out[name] = _dump_value(value, mode, exclude_none)
        return out

    def model_dump_json(self, *, indent: int | None = None, exclude_none: bool = False) -> str:
        """The fields as JSON text (see :meth:`model_dump`).

        Example::

            print(node.model_dump_json(indent=2))
        """
        return json.dumps(self.model_dump(mode="json", exclude_none=exclude_none), indent=indent)

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

        The one mechanism behind resource actions (commands, credentials ...); an
        empty ``suffix`` addresses the record itself (``/<path>/<id>``)::

            def command(self, name):
                body = self._action("POST", "command", json={"command": name})
                return self._reload_from(body)
        """
        hub = self._require_hub(using)
        meta = meta_of(type(self))
        meta.require(hub.dialect)
        if self.pk is None:
            raise errors.QueryError(f"this {type(self).__name__} has no id: save it first")
        suffix = suffix.strip("/")
        path = f"{meta.path}/{self.pk}/{suffix}" if suffix else f"{meta.path}/{self.pk}"
        return hub.request(meta.service, method, path, json=json, params=params)

    @classmethod
    def _collection_action(
        cls,
        method: str,
        suffix: str,
        *,
        json: Any = None,
        params: Any = None,
        using: Hub | None = None,
        service_path: bool = False,
    ) -> Any:
        """Call ``<METHOD> /<path>/<suffix>`` (no id) and return the decoded JSON body.

        With ``service_path=True`` the suffix is a path on the resource's service
        itself (``/services/registry/command``). The counterpart of :meth:`_action`
        for collection-level commands::

            MasterImage._collection_action("POST", "command", json={"command": "sync"})
        """
        from ..hub import default_hub

        hub = using or default_hub()
        meta = meta_of(cls)
        meta.require(hub.dialect)
        suffix = suffix.strip("/")
        path = suffix if service_path else f"{meta.path}/{suffix}"
        return hub.request(meta.service, method, path, json=json, params=params)

    def _update_fields(self: R, values: Mapping[str, Any], *, using: Hub | None = None) -> R:
        """Send ``values`` as an update (``POST /<path>/<id>``) even if they did not change.

        Used by actions whose body must carry a key explicitly (``approve()`` sends
        the approval status although it may already be ``approved``); the values go
        through the same checks and wire names as :meth:`save`.
        """
        if self.pk is None:
            raise errors.QueryError(f"this {type(self).__name__} has no id: save it first")
        updated = self._manager(using)._update(self.pk, values)
        self._assign_from(updated)
        return self

    def _reload_from(self: R, body: Any, *, using: Hub | None = None) -> R:
        """Update this object in place from a record answer (enveloped or bare)."""
        from ..query.queryset import load

        hub = self._require_hub(using)
        fresh = load(type(self), hub.dialect.unwrap_record(body), hub)
        self._assign_from(fresh)
        return self

    def _assign_from(self, other: Resource) -> None:
        for name in meta_of(type(self)).fields:
            object.__setattr__(self, name, getattr(other, name))
        object.__setattr__(self, "_hub", other.hub)
        object.__setattr__(self, "_loaded", other.__dict__.get("_loaded"))


def _dump_value(value: Any, mode: str, exclude_none: bool) -> Any:
    if isinstance(value, Resource):
        return value.model_dump(mode=mode, exclude_none=exclude_none)
    if isinstance(value, (list, tuple)):
        return [_dump_value(item, mode, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: _dump_value(item, mode, exclude_none) for key, item in value.items()}
    if mode == "python":
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


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

    Its ``create()`` fills in the parent's key.

    Example::

        class Project(Resource):
            nodes = RelatedManagerField("ProjectNode", "project_id")

        project.nodes.create(node_id=node.id)      # project_id=project.id is added
    """

    def __init__(self, model: str, field: str) -> None:
        self.model_name = model
        self.field = field

    @overload
    def __get__(self, instance: None, owner: type[Resource]) -> RelatedManagerField[R]: ...
    @overload
    def __get__(self, instance: Resource, owner: type[Resource]) -> QuerySet[R]: ...
    def __get__(
        self, instance: Resource | None, owner: type[Resource]
    ) -> RelatedManagerField[R] | QuerySet[R]:
        if instance is None:
            return self
        model = typing.cast("type[R]", REGISTRY[self.model_name])
        manager = model.objects
        if instance.hub is not None:
            manager = manager.using(instance.hub)
        related: QuerySet[R] = manager.filter(**{self.field: instance.pk})
        related._create_defaults = {self.field: instance.pk}
        return related


# -- action endpoints -----------------------------------------------------------------

#: Where each generation starts and ends (``None``: open end).
_GENERATION_RANGES: dict[Generation, tuple[tuple[int, ...], tuple[int, ...] | None]] = {
    Generation.LEGACY: ((0, 0, 0), CURRENT_GENERATION_SINCE),
    Generation.CURRENT: (CURRENT_GENERATION_SINCE, None),
}

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute under which :func:`action` keeps an :class:`ActionSpec` on a method.
ACTION_ATTRIBUTE = "__flamehub_action__"


def _version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


@attrs.frozen
class Availability:
    """Which Hubs have an endpoint: generations, optionally narrowed to versions.

    ``since`` is the first Hub version with it, ``until`` the first without it.

    Example::

        Availability(since=(0, 11, 4)).on(Dialect.for_version("0.8.13"))   # False
    """

    generations: frozenset[Generation] = ALL_GENERATIONS
    since: tuple[int, int, int] | None = None
    until: tuple[int, int, int] | None = None

    def on(self, dialect: Dialect) -> bool:
        """Whether the Hub of ``dialect`` has it.

        Example::

            Availability(generations={Generation.CURRENT}).on(hub.dialect)
        """
        if dialect.generation not in self.generations:
            return False
        if self.since is not None and dialect.version < self.since:
            return False
        return self.until is None or dialect.version < self.until

    def _span(self, generation: Generation) -> tuple[bool, bool] | None:
        """(narrowed at the start, narrowed at the end) within ``generation``, or None."""
        if generation not in self.generations:
            return None
        low, high = _GENERATION_RANGES[generation]
        start = max(low, self.since) if self.since is not None else low
        end: tuple[int, ...] | None = high
        if self.until is not None:
            end = self.until if high is None else min(high, self.until)
        if end is not None and start >= end:
            return None
        return start != low, end != high

    @property
    def present_on(self) -> frozenset[Generation]:
        """The generations in which at least one Hub version has it.

        Example::

            Availability(until=(0, 8, 22)).present_on     # frozenset({Generation.LEGACY})
        """
        return frozenset(g for g in Generation if self._span(g) is not None)

    def describe(self) -> str:
        """A short text for messages and tables.

        Example::

            Availability(since=(0, 11, 4)).describe()     # 'legacy (Hub >= 0.11.4), current'
        """
        parts = []
        for generation in Generation:
            span = self._span(generation)
            if span is None:
                continue
            narrowed_start, narrowed_end = span
            bounds = []
            if narrowed_start and self.since is not None:
                bounds.append(f">= {_version_text(self.since)}")
            if narrowed_end and self.until is not None:
                bounds.append(f"< {_version_text(self.until)}")
            text = generation.value
            parts.append(f"{text} (Hub {' and '.join(bounds)})" if bounds else text)
        return ", ".join(parts) or "no Hub"


@attrs.frozen
class ActionSpec:
    """The Hub endpoint behind an action method, recorded by :func:`action`.

    ``scope`` says how ``suffix`` is read: ``"instance"`` -> ``/<path>/:id/<suffix>``,
    ``"collection"`` -> ``/<path>/<suffix>``, ``"service"`` -> ``/<suffix>`` on the
    resource's service.
    """

    method: str
    suffix: str
    scope: str
    availability: Availability
    body: str = ""

    def path(self, meta: ResourceMeta) -> str:
        """The endpoint path of this action on ``meta``'s resource.

        Example::

            action_spec(Analysis.command).path(meta_of(Analysis))   # '/analyses/:id/command'
        """
        suffix = self.suffix.strip("/")
        if self.scope == "service":
            return f"/{suffix}"
        if self.scope == "collection":
            return f"/{meta.path}/{suffix}"
        return f"/{meta.path}/:id/{suffix}" if suffix else f"/{meta.path}/:id"

    def require(self, dialect: Dialect, what: str) -> None:
        """Raise :class:`~flamehub.errors.UnsupportedByHub` if the Hub lacks this endpoint.

        Example::

            action_spec(Node.client_credentials).require(hub.dialect, "node.client_credentials()")
        """
        if not self.availability.on(dialect):
            raise errors.UnsupportedByHub(
                f"{what} does not exist on Hub {dialect.version_string}; it exists on "
                f"{self.availability.describe()}"
            )


def action(
    method: str,
    suffix: str = "",
    *,
    scope: str = "instance",
    generations: Iterable[Generation] = ALL_GENERATIONS,
    since: tuple[int, int, int] | None = None,
    until: tuple[int, int, int] | None = None,
    body: str = "",
) -> Callable[[F], F]:
    """Declare the Hub endpoint an action method calls, and refuse it where it is missing.

    The method may only run on Hubs that have the endpoint: elsewhere it raises
    :class:`~flamehub.errors.UnsupportedByHub` before anything is sent. The
    declaration also feeds the endpoint table (``python -m flamehub._endpoints``).
    The hub is the ``using=`` argument, the object's hub, or the default hub.

    Example::

        @action("GET", "client/credentials", since=(0, 11, 4))
        def client_credentials(self, *, using=None):
            return ClientCredentials.from_wire(
                self._action("GET", "client/credentials", using=using), ...
            )
    """
    if scope not in ("instance", "collection", "service"):
        raise ValueError(f"unknown action scope {scope!r}")
    spec = ActionSpec(
        method=method.upper(),
        suffix=suffix,
        scope=scope,
        availability=Availability(frozenset(generations), since, until),
        body=body,
    )

    def wrap(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            signature.bind(self, *args, **kwargs)  # a wrong call is a TypeError, as always
            hub = _hub_for_action(self, kwargs.get("using"))
            spec.require(hub.dialect, f"{_owner_name(self)}.{func.__name__}()")
            return func(self, *args, **kwargs)

        setattr(wrapper, ACTION_ATTRIBUTE, spec)
        return typing.cast(F, wrapper)

    return wrap


def action_spec(obj: Any) -> ActionSpec | None:
    """The :class:`ActionSpec` of a method declared with :func:`action`, else ``None``.

    Example::

        action_spec(Analysis.build_start).body     # '{"command": "buildStart"}'
    """
    spec = getattr(obj, ACTION_ATTRIBUTE, None)
    return spec if isinstance(spec, ActionSpec) else None


def _hub_for_action(target: Any, using: Hub | None) -> Hub:
    if using is not None:
        return using
    if isinstance(target, Resource):
        return target._require_hub()
    hub = getattr(target, "_hub", None)
    if hub is not None:
        return typing.cast("Hub", hub)
    from ..hub import default_hub

    return default_hub()


def _owner_name(target: Any) -> str:
    if isinstance(target, Resource):
        return type(target).__name__
    model = getattr(target, "model", None)
    return f"{model.__name__}.objects" if isinstance(model, type) else type(target).__name__
