"""The span plumbing of values(): how a span is resolved and walked, without a Hub
(test_values.py reads spans over a LocalHub)."""

from __future__ import annotations

import uuid

import pytest

from flamehub import QueryError
from flamehub.models import Analysis, Node, Registry
from flamehub.query.values import ValuesQuerySet, field_spec, span_prefixes, walk


def test_field_spec_steps_through_to_one_relations() -> None:
    specs = field_spec(Analysis, "project__master_image__path")
    assert [(spec.name, spec.kind) for spec in specs] == [
        ("project", "relation"),
        ("master_image", "relation"),
        ("path", "str"),
    ]
    assert [spec.name for spec in field_spec(Node, "name")] == ["name"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("projekt__name", "Analysis has no to-one relation 'projekt'"),
        ("project__nmae", "Project has no field 'nmae'"),
        ("name__length", "Analysis has no to-one relation 'name'"),
    ],
)
def test_field_spec_refuses_unknown_steps(name: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        field_spec(Analysis, name)


def test_span_prefixes() -> None:
    assert span_prefixes(["name", "project__name", "project__id", "registry__host"]) == (
        "project",
        "registry",
    )
    assert span_prefixes(["name"]) == ()


def test_rows_walk_spans_and_stop_at_none() -> None:
    with_registry = Node(
        name="site-a", registry=Registry(id=uuid.uuid4(), name="harbor", host="h.example")
    )
    without = Node(name="site-b")
    assert walk(with_registry, ("registry", "host")) == "h.example"
    assert walk(without, ("registry", "host")) is None
    # the row builders of every shape read spans through walk()
    for shape, expected in [
        ("dict", {"name": "site-a", "registry__host": "h.example"}),
        ("tuple", ("site-a", "h.example")),
    ]:
        query: ValuesQuerySet[object] = ValuesQuerySet(Node.objects.all(), (), shape)
        make = query._row_maker(("name", "registry__host"))
        assert make(with_registry) == expected
    named = ValuesQuerySet(Node.objects.all(), (), "named")._row_maker(("registry__host",))
    assert named(without).registry__host is None
    flat = ValuesQuerySet(Node.objects.all(), (), "flat")._row_maker(("registry__name",))
    assert flat(with_registry) == "harbor"
