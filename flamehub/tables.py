"""Rows as tables: the one renderer behind the CLI's tables and CSV, ``pprint()`` and the
notebook tables (``_repr_html_``).

Every cell goes through :func:`cell_text` (``None`` empty, booleans ``true``/``false``,
JSON for lists and dicts, control characters shown as escapes, long cells cut); the
formats differ only in how they join the cells:

- :func:`render_table`: aligned text columns (the CLI, ``QuerySet.pprint``-style output);
- :func:`render_record`: one record as ``key  value`` lines (``Resource.pprint()``);
- :func:`render_html_table` / :func:`render_html_record`: an HTML ``<table>`` for Jupyter,
  every cell and header escaped, so a Hub value such as ``<script>`` shows as text;
- :func:`render_csv`: CSV, whole values (never cut), and a cell that a spreadsheet would
  run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
  prefixed with ``'`` (OWASP's advice for CSV injection), unless it is a number.

Which columns a resource shows by default (:func:`default_columns`) is decided here too,
from the declaration only, never from the rows; secret fields are never among them.

Example::

    print(render_table([{"id": 1, "name": "a"}], ["id", "name"]))
    # id  name
    # --  ----
    # 1   a
"""

from __future__ import annotations

import csv
import enum
import html
import io
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dialects import Dialect, Generation
    from .resources.base import Resource

__all__ = [
    "COLUMN_GAP",
    "CONTROL_CHARACTERS",
    "ELLIPSIS",
    "HTML_ROWS",
    "MAX_CELL_WIDTH",
    "MAX_DEFAULT_COLUMNS",
    "PREFERRED_COLUMNS",
    "cell_text",
    "csv_safe",
    "declared_columns",
    "default_columns",
    "plain_scalar",
    "printable",
    "render_csv",
    "render_html_record",
    "render_html_table",
    "render_record",
    "render_table",
]

#: Control characters (C0, DEL, C1): never printed raw (terminal escape sequences).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Columns a table shows by default, when the resource has them (in this order).
PREFERRED_COLUMNS = (
    "id",
    "name",
    "display_name",
    "type",
    "path",
    "size",
    "realm_id",
    "created_at",
)
#: How many columns a default table shows at most.
MAX_DEFAULT_COLUMNS = 6
#: Space between table columns.
COLUMN_GAP = "  "
#: A cell wider than this is cut (text and HTML tables; JSON and CSV are never cut).
MAX_CELL_WIDTH = 48
#: What a cut cell ends with.
ELLIPSIS = "..."
#: Rows a notebook table shows before "..." (as many as ``repr()`` of a QuerySet).
HTML_ROWS = 20

