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

import contextvars
import copy
import difflib
import functools
import inspect
import json
import sys
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import attrs

from .. import errors
from ..dialects import CURRENT_GENERATION_SINCE, Dialect, Generation
from ..hub import resolve_hub
from ..tables import plain_scalar
from .fields import ALL_GENERATIONS, FieldOptions, VersionRange, options_of
from .related import (
    deferred_names,
    forward_relations,
    install_relations,
    load_deferred,
    loaded_relation,
    row_hash,
    same_row,
    without_loading,
)
from .validate import check_value

if TYPE_CHECKING:
    # Type checkers and IDEs read @resource as a dataclass-like decorator (PEP 681): each
    # resource gets a keyword-only __init__ of its declared fields, so ``Node(nmae="x")``
    # is an error in the editor. Every field helper returns a value with a default, which
    # is what the checker sees; attrs builds the real __init__ at run time.
    from typing_extensions import dataclass_transform as _dataclass_transform

    from ..hub import Hub
    from ..query.queryset import Manager, QuerySet
else:

    def _dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        """Run-time stand-in: the marker only matters to type checkers."""
        return lambda decorated: decorated


__all__ = [
    "ACTION_ATTRIBUTE",
    "LIBRARY_MODULE_PREFIX",
    "OPERATIONS",
    "REGISTRY",
    "ActionSpec",
    "Availability",
    "Capabilities",
    "FieldSpec",
    "RelatedManagerField",
    "Resource",
    "ResourceMeta",
    "ResourceRegistry",
    "action",
    "action_spec",
    "id_segment",
    "meta_of",
    "objects_on",
    "registry_key",
    "resource",
    "wire_body",
]

R = TypeVar("R", bound="Resource")

#: The modules whose resources are flamehub's own (the catalogue of :mod:`flamehub.models`).
LIBRARY_MODULE_PREFIX = "flamehub.resources."


def registry_key(model: type) -> str:
    """The key of a resource class in :data:`REGISTRY`: its module and qualified name.

    Example::

        registry_key(Node)      # 'flamehub.resources.core.Node'
    """
    return f"{model.__module__}.{model.__qualname__}"


class ResourceRegistry(MutableMapping[str, "type[Resource]"]):
    """Every declared resource class, keyed by :func:`registry_key` (module + qualified name).

    A bare class name (``REGISTRY["Node"]``) means flamehub's own resource of that
    name, so an application that declares ``class Node(flamehub.models.Node)`` changes
    neither flamehub's lookups nor its relations. Relations by name resolve in the
    declaring module first (:meth:`resolve`).

    Example::

        REGISTRY["Node"] is flamehub.models.Node                      # True
        REGISTRY["flamehub.resources.core.Node"] is flamehub.models.Node
        REGISTRY.resolve("Node", "myapp.models")      # myapp.models.Node if declared there
    """

    def __init__(self) -> None:
        self._by_key: dict[str, type[Resource]] = {}
        self._library: dict[str, type[Resource]] = {}

    def register(self, model: type[Resource]) -> None:
        """Add (or replace, e.g. after ``attrs.define``) ``model`` under its qualified key."""
        self._by_key[registry_key(model)] = model
        if model.__module__.startswith(LIBRARY_MODULE_PREFIX):
            self._library[model.__name__] = model

    def __getitem__(self, name: str) -> type[Resource]:
        found = self._by_key.get(name) or self._library.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __setitem__(self, name: str, model: type[Resource]) -> None:
        if name != registry_key(model):
            raise KeyError(
                f"{model.__name__} registers under {registry_key(model)!r}, not {name!r}"
            )
        self.register(model)

    def __delitem__(self, name: str) -> None:
        model = self[name]
        del self._by_key[registry_key(model)]
        if self._library.get(model.__name__) is model:
            del self._library[model.__name__]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def library(self) -> list[type[Resource]]:
        """flamehub's own resources (what the CLI, the compat facade and the docs list).

        Example::

            [model.__name__ for model in REGISTRY.library()][:3]
        """
        return [
            model
            for model in self._library.values()
            if getattr(model, "Meta", None) is not None and attrs.has(typing.cast(type, model))
        ]

    def namespace(self, module: str) -> dict[str, Any]:
        """Names for resolving annotations of a class declared in ``module``.

        flamehub's resources, overridden by that module's globals and its own resources.
        """
        names: dict[str, Any] = dict(self._library)
        loaded = sys.modules.get(module)
        if loaded is not None:
            names.update(vars(loaded))
        prefix = module + "."
        names.update(
            {key[len(prefix) :]: model for key, model in self._by_key.items()
             if key.startswith(prefix) and "." not in key[len(prefix) :]}
        )  # fmt: skip
        return names

    def resolve(self, name: str, module: str) -> type[Resource]:
        """The resource called ``name`` as seen from ``module``: that module's own (declared
        or imported) first, else flamehub's.

        Example::

            REGISTRY.resolve("ProjectNode", "flamehub.resources.core")
        """
        found = self.namespace(module).get(name)
        if isinstance(found, type) and issubclass(found, Resource):
            return found
        raise errors.ConfigurationError(
            f"no resource {name!r} is declared in {module} or by flamehub"
        )


