"""The snake_case edge of a Hub 0.12.x service: the current data model, the legacy wire.

Hub 0.12.2 and 0.12.7 (recorded) already have the current data model — the same fields,
rules, errors and paging as 0.14.0 — but their core and storage (and 0.12.2's authup) speak
it in snake_case with bare single records (``tests/recordings/README.md``, sections "Hub
0.12.7" and "Hub 0.12.2"). The local Hub serves such a service with its current-model
handlers and renames keys here, at the edge, instead of declaring every field twice:

- request: ``filter[realm_id]`` -> ``filter[realmId]``, ``sort=-created_at`` ->
  ``sort=-createdAt``, ``include``/``fields`` alike, JSON body keys alike. A camelCase key is
  dropped, as the real Hubs silently ignore the other generation's spelling.
- response: entity keys (and those of included relations) to snake_case; lists keep
  ``{data, meta}`` (records are bare before 0.13: ``HubProfile.envelopes``). Error bodies
  keep their keys (``statusCode``), as recorded.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flamehub.dialects import camel_case

from ._generations import camel_to_snake

__all__ = ["renames_path", "snake_body", "snake_environ", "snake_error"]

_UPPER = re.compile(r"[A-Z]")
_CAMEL_WORD = re.compile(r"\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b")
_LIST_PARAMS = frozenset({"sort", "include", "fields"})
#: Paths whose bodies are not entities: status pages and the OAuth token endpoints.
_VERBATIM = re.compile(r"^/(core|storage|auth)/?$|^/auth/token")


def renames_path(path: str) -> bool:
    """Whether requests to ``path`` carry entity keys to rename."""
    return _VERBATIM.match(path) is None


def _camel(name: str) -> str | None:
    """``realm_id`` -> ``realmId``; ``None`` for a camelCase name (ignored on the wire)."""
    return None if _UPPER.search(name) else camel_case(name)


def _list_value(value: str) -> str | None:
    items = []
    for item in value.split(","):
        stripped = item.lstrip("+-")
        renamed = _camel(stripped) if stripped else None
        if renamed is not None:
            items.append(item[: len(item) - len(stripped)] + renamed)
    return ",".join(items) if items else None


def _query_pair(key: str, value: str) -> tuple[str, str] | None:
    if key.startswith("filter[") and key.endswith("]"):
        renamed = _camel(key[7:-1])
        return None if renamed is None else (f"filter[{renamed}]", value)
    base = key.split("[", 1)[0]
    if base in _LIST_PARAMS:
        renamed_value = _list_value(value)
        return None if renamed_value is None else (key, renamed_value)
    return key, value


def snake_environ(environ: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``environ`` whose query and JSON body use the current model's names."""
    result = dict(environ)
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    renamed = [pair for pair in (_query_pair(k, v) for k, v in pairs) if pair is not None]
    result["QUERY_STRING"] = urlencode(renamed)
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/json"):
        length = environ.get("CONTENT_LENGTH")
        if length:
            raw = environ["wsgi.input"].read(int(length))
        elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream
            raw = environ["wsgi.input"].read()
        else:
            raw = b""
        result.pop("HTTP_TRANSFER_ENCODING", None)
        result["wsgi.input_terminated"] = False
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None  # the handler answers the malformed body as usual
        if isinstance(body, dict):
            body = {name: value for key, value in body.items() if (name := _camel(key))}
            raw = json.dumps(body).encode()
        result["wsgi.input"] = io.BytesIO(raw)
        result["CONTENT_LENGTH"] = str(len(raw))
    return result


def _entity(row: Any) -> Any:
    if isinstance(row, dict):
        return {camel_to_snake(key): _value(value) for key, value in row.items()}
    return row


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "id" in value:
        return _entity(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        return [_entity(item) for item in value]
    return value


def snake_body(body: Any) -> Any:
    """A successful answer of the current model as the snake_case wire has it."""
    if isinstance(body, dict) and set(body) == {"data", "meta"} and isinstance(body["data"], list):
        return {"data": [_entity(row) for row in body["data"]], "meta": body["meta"]}
    return _entity(body)


def snake_error(body: dict[str, Any]) -> dict[str, Any]:
    """An error body with the field names in its message and issue paths in snake_case
    (0.12.2: "Properties analysis_bucket_id, path, bucket_file_id are invalid.")."""
    result = dict(body)
    if isinstance(result.get("message"), str):
        result["message"] = _CAMEL_WORD.sub(lambda m: camel_to_snake(m.group(0)), body["message"])
    issues = result.get("issues")
    if isinstance(issues, list):
        result["issues"] = [
            {**issue, "path": [camel_to_snake(p) if isinstance(p, str) else p for p in path]}
            if isinstance(issue, dict) and isinstance(path := issue.get("path"), list)
            else issue
            for issue in issues
        ]
    return result
