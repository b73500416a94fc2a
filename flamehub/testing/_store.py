"""In-memory tables of the local Hub.

Rows are plain dicts keyed by canonical (camelCase) field names; keys starting with ``_``
are private to the fake (password hashes, file paths, ...) and never rendered. Every
access from a request thread happens under :attr:`Store.lock` (re-entrant).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["Row", "Store", "format_timestamp"]

Row = dict[str, Any]

_ONE_MS = timedelta(milliseconds=1)


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 with milliseconds and ``Z``, as the Hub writes ``createdAt``."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class Store:
    """Thread-safe tables with a strictly increasing clock (rows sort by creation)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, Row]] = {}
        self._last = datetime.fromtimestamp(0, timezone.utc)

    # -- time and ids -------------------------------------------------------------------

    def now(self) -> str:
        """A timestamp later than every one handed out before."""
        with self.lock:
            moment = datetime.now(timezone.utc)
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            if moment <= self._last:
                moment = self._last + _ONE_MS
            self._last = moment
            return format_timestamp(moment)

    @staticmethod
    def new_id() -> str:
        """A fresh UUID v4."""
        return str(uuid.uuid4())

    # -- tables -------------------------------------------------------------------------

    def table(self, key: str) -> dict[str, Row]:
        """The live table ``key`` (id -> row), in insertion order."""
        with self.lock:
            return self._tables.setdefault(key, {})

    def rows(self, key: str) -> list[Row]:
        """A snapshot list of the rows of ``key``."""
        with self.lock:
            return list(self.table(key).values())

    def get(self, key: str, row_id: str | None) -> Row | None:
        """The row ``row_id`` of ``key`` or ``None``."""
        if row_id is None:
            return None
        with self.lock:
            return self.table(key).get(row_id)

    def insert(self, key: str, row: Row) -> Row:
        """Insert ``row`` (gets an id and timestamps if missing) and return it."""
        with self.lock:
            row.setdefault("id", self.new_id())
            stamp = self.now()
            row.setdefault("createdAt", stamp)
            row.setdefault("updatedAt", row["createdAt"])
            self.table(key)[row["id"]] = row
            return row

    def touch(self, row: Row) -> None:
        """Set ``updatedAt`` of ``row`` to now."""
        row["updatedAt"] = self.now()

    def delete(self, key: str, row_id: str) -> Row | None:
        """Remove and return the row ``row_id`` of ``key``."""
        with self.lock:
            return self.table(key).pop(row_id, None)

    def find(self, key: str, **criteria: Any) -> list[Row]:
        """Rows of ``key`` whose fields equal all ``criteria``."""
        with self.lock:
            return [
                row
                for row in self.table(key).values()
                if all(row.get(name) == value for name, value in criteria.items())
            ]

    def first(self, key: str, **criteria: Any) -> Row | None:
        """The first row of ``key`` matching ``criteria`` or ``None``."""
        found = self.find(key, **criteria)
        return found[0] if found else None

    def clear(self) -> None:
        """Drop every table."""
        with self.lock:
            self._tables.clear()

    def __iter__(self) -> Iterator[str]:
        with self.lock:
            return iter(list(self._tables))
