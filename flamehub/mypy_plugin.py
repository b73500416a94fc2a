"""A mypy plugin: the keywords of ``filter()``, ``exclude()``, ``get()`` (and
``get_or_create()``/``update_or_create()`` apart from ``defaults``) are checked
against the resource's declaration, so ``Node.objects.filter(nmae="x")`` is a type error.

A resource's constructor and ``create()`` are typed without the plugin (``@resource``
is a dataclass-like decorator for type checkers). Query keywords are ``field__lookup``
names that no static signature can list, so mypy asks the plugin, and the plugin asks
the same declaration (``Meta.filters`` of every Hub generation, the lookup table) that
refuses the keyword at run time. Only flamehub's own resources are checked; a model of
your code is left to the run-time check.

Enable it in the mypy configuration::

    [tool.mypy]
    plugins = ["flamehub.mypy_plugin"]

Example of what it reports::

    Node.objects.filter(nmae="site-a")
    # error: Node has no field 'nmae' to filter by (did you mean 'name'?); ...  [flamehub-lookup]
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import mypy.plugin  # noqa: F401  (first: mypy's modules import each other in this order)
from mypy.errorcodes import ErrorCode
from mypy.maptype import map_instance_to_supertype
from mypy.plugin import MethodContext, Plugin
from mypy.types import Instance, Type, get_proper_type

from . import models as _models  # noqa: F401  (fills REGISTRY with flamehub's resources)
from .errors import QueryError
from .query.q import LOOKUP_SEPARATOR, LOOKUPS, Condition
from .query.relations import filter_field
from .resources.base import REGISTRY, Resource, meta_of

__all__ = [
    "LOOKUP_ERROR",
    "NOT_LOOKUPS",
    "QUERY_METHODS",
    "FlamehubPlugin",
    "lookup_problem",
    "plugin",
]

#: The error code of a refused lookup (``# type: ignore[flamehub-lookup]`` silences one).
LOOKUP_ERROR = ErrorCode("flamehub-lookup", "Check query keywords against the resource", "flamehub")
#: The classes whose methods take lookups, by their full names.
_QUERY_CLASSES = ("flamehub.query.queryset.QuerySet", "flamehub.query.queryset.Manager")
#: The methods whose keywords are lookups (``field__lookup=value``), by their full names.
QUERY_METHODS = frozenset(
    f"{owner}.{method}"
    for owner in _QUERY_CLASSES
    for method in ("filter", "exclude", "get", "get_or_create", "update_or_create")
)
#: Keywords of those methods that are not lookups (the values of a create or update).
NOT_LOOKUPS = frozenset({"defaults", "create_defaults"})


def lookup_problem(model: type[Resource], key: str) -> str | None:
    """Why ``key`` is no lookup of ``model`` on any Hub generation, or ``None`` if it is one.

    Example::

        lookup_problem(Node, "name__startswith")    # None
        lookup_problem(Node, "nmae")                # "Node has no field 'nmae' ..."
    """
    meta = meta_of(model)
    name = model.__name__
    filterable = sorted(
        set().union(*(meta.capabilities(generation).filters for generation in meta.generations))
    )
    condition = Condition.parse(key, None)
    try:  # (relations) realm=... is realm_id=...; realm__name=... says what to do instead
        field = filter_field(model, condition.field)
    except QueryError as refused:
        return str(refused)
    if LOOKUP_SEPARATOR in field:
        head, _, tail = field.rpartition(LOOKUP_SEPARATOR)
        if head in meta.fields:
            return (
                f"{name}.{head} has no lookup {tail!r}{_did_you_mean(tail, LOOKUPS)}; "
                f"the lookups: {', '.join(LOOKUPS)}"
            )
    spec = meta.fields.get(field)
    if spec is None or spec.kind == "relation" or field not in filterable:
        what = "no field" if spec is None or spec.kind == "relation" else "no filterable field"
        return (
            f"{name} has {what} {field!r} to filter by{_did_you_mean(field, filterable)}; "
            f"filterable on some Hub: {', '.join(filterable) or 'none'}"
        )
    try:
        LOOKUPS[condition.lookup].check_kind(name, field, spec.kind)
    except QueryError as refused:
        return str(refused)
    return None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_of(receiver: Type) -> type[Resource] | None:
    """The flamehub resource a QuerySet/Manager type is about (``None`` if not one of ours)."""
    instance = get_proper_type(receiver)
    if not isinstance(instance, Instance):
        return None
    for base in instance.type.mro:
        if base.fullname in _QUERY_CLASSES:
            mapped = map_instance_to_supertype(instance, base)
            if not mapped.args:
                return None
            model = get_proper_type(mapped.args[0])
            if isinstance(model, Instance):
                return REGISTRY.get(model.type.fullname)
    return None


def _check_lookups(ctx: MethodContext) -> Type:
    model = _model_of(ctx.type)
    if model is not None:
        for names in ctx.arg_names:
            for key in names:
                problem = None if key is None or key in NOT_LOOKUPS else lookup_problem(model, key)
                if problem is not None:
                    ctx.api.fail(problem, ctx.context, code=LOOKUP_ERROR)
    return ctx.default_return_type


class FlamehubPlugin(Plugin):
    """Checks query keywords of flamehub's resources (see the module documentation)."""

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return _check_lookups if fullname in QUERY_METHODS else None


def plugin(version: str) -> type[Plugin]:
    """The entry point mypy calls with its version."""
    return FlamehubPlugin