#: The first characters with which a spreadsheet starts a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), never sent raw.

    Hub data (names, messages) may carry terminal escape sequences: a clipboard write,
    a changed title, hidden text. Every line the command prints to a person goes through
    this; JSON output escapes them by itself.

    >>> printable("a\\x1b]52;c;eA==\\x07b")
    'a\\\\x1b]52;c;eA==\\\\x07b'
    """
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def plain_scalar(value: Any) -> Any:
    """A scalar as JSON-ready data: an enum as its value, a datetime as ISO text, a UUID as
    text; anything else as it is.

    >>> plain_scalar(uuid.UUID(int=1))
    '00000000-0000-0000-0000-000000000001'
    """
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _whole_text(value: Any) -> str:
    value = plain_scalar(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=lambda item: str(plain_scalar(item)))
    return str(value)


def cell_text(value: Any, width: int | None = MAX_CELL_WIDTH) -> str:
    """One table cell: ``None`` empty, ``true``/``false``, JSON for lists and dicts, one line,
    control characters escaped, cut to ``width`` characters (``None``: never cut).

    >>> cell_text(None), cell_text(True), cell_text([1, "a"]), cell_text("a\\nb")
    ('', 'true', '[1, "a"]', 'a b')
    """
    text = printable(_whole_text(value).replace("\n", " "))
    if width is not None and len(text) > width:
        text = text[: width - len(ELLIPSIS)] + ELLIPSIS
    return text


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a left-aligned text table with a header (no trailing spaces).

    Example::

        render_table([{"id": 1, "name": "a"}], ["id", "name"])
    """
    cells = [[cell_text(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column), *(len(line[index]) for line in cells)])
        for index, column in enumerate(columns)
    ]
    lines = [[printable(column) for column in columns], ["-" * width for width in widths], *cells]
    return "\n".join(
        COLUMN_GAP.join(
            text.ljust(width) for text, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    )


def render_record(record: Mapping[str, Any]) -> str:
    """One record as aligned ``key  value`` lines.

    Example::

        render_record({"id": 1, "name": "a"})
    """
    if not record:
        return ""
    keys = {key: printable(key) for key in record}
    width = max(len(key) for key in keys.values())
    return "\n".join(
        f"{keys[key].ljust(width)}{COLUMN_GAP}{cell_text(value)}".rstrip()
        for key, value in record.items()
    )


def _html(text: str) -> str:
    return html.escape(text, quote=True)


def render_html_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, more: bool = False
) -> str:
    """Rows as a compact HTML table; ``more`` adds a last row "..." (rows were left out).

    Every header and cell is escaped: a Hub value is text, never markup.

    >>> render_html_table([{"name": "<b>"}], ["name"])
    '<table class="flamehub"><thead><tr><th>name</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """  # noqa: E501
    head = "".join(f"<th>{_html(printable(column))}</th>" for column in columns)
    body = [
        "<tr>" + "".join(f"<td>{_html(cell_text(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    ]
    if more:
        body.append(f'<tr><td colspan="{max(len(columns), 1)}">...</td></tr>')
    return (
        f'<table class="flamehub"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_html_record(record: Mapping[str, Any]) -> str:
    """One record as a two-column HTML table (field, value), every cell escaped.

    >>> render_html_record({"name": "a&b"})
    '<table class="flamehub"><tbody><tr><th>name</th><td>a&amp;b</td></tr></tbody></table>'
    """
    lines = "".join(
        f"<tr><th>{_html(printable(key))}</th><td>{_html(cell_text(value))}</td></tr>"
        for key, value in record.items()
    )
    return f'<table class="flamehub"><tbody>{lines}</tbody></table>'


def csv_safe(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: a cell starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``, unless it is a number
    (``-1.5`` stays a number).

    >>> csv_safe("=HYPERLINK(\\"http://x\\")"), csv_safe("-1.5"), csv_safe("site-a")
    ('\\'=HYPERLINK("http://x")', '-1.5', 'site-a')
    """
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def render_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV with a header line: whole values (never cut, newlines kept inside
    quotes), control characters other than newlines and tabs escaped, formulas neutralised
    (:func:`csv_safe`).

    >>> render_csv([{"id": 1, "name": "=1+1"}], ["id", "name"])
    "id,name\\r\\n1,'=1+1\\r\\n"
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(printable(column)) for column in columns])
    for row in rows:
        writer.writerow([csv_safe(_csv_text(row.get(column))) for column in columns])
    return out.getvalue()


def _csv_text(value: Any) -> str:
    text = _whole_text(value)
    # newlines are safe inside quoted CSV cells; every other control character is escaped
    return CONTROL_CHARACTERS.sub(
        lambda m: m.group() if m.group() == "\n" else f"\\x{ord(m.group()):02x}", text
    )


def default_columns(available: Sequence[str]) -> list[str]:
    """The columns a table shows when no fields were asked for.

    They depend on the fields a resource declares for the Hub's generation only, never on
    the rows: the :data:`PREFERRED_COLUMNS` it has, then its other fields in declaration
    order, :data:`MAX_DEFAULT_COLUMNS` in all.

    >>> default_columns(["id", "hidden", "name", "online", "realm_id", "type", "x", "y"])
    ['id', 'name', 'type', 'realm_id', 'hidden', 'online']
    """
    chosen = [name for name in PREFERRED_COLUMNS if name in available]
    chosen += [name for name in available if name not in chosen]
    return chosen[:MAX_DEFAULT_COLUMNS]


def declared_columns(
    model: type[Resource], generation: Generation | Dialect | None, *, secrets: bool = True
) -> list[str]:
    """The fields of ``model`` on ``generation`` or a Hub release's dialect (every
    generation's when it is unknown); ``secrets=False`` leaves out the fields declared secret.

    Example::

        declared_columns(Node, Generation.CURRENT)   # ['id', 'name', 'type', ...]
    """
    from .resources.base import meta_of

    return [
        name
        for name, spec in meta_of(model).scalar_fields.items()
        if (generation is None or spec.exists_on(generation))
        and (secrets or not spec.options.secret)
    ]
