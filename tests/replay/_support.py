"""Checks shared by the resource replay tests: parsed models against recorded rows.

``assert_parsed(model_instance, row, hub)`` checks that every key of a recorded
row landed in a declared field with the right type and value (UUIDs, aware
datetimes, enums), that no declared field invented a value the row does not
have, and that embedded relations parsed the same way. Keys flamehub
deliberately does not model are named per call (``ignore=``).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from responses import matchers

from flamehub import Hub
from flamehub.resources.base import Resource, meta_of
from flamehub.resources.convert import converter_for
from flamehub.resources.related import loaded_relation
from tests.replay.harness import RECORDINGS, Exchange, _exchange

#: Keys authup echoes on create/update that are credentials or internal state.
AUTHUP_INTERNALS = frozenset(
    {
        "reset_hash", "reset_at", "reset_expires", "activate_hash", "resetHash", "resetAt",
        "resetExpires", "activateHash",
    }
)  # fmt: skip


def assert_parsed(obj: Any, row: dict[str, Any], hub: Hub, *, ignore: Iterable[str] = ()) -> None:
    """``obj`` holds exactly what ``row`` (a wire dict of ``hub``'s generation) says."""
    assert isinstance(obj, Resource), f"expected a resource, got {obj!r}"
    model = type(obj)
    meta = meta_of(model)
    dialect = hub.dialect
    converter = converter_for(dialect)
    by_wire = {spec.wire(dialect): spec for spec in meta.fields.values()}
    ignored = set(ignore) | AUTHUP_INTERNALS
    unknown = sorted(key for key in row if key not in by_wire and key not in ignored)
    assert not unknown, f"{model.__name__} does not declare recorded keys {unknown}"
    for wire, spec in by_wire.items():
        # a relation as the row embedded it (reading it would load it: relations, #13)
        value = (
            loaded_relation(obj, spec.name) if spec.kind == "relation" else getattr(obj, spec.name)
        )
        if wire not in row:
            assert value is None, f"{model.__name__}.{spec.name} = {value!r} is not in the row"
            continue
        expected = row[wire]
        where = f"{model.__name__}.{spec.name}"
        if spec.kind == "relation":
            if expected is None:
                assert value is None, f"{where} should be None"
            else:
                assert_parsed(value, expected, hub, ignore=ignore)
            continue
        if expected is None:
            assert value is None, f"{where} = {value!r}, recorded null"
            continue
        _assert_kind(where, spec.kind, spec.type, value)
        assert converter.to_wire(value) == expected, f"{where}: {value!r} != recorded {expected!r}"


def _assert_kind(where: str, kind: str, declared: Any, value: Any) -> None:
    if kind == "uuid":
        assert isinstance(value, uuid.UUID), f"{where} is {type(value).__name__}, not UUID"
    elif kind == "datetime":
        assert isinstance(value, datetime), f"{where} is {type(value).__name__}, not datetime"
        assert value.tzinfo is not None and value.utcoffset() == timezone.utc.utcoffset(None), (
            f"{where} is not an aware UTC datetime"
        )
    elif kind == "enum":
        assert isinstance(value, declared), f"{where} is not a {declared.__name__}"
        assert isinstance(value, enum.Enum)
    elif kind == "bool":
        assert isinstance(value, bool), f"{where} is not a bool"
    elif kind == "int":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where} is not an int"
    elif kind == "str":
        assert isinstance(value, str), f"{where} is not a str"


def assert_rows(objs: list[Any], exchange: Exchange, hub: Hub, **options: Any) -> None:
    """The list answer of ``exchange`` parsed row by row, in order."""
    assert len(objs) == len(exchange.rows), f"{len(objs)} rows, recorded {len(exchange.rows)}"
    for obj, row in zip(objs, exchange.rows, strict=True):
        assert_parsed(obj, row, hub, **options)


def assert_error(error: Any, exchange: Exchange) -> None:
    """An exception carries the recorded status and ``code``."""
    body = exchange.response_body
    assert error.status_code == exchange.status
    assert error.code == (body.get("code") if isinstance(body, dict) else None)


def assert_nothing_sent(rsps: responses.RequestsMock) -> None:
    assert len(rsps.calls) == 0, [call.request.url for call in rsps.calls]


def serve_with_body(
    rsps: responses.RequestsMock, exchange: Exchange, base_url: str, body: dict[str, Any]
) -> None:
    """Answer like ``exchange`` when flamehub sends exactly ``body`` (a deliberate difference).

    Used where flamehub's request legitimately differs from the recorded one (the
    recording shows a mistake flamehub does not make): the answer still comes
    from the real server.
    """
    rsps.add(
        exchange.method,
        base_url.rstrip("/") + exchange.path,
        body=exchange.content(),
        status=exchange.status,
        content_type="application/json",
        match=[matchers.json_params_matcher(body)],
    )


def verification_calls(version: str) -> list[dict[str, Any]]:
    """The calls of ``flame-hub-client-1.1.0-verification.json`` for one Hub version."""
    path = RECORDINGS / f"hub-{version}" / "flame-hub-client-1.1.0-verification.json"
    return list(json.loads(path.read_text())["calls"])


def verification_exchange(version: str, call: str, path_prefix: str) -> Exchange:
    """The exchange of verification call ``call`` whose path starts with ``path_prefix``.

    Returned in the harness' :class:`Exchange` shape, so ``replayer.expect`` serves it.
    """
    matches = [entry for entry in verification_calls(version) if entry["call"] == call]
    assert len(matches) == 1, f"{len(matches)} verification calls named {call!r}"
    for raw in matches[0]["exchanges"]:
        split = urlsplit(raw["url"])
        if split.path.startswith(path_prefix):
            return _exchange(
                0,
                {
                    "note": call,
                    "request": {
                        "method": raw["method"],
                        "url": raw["url"],
                        "query": parse_qsl(split.query, keep_blank_values=True),
                        "body": raw.get("request_body"),
                    },
                    "response": {
                        "status": raw["status"],
                        "headers": raw.get("response_headers") or {},
                        "body": raw.get("response_body"),
                    },
                },
            )
    raise AssertionError(f"no exchange under {path_prefix!r} in verification call {call!r}")
