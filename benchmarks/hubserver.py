"""A small, fast loopback server answering like Hub 0.14.0 for the benchmarks.

It serves ``/core/nodes`` pages, ``/core/nodes/<id>`` and ``/auth/token`` with the wire
format of a real Hub 0.14.0: the node rows have the recorded shape (camelCase keys, UUIDs,
``...000Z`` timestamps) and every answer carries the recorded ``meta.schema`` (read from
``tests/recordings/hub-0.14.0/core-10-nodes.json``). ``include=registry`` etc. embed the
relations as ``null``, as the Hub does for nodes without a registry.

Answers are pre-serialised so the server spends little CPU per request: it runs in its
own process, so its CPU is not counted as the client's anyway, but a fast server keeps
wall-clock comparisons about the clients. Datasets are chosen by a path prefix:

- ``/fast/...``: 2,000 nodes, immediate answers;
- ``/slow/...``: the same 2,000 nodes, each request answered after 20 ms;
- ``/big/...``: 100,000 nodes, immediate answers.

Usage (prints ``PORT <n>`` once it listens)::

    python benchmarks/hubserver.py --port 0
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

RECORDING = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "recordings"
    / "hub-0.14.0"
    / "core-10-nodes.json"
)
#: Dataset name -> (rows, seconds to wait before answering).
DATASETS = {"fast": (2_000, 0.0), "slow": (2_000, 0.020), "big": (100_000, 0.0)}
MAX_LIMIT = 50
SEED = 20261129
TOKEN_BODY = json.dumps(
    {
        "access_token": "bench-access-token",
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "global",
        "refresh_token": "bench-refresh-token",
        "refresh_token_expires_in": 259200,
    }
).encode()


def recorded_schema() -> dict[str, object]:
    exchanges = json.loads(RECORDING.read_text())["exchanges"]
    for exchange in exchanges:
        body = exchange["response"]["body"]
        if isinstance(body, dict) and isinstance(body.get("meta"), dict):
            schema = body["meta"].get("schema")
            if schema:
                return schema  # type: ignore[no-any-return]
    raise SystemExit(f"no meta.schema in {RECORDING}")


def make_rows(count: int) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    realm = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    start = datetime(2026, 11, 28, 15, 47, 10, tzinfo=timezone.utc)
    rows = []
    for i in range(count):
        stamp = (start + timedelta(seconds=i)).isoformat(timespec="milliseconds")
        stamp = stamp.replace("+00:00", "Z")
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "externalName": f"ext-{i}-{rng.getrandbits(24):06x}",
                "publicKey": None,
                "name": f"bench-node-{i:06d}",
                "hidden": i % 3 == 0,
                "type": "aggregator" if i % 10 == 0 else "default",
                "online": False,
                "registryId": None,
                "registryProjectId": None,
                "clientId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "robotId": None,
                "realmId": realm,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        )
    return rows


class Dataset:
    def __init__(self, count: int, latency: float, schema: dict[str, object]) -> None:
        self.latency = latency
        self.total = count
        rows = make_rows(count)
        self.ids = {row["id"]: index for index, row in enumerate(rows)}
        self.plain = [json.dumps(row, separators=(",", ":")).encode() for row in rows]
        included = [{**row, "registry": None, "registryProject": None} for row in rows]
        self.included = [json.dumps(row, separators=(",", ":")).encode() for row in included]
        self.schema = json.dumps(schema, separators=(",", ":")).encode()

    def page(self, offset: int, limit: int, include: bool) -> bytes:
        rows = (self.included if include else self.plain)[offset : offset + limit]
        meta = b'{"total":%d,"limit":%d,"offset":%d,"schema":%s}' % (
            self.total,
            limit,
            offset,
            self.schema,
        )
        return b'{"data":[' + b",".join(rows) + b'],"meta":' + meta + b"}"

    def record(self, row_id: str, include: bool) -> bytes | None:
        index = self.ids.get(row_id)
        if index is None:
            return None
        row = (self.included if include else self.plain)[index]
        return b'{"data":' + row + b',"meta":{"schema":' + self.schema + b"}}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body leave in one segment, with no Nagle / delayed-ACK stalls
    disable_nagle_algorithm = True
    datasets: dict[str, Dataset] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n")  # end_headers() without its separate flush
        self.wfile.write(b"".join(self._headers_buffer) + body)
        self._headers_buffer = []

    def route(self) -> tuple[Dataset | None, list[str], dict[str, str]]:
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        dataset = self.datasets.get(segments[0]) if segments else None
        return dataset, segments[1:], dict(parse_qsl(parts.query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        dataset, segments, _params = self.route()
        if dataset is not None and segments == ["auth", "token"]:
            self.answer(200, TOKEN_BODY)
        else:
            self.answer(404, b'{"statusCode":404,"code":"not_found","message":"not found"}')

    def do_GET(self) -> None:
        dataset, segments, params = self.route()
        if dataset is None or segments[:2] != ["core", "nodes"] or len(segments) > 3:
            if dataset is not None and segments == ["core"]:
                self.answer(200, b'{"version":"0.14.0"}')
                return
            self.answer(404, b'{"statusCode":404,"code":"not_found","message":"not found"}')
            return
        if dataset.latency:
            time.sleep(dataset.latency)
        include = bool(params.get("include"))
        if len(segments) == 3:
            body = dataset.record(segments[2], include)
            if body is None:
                self.answer(404, b'{"statusCode":404,"code":"not_found","message":"not found"}')
            else:
                self.answer(200, body)
            return
        limit = min(int(params.get("page[limit]", MAX_LIMIT)), MAX_LIMIT)
        offset = int(params.get("page[offset]", 0))
        self.answer(200, dataset.page(offset, limit, include))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    schema = recorded_schema()
    Handler.datasets = {
        name: Dataset(count, latency, schema) for name, (count, latency) in DATASETS.items()
    }
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
