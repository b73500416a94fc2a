"""flamehub.tables: the one renderer of text tables, records, HTML and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timezone

import pytest

from flamehub.models import NodeType
from flamehub.tables import cell_text, csv_safe, render_csv, render_html_table, render_table


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-", "'-"),
        ("-1.5", "-1.5"),  # a number stays a number
        ("+3", "+3"),
        ("1e-3", "1e-3"),
        ("site-a", "site-a"),
        ("", ""),
    ],
)
def test_csv_safe(text: str, shown: str) -> None:
    assert csv_safe(text) == shown


def test_csv_keeps_whole_values_and_escapes_control_characters() -> None:
    long = "x" * 100
    out = render_csv(
        [{"a": long, "b": "two\nlines", "c": "bell\x07", "d": None, "e": True}],
        ["a", "b", "c", "d", "e"],
    )
    assert list(csv.reader(io.StringIO(out))) == [
        ["a", "b", "c", "d", "e"],
        [long, "two\nlines", "bell\\x07", "", "true"],
    ]


def test_cells_share_one_text_form() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    row = {"t": when, "k": NodeType.DEFAULT, "i": uuid.UUID(int=1), "j": {"a": [1]}}
    assert [cell_text(row[key]) for key in "tkij"] == [
        "2026-01-02T03:04:05+00:00",
        "default",
        "00000000-0000-0000-0000-000000000001",
        '{"a": [1]}',
    ]
    assert render_table([row], ["k"]) == "k\n-------\ndefault"
    assert "<td>default</td>" in render_html_table([row], ["k"])
    assert cell_text("y" * 60) == "y" * 45 + "..."