#: Every resource class, for relations, the CLI, the facade and the endpoint table.
REGISTRY = ResourceRegistry()


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

    def allows_any(self, operation: str, generations: Iterable[Generation] | None = None) -> bool:
        """Whether ``operation`` exists on at least one of ``generations``.

        ``generations`` defaults to those that have the resource; a generation
        without the resource allows nothing. The CLI, completion and the compat
        facade offer an operation by this answer, the ORM refuses by :meth:`allows`.

        Example::

            meta_of(AnalysisLog).allows_any("gettable")                         # True (legacy)
            meta_of(AnalysisLog).allows_any("gettable", [Generation.CURRENT])   # False
        """
        candidates = self.generations if generations is None else generations
        return any(
            generation in self.generations and self.allows(operation, generation)
            for generation in candidates
        )

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
    attrs.resolve_types(attrs_class, localns=REGISTRY.namespace(model.__module__))
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


#: :func:`_settable_names` per class (filled on an instance's first attribute assignment).
_SETTABLE: dict[type, frozenset[str]] = {}


def _settable_names(model: type) -> frozenset[str]:
    """The public names an instance of ``model`` may set: its fields, and class attributes
    with a setter of their own (properties with ``setter``, other data descriptors)."""
    known = _SETTABLE.get(model)
    if known is not None:
        return known
    fields = {field.name for field in attrs.fields(model)} if attrs.has(model) else set()
    for name in dir(model):
        attribute = inspect.getattr_static(model, name, None)
        if hasattr(type(attribute), "__set__") and not isinstance(attribute, _ManagerDescriptor):
            fields.add(name)
    known = _SETTABLE[model] = frozenset(fields)
    return known


