"""Short reprs, pprint() and notebook tables (_repr_html_) of instances and QuerySets."""

from __future__ import annotations

import io
import uuid

from flamehub.models import Node, Registry

from .conftest import Seeded


def test_repr_is_class_name_and_short_id(data: Seeded) -> None:
    node = Node.objects.using(data.hub).get(name=data.names[0])
    assert repr(node) == f"<Node {data.names[0]} {node.id.hex[:8]}>"
    assert repr(Node(name="site x")) == "<Node 'site x' (unsaved)>"
    assert repr(Node(id=uuid.UUID(int=0xABCDEF12 << 96))) == "<Node abcdef12>"
    long = "n" * 60
    assert repr(Node(name=long)) == f"<Node {'n' * 37}... (unsaved)>"


def test_pprint_dumps_every_field_without_secrets(data: Seeded) -> None:
    registry = Registry.objects.using(data.hub).create(
        name="reg-display",
        host="harbor.example.com",
        account_name="robot",
        account_secret="s3cr3t-reg",
    )
    try:
        fetched = Registry.objects.using(data.hub).with_fields("account_secret").get(id=registry.id)
        out = io.StringIO()
        fetched.pprint(file=out)
        lines = out.getvalue().splitlines()
        assert lines[0].split() == ["id", str(registry.id)]
        assert "account_secret  <hidden>" in lines
        assert "host            harbor.example.com" in lines
        assert "s3" not in repr(fetched) and "s3" not in fetched._repr_html_().replace(
            "<hidden>", ""
        )
        assert "<tr><th>host</th><td>harbor.example.com</td></tr>" in fetched._repr_html_()
    finally:
        registry.delete()


def test_queryset_html_shows_20_rows_then_dots_in_one_request(data: Seeded) -> None:
    html = Node.objects.using(data.hub)._repr_html_()
    assert html.count("<tr><td>") == 20
    assert html.endswith('<tr><td colspan="6">...</td></tr></tbody></table>')
    header = "".join(f"<th>{c}</th>" for c in ["id", "name", "type", "realm_id", "created_at"])
    assert header in html
    for name in data.names[:20]:
        assert f"<td>{name}</td>" in html
    assert f"<td>{data.names[20]}</td>" not in html
    (params,) = data.node_lists()
    assert params["page[limit]"] == ["21"]


def test_a_short_queryset_has_no_dots(data: Seeded) -> None:
    html = Node.objects.using(data.hub).filter(name__in=data.names[:3])._repr_html_()
    assert html.count("<tr><td>") == 3 and "..." not in html


def test_secret_fields_are_no_column(data: Seeded) -> None:
    html = Registry.objects.using(data.hub)._repr_html_()
    assert "account_secret" not in html and "<th>name</th>" in html


def test_values_queryset_html_has_its_fields_as_columns(data: Seeded) -> None:
    html = Node.objects.using(data.hub).values_list("name", "hidden")[:2]._repr_html_()
    assert html == (
        '<table class="flamehub"><thead><tr><th>name</th><th>hidden</th></tr></thead><tbody>'
        f"<tr><td>{data.names[0]}</td><td>true</td></tr>"
        f"<tr><td>{data.names[1]}</td><td>false</td></tr></tbody></table>"
    )
