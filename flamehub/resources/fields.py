"""Field declarations for resources: who may write a field, and when.

A resource is an attrs class whose fields are declared with these helpers::

    @resource
    class Node(Resource):
        id: UUID | None = readonly()
        name: str | None = writable(required=True)
        realm_id: UUID | None = create_only()
        registry: Registry | None = relation()

Every field defaults to ``None``: a row fetched with ``.only("id", "name")``
simply has ``None`` in the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..dialects import Generation
from ..errors import hidden_repr

__all__ = [
    "ALL_GENERATIONS",
    "METADATA_KEY",
    "FieldOptions",
    "create_only",
    "options_of",
    "readonly",
    "relation",
    "update_only",
    "writable",
]

#: The attrs metadata key under which flamehub keeps a field's options.
METADATA_KEY = "flamehub"
#: Both API generations.
ALL_GENERATIONS = frozenset(Generation)


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
    default: Any = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    wire: dict[Generation, str] = {}
    if legacy:
        wire[Generation.LEGACY] = legacy
    if current:
        wire[Generation.CURRENT] = current
    options = FieldOptions(
        create=create,
        update=update,
        required=required,
        relation=relation,
        secret=secret,
        wire=wire,
        generations=frozenset(generations) if generations is not None else ALL_GENERATIONS,
    )
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
    """An embedded related resource, present when the query ``include``\\ s it."""
    return _field(create=False, update=False, relation=True, **options)


def options_of(field: attrs.Attribute[Any]) -> FieldOptions:
    """The :class:`FieldOptions` of an attrs field (read-only defaults if undeclared)."""
    options = field.metadata.get(METADATA_KEY)
    return options if isinstance(options, FieldOptions) else FieldOptions()
