"""Every declared action sends exactly the endpoint its ``@action`` declares (issue #16, item 1).

The declaration is the only place that names an action's method and path: the body
sends it with ``call_action`` / ``call_collection_action`` (or updates the record with
``update_fields``, which is ``POST /<path>/:id``). Each action of every registered
flamehub resource and of its manager runs here on each Hub version of
:data:`VERSIONS` that has it (both generations where the action exists on both) against
a ``responses`` catch-all, and the one request it sends is compared with the declaration.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses

from flamehub.dialects import Dialect
from flamehub.models import (
    Analysis,
    ProcessStatus,
    Registry,
    RegistryCommand,
    analysis_commands,
)
from flamehub.resources.base import (
    REGISTRY,
    ActionSpec,
    Resource,
    action,
    action_spec,
    meta_of,
    registry_key,
    resource,
)
from flamehub.resources.fields import readonly
from tests.conftest import HUB_URL, make_hub
from tests.resources._hub import envelope

#: Hub versions the actions run on: legacy before and after the 0.8.22 status model,
#: legacy with client and registry credentials (0.11.5), and current.
VERSIONS = ("0.8.13", "0.8.24", "0.11.5", "0.14.0")
RECORD_ID = uuid.UUID("82fa4848-ddcb-4bb8-9734-afecc3577288")
PERMISSION_ID = uuid.UUID("3d5c0d41-2d26-4bd5-9e0e-0d1b8b5b7a61")

Arguments = Callable[[Dialect], tuple[tuple[Any, ...], dict[str, Any]]]

#: Arguments of the actions that need some (``Owner.method``); the rest take none.
ARGUMENTS: dict[str, Arguments] = {
    "Analysis.command": lambda dialect: ((analysis_commands(dialect)[0],), {}),
    "Analysis.add_client_permission": lambda dialect: ((PERMISSION_ID,), {}),
    "Analysis.remove_client_permission": lambda dialect: ((PERMISSION_ID,), {}),
    "AnalysisNode.set_execution_status": lambda dialect: ((ProcessStatus.STARTED,), {}),
    "Registry.command": lambda dialect: ((RegistryCommand.SETUP,), {}),
}
#: The placeholders other than ``:id`` in declared paths, and the value each stands for.
PATH_VALUES = {":permissionId": str(PERMISSION_ID)}


def _declared_actions() -> list[tuple[type[Resource], bool, str]]:
    """(resource, on its manager?, method name) of every action of flamehub's resources."""
    found = []
    for model in REGISTRY.values():
        if not model.__module__.startswith("flamehub."):
            continue
        for on_manager, owner in ((False, model), (True, type(model.objects))):
            for name, member in inspect.getmembers(owner):
                if action_spec(member) is not None:
                    found.append((model, on_manager, name))
    return sorted(found, key=lambda item: (item[0].__name__, item[1], item[2]))


ACTIONS = _declared_actions()


def _expected_path(spec: ActionSpec, model: type[Resource]) -> str:
    meta = meta_of(model)
    segments = []
    for segment in spec.path(meta).strip("/").split("/"):
        segments.append(str(RECORD_ID) if segment == ":id" else PATH_VALUES.get(segment, segment))
    return f"/{meta.service}/" + "/".join(segments)


def _answer(dialect: Dialect, method: str, path: str) -> Any:
    """A body the parser of the action's answer accepts (a record, or a listing)."""
    if method == "GET" and path.endswith("/client/permissions"):
        return {"data": [], "meta": {"total": 0}}
    return envelope({"id": str(RECORD_ID)}, dialect.generation.value == "current")


