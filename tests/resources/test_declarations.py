"""Every resource declaration: builds on both generations, is exported, is documented."""

from __future__ import annotations

import inspect

import pytest

import flamehub.models as models
from flamehub.dialects import Generation
from flamehub.models import (
    AnalysisCommand,
    ClientCredentials,
    HubEnum,
    LogLevel,
    ProcessStatus,
    RegistryCredentials,
)
from flamehub.resources.base import REGISTRY, Resource, action_spec, meta_of

RESOURCES = sorted(
    (value for value in vars(models).values()
     if isinstance(value, type) and issubclass(value, Resource)),
    key=lambda model: model.__name__,
)  # fmt: skip
ENUMS = [
    value
    for value in vars(models).values()
    if isinstance(value, type) and issubclass(value, HubEnum) and value is not HubEnum
]


def test_every_registered_resource_is_exported() -> None:
    library = {model.__name__ for model in REGISTRY.library()}
    assert {model.__name__ for model in RESOURCES} == library


#: The ``Meta`` lists of field names, and whether the capability keeps only the names
#: the generation has (``required_filters`` is kept as declared).
NAME_LISTS = {"filters": True, "sorts": True, "fields": True, "required_filters": False}


def declared_names(
    model: type[Resource], generation: Generation, key: str
) -> tuple[set[str], bool]:
    """The names ``model.Meta`` gives ``key`` on ``generation``, read from the class itself,
    and whether they come from the generation's own dict (``legacy = {...}``)."""
    own = getattr(model.Meta, generation.value, None) or {}  # type: ignore[attr-defined]
    if key in own:
        return set(own[key]), True
    return set(getattr(model.Meta, key, ())), False  # type: ignore[attr-defined]


@pytest.mark.parametrize("model", RESOURCES, ids=lambda model: model.__name__)
@pytest.mark.parametrize("generation", list(Generation), ids=lambda g: g.value)
def test_declaration_builds(model: type[Resource], generation: Generation) -> None:
    meta = meta_of(model)
    caps = meta.capabilities(generation)
    assert caps.available is (generation in meta.generations)
    present = {name for name, spec in meta.scalar_fields.items() if spec.exists_on(generation)}
    for key, kept_where_present in NAME_LISTS.items():
        names, own = declared_names(model, generation, key)
        # Before any intersection: a generation's own list names fields of that
        # generation; a list for both may also name a field of only one of them.
        known = present if own else set(meta.scalar_fields)
        assert names <= known, f"{model.__name__}.Meta.{key} ({generation.value}): {names - known}"
        capability = getattr(caps, key)
        if key == "fields" and not names:
            assert capability == present  # no list: every field of the generation
        elif kept_where_present:
            assert capability == names & present, f"{model.__name__}.{key}"
        else:
            assert capability == names, f"{model.__name__}.{key}"
    includes, _own = declared_names(model, generation, "includes")
    assert includes <= set(meta.relations) and caps.includes == includes
    assert caps.required_filters <= caps.filters


@pytest.mark.parametrize("model", RESOURCES, ids=lambda model: model.__name__)
def test_public_api_is_documented_with_examples(model: type[Resource]) -> None:
    assert model.__doc__ and "Example::" in model.__doc__
    for name, member in inspect.getmembers(model):
        if name.startswith("_") or action_spec(member) is None:
            continue
        assert member.__doc__ and "Example::" in member.__doc__, f"{model.__name__}.{name}"


@pytest.mark.parametrize("enum", ENUMS, ids=lambda enum: enum.__name__)
def test_enums_tolerate_values_of_newer_hubs(enum: type[HubEnum]) -> None:
    assert enum.__doc__
    newer = enum("valueFromTheFuture")
    assert newer.value == "valueFromTheFuture" and not newer.known
    assert all(member.known for member in enum)


def test_enum_values_match_the_hub() -> None:
    assert {member.value for member in LogLevel} == {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
    }  # fmt: skip
    assert ProcessStatus("executed") is ProcessStatus.EXECUTED
    assert AnalysisCommand("buildStart") is AnalysisCommand.BUILD_START


def test_secrets_are_hidden_in_repr() -> None:
    assert "s3cret" not in repr(ClientCredentials(name="x", secret="s3cret"))
    assert "s3cret" not in repr(RegistryCredentials(host="h", account_secret="s3cret"))
    assert "secret=None" in repr(ClientCredentials(name="x"))
    for model in RESOURCES:
        for spec in meta_of(model).scalar_fields.values():
            if spec.options.secret:
                obj = model(**{spec.name: "s3cret"})
                assert "s3cret" not in repr(obj), f"{model.__name__}.{spec.name}"
