"""Bucket file bytes of the local Hub: multipart uploads and streamed downloads.

Uploads are parsed by werkzeug straight into files under the hub's data directory (never
held in memory), downloads are streamed from disk in chunks, with ``Range`` support for
single files and an on-the-fly tar (with an exact ``Content-Length``) for whole buckets.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from ._auth import new_secret
from ._crud import JsonResponse, find_row, render_row
from ._effects import insert, recount_analysis
from ._errors import HubError, bad_request, conflict
from ._schema import resource
from ._state import RequestContext
from ._store import Row

__all__ = ["CHUNK_SIZE", "HubRequest", "stream_bucket", "stream_file", "upload"]

#: Bytes per chunk when streaming from disk.
CHUNK_SIZE = 256 * 1024
_TAR_BLOCK = tarfile.BLOCKSIZE
_TAR_END = b"\0" * (2 * _TAR_BLOCK)
_INCOMING = "incoming"
_BLOBS = "blobs"


class HubRequest(Request):
    """A werkzeug request whose uploaded files go straight to the hub's data directory."""

    #: where uploaded parts are written; ``None`` uses werkzeug's default
    upload_dir: Path | None = None
    #: form fields without a filename stay small
    max_form_memory_size = 1024 * 1024

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.upload_dir is None:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=self.upload_dir, prefix="part-", delete=False)


def _stream_path(storage: FileStorage) -> str | None:
    return getattr(storage.stream, "name", None)


def _discard(parts: list[FileStorage]) -> None:
    for part in parts:
        path = _stream_path(part)
        part.close()
        if isinstance(path, str):
            Path(path).unlink(missing_ok=True)


def upload(ctx: RequestContext, key: str) -> JsonResponse:
    """``POST /buckets/:id/upload``: store every file part of a multipart body."""
    request = ctx.request
    if request.mimetype != "multipart/form-data":
        raise bad_request("A multipart content-type header is required.")
    with ctx.store.lock:
        bucket = find_row(ctx, resource("buckets"), key)
    every_part = [part for _, part in request.files.items(multi=True)]
    parts = [part for part in every_part if part.filename]
    _discard([part for part in every_part if not part.filename])
    if not parts:
        raise bad_request("The request body contains no files.")
    blob_dir = ctx.state.config.data_dir / _BLOBS
    blob_dir.mkdir(parents=True, exist_ok=True)
    with ctx.store.lock:
        paths = [str(part.filename) for part in parts]
        taken = {row["path"] for row in ctx.store.find("bucket-files", bucketId=bucket["id"])}
        if len(set(paths)) != len(paths) or taken & set(paths):
            _discard(parts)
            raise conflict(
                "storage",
                message="An entry with some unique attributes already exists.",
                name="EntityConflictError",
            )
        rows = [_store_part(ctx, bucket, part, blob_dir) for part in parts]
        _link_analysis_bucket(ctx, bucket, rows)
        data = [render_row(ctx, resource("bucket-files"), row, "list") for row in rows]
    return 201, {"data": data, "meta": {"total": len(data)}}


def _store_part(ctx: RequestContext, bucket: Row, part: FileStorage, blob_dir: Path) -> Row:
    path = str(part.filename)
    digest = new_secret()
    target = blob_dir / digest
    source = _stream_path(part)
    part.stream.flush()
    if isinstance(source, str) and os.path.exists(source):
        part.stream.close()
        os.replace(source, target)
    else:  # werkzeug kept it in memory (no upload dir): copy it out
        part.stream.seek(0)
        with target.open("wb") as handle:
            while chunk := part.stream.read(CHUNK_SIZE):
                handle.write(chunk)
    directory = posixpath.dirname(path) or "."
    actor_id, actor_type = (ctx.identity.id, ctx.identity.kind) if ctx.identity else (None, None)
    return insert(
        ctx,
        "bucket-files",
        {
            "name": posixpath.basename(path),
            "path": path,
            "hash": digest,
            "directory": directory,
            "size": target.stat().st_size,
            "actorType": actor_type,
            "actorId": actor_id,
            "realmId": ctx.identity.realm_id if ctx.identity else bucket.get("realmId"),
            "bucketId": bucket["id"],
            "_path": str(target),
        },
    )


