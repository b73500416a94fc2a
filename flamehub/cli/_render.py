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
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from ..resources.base import Resource, meta_of
from ..resources.related import loaded_relation
from ..tables import (  # the one table renderer (flamehub.tables), used here by the CLI
    COLUMN_GAP,
    ELLIPSIS,
    MAX_CELL_WIDTH,
    MAX_DEFAULT_COLUMNS,
    PREFERRED_COLUMNS,
    declared_columns,
    default_columns,
    printable,
    render_csv,
    render_record,
    render_table,
)

__all__ = [
    "COLUMN_GAP",
    "ELLIPSIS",
    "MAX_CELL_WIDTH",
    "MAX_DEFAULT_COLUMNS",
    "PREFERRED_COLUMNS",
    "SUMMARY_KEYS",
    "declared_columns",
    "default_columns",
    "plain",
    "plain_text",
    "printable",
    "render_csv",
    "render_record",
    "render_table",
    "summary",
    "to_json",
]

#: The keys whose value stands for an included record in a table cell (first present wins).
SUMMARY_KEYS = ("name", "display_name", "id")


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
