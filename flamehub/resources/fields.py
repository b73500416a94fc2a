"""Field declarations for resources: who may write a field, and when.

A resource is an attrs class whose fields are declared with these helpers::

    @resource
    class Node(Resource):
        id: UUID | None = readonly()
        name: str | None = writable(required=True)
        realm_id: UUID | None = create_only()
        registry: Registry | None = relation()

Every field defaults to ``None``. A row fetched with ``.only("id", "name")`` loads
the others on first read (:mod:`flamehub.resources.related`), and ``relation()``
fields read as the related object (loaded by id on first access).

Where Hub releases differ inside a generation, a field is narrowed to a range of
Hub versions (``since``: the first release with it, ``until``: the first without
it), and options that change on a range are declared as a :func:`variant`::

    name: str | None = writable(until=(0, 8, 22))          # Hub < 0.8.22 only
    analysis_bucket_id: UUID | None = create_only(
        variants=(variant(until=(0, 8, 22), legacy="bucket_id"),)
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..dialects import CURRENT_GENERATION_SINCE, Generation
from ..errors import hidden_repr

__all__ = [
    "ALL_GENERATIONS",
    "METADATA_KEY",
    "FieldOptions",
    "VersionRange",
    "create_only",
    "options_of",
    "readonly",
    "relation",
    "update_only",
    "variant",
    "writable",
]

#: The attrs metadata key under which flamehub keeps a field's options.
METADATA_KEY = "flamehub"
#: Both API generations.
ALL_GENERATIONS = frozenset(Generation)
#: A Hub release as compared here: ``(0, 8, 22)``.
Version = tuple[int, int, int]


@attrs.frozen
class VersionRange:
    """Hub releases from ``since`` (included) to ``until`` (excluded); ``None``: open.

    Example::

        VersionRange(until=(0, 8, 22)).contains((0, 8, 13))     # True
    """

    since: Version | None = None
    until: Version | None = None

    def contains(self, version: tuple[int, ...]) -> bool:
        """Whether the Hub release ``version`` lies in the range."""
        if self.since is not None and version < self.since:
            return False
        return self.until is None or version < self.until

    def overlaps(self, generation: Generation) -> bool:
        """Whether some release of ``generation`` lies in the range."""
        if generation is Generation.LEGACY:
            return self.since is None or self.since < CURRENT_GENERATION_SINCE
        return self.until is None or self.until > CURRENT_GENERATION_SINCE

    @property
    def unbounded(self) -> bool:
        return self.since is None and self.until is None


@attrs.frozen
class FieldOptions:
    """How a field travels: which bodies may carry it, its wire names, which Hubs have it."""

    create: bool = False
    update: bool = False
    required: bool = False
    relation: bool = False
    secret: bool = False
    wire: Mapping[Generation, str] = attrs.field(factory=dict)
    generations: frozenset[Generation] = ALL_GENERATIONS
    #: The Hub releases that have the field (within ``generations``).
    versions: VersionRange = VersionRange()
    #: Options that differ on a range of releases, first match wins (see :func:`variant`).
    variants: tuple[tuple[VersionRange, FieldOptions], ...] = ()

    def at(self, version: tuple[int, ...]) -> FieldOptions:
        """The options on Hub release ``version`` (a matching variant, else these)."""
        for versions, options in self.variants:
            if versions.contains(version):
                return options
        return self


def variant(
    *, since: Version | None = None, until: Version | None = None, **options: Any
) -> tuple[VersionRange, dict[str, Any]]:
    """Options of a field that differ on Hub releases ``since`` .. ``until`` (excluded).

    Takes the keywords of the field helpers (``create``, ``update``, ``required``,
    ``legacy``, ``current``).

    Example::

        bucket_id: UUID | None = create_only(
            required=True,
            variants=(variant(until=(0, 8, 22), create=False, legacy="external_id"),),
        )
    """
    return VersionRange(since, until), options


def _wire_names(legacy: str | None, current: str | None) -> dict[Generation, str]:
    wire: dict[Generation, str] = {}
    if legacy:
        wire[Generation.LEGACY] = legacy
    if current:
        wire[Generation.CURRENT] = current
    return wire


def _field(
    *,
    create: bool,
    update: bool,
    required: bool = False,
    relation: bool = False,
    secret: bool = False,
    legacy: str | None = None,
    current: str | None = None,
    generations: Iterable[Generation] | None = None,
    since: Version | None = None,
    until: Version | None = None,
    variants: Iterable[tuple[VersionRange, Mapping[str, Any]]] = (),
    default: Any = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    options = FieldOptions(
        create=create,
        update=update,
        required=required,
        relation=relation,
        secret=secret,
        wire=_wire_names(legacy, current),
        generations=frozenset(generations) if generations is not None else ALL_GENERATIONS,
        versions=VersionRange(since, until),
    )
    resolved = []
    for versions, changes in variants:
        changed = dict(changes)
        wire = {
            **options.wire,
            **_wire_names(changed.pop("legacy", None), changed.pop("current", None)),
        }
        resolved.append((versions, attrs.evolve(options, wire=wire, **changed)))
    options = attrs.evolve(options, variants=tuple(resolved))
    repr_option: bool | Callable[[Any], str] = hidden_repr if secret else not relation
    if factory is not None:
        return attrs.field(factory=factory, metadata={METADATA_KEY: options}, repr=repr_option)
    return attrs.field(default=default, metadata={METADATA_KEY: options}, repr=repr_option)


def readonly(**options: Any) -> Any:
    """A field the server sets (``id``, ``created_at``, counters); never sent."""
    return _field(create=False, update=False, **options)


def writable(*, required: bool = False, **options: Any) -> Any:
    """A field sent on create and on update (``required``: must be given on create)."""
    return _field(create=True, update=True, required=required, **options)


def create_only(*, required: bool = False, **options: Any) -> Any:
    """A field the server accepts on create only (``realm_id``, ``project_id`` ...)."""
    return _field(create=True, update=False, required=required, **options)


def update_only(**options: Any) -> Any:
    """A field the server accepts on update only (approval status, comments ...)."""
    return _field(create=False, update=True, **options)


def relation(**options: Any) -> Any:
    """The related resource of the field ``<name>_id`` (``realm`` for ``realm_id``): what
    the Hub embedded (``include``), else loaded on first access (see
    :mod:`flamehub.resources.related`)."""
    return _field(create=False, update=False, relation=True, **options)


def options_of(field: attrs.Attribute[Any]) -> FieldOptions:
    """The :class:`FieldOptions` of an attrs field (read-only defaults if undeclared)."""
    options = field.metadata.get(METADATA_KEY)
    return options if isinstance(options, FieldOptions) else FieldOptions()
