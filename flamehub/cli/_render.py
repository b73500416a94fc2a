"""Output of the ``flamehub`` command: JSON for scripts, aligned tables for people.

Example::

    print(render_table([{"id": 1, "name": "a"}], ["id", "name"]))
    # id  name
    # --  ----
    # 1   a
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from ..dialects import Generation
from ..files import CONTROL_CHARACTERS
from ..resources.base import Resource, meta_of
from ..resources.related import loaded_relation

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
#: The keys whose value stands for an included record in a table cell (first present wins).
SUMMARY_KEYS = ("name", "display_name", "id")
#: How many columns a default table shows at most.
MAX_DEFAULT_COLUMNS = 6
#: Space between table columns.
COLUMN_GAP = "  "
#: A cell wider than this is cut (tables only; JSON is never cut).
MAX_CELL_WIDTH = 48
#: What a cut cell ends with.
ELLIPSIS = "..."


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (resources as their fields, ids and times as text).

    Example::

        plain(Node.objects.first())   # {'id': '...', 'name': 'site-a', ...}
    """
    if isinstance(value, Resource):
        meta = meta_of(type(value))
        data = {name: plain(getattr(value, name, None)) for name in meta.scalar_fields}
        for name in meta.relations:  # those the query included or prefetched (no request)
            related = loaded_relation(value, name)
            if related is not None:
                data[name] = plain(related)
        for name, rows in (value.__dict__.get("_prefetched") or {}).items():  # reverse ones
            data[name] = [plain(row) for row in rows]
        return data
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Path)):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if attrs.has(type(value)):
        return {
            field.name: plain(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.repr is not False
        }
    return value


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), never sent raw.

    Hub data (names, messages) may carry terminal escape sequences: a clipboard write,
    a changed title, hidden text. Every line the command prints to a person goes through
    this; JSON output escapes them by itself.

    >>> printable("a\\x1b]52;c;eA==\\x07b")
    'a\\\\x1b]52;c;eA==\\\\x07b'
    """
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


_ROLE = re.compile(r":(?:[\w-]+:)+`(~?)([^`]+)`")
_LITERAL = re.compile(r"``(.+?)``")
_INTERPRETED = re.compile(r"`([^`]+)`_{0,2}")


def _role_text(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    title, bracket, _ = target.partition(" <")
    if bracket:  # :doc:`the guide <queries>` -> the guide
        return title
    return target.rsplit(".", 1)[-1] if tilde else target


def plain_text(doc: str) -> str:
    """A docstring as terminal text: reStructuredText roles and literals unwrapped.

    ``:class:`~flamehub.Hub``` becomes ``Hub``, ````code```` becomes ``code`` and a
    paragraph ending in ``::`` ends in ``:``.

    >>> plain_text("Run :meth:`~flamehub.Hub.close` with ``force=True``. Example::")
    'Run close with force=True. Example:'
    """
    text = _ROLE.sub(_role_text, doc)
    text = _LITERAL.sub(r"\1", text)
    text = _INTERPRETED.sub(r"\1", text)
    text = text.replace("\\ ", "")  # ``include``\ s -> includes
    return re.sub(r"(\S)::$", r"\1:", text, flags=re.MULTILINE)


def to_json(value: Any) -> str:
    """``value`` as indented JSON text."""
    return json.dumps(plain(value), indent=2, default=str)


def default_columns(available: Sequence[str]) -> list[str]:
    """The columns a table shows when ``--fields`` was not given.

    They depend on the fields a resource declares for the Hub's generation only, never on
    the rows: the :data:`PREFERRED_COLUMNS` it has, then its other fields in declaration
    order, :data:`MAX_DEFAULT_COLUMNS` in all.

    >>> default_columns(["id", "hidden", "name", "online", "realm_id", "type", "x", "y"])
    ['id', 'name', 'type', 'realm_id', 'hidden', 'online']
    """
    chosen = [name for name in PREFERRED_COLUMNS if name in available]
    chosen += [name for name in available if name not in chosen]
    return chosen[:MAX_DEFAULT_COLUMNS]


def declared_columns(model: type[Resource], generation: Generation | None) -> list[str]:
    """The fields of ``model`` on ``generation`` (every generation's when it is unknown).

    Example::

        declared_columns(Node, Generation.CURRENT)   # ['id', 'name', 'type', ...]
    """
    return [
        name
        for name, spec in meta_of(model).scalar_fields.items()
        if generation is None or spec.exists_on(generation)
    ]


def summary(value: Any) -> Any:
    """An included record in one table cell: its name (or id); a list of them joined.

    >>> summary({"id": "4b0f", "name": "site-a"}), summary([{"id": "1"}, {"id": "2"}])
    ('site-a', '1, 2')
    """
    if isinstance(value, list):
        return ", ".join(str(summary(item)) for item in value)
    if isinstance(value, Mapping):
        for key in SUMMARY_KEYS:
            if value.get(key) is not None:
                return value[key]
    return value


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value)
    else:
        text = str(value)
    text = printable(text.replace("\n", " "))
    if len(text) > MAX_CELL_WIDTH:
        text = text[: MAX_CELL_WIDTH - len(ELLIPSIS)] + ELLIPSIS
    return text


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a left-aligned text table with a header (no trailing spaces).

    Example::

        render_table([{"id": 1, "name": "a"}], ["id", "name"])
    """
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
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
        f"{keys[key].ljust(width)}{COLUMN_GAP}{_cell(value)}".rstrip()
        for key, value in record.items()
    )
