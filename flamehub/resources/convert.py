"""One cattrs converter per API generation: wire dicts <-> resources.

The converter renames wire keys (``realmId`` on current Hubs, ``realm_id`` on
legacy ones) to the snake_case attributes, ignores keys this flamehub does not
know (the Hub adds fields between versions), parses ISO-8601 timestamps into
timezone-aware datetimes and ids into :class:`uuid.UUID`.

Example::

    converter = converter_for(hub.dialect)
    node = converter.structure({"id": "...", "name": "a", "realmId": "..."}, Node)
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .. import errors
from ..dialects import Dialect, Generation
from .base import Resource, meta_of


def parse_datetime(value: Any, _type: Any = None) -> datetime:
    """An aware datetime from an ISO-8601 string (``Z`` or offset) or epoch milliseconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    text = str(value)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """``2026-08-18T19:13:31.000Z``: UTC with milliseconds, as the Hub writes timestamps."""
    if value.tzinfo is None:
        raise errors.QueryError(
            f"naive datetime {value.isoformat()} has no timezone; the Hub compares in UTC: "
            "attach one, e.g. value.replace(tzinfo=datetime.timezone.utc)"
        )
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _structure_uuid(value: Any, _type: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _structure_date(value: Any, _type: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _structure_enum(value: Any, enum_type: type[enum.Enum]) -> enum.Enum:
    return enum_type(value)


class WireConverter:
    """Structures wire dicts of one generation into resources and back."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.generation: Generation = dialect.generation
        converter = cattrs.Converter()
        converter.register_structure_hook(uuid.UUID, _structure_uuid)
        converter.register_structure_hook(datetime, parse_datetime)
        converter.register_structure_hook(date, _structure_date)
        converter.register_structure_hook_func(
            lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
        )
        converter.register_structure_hook_factory(
            lambda t: isinstance(t, type) and issubclass(t, Resource), self._resource_hook
        )
        self.converter = converter

    def _resource_hook(self, cls: type[Resource]) -> Any:
        meta = meta_of(cls)
        overrides = {
            name: override(rename=spec.wire(self.dialect)) for name, spec in meta.fields.items()
        }
        return make_dict_structure_fn(cls, self.converter, **overrides)

    def structure(self, data: dict[str, Any], cls: type[Resource]) -> Any:
        """A ``cls`` instance from a wire dict (unknown keys ignored)."""
        return self.converter.structure(data, cls)

    def to_wire(self, value: Any) -> Any:
        """A JSON-ready value: ids as strings, datetimes as UTC ISO-8601, enums as values."""
        if value is None or isinstance(value, (str, bool, int, float)):
            return value.value if isinstance(value, enum.Enum) else value
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Resource):
            return str(value.pk)
        if attrs.has(type(value)):
            return {
                self.dialect.wire_name(field.name): self.to_wire(getattr(value, field.name))
                for field in attrs.fields(type(value))
            }
        if isinstance(value, dict):
            return {key: self.to_wire(item) for key, item in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.to_wire(item) for item in value]
        return value


@lru_cache(maxsize=16)
def converter_for(dialect: Dialect) -> WireConverter:
    """The converter of a dialect (one per Hub version, shared by all hubs of that version)."""
    return WireConverter(dialect)
