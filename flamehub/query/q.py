"""Q objects: conditions combined with ``&``, ``|`` and ``~``.

Example::

    from flamehub import Q
    Node.objects.filter(Q(name__startswith="site-") | Q(hidden=True))
    Node.objects.filter(~Q(name="a") & Q(online=True))

OR and NOT over groups need the Hub's expression dialect, which current Hubs
(>= 0.13) have; on a legacy Hub such a query raises :class:`~flamehub.QueryError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from .lookups import LOOKUPS as _LOOKUP_TABLE

__all__ = [
    "AND",
    "LOOKUPS",
    "LOOKUP_SEPARATOR",
    "OR",
    "Condition",
    "Q",
]

#: The lookups flamehub understands (``field__<lookup>=value``), by name.
LOOKUPS = _LOOKUP_TABLE
LOOKUP_SEPARATOR = "__"

AND = "AND"
OR = "OR"


@attrs.frozen
class Condition:
    """One ``field__lookup=value`` condition."""

    field: str
    lookup: str
    value: Any

    @classmethod
    def parse(cls, key: str, value: Any) -> Condition:
        """Split ``"name__startswith"`` into field and lookup (``exact`` by default).

        The lookup name is checked later against the resource, so that the
        error can name the resource's fields; here only the shape is parsed.
        """
        field, sep, lookup = key.rpartition(LOOKUP_SEPARATOR)
        if not sep or lookup not in LOOKUPS:
            field, lookup = key, "exact"
        return cls(field, lookup, value)

    def __str__(self) -> str:
        suffix = "" if self.lookup == "exact" else f"{LOOKUP_SEPARATOR}{self.lookup}"
        return f"{self.field}{suffix}={self.value!r}"


class Q:
    """A tree of conditions joined by AND or OR, possibly negated.

    Example::

        Q(name="a") | Q(name="b")          # either name
        ~Q(name__startswith="test-")       # not starting with test-
    """

    __slots__ = ("children", "connector", "negated")

    def __init__(
        self, *args: Q, _connector: str = AND, _negated: bool = False, **lookups: Any
    ) -> None:
        children: list[Q | Condition] = []
        for arg in args:
            if not isinstance(arg, Q):
                raise TypeError(f"Q() positional arguments must be Q objects, not {arg!r}")
            children.append(arg)
        children.extend(Condition.parse(key, value) for key, value in sorted(lookups.items()))
        self.children: tuple[Q | Condition, ...] = tuple(children)
        self.connector = _connector
        self.negated = _negated

    @classmethod
    def _node(cls, children: list[Q | Condition], connector: str, negated: bool) -> Q:
        node = cls(_connector=connector, _negated=negated)
        node.children = tuple(children)
        return node

    def _combine(self, other: Q, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"cannot combine Q with {other!r}")
        if not other.children:
            return self
        if not self.children:
            return other
        parts: list[Q | Condition] = []
        for node in (self, other):
            if node.connector == connector and not node.negated:
                parts.extend(node.children)
            else:
                parts.append(node)
        return Q._node(parts, connector, False)

    def __and__(self, other: Q) -> Q:
        return self._combine(other, AND)

    def __or__(self, other: Q) -> Q:
        return self._combine(other, OR)

    def __invert__(self) -> Q:
        return Q._node(list(self.children), self.connector, not self.negated)

    def __bool__(self) -> bool:
        return bool(self.children)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Q) and (
            (self.children, self.connector, self.negated)
            == (other.children, other.connector, other.negated)
        )

    def __hash__(self) -> int:
        return hash((self.children, self.connector, self.negated))

    def conditions(self) -> Iterator[Condition]:
        """Every condition in the tree, depth first."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.conditions()
            else:
                yield child

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(
            repr(child) if isinstance(child, Q) else str(child) for child in self.children
        )
        text = f"({inner})"
        return f"NOT {text}" if self.negated else text
