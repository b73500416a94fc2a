"""The lookups of ``field__<lookup>=value``: one class each, registered in one table.

A lookup says everything about itself in one place, as Django's ``Lookup`` classes
do: its name, the field kinds it applies to, how it checks (and possibly rewrites)
its value, its **bracket** forms (``filter[name]=site-~``; one per like syntax:
rapiq 0.x of legacy Hubs, rapiq 2 from Hub 0.12.3 on) and its **expression** form
(``filter=startsWith(name,'site-')``, current Hubs >= 0.13). The compiler
(:mod:`flamehub.query.compiler`) asks the lookup and never names one.

Adding a lookup is one class::

    @register_lookup
    class IStartsWith(TextLookup):
        name = "istartswith"
        brackets = {RAPIQ0: (None, None), RAPIQ2: (None, None)}
        expression = "iStartsWith"

This module stays light (no HTTP stack, no resource machinery): :class:`~flamehub.Q`
reads the lookup names from :data:`LOOKUPS` to parse ``field__lookup`` keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..errors import QueryError

if TYPE_CHECKING:
    from ..dialects import Dialect

__all__ = [
    "LOOKUPS",
    "RANGE_LOOKUPS",
    "RAPIQ0",
    "RAPIQ2",
    "TEXT_LOOKUPS",
    "Contains",
    "EmptyResult",
    "EndsWith",
    "Exact",
    "GreaterThan",
    "GreaterThanOrEqual",
    "In",
    "IsNull",
    "LessThan",
    "LessThanOrEqual",
    "Like",
    "Lookup",
    "RangeLookup",
    "StartsWith",
    "TextLookup",
    "like_syntax",
    "quote",
    "register_lookup",
]

#: The like syntax of legacy Hubs before 0.12.3 (``~x`` is ``LIKE 'x%'``).
RAPIQ0 = "rapiq0"
#: The like syntax of Hubs from 0.12.3 on (``x~`` starts, ``~x`` ends, ``~x~`` contains).
RAPIQ2 = "rapiq2"
#: No bracket form, positive or negated.
NO_BRACKETS: tuple[str | None, str | None] = (None, None)

#: Encodes one value of a condition as wire text: ``(value, lookup) -> text``.
ValueEncoder = Callable[[Any, "Lookup"], str]


class EmptyResult(Exception):
    """The filters can match nothing (``id__in=[]``): no request is needed."""


def like_syntax(dialect: Dialect) -> str:
    """:data:`RAPIQ2` or :data:`RAPIQ0`: which bracket forms ``dialect`` reads."""
    return RAPIQ2 if dialect.rapiq2 else RAPIQ0


def quote(text: str) -> str:
    """A value of the expression dialect: ``'it''s'``."""
    return "'" + text.replace("'", "''") + "'"


class Lookup:
    """One lookup: name, field kinds, value check, bracket and expression forms.

    Example::

        lookup = LOOKUPS["startswith"]
        lookup.bracket(Dialect.for_version("0.14.0"), negated=False)   # '{}~'
    """

    #: The name after ``__`` (``name__startswith``).
    name: ClassVar[str]
    #: ``{like syntax: (positive, negated)}`` templates of ``filter[field]=``; ``{}``
    #: is the value (a list joined by commas), ``None`` means no bracket form.
    brackets: ClassVar[Mapping[str, tuple[str | None, str | None]]] = {}
    #: The operator of the expression dialect (``None``: no expression form).
    expression: ClassVar[str | None] = None
    #: How a datetime finer than the Hub's milliseconds becomes a bound that selects the
    #: same rows: ``"ceiling"`` (next millisecond), ``"floor"`` (cut), or ``None`` (refused).
    datetime_rounding: ClassVar[str | None] = None

    def check_kind(self, model: str, field: str, kind: str) -> None:
        """Raise :class:`QueryError` if the lookup does not apply to a field of ``kind``."""

    def prepare(self, field: str, value: Any, dialect: Dialect, model: str) -> tuple[Lookup, Any]:
        """The lookup and value to send for ``field__<name>=value`` on ``dialect``.

        A lookup may hand over to another one (``x=None`` is ``x__isnull=True``).
        """
        return self, value

    def encode(
        self, field: str, value: Any, encode_one: ValueEncoder, dialect: Dialect
    ) -> tuple[str, ...]:
        """The wire texts of ``value`` (one for most lookups, any number for ``in``)."""
        return (encode_one(value, self),)

    def matches_nothing(self, texts: tuple[str, ...]) -> bool:
        """Whether a condition with these wire texts can match no row (``x__in=[]``)."""
        return False

    def bracket(self, dialect: Dialect, *, negated: bool) -> str | None:
        """The ``filter[field]=`` template on ``dialect``, or ``None`` if there is none."""
        return self.brackets.get(like_syntax(dialect), NO_BRACKETS)[1 if negated else 0]

    def bracket_text(self, template: str, texts: tuple[str, ...], value: Any, negated: bool) -> str:
        """The ``filter[field]=`` value of ``texts`` through ``template``."""
        return template.format(",".join(texts))

    def expression_text(self, wire_field: str, texts: tuple[str, ...], value: Any) -> str:
        """The condition in the expression dialect: ``startsWith(name,'a')``."""
        assert self.expression is not None
        return f"{self.expression}({wire_field},{','.join(quote(text) for text in texts)})"

    def __repr__(self) -> str:
        return f"<lookup {self.name}>"


#: Every lookup by name: the one table (:func:`register_lookup` adds to it).
LOOKUPS: dict[str, Lookup] = {}

L = TypeVar("L", bound=type[Lookup])


def register_lookup(cls: L) -> L:
    """Class decorator: make ``field__<cls.name>`` a lookup.

    Example::

        @register_lookup
        class Exact(Lookup):
            name = "exact"
            brackets = {RAPIQ0: ("{}", "!{}"), RAPIQ2: ("{}", "!{}")}
            expression = "eq"
    """
    LOOKUPS[cls.name] = cls()
    return cls


class TextLookup(Lookup):
    """A lookup on text: string and enum fields only."""

    def check_kind(self, model: str, field: str, kind: str) -> None:
        if kind not in ("str", "enum"):
            raise QueryError(f"{model}.{field} is not a text field: {self.name} needs one")


class _WildcardFree(TextLookup):
    """A text match that legacy Hubs send as a ``LIKE`` pattern: ``%`` and ``_`` would be
    SQL wildcards there and match more than asked."""

    def encode(
        self, field: str, value: Any, encode_one: ValueEncoder, dialect: Dialect
    ) -> tuple[str, ...]:
        text = encode_one(value, self)
        if dialect.like_wildcards and ("%" in text or "_" in text):
            raise QueryError(
                f"{field}__{self.name}={value!r}: on Hub {dialect.version_string} '%' and '_' "
                "in a pattern are SQL wildcards, so this would match more than asked; use "
                f"{field}__like=... if a wildcard pattern is what you mean"
            )
        return (text,)


class RangeLookup(Lookup):
    """A comparison: every kind but booleans; no negated bracket form."""

    def check_kind(self, model: str, field: str, kind: str) -> None:
        if kind == "bool":
            raise QueryError(f"{model}.{field} is a boolean: {self.name} does not apply")


@register_lookup
class Exact(Lookup):
    name = "exact"
    brackets = {RAPIQ0: ("{}", "!{}"), RAPIQ2: ("{}", "!{}")}
    expression = "eq"

    def prepare(self, field: str, value: Any, dialect: Dialect, model: str) -> tuple[Lookup, Any]:
        if value is None:
            return LOOKUPS["isnull"], True
        return self, value


@register_lookup
class In(Lookup):
    name = "in"
    brackets = {RAPIQ0: ("{}", "!{}"), RAPIQ2: ("{}", "!{}")}
    expression = "in"

    def encode(
        self, field: str, value: Any, encode_one: ValueEncoder, dialect: Dialect
    ) -> tuple[str, ...]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise QueryError(f"{field}__in takes a list of values, not {value!r}")
        return tuple("null" if item is None else encode_one(item, self) for item in value)

    def matches_nothing(self, texts: tuple[str, ...]) -> bool:
        return not texts


@register_lookup
class IsNull(Lookup):
    name = "isnull"
    brackets = {RAPIQ0: ("null", "!null"), RAPIQ2: ("null", "!null")}
    expression = "eq"

    def encode(
        self, field: str, value: Any, encode_one: ValueEncoder, dialect: Dialect
    ) -> tuple[str, ...]:
        if not isinstance(value, bool):
            raise QueryError(f"{field}__isnull takes True or False, not {value!r}")
        return ()

    def bracket_text(self, template: str, texts: tuple[str, ...], value: Any, negated: bool) -> str:
        return "null" if bool(value) != negated else "!null"

    def expression_text(self, wire_field: str, texts: tuple[str, ...], value: Any) -> str:
        text = f"eq({wire_field},{quote('null')})"
        return text if value else f"not({text})"


@register_lookup
class StartsWith(_WildcardFree):
    name = "startswith"
    brackets = {RAPIQ0: ("~{}", "!~{}"), RAPIQ2: ("{}~", "!{}~")}
    expression = "startsWith"


@register_lookup
class EndsWith(TextLookup):
    name = "endswith"
    brackets = {RAPIQ0: NO_BRACKETS, RAPIQ2: ("~{}", "!~{}")}
    expression = "endsWith"


@register_lookup
class Contains(_WildcardFree):
    name = "contains"
    brackets = {RAPIQ0: ("~%{}", "!~%{}"), RAPIQ2: ("~{}~", "!~{}~")}
    expression = "contains"


@register_lookup
class Like(TextLookup):
    """The legacy ``~p``: SQL ``LIKE 'p%'``, the same on every Hub.

    Legacy (rapiq 0.x) Hubs get the pattern verbatim. rapiq 2 has no LIKE, so
    ``x`` and ``x%`` become startswith, ``%x`` and ``%x%`` contains; ``_`` (one
    character) and a ``%`` between other characters cannot be said there.
    """

    name = "like"
    brackets = {RAPIQ0: ("~{}", "!~{}"), RAPIQ2: NO_BRACKETS}

    def prepare(self, field: str, value: Any, dialect: Dialect, model: str) -> tuple[Lookup, Any]:
        if not isinstance(value, str):
            raise QueryError(f"{field}__like takes a string pattern, not {value!r}")
        if not dialect.rapiq2:
            return self, value
        core = value.strip("%")
        if "_" in value or "%" in core or not core:
            what = (
                "'_' (any one character)"
                if "_" in value
                else "a '%' between other characters"
                if core
                else "a pattern of wildcards only"
            )
            raise QueryError(
                f"{field}__like={value!r} on {model}: like means LIKE '{value}%' (a prefix "
                f"match), and current Hubs have no operator for {what}; they express "
                f"'x' or 'x%' ({field}__startswith) and '%x' or '%x%' ({field}__contains); "
                f"use {field}__startswith, __contains, __endswith or __exact, combined with "
                "Q objects if needed"
            )
        return LOOKUPS["contains" if value.startswith("%") else "startswith"], core


@register_lookup
class GreaterThan(RangeLookup):
    name = "gt"
    brackets = {RAPIQ0: (">{}", None), RAPIQ2: (">{}", None)}
    expression = "gt"
    datetime_rounding = "floor"


@register_lookup
class GreaterThanOrEqual(RangeLookup):
    name = "gte"
    brackets = {RAPIQ0: (">={}", None), RAPIQ2: (">={}", None)}
    expression = "gte"
    datetime_rounding = "ceiling"


@register_lookup
class LessThan(RangeLookup):
    name = "lt"
    brackets = {RAPIQ0: ("<{}", None), RAPIQ2: ("<{}", None)}
    expression = "lt"
    datetime_rounding = "ceiling"


@register_lookup
class LessThanOrEqual(RangeLookup):
    name = "lte"
    brackets = {RAPIQ0: ("<={}", None), RAPIQ2: ("<={}", None)}
    expression = "lte"
    datetime_rounding = "floor"


#: Text lookups: they need a string field (the CLI's completion offers them there).
TEXT_LOOKUPS = frozenset(name for name, lookup in LOOKUPS.items() if isinstance(lookup, TextLookup))
#: Range lookups.
RANGE_LOOKUPS = frozenset(
    name for name, lookup in LOOKUPS.items() if isinstance(lookup, RangeLookup)
)
