"""Turning command-line words into query lookups and field values.

Example::

    parse_assignments(["name__startswith=site-", "hidden=false", "type__in=a,b"], lookups=True)
    # {'name__startswith': 'site-', 'hidden': False, 'type__in': ['a', 'b']}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .. import errors

#: Words read as constants.
CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "none": None}
#: Lookups whose value is a comma-separated list.
LIST_LOOKUPS = ("__in",)
#: Lookups whose value is compared as a number when it looks like one.
NUMERIC_LOOKUPS = ("__gt", "__gte", "__lt", "__lte")
#: What separates the items of a list value.
LIST_SEPARATOR = ","


def parse_scalar(text: str) -> Any:
    """``true``/``false``/``null`` as constants, JSON arrays and objects decoded, else the text.

    Example::

        parse_scalar("true"), parse_scalar("[1, 2]"), parse_scalar("site-a")
    """
    lowered = text.strip().lower()
    if lowered in CONSTANTS:
        return CONSTANTS[lowered]
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def parse_lookup_value(key: str, text: str) -> Any:
    """The value of one ``--filter key=value``, read according to its lookup.

    Example::

        parse_lookup_value("id__in", "a,b")   # ['a', 'b']
    """
    if key.endswith(LIST_LOOKUPS):
        return [parse_scalar(item) for item in text.split(LIST_SEPARATOR) if item != ""]
    if key.endswith(NUMERIC_LOOKUPS):
        return _number(text)
    return parse_scalar(text)


def parse_assignments(words: Iterable[str], *, lookups: bool = False) -> dict[str, Any]:
    """``key=value`` words as a dict; raises :class:`~flamehub.QueryError` on a word without ``=``.

    Example::

        parse_assignments(["name=site-a", "hidden=true"])   # {'name': 'site-a', 'hidden': True}
    """
    result: dict[str, Any] = {}
    for word in words:
        key, separator, text = word.partition("=")
        key = key.strip()
        if not separator or not key:
            raise errors.QueryError(f"expected key=value, got {word!r}")
        result[key] = parse_lookup_value(key, text) if lookups else parse_scalar(text)
    return result
