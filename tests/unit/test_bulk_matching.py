"""The exact re-check of bulk writes (flamehub.query.bulk): which conditions of a query
every row must meet, and which field values are compared case-sensitively."""

from __future__ import annotations

import uuid

from flamehub import Q
from flamehub.models import Node, NodeType
from flamehub.query.bulk import exact_conditions, matches_exactly

REALM = uuid.UUID("b899869e-3493-42cc-9d07-5736084afb39")
ROW = Node(name="site-a", realm_id=REALM, type=NodeType.DEFAULT, hidden=False)


def test_text_is_compared_case_sensitively() -> None:
    assert matches_exactly(ROW, exact_conditions(Q(name="site-a")))
    assert not matches_exactly(ROW, exact_conditions(Q(name="SITE-A")))
    assert matches_exactly(ROW, exact_conditions(Q(name__in=["x", "site-a"])))
    assert not matches_exactly(ROW, exact_conditions(Q(name__in=["x", "Site-A"])))


def test_ids_enums_and_other_kinds_are_left_to_the_hub() -> None:
    upper = str(REALM).upper()  # the Hub reads it as the same id
    assert matches_exactly(ROW, exact_conditions(Q(realm_id=upper, type="DEFAULT", hidden=True)))


def test_only_the_top_level_and_counts() -> None:
    assert exact_conditions(Q(name="a") | Q(name="b")) == []
    assert exact_conditions(~Q(name="a")) == []
    assert [c.field for c in exact_conditions(Q(name="a") & Q(hidden=False))] == ["name", "hidden"]
    assert exact_conditions(Q(name__startswith="a")) == []