def _link_analysis_bucket(ctx: RequestContext, bucket: Row, rows: list[Row]) -> None:
    """Core's reaction to an upload into an analysis bucket: analysis-bucket-file rows."""
    link = ctx.store.first("analysis-buckets", bucketId=bucket["id"])
    if link is None:
        return
    user_id = ctx.identity.id if ctx.identity and ctx.identity.kind == "user" else None
    for row in rows:
        if (
            ctx.store.first(
                "analysis-bucket-files", analysisId=link["analysisId"], path=row["path"]
            )
            is not None
        ):
            continue
        insert(
            ctx,
            "analysis-bucket-files",
            {
                "path": row["path"],
                "root": False,
                "bucketId": bucket["id"],
                "bucketFileId": row["id"],
                "analysisBucketId": link["id"],
                "analysisId": link["analysisId"],
                "realmId": link.get("realmId"),
                "userId": user_id,
                "clientId": None,
                "robotId": None,
            },
        )
    recount_analysis(ctx, link["analysisId"])


def _read_range(path: str, start: int, stop: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = stop - start
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def stream_file(ctx: RequestContext, key: str) -> Response:
    """``GET /bucket-files/:id/stream``: the raw bytes, honouring a ``Range`` header."""
    with ctx.store.lock:
        row = dict(find_row(ctx, resource("bucket-files"), key, by_name=False))
    path = str(row.get("_path") or "")
    if not path or not os.path.exists(path):
        raise HubError(500, "internal_error", "The file content is missing.")
    size = os.path.getsize(path)
    headers: dict[str, Any] = {
        "Content-Disposition": f'attachment; filename="{row["name"]}"',
        "Accept-Ranges": "bytes",
    }
    status, start, stop = 200, 0, size
    if ctx.request.headers.get("Range"):
        wanted = ctx.request.range
        bounds = wanted.range_for_length(size) if wanted is not None else None
        if bounds is None:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(b"", status=416, headers=headers)
        start, stop = bounds
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(stop - start)
    return Response(
        _read_range(path, start, stop),
        status=status,
        headers=headers,
        mimetype="application/octet-stream",
        direct_passthrough=True,
    )


def _tar_header(row: Row) -> bytes:
    info = tarfile.TarInfo(name=str(row["path"]))
    info.size = int(row.get("size") or 0)
    info.mode = 0o644
    info.mtime = int(os.path.getmtime(row["_path"])) if os.path.exists(row["_path"]) else 0
    try:
        return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="utf-8", errors="strict")
    except ValueError:  # names beyond ustar's limits
        return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def _tar_stream(entries: list[tuple[bytes, Row]]) -> Iterator[bytes]:
    for header, row in entries:
        yield header
        size = int(row.get("size") or 0)
        sent = 0
        for chunk in _read_range(str(row["_path"]), 0, size):
            sent += len(chunk)
            yield chunk
        if sent != size:
            raise OSError(f"file of {row['path']} changed while streaming")
        remainder = size % _TAR_BLOCK
        if remainder:
            yield b"\0" * (_TAR_BLOCK - remainder)
    yield _TAR_END


def stream_bucket(ctx: RequestContext, key: str) -> Response:
    """``GET /buckets/:id/stream``: a tar of every file of the bucket, streamed."""
    with ctx.store.lock:
        bucket = find_row(ctx, resource("buckets"), key)
        files = [dict(row) for row in ctx.store.find("bucket-files", bucketId=bucket["id"])]
    entries = [(_tar_header(row), row) for row in files]
    length = len(_TAR_END)
    for header, row in entries:
        size = int(row.get("size") or 0)
        length += len(header) + size + (-size % _TAR_BLOCK)
    return Response(
        _tar_stream(entries),
        headers={
            "Content-Disposition": f'attachment; filename="{bucket["id"].lower()}.tar"',
            "Content-Length": str(length),
        },
        mimetype="application/x-tar",
        direct_passthrough=True,
    )