def _no_field_message(model: type, name: str) -> str:
    fields = sorted(field.name for field in (attrs.fields(model) if attrs.has(model) else ()))
    close = difflib.get_close_matches(name, fields, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"its fields: {', '.join(fields)}"
    return f"{model.__name__} has no field {name!r}; {hint}"


class _ManagerDescriptor:
    """``Model.objects``: a fresh :class:`~flamehub.query.queryset.Manager` on every access."""

    def __get__(self, instance: object, owner: type[R]) -> Manager[R]:
        if instance is not None:
            raise AttributeError(
                f"'objects' is reached through the class ({owner.__name__}.objects), "
                "not through an instance"
            )
        if getattr(owner, "Meta", None) is None:
            # an AttributeError (not the declaration's TypeError): help(), pydoc, inspect
            # and IPython reach every attribute of the base classes and skip these
            raise AttributeError(
                f"{owner.__name__} declares no resource (it has no inner 'class Meta'), so "
                "it has no 'objects'; use a resource class, e.g. Node.objects"
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
        # code generic over resources (``model: type[R]``) may pass any field; a resource
        # class itself gets the precise keyword-only __init__ of its fields (@resource)
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
        REGISTRY.register(cls)

    # -- state ---------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a field; any other public name is a typo and raises :class:`AttributeError`.

        Names starting with ``_`` stay free (flamehub keeps the hub binding and the
        loaded values there; subclasses may keep their own state too).

        Example::

            node.hidden = True
            node.hiden = True   # AttributeError: ... no field 'hiden'; did you mean 'hidden'?
        """
        if name[:1] == "_" or name in _settable_names(type(self)):
            object.__setattr__(self, name, value)
            assigned = self.__dict__.get("_assigned")
            if assigned is not None and name[:1] != "_":  # a lazy object's fields set
                assigned.add(name)
            return
        raise AttributeError(_no_field_message(type(self), name))

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_hub", None)
        object.__setattr__(self, "_loaded", None)
        #: fields assigned after construction, until the object is loaded or saved
        object.__setattr__(self, "_assigned", set())

    def _mark_loaded(self, hub: Hub | None) -> None:
        """Remember the hub and the values as the server sent them (for ``save``)."""
        self.__dict__.pop("_assigned", None)
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
        deferred = deferred_names(self)  # (relations) fields only() left out never changed
        if loaded is None:
            return {
                name: getattr(self, name)
                for name in meta.scalar_fields
                if name not in deferred and getattr(self, name) is not None
            }
        return {
            name: getattr(self, name)
            for name in meta.scalar_fields
            if name not in deferred and getattr(self, name) != loaded.get(name)
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
        meta = meta_of(type(self))
        for name in meta.fields:
            # (relations) a relation as loaded, never a request; a deferred field loads
            value = loaded_relation(self, name) if name in meta.relations else getattr(self, name)
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

    def _manager(self, using: Hub | None) -> QuerySet[Any]:
        return type(self).objects.using(resolve_hub(using, self.hub))

    def save(self: R, *, using: Hub | None = None) -> R:
        """Create this object, or send only its changed fields (``POST /<path>/<id>``).

        Changing a field the Hub cannot update (read-only or create-only) raises
        :class:`~flamehub.QueryError` instead of being silently dropped by the server.
        Nothing is sent when nothing changed.

        Example::

            node.hidden = True
            node.save()
        """
        if self.__dict__.get("_deleted"):
            raise errors.QueryError(_deleted_message(self))
        manager = self._manager(using)
        if not self.is_saved and self.pk is not None:
            return self._save_lazy(manager)
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
        object.__setattr__(self, "_deleted", True)

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
    # The helpers below are the API for declaring one's own actions (docs/extending.rst).

    def call_action(
        self,
        *,
        json: Any = None,
        params: Any = None,
        path_args: Mapping[str, Any] | None = None,
        using: Hub | None = None,
    ) -> Any:
        """Send the request of the running action for this object; return the decoded JSON.

        Only callable from inside a method declared with :func:`action`: the method
        and path are the declaration's (``:id`` is this object's id, other ``:name``
        placeholders come from ``path_args``), so the endpoint is stated once.
        The hub is ``using``, else the object's hub, else the default hub.

        Example::

            @action("POST", "command", body='{"command": "<command>"}')
            def command(self, name, *, using=None):
                body = self.call_action(json={"command": name}, using=using)
                return self.reload_from(body, using=using)
        """
        return _send_running_action(type(self), self, json, params, path_args, using)

    @classmethod
    def call_collection_action(
        cls,
        *,
        json: Any = None,
        params: Any = None,
        path_args: Mapping[str, Any] | None = None,
        using: Hub | None = None,
    ) -> Any:
        """Send the request of the running collection (or service) action; return the JSON.

        The counterpart of :meth:`call_action` for actions declared with
        ``scope="collection"`` (``/<path>/<suffix>``) or ``scope="service"``
        (``/<suffix>`` on the resource's service), called on no particular object,
        e.g. from a :class:`~flamehub.query.queryset.Manager` subclass.

        Example::

            class MasterImageManager(Manager["MasterImage"]):
                @action("POST", "command", scope="collection", body='{"command": "sync"}')
                def sync(self, *, using=None):
                    self.model.call_collection_action(json={"command": "sync"}, using=using)
        """
        return _send_running_action(cls, None, json, params, path_args, using)

    def update_fields(self: R, values: Mapping[str, Any], *, using: Hub | None = None) -> R:
        """Send ``values`` as an update (``POST /<path>/<id>``) even if they did not change.

        For actions whose body must carry a key explicitly (``approve()`` sends the
        approval status although it may already be ``approved``); the values go
        through the same checks and wire names as :meth:`save`, and this object is
        updated in place from the answer.

        Example::

            @action("POST", body='{"approvalStatus": "approved"}')
            def approve(self, *, using=None):
                return self.update_fields({"approval_status": "approved"}, using=using)
        """
        pk = id_segment(self)
        updated = self._manager(using)._update(pk, values)
        self._assign_from(updated)
        return self

    def reload_from(self: R, body: Any, *, using: Hub | None = None) -> R:
        """Update this object in place from a record answer (enveloped or bare); returns it.

        Example::

            body = self.call_action(json={"command": "build"}, using=using)
            return self.reload_from(body, using=using)
        """
        from ..query.queryset import load

        hub = resolve_hub(using, self.hub)
        fresh = load(type(self), hub.dialect.unwrap_record(body), hub)
        self._assign_from(fresh)
        return self

    def _assign_from(self, other: Resource) -> None:
        meta = meta_of(type(self))
        # (relations) a relation loaded here survives when its id did not change
        kept = {name: loaded_relation(self, name) for name in meta.relations}
        values = self.__dict__
        for name in meta.fields:
            if name in meta.relations:
                values[name] = other.__dict__.get(name)
            else:
                values[name] = getattr(other, name)
        for name, related in kept.items():
            if related is not None and loaded_relation(other, name) is None:
                values[name] = related
                if loaded_relation(self, name) is None:  # the id changed: drop it
                    values[name] = other.__dict__.get(name)
        values.pop("_deferred", None)
        values.pop("_assigned", None)
        object.__setattr__(self, "_hub", other.hub)
        object.__setattr__(self, "_loaded", other.__dict__.get("_loaded"))

    # -- relations: identity and deferred fields (flamehub.resources.related) ----------

    def __eq__(self, other: object) -> bool:
        """Django's model equality: same class and same id; unsaved rows equal only
        themselves.

        Example::

            Node.objects.get(id=node.id) == node      # True
        """
        return same_row(self, other)

    def __hash__(self) -> int:
        return row_hash(self)

    if not TYPE_CHECKING:  # (type checkers must still report unknown attributes)

        def __getattr__(self, name: str) -> Any:
            # reached only for names the instance lacks: a field only() left out loads
            if name[:1] != "_" and name in self.__dict__.get("_deferred", ()):
                return load_deferred(self, name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- display and pickling (issue #14) ----------------------------------------------
    # A short repr, the full dump one call away (pprint), notebook tables (_repr_html_),
    # lazy objects (Node(id=x) ... save() updates that row), pickling without the Hub.
    # The rendering itself is flamehub.tables'.

    @without_loading
    def __repr__(self) -> str:
        """``<Node site-a 3f2c9b1e>``: the class, the name (if the resource has one that is
        not secret) and the first 8 characters of the id; :meth:`pprint` shows every field.

        Example::

            node            # <Node site-a 3f2c9b1e>
            Node(name="x")  # <Node x (unsaved)>
        """
        return _short_repr(self)

    def pprint(self, *, file: typing.TextIO | None = None) -> None:
        """Print every field as aligned ``field  value`` lines (secrets as ``<hidden>``).

        Example::

            node.pprint()
            # id           3f2c9b1e-...
            # name         site-a
            # ...
        """
        from ..tables import render_record

        print(render_record(without_loading(_display_record)(self)), file=file)

    def _repr_html_(self) -> str:
        """The fields as an HTML table in Jupyter (values escaped, secrets ``<hidden>``)."""
        from ..tables import render_html_record

        return render_html_record(without_loading(_display_record)(self))

    def _fields_set(self) -> dict[str, Any]:
        """What a lazy object's ``save()`` sends: the fields given to the constructor
        (other than their defaults) and the fields assigned since, the id aside."""
        meta = meta_of(type(self))
        relations = forward_relations(type(self))
        assigned = {  # node.registry = None assigns registry_id
            relations[name].id_field if name in relations else name
            for name in self.__dict__.get("_assigned") or ()
        }
        fields = attrs.fields_dict(type(self))  # type: ignore[arg-type]
        out: dict[str, Any] = {}
        for name in meta.scalar_fields:
            if name == "id":
                continue
            value = getattr(self, name)
            if name in assigned or value != _default_of(fields[name]):
                out[name] = value
        return out

    def _save_lazy(self: R, manager: QuerySet[Any]) -> R:
        """``save()`` of an object built with an id and never loaded (python-gitlab's lazy
        objects): an update of that row sending only the fields set; nothing if none."""
        values = self._fields_set()
        if not values:
            return self
        updated = manager._update(self.pk, values)
        self._assign_from(updated)
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its Hub (a Hub holds connections and credentials): the copy
        binds to the default Hub, or ``using=``, on next use."""
        state = dict(self.__dict__)
        state["_hub"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __copy__(self: R) -> R:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self: R, memo: dict[int, Any]) -> R:
        """A deep copy of the fields that stays bound to the same Hub (the Hub is shared,
        never copied)."""
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            clone.__dict__[key] = value if key == "_hub" else copy.deepcopy(value, memo)
        return clone


#: Fields whose value names a row in a short repr (the first declared, non-secret one).
_REPR_LABELS = ("name", "display_name", "path", "key", "username")
#: A name shown as is in a short repr; any other is shown quoted (repr of the text).
_PLAIN_LABEL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:@")
#: Characters of a name a short repr shows at most.
_REPR_LABEL_CHARS = 40


def _short_repr(instance: Resource) -> str:
    model = type(instance)
    meta = meta_of(model)
    parts = [model.__name__]
    for field in _REPR_LABELS:
        spec = meta.scalar_fields.get(field)
        value = getattr(instance, field, None) if spec and not spec.options.secret else None
        if isinstance(value, str) and value:
            text = value if len(value) <= _REPR_LABEL_CHARS else value[: _REPR_LABEL_CHARS - 3]
            text += "..." if len(value) > _REPR_LABEL_CHARS else ""
            parts.append(text if set(text) <= _PLAIN_LABEL else repr(text))
            break
    pk = instance.pk
    parts.append(str(pk).replace("-", "")[:8] if pk is not None else "(unsaved)")
    return f"<{' '.join(parts)}>"


def _display_record(instance: Resource) -> dict[str, Any]:
    """Every declared field for display: secrets as ``<hidden>``, included records shortly."""
    from ..errors import SECRET_MARKER

    meta = meta_of(type(instance))
    record: dict[str, Any] = {}
    for name, spec in meta.fields.items():
        value = getattr(instance, name, None)
        if spec.kind == "relation":
            if value is None:
                continue
            value = [repr(item) for item in value] if isinstance(value, list) else repr(value)
        elif spec.options.secret and value is not None:
            value = SECRET_MARKER
        record[name] = value
    return record


def _default_of(field: Any) -> Any:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory(None) if default.takes_self else default.factory()
    return default


def _deleted_message(instance: Resource) -> str:
    """What ``save()`` says about an object whose row ``delete()`` removed: that, and how
    to create a new row (the field names only: values may be secrets)."""
    model = type(instance)
    name = model.__name__
    meta = meta_of(model)
    given = [
        field
        for field, spec in meta.scalar_fields.items()
        if spec.options.create and getattr(instance, field) is not None
    ]
    keywords = ", ".join(f"{field}=..." for field in given) or "..."
    return (
        f"this {name} (id {instance.pk}) was deleted from the Hub, so save() has no row "
        f"to update; to create a new one: {name}.objects.create({keywords})"
    )


def _dump_value(value: Any, mode: str, exclude_none: bool) -> Any:
    if isinstance(value, Resource):
        return value.model_dump(mode=mode, exclude_none=exclude_none)
    if isinstance(value, (list, tuple)):
        return [_dump_value(item, mode, exclude_none) for item in value]
    if isinstance(value, dict):
        return {key: _dump_value(item, mode, exclude_none) for key, item in value.items()}
    if mode == "python":
        return value
    return plain_scalar(value)


def _snapshot(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


@overload
def resource(cls: type[R]) -> type[R]: ...
@overload
def resource(cls: None = None, **attrs_options: Any) -> Any: ...
@_dataclass_transform(kw_only_default=True, eq_default=True)
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
        # repr=False: Resource.__repr__ is short (the full dump is pprint()); (relations)
        # eq=False: equality and hash are Resource's, class + id, as in Django
        options = {"slots": False, "eq": False, "kw_only": True, "repr": False}
        options.update(attrs_options)
        defined = attrs.define(klass, **options)  # type: ignore[call-overload]
        # (relations) each relation() field reads as its related object (related.py)
        install_relations(
            defined, [f.name for f in attrs.fields(defined) if options_of(f).relation]
        )
        if "__repr__" in defined.__dict__:
            defined.__repr__ = without_loading(defined.__repr__)
        REGISTRY.register(defined)
        return typing.cast(type[R], defined)

    return wrap(cls) if cls is not None else wrap


# -- request bodies -----------------------------------------------------------------


def _relations_as_ids(meta: ResourceMeta, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with each relation given as an object (``project=project``) sent as
    its id field (``project_id``), as Django does for a foreign key; ``None`` clears it."""
    ids: dict[str, Any] = {}
    for field, value in values.items():
        id_field = f"{field}_id"
        if (
            field in meta.relations
            and id_field in meta.scalar_fields
            and (value is None or isinstance(value, Resource))
        ):
            if id_field in values:
                raise errors.QueryError(
                    f"{field} and {id_field} name the same relation: give one of them"
                )
            ids[id_field] = None if value is None else id_segment(value, id_field)
        else:
            ids[field] = value
    return ids


def wire_body(
    model: type[Resource], dialect: Dialect, values: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """The JSON body of a create (``creating=True``) or update of ``model`` on ``dialect``.

    Unknown, read-only, create-only (on update) and update-only (on create) fields and,
    on create, missing required fields raise :class:`~flamehub.QueryError` before
    anything is sent: the Hub would drop them silently. Used by ``Model.objects.create``
    and by :meth:`Resource.save` (through the QuerySet's ``_update``).

    Example::

        wire_body(Node, hub.dialect, {"name": "site-a", "realm_id": realm.id}, creating=True)
    """
    from .convert import converter_for  # convert imports this module

    meta = meta_of(model)
    converter = converter_for(dialect)
    name = model.__name__
    action = "create" if creating else "update"
    allowed = {
        field: spec
        for field, spec in meta.scalar_fields.items()
        if (spec.on(dialect).create if creating else spec.on(dialect).update)
    }
    body: dict[str, Any] = {}
    values = _relations_as_ids(meta, values)
    for field, value in values.items():
        spec = meta.fields.get(field)
        if spec is None:
            raise errors.QueryError(
                f"{name} has no field {field!r}; fields it accepts on {action}: "
                f"{', '.join(sorted(allowed))}"
            )
        if field not in allowed:
            other = "create-only" if spec.on(dialect).create else "read-only"
            if spec.on(dialect).update and creating:
                other = "update-only"
            raise errors.QueryError(
                f"{name}.{field} is {other}: the Hub would silently ignore it on {action}; "
                f"fields it accepts on {action}: {', '.join(sorted(allowed))}"
            )
        if not spec.exists_on(dialect):
            raise errors.UnsupportedByHub(
                f"{name}.{field} does not exist on Hub {dialect.version_string}"
            )
        check_value(name, spec, value)
        body[spec.wire(dialect)] = converter.to_wire(value)
    if creating:
        required = meta.required_on_create(dialect)
        missing = [key for key in allowed if key in required and values.get(key) is None]
        if missing:
            raise errors.QueryError(f"{name} needs {', '.join(missing)} to be created")
    return body


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
        #: The module of the class that declares the field: ``model`` is looked up there.
        self.module = LIBRARY_MODULE_PREFIX
        #: The attribute name on the declaring class (``nodes``).
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.module = owner.__module__
        self.name = name

    def target(self) -> type[R]:
        """The related resource class (``ProjectNode``), looked up where the field is declared."""
        return typing.cast("type[R]", REGISTRY.resolve(self.model_name, self.module))

    @overload
    def __get__(self, instance: None, owner: type[Resource]) -> RelatedManagerField[R]: ...
    @overload
    def __get__(self, instance: Resource, owner: type[Resource]) -> QuerySet[R]: ...
    def __get__(
        self, instance: Resource | None, owner: type[Resource]
    ) -> RelatedManagerField[R] | QuerySet[R]:
        if instance is None:
            return self
        related: QuerySet[R] = objects_on(self.target(), instance.hub).filter(
            **{self.field: instance.pk}
        )
        related._create_defaults = {self.field: instance.pk}
        # (relations) rows prefetch_related() stored answer it without a request
        prefetched = instance.__dict__.get("_prefetched", {}).get(self.name)
        if prefetched is not None:
            related._result_cache = list(prefetched)
            related._prefetched_rows = True
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

    def request_path(
        self, meta: ResourceMeta, target: Resource | None, path_args: Mapping[str, Any]
    ) -> str:
        """The path of one request (relative to the service): every placeholder filled.

        ``:id`` is ``target``'s id, any other ``:name`` is ``path_args[name]``; each
        value becomes one URL segment (:func:`id_segment`).

        Example::

            spec = action_spec(Analysis.remove_client_permission)
            spec.request_path(meta_of(Analysis), analysis, {"permissionId": permission})
            # 'analyses/82fa.../client/permissions/3d5c...'
        """
        unused = dict(path_args)
        segments = []
        for segment in self.path(meta).strip("/").split("/"):
            if segment == ":id":
                if target is None:
                    raise TypeError(f"{self.path(meta)} addresses one record: call it on one")
                segment = id_segment(target)
            elif segment.startswith(":"):
                name = segment[1:]
                if name not in unused:
                    raise TypeError(f"{self.path(meta)} needs path_args[{name!r}]")
                segment = id_segment(unused.pop(name), name)
            segments.append(segment)
        if unused:
            raise TypeError(f"{self.path(meta)} has no placeholder for {', '.join(sorted(unused))}")
        return "/".join(segments)

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

    While the method runs, :meth:`Resource.call_action` and
    :meth:`Resource.call_collection_action` send exactly this endpoint: the
    declaration is the only place that names it.

    Example::

        @action("GET", "client/credentials", since=(0, 11, 4))
        def client_credentials(self, *, using=None):
            hub = resolve_hub(using, self.hub)
            return ClientCredentials.from_wire(self.call_action(using=hub), hub.dialect)
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
            hub = resolve_hub(kwargs.get("using"), _own_hub(self))
            spec.require(hub.dialect, f"{_owner_name(self)}.{func.__name__}()")
            running = _RUNNING_ACTION.set(spec)
            try:
                return func(self, *args, **kwargs)
            finally:
                _RUNNING_ACTION.reset(running)

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


#: The endpoint of the action method running in this context (see :func:`action`).
_RUNNING_ACTION: contextvars.ContextVar[ActionSpec | None] = contextvars.ContextVar(
    "flamehub_running_action", default=None
)


def _send_running_action(
    model: type[Resource],
    target: Resource | None,
    json: Any,
    params: Any,
    path_args: Mapping[str, Any] | None,
    using: Hub | None,
) -> Any:
    """Send the request declared by the running action (``call_action`` and its classmethod)."""
    spec = _RUNNING_ACTION.get()
    if spec is None:
        raise TypeError(
            "call_action()/call_collection_action() send the endpoint of the method declared "
            "with @action that calls them; call them from inside such a method"
        )
    hub = resolve_hub(using, None if target is None else target.hub)
    meta = meta_of(model)
    meta.require(hub.dialect)
    path = spec.request_path(meta, target, path_args or {})
    return hub.request(meta.service, spec.method, path, json=json, params=params)


def id_segment(value: Any, what: str = "id") -> str:
    """An id (a resource's ``pk``, a UUID, a name) as one URL path segment or body value.

    A missing id, and text that would change the path (empty, with ``/``, ``.`` or
    ``..``), raise :class:`~flamehub.errors.QueryError` before anything is sent.

    Example::

        id_segment(node)                    # 'a99721cc-d7f4-4ff2-9b95-8fec1396d348'
        id_segment("analysis_self_storage_use", "permission")
        id_segment("../users")              # QueryError: '../users' is not a valid id
    """
    raw = value.pk if isinstance(value, Resource) else value
    if raw is None:
        owner = type(value).__name__ if isinstance(value, Resource) else "object"
        raise errors.QueryError(f"this {owner} has no id: it was never saved to the Hub")
    text = str(raw)
    if not text or "/" in text or text in (".", ".."):
        raise errors.QueryError(f"{raw!r} is not a valid {what}")
    return text


def objects_on(model: type[R], hub: Hub | None) -> QuerySet[R]:
    """All objects of ``model`` on ``hub``; for ``None`` an unbound QuerySet, whose hub is
    chosen by :func:`~flamehub.hub.resolve_hub` when it runs (the default hub).

    For navigation from an object (``project.nodes``): the related rows live on the
    object's hub.

    Example::

        objects_on(AnalysisNodeLog, assignment.hub).filter(analysis_id=assignment.analysis_id)
    """
    manager = model.objects
    return manager.using(hub) if hub is not None else manager.all()


def _own_hub(target: Any) -> Hub | None:
    """The hub an object or a queryset is bound to (``None``: the default applies)."""
    if isinstance(target, Resource):
        return target.hub
    return typing.cast("Hub | None", getattr(target, "_hub", None))


def _owner_name(target: Any) -> str:
    if isinstance(target, Resource):
        return type(target).__name__
    model = getattr(target, "model", None)
    return f"{model.__name__}.objects" if isinstance(model, type) else type(target).__name__
