"""The generated structure functions agree with cattrs' own, field by field, on every resource."""

from __future__ import annotations

import enum
import typing
import uuid
from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest

from flamehub import InvalidResponse
from flamehub.dialects import Dialect
from flamehub.models import Node
from flamehub.query.queryset import load
from flamehub.resources.base import REGISTRY, Resource, meta_of, registry_key, resource
from flamehub.resources.convert import _optional_of, converter_for, parse_datetime
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub

VERSIONS = [LEGACY_VERSION, CURRENT_VERSION]


def sample(annotation: Any, index: int) -> Any:
    """A wire value of a field type (``None`` for relations and unknown kinds)."""
    inner = _optional_of(annotation) or annotation
    if inner is uuid.UUID:
        return str(uuid.UUID(int=index * 7919 + 1))
    if inner is datetime:
        return f"2026-11-{1 + index % 28:02d}T12:34:56.{index % 1000:03d}Z"
    if inner is date:
        return "2026-11-29"
    if inner is bool:
        return index % 2 == 0
    if inner is int:
        return index
    if inner is float:
        return index / 4
    if inner is str:
        return f"text-{index}"
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return next(iter(inner)).value
    return None


def wire_row(cls: type[Resource], dialect: Dialect) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, localns=REGISTRY.namespace(cls.__module__))
    meta = meta_of(cls)
    row = {"unknownKey": "ignored"}
    for index, field in enumerate(attrs.fields(cls)):
        spec = meta.fields.get(field.name)
        if spec is None or not field.init:
            continue
        value = sample(hints.get(field.name, field.type), index)
        if value is not None:
            row[spec.wire(dialect)] = value
    return row


def as_tuple(instance: Resource) -> tuple[Any, ...]:
    # the stored values: a relation not embedded in the row is not loaded by reading it here
    return tuple(instance.__dict__.get(field.name) for field in attrs.fields(type(instance)))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_fast_and_cattrs_structuring_agree(name: str, version: str) -> None:
    cls = REGISTRY[name]
    dialect = Dialect.for_version(version)
    converter = converter_for(dialect)
    row = wire_row(cls, dialect)
    fast = converter.structure(row, cls)
    reference = converter.checked_structure[cls](row, cls)
    assert type(fast) is cls
    assert converter.converter.get_structure_hook(cls).__name__ == "structure"  # generated
    assert as_tuple(fast) == as_tuple(reference)
    # a row with only some keys: the others take their defaults, as with cattrs
    partial = {key: row[key] for key in list(row)[:2]}
    assert as_tuple(converter.structure(partial, cls)) == as_tuple(
        converter.checked_structure[cls](partial, cls)
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_invalid_rows_fail_with_cattrs_detail(version: str) -> None:
    hub = make_hub(version)
    good = {"id": str(uuid.uuid4()), "name": "a", "hidden": "false"}
    node = load(Node, good, hub)
    assert node.hidden is False  # the tolerant bool hook still applies on the fast path
    with pytest.raises(InvalidResponse, match="id") as caught:
        load(Node, {**good, "id": "not-a-uuid-not-a-uuid-not-a-uuid-123"}, hub)
    assert isinstance(caught.value.__cause__, Exception)
    with pytest.raises(InvalidResponse, match="name"):
        load(Node, {**good, "name": {"nested": 1}}, hub)


def test_uuid_and_timestamp_fast_paths_match_the_stdlib() -> None:
    hub = make_hub(CURRENT_VERSION)
    pk = uuid.uuid4()
    stamp = "2026-08-18T19:13:31.123Z"
    node = load(Node, {"id": str(pk), "createdAt": stamp, "updatedAt": 1700000000000}, hub)
    assert node.id == pk and hash(node.id) == hash(pk) and node.id.version == 4
    assert node.created_at == datetime(2026, 8, 18, 19, 13, 31, 123000, tzinfo=timezone.utc)
    assert node.created_at.utcoffset() is not None
    assert node.updated_at == datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)
    # non-canonical spellings still go through uuid.UUID / fromisoformat
    braced = load(Node, {"id": "{" + pk.hex + "}"}, hub)
    assert braced.id == pk
    assert parse_datetime("2026-08-18T19:13:31+02:00").utcoffset().total_seconds() == 7200
    assert parse_datetime("2026-08-18T19:13:31").tzinfo is timezone.utc


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_fast_loader_matches_structure_then_mark_loaded(name: str, version: str) -> None:
    cls = REGISTRY[name]
    dialect = Dialect.for_version(version)
    converter = converter_for(dialect)
    hub = make_hub(version)
    fast_load = converter.loader_for(cls)
    # generated (not the structure-then-mark fallback)
    assert converter._loaders[cls].__code__.co_filename.startswith("<flamehub structure"), name
    row = wire_row(cls, dialect)
    loaded = fast_load(row, hub)
    reference = converter.checked_structure[cls](row, cls)
    reference._mark_loaded(hub)
    assert type(loaded) is cls
    assert as_tuple(loaded) == as_tuple(reference)
    assert loaded.hub is hub and loaded.is_saved
    assert loaded.__dict__["_loaded"] == reference.__dict__["_loaded"]
    assert set(loaded.__dict__) == set(reference.__dict__)
    for key, value in loaded.__dict__["_loaded"].items():
        if isinstance(value, (list, dict)):  # snapshots of mutable values are copies
            assert value is not getattr(loaded, key)


def test_fast_loader_snapshot_tracks_changes_and_copies_mutables() -> None:
    hub = make_hub(CURRENT_VERSION)
    load_node = converter_for(hub.dialect).loader_for(Node)
    node = load_node({"id": str(uuid.uuid4()), "name": "a", "hidden": False}, hub)
    assert node.changed_fields() == {}
    node.name = "b"
    assert node.changed_fields() == {"name": "b"}
    assert node.__dict__["_loaded"]["name"] == "a"


def test_fast_loader_falls_back_to_the_checked_path_on_odd_rows() -> None:
    hub = make_hub(CURRENT_VERSION)
    load_node = converter_for(hub.dialect).loader_for(Node)
    with pytest.raises(Exception, match="While structuring Node"):  # cattrs' own error
        load_node({"id": "not-a-uuid-not-a-uuid-not-a-uuid-123"}, hub)
    braced = uuid.uuid4()
    node = load_node({"id": "{" + braced.hex + "}", "hidden": "true"}, hub)
    assert node.id == braced and node.hidden is True and node.hub is hub


def test_a_class_that_needs_its_init_is_structured_then_marked() -> None:
    @resource
    class CheckedNode(Node):
        def __attrs_post_init__(self) -> None:  # custom initialisation: no generated loader
            super().__attrs_post_init__()
            object.__setattr__(self, "initialised", True)

    try:
        hub = make_hub(CURRENT_VERSION)
        pk = uuid.uuid4()
        converter = converter_for(hub.dialect)
        load_row = converter.loader_for(CheckedNode)
        assert not converter._loaders[CheckedNode].__code__.co_filename.startswith("<flamehub")
        node = load_row({"id": str(pk), "name": "a"}, hub)
        assert node.__dict__["initialised"] is True
        assert node.id == pk and node.hub is hub and node.changed_fields() == {}
        assert load(CheckedNode, {"id": str(pk)}, hub).__dict__["initialised"] is True
    finally:
        del REGISTRY[registry_key(CheckedNode)]
