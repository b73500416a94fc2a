"""A hostile Hub's values in notebook tables (``_repr_html_``) and reprs: text, never markup."""

from __future__ import annotations

import html.parser
import uuid

import pytest

from flamehub.models import Node
from tests.security.conftest import HostileServer, json_answer

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
BREAKOUT = "</td></tr></table><iframe src=javascript:alert(1)></iframe>"
ESCAPES = "\x1b]0;pwned\x07"


def hostile_row(index: int) -> dict[str, object]:
    return {
        "id": str(uuid.UUID(int=index + 1)),
        "name": SCRIPT,
        "externalName": IMAGE,
        "publicKey": BREAKOUT,
        "type": f"{SCRIPT}{ESCAPES}",  # an unknown enum value is kept as text
        "realmId": str(uuid.UUID(int=99)),
        "createdAt": "2026-11-28T14:57:30.000Z",
    }


class Tags(html.parser.HTMLParser):
    """Every start tag of a document (what a browser would build)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        allowed = {
            "table": [[("class", "flamehub")]],
            "td": [[("colspan", "2")], [("colspan", "6")]],
        }
        assert not attrs or attrs in allowed.get(tag, []), f"an attribute on <{tag}>: {attrs}"


def tags_of(document: str) -> set[str]:
    parser = Tags()
    parser.feed(document)
    return set(parser.tags)


@pytest.fixture
def rows(hostile: HostileServer) -> list[Node]:
    answer = {"data": [hostile_row(i) for i in range(25)], "meta": {"total": 25, "offset": 0}}
    hostile.routes["/core/nodes"] = json_answer(answer)
    return list(Node.objects.using(hostile.hub())[:25])


def test_queryset_html_escapes_every_value(hostile: HostileServer, rows: list[Node]) -> None:
    document = Node.objects.using(hostile.hub())._repr_html_()
    assert tags_of(document) == {"table", "thead", "tbody", "tr", "th", "td"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "\x1b" not in document and "\\x1b]0;pwned\\x07" in document


def test_record_html_escapes_every_value(rows: list[Node]) -> None:
    document = rows[0]._repr_html_()
    assert tags_of(document) == {"table", "tbody", "tr", "th", "td"}
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in document
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;iframe" in document


def test_values_html_escapes_every_value(hostile: HostileServer, rows: list[Node]) -> None:
    document = Node.objects.using(hostile.hub()).values("name", "public_key")._repr_html_()
    assert tags_of(document) == {"table", "thead", "tbody", "tr", "th", "td"}
    assert document.count("&lt;script&gt;") == 20 and '<td colspan="2">...</td>' in document


def test_short_repr_quotes_a_hostile_name(rows: list[Node]) -> None:
    assert repr(rows[0]) == "<Node '<script>alert(1)</script>' 00000000>"
    hostile = Node(name=f"x{ESCAPES}")
    assert "\x1b" not in repr(hostile) and "\\x1b" in repr(hostile)
