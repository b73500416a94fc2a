"""``import flamehub`` is cheap: public names load their modules on first use (PEP 562)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import flamehub

#: Modules that ``import flamehub`` alone must not load.
HEAVY = (
    "cattrs",
    "requests",
    "urllib3",
    "attrs",
    "flamehub.resources",
    "flamehub.resources.convert",
    "flamehub.query.queryset",
    "flamehub.hub",
    "flamehub.files",
    "flamehub.models",
    "flamehub.compat",
)


def modules_after(code: str) -> set[str]:
    """``sys.modules`` of a fresh interpreter after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_flamehub_loads_none_of_the_heavy_modules() -> None:
    loaded = modules_after("import flamehub")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "flamehub._version" in loaded


def test_version_and_q_stay_light() -> None:
    loaded = modules_after("import flamehub\nflamehub.__version__\nfrom flamehub import Q, errors")
    assert not loaded & {"cattrs", "requests", "flamehub.resources", "flamehub.query.queryset"}


def test_hub_does_not_load_the_resource_catalogue() -> None:
    loaded = modules_after("from flamehub import Hub, PasswordAuth, NotFound")
    assert "requests" in loaded
    assert not loaded & {"cattrs", "flamehub.resources", "flamehub.resources.convert"}


def test_querying_loads_what_it_needs() -> None:
    loaded = modules_after("from flamehub.models import Node\nNode.objects.filter(name='a')")
    assert {"cattrs", "flamehub.resources.convert", "flamehub.query.queryset"} <= loaded


@pytest.mark.parametrize("name", flamehub.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(flamehub, name)
    assert value is not None
    if name != "__version__":
        module = importlib.import_module(flamehub._LAZY[name])
        assert getattr(module, name) is value


def test_public_names_are_listed_and_in_dir() -> None:
    assert len(flamehub.__all__) == len(set(flamehub.__all__))
    assert set(flamehub.__all__) - {"__version__"} == set(flamehub._LAZY)
    assert set(flamehub.__all__) <= set(dir(flamehub))
    assert {"AuthClient", "CoreClient", "StorageClient"} <= set(flamehub.__all__)


def test_star_import_and_unknown_names() -> None:
    namespace: dict[str, object] = {}
    exec("from flamehub import *", namespace)
    assert namespace["Hub"] is flamehub.Hub
    assert namespace["QuerySet"] is flamehub.QuerySet
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = flamehub.Nope  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from flamehub import Nope", {})


def test_submodules_are_reachable_as_attributes() -> None:
    loaded = modules_after("import flamehub\nassert flamehub.errors.NotFound")
    assert "flamehub.errors" in loaded and "requests" not in loaded


def test_query_package_is_lazy_too() -> None:
    from flamehub import query
    from flamehub.query.queryset import Manager, QuerySet

    assert query.QuerySet is QuerySet and query.Manager is Manager
    with pytest.raises(AttributeError):
        _ = query.Nope  # type: ignore[attr-defined]
