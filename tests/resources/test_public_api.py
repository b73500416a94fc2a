"""The declared extension surface (issue #16, item 9): ``__all__`` in every public module,
and the helpers for declaring one's own resources are public and documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import flamehub
from flamehub.hub import resolve_hub
from flamehub.resources.base import Resource, id_segment

PUBLIC_MODULES = sorted(
    [
        "flamehub",
        *(
            module.name
            for module in pkgutil.walk_packages(flamehub.__path__, "flamehub.")
            if not any(part.startswith("_") for part in module.name.split("."))
        ),
    ]
)
#: The helpers every resource module uses, as people declaring resources call them.
EXTENSION_HELPERS = (
    Resource.call_action,
    Resource.call_collection_action,
    Resource.update_fields,
    Resource.reload_from,
    resolve_hub,
    id_segment,
)


def test_the_public_modules_are_found() -> None:
    assert {"flamehub.models", "flamehub.resources.base", "flamehub.errors"} <= set(PUBLIC_MODULES)
    assert "flamehub.testing._hub" not in PUBLIC_MODULES


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_module_declares_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__dict__.get("__all__")
    assert isinstance(exported, list), f"{name} has no __all__"
    assert len(set(exported)) == len(exported)
    missing = [item for item in exported if not hasattr(module, item)]
    assert missing == [], f"{name}.__all__ names what it lacks: {missing}"
    # every public class and function the module defines itself is exported
    own = [
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == name
    ]
    assert sorted(set(own) - set(exported)) == [], name


@pytest.mark.parametrize("helper", EXTENSION_HELPERS, ids=lambda helper: helper.__name__)
def test_extension_helpers_are_public_and_documented(helper: object) -> None:
    assert not helper.__name__.startswith("_")  # type: ignore[attr-defined]
    assert "Example::" in (inspect.getdoc(helper) or "")


def test_the_private_spellings_are_gone() -> None:
    for old in ("_action", "_collection_action", "_update_fields", "_reload_from", "_require_hub"):
        assert not hasattr(Resource, old), old
