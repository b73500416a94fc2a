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


@pytest.mark.parametrize("model", RESOURCES, ids=lambda model: model.__name__)
@pytest.mark.parametrize("generation", list(Generation), ids=lambda g: g.value)
def test_declaration_builds(model: type[Resource], generation: Generation) -> None:
    meta = meta_of(model)
    caps = meta.capabilities(generation)
    if generation in meta.generations:
        assert caps.available
    # whatever a generation allows to filter, sort or select exists on that generation
    for name in caps.filters | caps.sorts | caps.fields:
        assert meta.scalar_fields[name].exists_on(generation), f"{model.__name__}.{name}"
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