def test_every_action_is_found_and_runs_somewhere() -> None:
    assert len(ACTIONS) >= 30
    names = {f"{model.__name__}{'.objects' if on else ''}.{name}" for model, on, name in ACTIONS}
    assert {"Node.client_credentials", "MasterImage.objects.sync", "Analysis.spin_up"} <= names
    for model, on_manager, name in ACTIONS:
        owner = type(model.objects) if on_manager else model
        spec = action_spec(getattr(owner, name))
        assert spec is not None
        assert any(spec.availability.on(Dialect.for_version(v)) for v in VERSIONS), name


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("model", "on_manager", "name"),
    ACTIONS,
    ids=[f"{m.__name__}{'.objects' if on else ''}.{n}" for m, on, n in ACTIONS],
)
def test_action_sends_its_declared_endpoint(
    rsps: responses.RequestsMock,
    model: type[Resource],
    on_manager: bool,
    name: str,
    version: str,
) -> None:
    hub = make_hub(version)
    owner = type(model.objects) if on_manager else model
    spec = action_spec(getattr(owner, name))
    assert spec is not None
    if hub.dialect.generation not in meta_of(model).generations or not spec.availability.on(
        hub.dialect
    ):
        pytest.skip(f"{model.__name__}.{name} does not exist on Hub {version}")
    sent: list[tuple[str, str, Any]] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        path = urlsplit(request.url).path
        sent.append((request.method, path, request.body))
        body = json.dumps(_answer(hub.dialect, request.method, path))
        return 200, {"Content-Type": "application/json"}, body

    rsps.add_callback(spec.method, re.compile(re.escape(HUB_URL) + r"/.*"), callback=answer)
    key = f"{model.__name__}.{name}"
    parameters = list(inspect.signature(getattr(owner, name)).parameters.values())[1:]
    if key not in ARGUMENTS:
        required = [
            p.name for p in parameters if p.default is p.empty and p.kind is not p.VAR_KEYWORD
        ]
        assert not required, f"{key} needs arguments {required}: add it to ARGUMENTS"
    args, kwargs = ARGUMENTS.get(key, lambda dialect: ((), {}))(hub.dialect)
    if on_manager:
        getattr(model.objects, name)(*args, using=hub, **kwargs)
    else:
        target = model(id=RECORD_ID)
        target._mark_loaded(hub)
        getattr(target, name)(*args, **kwargs)
    assert [(method, path) for method, path, _body in sent] == [
        (spec.method, _expected_path(spec, model))
    ]


# -- the helpers refuse what the declaration does not say ------------------------------------


@pytest.fixture
def gadget() -> Iterator[Any]:
    """An object of a resource declared here (registered only while a test uses it)."""

    @resource
    class Gadget(Resource):
        """A resource declared outside flamehub (see docs/extending.rst)."""

        id: uuid.UUID | None = readonly()

        class Meta:
            service = "core"
            path = "gadgets"

        @action("POST", "parts/:partId")
        def attach(self, part: str, *, extra: bool = False, using: Any = None) -> Any:
            """Example::

            gadget.attach("p1")
            """
            path_args = {"partId": part, "other": "x"} if extra else {"partId": part}
            return self.call_action(path_args=path_args, using=using)

        @action("POST", "parts/:partId")
        def attach_without_part(self, *, using: Any = None) -> Any:
            """Example::

            gadget.attach_without_part()
            """
            return self.call_action(using=using)

    try:
        obj = Gadget(id=RECORD_ID)
        obj._mark_loaded(make_hub("0.14.0"))
        yield obj
    finally:
        del REGISTRY[registry_key(Gadget)]


def test_call_action_outside_an_action_is_refused(gadget: Any) -> None:
    with pytest.raises(TypeError, match="from inside such a method"):
        gadget.call_action()
    with pytest.raises(TypeError, match="from inside such a method"):
        Analysis.call_collection_action(using=make_hub("0.14.0"))


def test_path_placeholders_must_match(rsps: responses.RequestsMock, gadget: Any) -> None:
    with pytest.raises(TypeError, match=r"needs path_args\['partId'\]"):
        gadget.attach_without_part()
    with pytest.raises(TypeError, match="no placeholder for other"):
        gadget.attach("p1", extra=True)
    with pytest.raises(Exception, match="is not a valid partId"):
        gadget.attach("../nodes")
    rsps.add(responses.POST, f"{HUB_URL}/core/gadgets/{RECORD_ID}/parts/p1", json={"data": {}})
    assert gadget.attach("p1") == {"data": {}}


def test_an_unsaved_object_has_no_endpoint() -> None:
    registry = Registry(name="r", host="h")
    with pytest.raises(Exception, match="has no id"):
        registry.setup(using=make_hub("0.14.0"))
