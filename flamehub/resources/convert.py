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
import linecache
import types
import typing
import uuid
from collections.abc import Callable
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .. import errors
from ..dialects import Dialect, Generation
from .base import REGISTRY, Resource, _snapshot, meta_of

__all__ = [
    "WireConverter",
    "converter_for",
    "format_datetime",
    "parse_datetime",
]

_fromisoformat = datetime.fromisoformat


def parse_datetime(value: Any, _type: Any = None) -> datetime:
    """An aware datetime from an ISO-8601 string (``Z`` or offset) or epoch milliseconds."""
    if type(value) is str and value[-1:] == "Z":
        # the Hub's own format (``2026-08-18T19:13:31.000Z``): fromisoformat reads the
        # ``Z`` itself on Python 3.11+ (and raises ValueError before, like for bad text)
        try:
            return _fromisoformat(value)
        except ValueError:
            pass
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


_UUID = uuid.UUID
_new_uuid = object.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY = uuid.SafeUUID.unknown


def _structure_uuid(value: Any, _type: Any) -> uuid.UUID:
    if type(value) is str and len(value) == 36:
        # the canonical 8-4-4-4-12 text: what uuid.UUID() does, without its generic
        # prefix/brace handling (about four times faster; the Hub sends several per row)
        digits = value.replace("-", "")
        if len(digits) == 32:
            parsed = _new_uuid(_UUID)
            _set(parsed, "int", int(digits, 16))
            _set(parsed, "is_safe", _UNKNOWN_SAFETY)
            return parsed
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _structure_date(value: Any, _type: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _structure_enum(value: Any, enum_type: type[enum.Enum]) -> enum.Enum:
    try:  # the member map first: calling the enum class costs several times more
        member = enum_type._value2member_map_.get(value)
    except TypeError:  # an unhashable value: let the enum class refuse it
        member = None
    return member if member is not None else enum_type(value)


_TRUE_WORDS = frozenset({"true", "1"})
_FALSE_WORDS = frozenset({"false", "0"})


def _structure_bool(value: Any, _type: Any) -> bool:
    """A boolean; 0/1 and "true"/"false" are read as such, anything else is refused.

    (cattrs' default ``bool(value)`` would read the string ``"false"`` as ``True``.)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise ValueError(f"expected a boolean, got {type(value).__name__} {value!r}")


def _structure_str(value: Any, _type: Any) -> Any:
    """A string; numbers are tolerated as their text, containers and booleans are refused."""
    if _type is not str and isinstance(_type, type) and issubclass(_type, enum.Enum):
        return _structure_enum(value, _type)  # str-based enums (HubEnum) dispatch here too
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


class WireConverter:
    """Structures wire dicts of one generation into resources and back."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.generation: Generation = dialect.generation
        converter = cattrs.Converter()
        converter.register_structure_hook(uuid.UUID, _structure_uuid)
        converter.register_structure_hook(datetime, parse_datetime)
        converter.register_structure_hook(date, _structure_date)
        converter.register_structure_hook(bool, _structure_bool)
        converter.register_structure_hook(str, _structure_str)
        converter.register_structure_hook_func(
            lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
        )
        converter.register_structure_hook_factory(
            lambda t: isinstance(t, type) and issubclass(t, Resource), self._resource_hook
        )
        self.converter = converter
        #: cattrs' own structure function per resource (the reference of the fast ones).
        self.checked_structure: dict[type[Resource], Any] = {}
        #: Generated ``load(row, hub)`` per resource (see :meth:`loader_for`).
        self._loaders: dict[type[Resource], Any] = {}

    def _resource_hook(self, cls: type[Resource]) -> Any:
        meta = meta_of(cls)
        overrides = {
            name: override(rename=spec.wire(self.dialect)) for name, spec in meta.fields.items()
        }
        # cattrs types **kwargs as its own options; they are per-attribute overrides here
        checked = make_dict_structure_fn(cls, self.converter, **overrides)  # type: ignore[arg-type]
        self.checked_structure[cls] = checked
        return self._fast_structure_fn(cls, checked) or checked

    def _fast_structure_fn(self, cls: type[Resource], checked: Any) -> Any:
        """A generated ``structure(row, cls)`` for ``cls`` that skips cattrs' per-field layers.

        cattrs' own function (``checked``) wraps every optional field in a further
        function call and collects errors as it goes; this one reads each wire key
        once, keeps ``None`` as is, passes strings and booleans through unchanged and
        calls the registered hook of every other scalar type directly. Any exception
        makes it run ``checked`` on the same row, so invalid rows fail with exactly
        cattrs' detailed error; the result of a valid row is the same either way.
        Returns ``None`` when a field is of a kind it does not handle.
        """
        meta = meta_of(cls)
        try:
            # ClassVar annotations may name resources of other modules (``"Node"``)
            hints = typing.get_type_hints(cls, localns=REGISTRY.namespace(cls.__module__))
        except Exception:  # an unresolvable annotation: cattrs copes (or reports it)
            return None
        namespace: dict[str, Any] = {
            "_cls": cls,
            "_checked": checked,
            "_MISSING": _MISSING,
            "_structure": self.converter.structure,
        }
        lines = ["def structure(row, _type):", "  get = row.get", "  try:"]
        arguments = []
        stored: list[tuple[str, str, bool]] = []  # (attribute, local variable, immutable)
        for index, field in enumerate(attrs.fields(typing.cast(Any, cls))):
            if not field.init:
                continue
            spec = meta.fields.get(field.name)
            key = spec.wire(self.dialect) if spec is not None else field.name
            annotation = hints.get(field.name, field.type)
            name = f"a{index}"
            namespace[f"k{index}"] = key
            lines.append(f"    v = get(k{index}, _MISSING)")
            if field.default is attrs.NOTHING:
                return None
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                if field.default.takes_self:
                    return None
                namespace[f"f{index}"] = field.default.factory
                lines.append(f"    if v is _MISSING: {name} = f{index}()")
            else:
                namespace[f"d{index}"] = field.default
                lines.append(f"    if v is _MISSING: {name} = d{index}")
            inner = _optional_of(annotation)
            if inner is None:
                namespace[f"t{index}"] = annotation
                lines.append(f"    else: {name} = _structure(v, t{index})")
            else:
                lines.append(f"    elif v is None: {name} = None")
                namespace[f"t{index}"] = inner
                if inner is str or inner is bool:
                    namespace[f"h{index}"] = self.converter.get_structure_hook(inner)
                    lines.append(
                        f"    elif type(v) is t{index}: {name} = v\n"
                        f"    else: {name} = h{index}(v, t{index})"
                    )
                elif _is_scalar(inner):
                    namespace[f"h{index}"] = self.converter.get_structure_hook(inner)
                    lines.append(f"    else: {name} = h{index}(v, t{index})")
                else:  # relations and containers: cattrs' dispatch (resolved on use)
                    lines.append(f"    else: {name} = _structure(v, t{index})")
            arguments.append(f"{field.alias}={name}")
            stored.append((field.name, name, _is_scalar(inner or annotation)))
        body = lines[3:]
        lines.append(f"    return _cls({', '.join(arguments)})")
        lines.append("  except Exception:")
        lines.append("    return _checked(row, _type)")
        if _can_skip_init(cls, meta):
            # load(row, hub): the same reading, then the instance's __dict__ in one step,
            # with the loaded-values snapshot of Resource._mark_loaded (copies of
            # mutable values only); anything unusual takes the checked path
            snapshot = ", ".join(
                f"{key!r}: {local if immutable else f'_snapshot({local})'}"
                for key, local, immutable in stored
                if key in meta.scalar_fields
            )
            values = ", ".join(f"{key!r}: {local}" for key, local, _immutable in stored)
            namespace["_new"] = object.__new__
            namespace["_snapshot"] = _snapshot
            lines += ["def load(row, hub):", "  get = row.get", "  try:", *body]
            lines.append("    instance = _new(_cls)")
            lines.append(
                f"    instance.__dict__.update({{{values}, '_hub': hub, "
                f"'_loaded': {{{snapshot}}}}})"
            )
            lines.append("    return instance")
            lines.append("  except Exception:")
            lines.append("    instance = _checked(row, _cls)")
            lines.append("    instance._mark_loaded(hub)")
            lines.append("    return instance")
        source = "\n".join(lines)
        # registered in linecache (as attrs does) so tracebacks show the generated source
        filename = f"<flamehub structure {cls.__module__}.{cls.__qualname__} {id(namespace):x}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
        if "load" in namespace:
            self._loaders[cls] = namespace["load"]
        return namespace["structure"]

    def loader_for(self, cls: type[Resource]) -> Callable[[dict[str, Any], Any], Any]:
        """``load(row, hub)`` for ``cls``: an instance marked as loaded from ``hub``.

        The generated loader where :meth:`_fast_structure_fn` could make one; for a
        class that needs its ``__init__`` (validators, converters, custom
        initialisation), its structure function followed by ``_mark_loaded``.

        Example::

            load = converter_for(hub.dialect).loader_for(Node)
            node = load(row, hub)
        """
        structure = self.converter.get_structure_hook(cls)  # builds the loader on first use
        loader = self._loaders.get(cls)
        if loader is None:

            def loader(row: dict[str, Any], hub: Any) -> Any:
                instance = structure(row, cls)
                instance._mark_loaded(hub)
                return instance

            self._loaders[cls] = loader
        return loader

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


_MISSING = object()
_SCALARS = (uuid.UUID, datetime, date, str, bool, int, float, enum.Enum)


def _optional_of(annotation: Any) -> Any:
    """``X`` of ``X | None`` / ``Optional[X]``, else ``None``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1 and len(typing.get_args(annotation)) == 2:
            return members[0]
    return None


def _is_scalar(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, _SCALARS)


def _can_skip_init(cls: type[Resource], meta: Any) -> bool:
    """Whether setting ``__dict__`` is what ``cls(...)`` followed by ``_mark_loaded`` does.

    True for plain resources: every attribute an ``__init__`` argument without
    validator or converter, no ``__attrs_pre_init__``, Resource's own post-init.
    """
    if "__dict__" not in dir(cls) or hasattr(cls, "__attrs_pre_init__"):
        return False
    if cls.__attrs_post_init__ is not Resource.__attrs_post_init__:
        return False
    if cls._mark_loaded is not Resource._mark_loaded:
        return False
    fields = attrs.fields(typing.cast(Any, cls))
    return all(f.init and f.validator is None and f.converter is None for f in fields) and set(
        meta.scalar_fields
    ) <= {f.name for f in fields}


@lru_cache(maxsize=16)
def converter_for(dialect: Dialect) -> WireConverter:
    """The converter of a dialect (one per Hub version, shared by all hubs of that version)."""
    return WireConverter(dialect)
