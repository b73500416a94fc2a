"""File transfer mechanics: streamed uploads and downloads in constant memory.

Everything that moves file bytes between disk and the Hub's storage service lives here;
the resource methods (:meth:`Bucket.upload <flamehub.models.Bucket.upload>`,
:meth:`BucketFile.download <flamehub.models.BucketFile.download>` ...) only call it.

- :class:`MultipartBody`: a ``multipart/form-data`` body generated chunk by chunk from
  paths, open files and in-memory bytes, with its exact ``Content-Length`` known up front.
  ``requests`` sends it as it is produced; nothing is read whole into memory. The body can
  be sent **once**: a second attempt (the transport re-authenticating after a rejected token,
  a redirect) raises :class:`UploadNotResent` instead of sending it again.
- :class:`DownloadStream`: an open download whose status was checked before the first byte,
  iterated as chunks of the original bytes. It sends ``Accept-Encoding: identity`` (see
  below), verifies the byte count against the size the Hub announced, and resumes an
  interrupted transfer with ``Range`` when the server advertises ``Accept-Ranges: bytes``.
- :class:`Progress`: ``progress=True`` (a tqdm bar, extra ``flamehub[progress]``) or
  ``progress=callable(done, total)``.
- :func:`atomic_writer`: a file written under a temporary name in the target's directory
  and renamed into place only once complete.
- :func:`extract_tar_stream`: a tar archive extracted while it streams in, refusing absolute
  paths, ``..``, links and device files.

Why ``Accept-Encoding: identity``: the Hub gzips ``/bucket-files/:id/stream`` when the
request allows gzip. Asking for the identity encoding keeps ``Content-Length`` equal to the
file size (exact progress, ETA and truncation checks), makes ``Range`` offsets offsets into
the file itself (resuming needs that), and spends no CPU on compressing data that is usually
already compressed (archives, images, parquet). Should a server compress anyway, ``requests``
decodes the body, the original bytes are still what is written, and resuming is disabled for
that response because its offsets would be offsets into the compressed stream.

Example::

    from flamehub.files import MultipartBody, collect_parts

    body = MultipartBody(collect_parts(["results/", ("notes.txt", b"done")]))
    hub.send("storage", "POST", f"buckets/{bucket_id}/upload", data=body,
             headers={"Content-Type": body.content_type})
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import mimetypes
import os
import posixpath
import re
import secrets
import shutil
import stat
import tarfile
import tempfile
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

import attrs
import requests
import urllib3

from . import errors, tables
from .errors import (  # defined there, importable from here too
    AnalysisFilesTimeout,
    DownloadTargetExists,
    DownloadTooLarge,
    TransferError,
    TransferSizeMismatch,
    UnsafeArchiveMember,
    UnsafeDownloadTarget,
    UploadNotResent,
    UploadSourceChanged,
)

if TYPE_CHECKING:
    from .hub import Hub

logger = logging.getLogger("flamehub.files")

KiB = 1024
MiB = 1024 * KiB

#: Bytes read from disk (uploads) or from the socket (downloads) at a time.
DEFAULT_CHUNK_SIZE = 1 * MiB
#: Smallest chunk size accepted (smaller chunks only cost CPU).
MIN_CHUNK_SIZE = 4 * KiB
#: How often an interrupted download is resumed with ``Range`` before giving up.
DEFAULT_RESUME_ATTEMPTS = 3
#: Form field name of each uploaded part (the Hub ignores it; the recorded clients send it).
MULTIPART_FIELD_NAME = "file"
#: Content type of a part whose name suggests none.
DEFAULT_CONTENT_TYPE = "application/octet-stream"
#: Suffix of the temporary file a download is written to before it is renamed.
PARTIAL_SUFFIX = ".part"
#: Request headers of every download (see the module docstring for why identity).
DOWNLOAD_HEADERS: Mapping[str, str] = {"Accept-Encoding": "identity"}
#: Permission bits an extracted file may keep: no exec, setuid/setgid/sticky or group/other
#: write bits (an archive or a server never makes a file executable on this machine).
EXTRACTED_MODE_MASK = 0o644
#: Permission bits an extracted file always gets (the owner can read and write it).
EXTRACTED_MODE_MINIMUM = 0o600

#: Default bound on what one download or archive extraction writes: this many times the
#: bytes received from the server ...
DEFAULT_EXPANSION_RATIO = 4
#: ... plus this margin. ``max_bytes=`` replaces the bound with an explicit number of bytes.
DEFAULT_EXPANSION_MARGIN = 64 * MiB
#: The latest modification time an extracted file gets (2106-02-07, the end of unsigned
#: 32-bit time, which every common file system stores); a later or infinite ``mtime`` in
#: an archive is clamped to it, a negative or NaN one is ignored.
MAX_EXTRACTED_MTIME = 4_294_967_295
#: Directories a download never writes into (compared case-insensitively).
FORBIDDEN_DIRECTORIES = frozenset({".git"})
#: What replaces a control character in a file name chosen by the server.
CONTROL_REPLACEMENT = "_"

#: Control characters (C0, DEL, C1): never written raw to a terminal or into a file name.
CONTROL_CHARACTERS = tables.CONTROL_CHARACTERS
_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,\-./:=?]{1,70}$")
_FILENAME_ESCAPES = {'"': "%22", "\r": "%0D", "\n": "%0A"}

#: What a progress bar counts unless told otherwise (bytes, scaled to KiB, MiB ...).
PROGRESS_UNIT = "B"
#: ``(done, total)``; ``total`` is ``None`` when the size is not known.
ProgressCallback = Callable[[int, int | None], object]
#: ``True`` for a tqdm bar, a callable for a custom display, ``None``/``False`` for nothing.
ProgressOption = bool | ProgressCallback | None
#: What :meth:`Bucket.upload` accepts: a path (file or directory), an open binary file,
#: or a ``(name, bytes | binary file)`` pair.
UploadSource = str | os.PathLike[str] | BinaryIO | tuple[str, bytes | bytearray | BinaryIO]
#: Where a download goes: a path (file, or an existing directory) or a writable binary file.
DownloadTarget = str | os.PathLike[str] | IO[bytes]


# -- progress ----------------------------------------------------------------------------


class Progress:
    """Reports transfer progress to a tqdm bar, a callable, or nowhere.

    Args:
        progress: ``True`` for a tqdm bar (needs ``pip install 'flamehub[progress]'``), a
            callable receiving ``(done, total)`` in bytes, ``None``/``False`` for nothing.
        total: the number of bytes expected, ``None`` if unknown.
        description: the bar's label.
        unit: what the bar counts (``"B"``: bytes, scaled; ``"%"`` for a percentage).

    Example::

        with Progress(lambda done, total: print(done, total), total=1024) as progress:
            progress.update(512)
            progress.update(1024)
    """

    def __init__(
        self,
        progress: ProgressOption,
        *,
        total: int | None = None,
        description: str = "",
        unit: str = PROGRESS_UNIT,
    ) -> None:
        self.total = total
        self.done = 0
        self._callback: ProgressCallback | None = None
        self._bar: Any = None
        if progress is True:
            self._bar = _tqdm_bar(total, description, unit)
        elif callable(progress):
            self._callback = progress
        elif progress not in (None, False):
            raise errors.QueryError(
                f"progress must be True, False, None or a callable(done, total), not {progress!r}"
            )

    @property
    def active(self) -> bool:
        """Whether anything is reported at all."""
        return self._bar is not None or self._callback is not None

    def set_total(self, total: int | None) -> None:
        """Change the expected number of bytes (once a response told it)."""
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def update(self, done: int) -> None:
        """``done`` bytes are transferred so far (an absolute count, not an increment)."""
        step = done - self.done
        self.done = done
        if self._bar is not None and step:
            self._bar.update(step)
        if self._callback is not None:
            self._callback(done, self.total)

    def close(self) -> None:
        """Finish the bar (a callable needs no closing)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _tqdm_bar(total: int | None, description: str, unit: str = PROGRESS_UNIT) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise errors.ConfigurationError(
            "progress=True shows a tqdm progress bar, but tqdm is not installed: "
            "pip install 'flamehub[progress]' (or pass progress=callable(done, total) "
            "to draw your own)"
        ) from None
    return tqdm(
        total=total,
        desc=CONTROL_CHARACTERS.sub(CONTROL_REPLACEMENT, description) or None,
        unit=unit,
        unit_scale=unit == PROGRESS_UNIT,
        unit_divisor=KiB,
        dynamic_ncols=True,
    )


# -- upload sources ----------------------------------------------------------------------


@attrs.frozen
class UploadPart:
    """One file of an upload: its path in the bucket, its size and where its bytes come from.

    Exactly one of ``file_path``, ``data`` and ``fileobj`` is set; a ``fileobj`` is read
    from its current position. ``owned``: the ``fileobj`` is a spool file flamehub created
    (closed with the body); the caller's own files are left open.

    Example::

        part = UploadPart("notes.txt", 5, "text/plain", data=b"hello")
        b"".join(part.chunks(DEFAULT_CHUNK_SIZE))      # b'hello'
    """

    name: str
    size: int
    content_type: str
    file_path: Path | None = None
    data: bytes | None = None
    fileobj: BinaryIO | None = None
    owned: bool = False

    def chunks(self, chunk_size: int) -> Iterator[bytes]:
        """The part's bytes, exactly ``size`` of them, at most ``chunk_size`` at a time."""
        if self.data is not None:
            view = memoryview(self.data)
            for start in range(0, self.size, chunk_size):
                yield bytes(view[start : start + chunk_size])
            return
        if self.file_path is not None:
            with open(self.file_path, "rb") as handle:
                yield from self._read(handle, chunk_size)
            return
        assert self.fileobj is not None
        yield from self._read(self.fileobj, chunk_size)

    def _read(self, handle: IO[bytes], chunk_size: int) -> Iterator[bytes]:
        remaining = self.size
        while remaining:
            chunk = handle.read(min(chunk_size, remaining))
            if not chunk:
                raise UploadSourceChanged(
                    f"{self.name!r} shrank while it was being uploaded: "
                    f"{self.size - remaining} of the announced {self.size} bytes were there"
                )
            remaining -= len(chunk)
            yield chunk
        if self.file_path is not None and handle.read(1):
            raise UploadSourceChanged(
                f"{self.name!r} grew while it was being uploaded (announced {self.size} bytes)"
            )


def bucket_path(name: str) -> str:
    """``name`` as a relative POSIX path inside a bucket; refuses absolute paths and ``..``.

    >>> bucket_path("./src//main.py")
    'src/main.py'
    """
    text = str(name).replace("\\", "/")
    if not text or "\x00" in text:
        raise errors.QueryError(f"invalid file name in a bucket: {name!r}")
    if text.startswith("/") or re.match(r"^[A-Za-z]:/", text):
        raise errors.QueryError(f"a bucket path must be relative, not {name!r}")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts:
        raise errors.QueryError(f"invalid file name in a bucket: {name!r}")
    if ".." in parts:
        raise errors.QueryError(f"a bucket path must not contain '..': {name!r}")
    return "/".join(parts)


def collect_parts(sources: Iterable[UploadSource], *, prefix: str = "") -> list[UploadPart]:
    """Turn upload sources into :class:`UploadPart`\\ s (sizes known, nothing read yet).

    - a path to a file: uploaded under its base name;
    - a path to a directory: every regular file below it, under its path relative to the
      directory (symlinked files are followed, symlinked directories are not);
    - an open binary file: uploaded under the base name of its ``name``, from its current
      position (a non-seekable stream is first spooled to a temporary file on disk);
    - ``(name, bytes)`` or ``(name, binary file)``: uploaded under ``name`` (``/`` makes
      directories).

    ``prefix`` is put in front of every name (``prefix="code"`` -> ``code/main.py``).

    Example::

        parts = collect_parts(["analysis/", ("config.json", b"{}")], prefix="v2")
    """
    prefix_path = bucket_path(prefix) if prefix else ""
    parts: list[UploadPart] = []
    for source in sources:
        parts.extend(_parts_of(source))
    if not parts:
        raise errors.QueryError("nothing to upload: the sources contain no files")
    if prefix_path:
        parts = [attrs.evolve(part, name=f"{prefix_path}/{part.name}") for part in parts]
    seen: set[str] = set()
    for part in parts:
        if part.name in seen:
            raise errors.QueryError(
                f"{part.name!r} would be uploaded twice; a bucket holds one file per path"
            )
        seen.add(part.name)
    return parts


def _parts_of(source: Any) -> list[UploadPart]:
    if isinstance(source, tuple):
        if len(source) != 2 or not isinstance(source[0], str):
            raise errors.QueryError(
                f"an upload pair is (name, bytes or binary file), not {source!r:.80}"
            )
        name, content = source
        if isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
            return [UploadPart(bucket_path(name), len(data), _content_type(name), data=data)]
        if hasattr(content, "read"):
            return [_fileobj_part(bucket_path(name), content)]
        raise errors.QueryError(
            f"the content of {name!r} must be bytes or a binary file, not {type(content).__name__}"
        )
    if isinstance(source, (str, os.PathLike)):
        return _path_parts(Path(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise errors.QueryError("bytes need a name: upload (name, data) instead")
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        if not isinstance(name, str) or not os.path.basename(name):
            raise errors.QueryError(
                "this file object has no name to upload it under: pass (name, fileobj) instead"
            )
        return [_fileobj_part(bucket_path(os.path.basename(name)), source)]
    raise errors.QueryError(
        "upload sources are paths, directories, binary files or (name, bytes | file) pairs, "
        f"not {type(source).__name__}"
    )


def _path_parts(path: Path) -> list[UploadPart]:
    if path.is_dir():
        parts = []
        for directory, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for filename in sorted(filenames):
                file_path = Path(directory, filename)
                info = file_path.stat()
                if not stat.S_ISREG(info.st_mode):
                    continue  # sockets, fifos, dangling links
                relative = file_path.relative_to(path).as_posix()
                parts.append(
                    UploadPart(
                        bucket_path(relative),
                        info.st_size,
                        _content_type(relative),
                        file_path=file_path,
                    )
                )
        return parts
    if not path.exists():
        raise FileNotFoundError(f"cannot upload {str(path)!r}: no such file or directory")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise errors.QueryError(f"cannot upload {str(path)!r}: not a regular file")
    return [
        UploadPart(bucket_path(path.name), info.st_size, _content_type(path.name), file_path=path)
    ]


def _fileobj_part(name: str, fileobj: Any) -> UploadPart:
    handle = cast(BinaryIO, fileobj)
    seekable = getattr(handle, "seekable", None)
    if callable(seekable) and seekable():
        start = handle.tell()
        end = handle.seek(0, io.SEEK_END)
        handle.seek(start)
        return UploadPart(name, end - start, _content_type(name), fileobj=handle)
    # A pipe or socket: its size is unknown until read, so spool it to disk first.
    spool = cast(BinaryIO, tempfile.TemporaryFile())  # noqa: SIM115 - closed by the body
    shutil.copyfileobj(handle, spool, DEFAULT_CHUNK_SIZE)
    size = spool.tell()
    spool.seek(0)
    return UploadPart(name, size, _content_type(name), fileobj=spool, owned=True)


def _content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


# -- multipart body ----------------------------------------------------------------------


class MultipartBody:
    """A ``multipart/form-data`` body produced chunk by chunk, with a known length.

    ``requests`` sends an object that is iterable and has a length as a streamed body with a
    ``Content-Length`` header; each chunk is passed to the socket before the next one is
    read, so memory stays at about one chunk whatever the file sizes.

    Args:
        parts: the files (see :func:`collect_parts`).
        boundary: the multipart boundary (random by default).
        chunk_size: bytes read from a source at a time.
        progress: called with the number of file bytes sent so far.

    Example::

        body = MultipartBody(collect_parts(["data.csv"]))
        requests.post(url, data=body, headers={"Content-Type": body.content_type})
    """

    def __init__(
        self,
        parts: Sequence[UploadPart],
        *,
        boundary: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Callable[[int], object] | None = None,
    ) -> None:
        self.boundary = boundary if boundary is not None else secrets.token_hex(16)
        if not _BOUNDARY_RE.match(self.boundary):
            raise errors.QueryError(f"invalid multipart boundary {self.boundary!r}")
        self.parts = list(parts)
        self.chunk_size = _check_chunk_size(chunk_size)
        self._progress = progress
        self._heads = [self._head(part) for part in self.parts]
        self._tail = f"--{self.boundary}--\r\n".encode("ascii")
        self.payload_size = sum(part.size for part in self.parts)
        self._length = (
            sum(len(head) for head in self._heads)
            + self.payload_size
            + 2 * len(self.parts)  # CRLF after each part's data
            + len(self._tail)
        )
        self._started = False

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value, boundary included."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def _head(self, part: UploadPart) -> bytes:
        filename = "".join(_FILENAME_ESCAPES.get(char, char) for char in part.name)
        return (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{MULTIPART_FIELD_NAME}"; '
            f'filename="{filename}"\r\n'
            f"Content-Type: {part.content_type}\r\n\r\n"
        ).encode()

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise UploadNotResent(
                "the upload body was already sent once and flamehub never sends it again "
                "automatically (the Hub most likely rejected the token after receiving it; "
                "the token has been renewed): call the upload again"
            )
        self._started = True
        return self._generate()

    def _generate(self) -> Iterator[bytes]:
        sent = 0
        try:
            for head, part in zip(self._heads, self.parts, strict=True):
                yield head
                for chunk in part.chunks(self.chunk_size):
                    yield chunk
                    sent += len(chunk)
                    if self._progress is not None:
                        self._progress(sent)
                yield b"\r\n"
            yield self._tail
        finally:
            self.close()

    def close(self) -> None:
        """Close temporary spool files (open files given by the caller stay open)."""
        for part in self.parts:
            if part.owned and part.fileobj is not None:
                part.fileobj.close()

    def __enter__(self) -> MultipartBody:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_chunk_size(chunk_size: int) -> int:
    if not isinstance(chunk_size, int) or chunk_size < MIN_CHUNK_SIZE:
        raise errors.QueryError(
            f"chunk_size must be an int >= {MIN_CHUNK_SIZE}, not {chunk_size!r}"
        )
    return chunk_size


def upload(
    hub: Hub,
    bucket_id: Any,
    sources: Iterable[UploadSource],
    *,
    prefix: str = "",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressOption = None,
    overwrite: bool = False,
) -> list[dict[str, Any]]:
    """Upload files into a storage bucket; returns the Hub's bucket-file rows (checked).

    ``POST <storage>/buckets/<bucket_id>/upload`` with a streamed multipart body. The rows'
    paths and sizes are checked against what was sent (:class:`TransferSizeMismatch`).
    A bucket holds one file per path: the Hub refuses to upload over one
    (:class:`~flamehub.errors.Conflict`, naming the files that exist); ``overwrite=True``
    deletes those files first, then uploads (two steps: not atomic).

    Example::

        rows = upload(hub, bucket.id, ["model.pt"], progress=True, overwrite=True)
    """
    parts = collect_parts(sources, prefix=prefix)
    if overwrite:
        for stored in existing_files(hub, bucket_id, [part.name for part in parts]).values():
            stored.delete(using=hub)
    try:
        rows = _upload_parts(hub, bucket_id, parts, chunk_size=chunk_size, progress=progress)
    except errors.Conflict as error:  # assumed: no recording shows it; hub-api.md infers 409
        taken = existing_files(hub, bucket_id, [part.name for part in parts])
        if not taken:
            raise
        raise errors.Conflict(
            error.status_code,
            code=error.code,
            message=f"{error.message} (the bucket already has {', '.join(sorted(taken))}; "
            "upload with overwrite=True, or --overwrite on the command line, to replace them)",
            issues=error.issues,
            body=error.body,
            method=error.method,
            url=error.url,
        ) from error
    return rows


#: How many names one bucket-file lookup of :func:`existing_files` asks for.
EXISTING_LOOKUP_BATCH = 50


def existing_files(hub: Hub, bucket_id: Any, paths: Sequence[str]) -> dict[str, Any]:
    """The bucket's files at ``paths``: path -> :class:`~flamehub.models.BucketFile`.

    Bucket files cannot be filtered by path, so this asks for their base names and keeps
    the rows whose path (else directory and name) is one of ``paths``.

    Example::

        existing_files(hub, bucket.id, ["results/metrics.csv"])
    """
    from .resources.storage import BucketFile

    wanted = set(paths)
    names = sorted({posixpath.basename(path) for path in wanted})
    found: dict[str, Any] = {}
    for start in range(0, len(names), EXISTING_LOOKUP_BATCH):
        batch = names[start : start + EXISTING_LOOKUP_BATCH]
        rows = BucketFile.objects.using(hub).filter(bucket_id=bucket_id, name__in=batch)
        for row in rows:
            directory = (row.directory or "").strip("/")
            path = row.path or (
                f"{directory}/{row.name}" if directory not in ("", ".") else row.name
            )
            if path in wanted:
                found[str(path)] = row
    return found


def _upload_parts(
    hub: Hub,
    bucket_id: Any,
    parts: list[UploadPart],
    *,
    chunk_size: int,
    progress: ProgressOption,
) -> list[dict[str, Any]]:
    description = parts[0].name if len(parts) == 1 else f"{len(parts)} files"
    total = sum(part.size for part in parts)
    with Progress(progress, total=total, description=f"upload {description}") as reporter:
        body = MultipartBody(
            parts, chunk_size=chunk_size, progress=reporter.update if reporter.active else None
        )
        with body:
            answer = hub.request(
                "storage",
                "POST",
                f"buckets/{bucket_id}/upload",
                data=body,
                headers={"Content-Type": body.content_type},
            )
    rows, _meta = hub.dialect.unwrap_collection(
        answer, method="POST", url=hub.url_for("storage", f"buckets/{bucket_id}/upload")
    )
    _check_uploaded(parts, rows)
    return rows


def _check_uploaded(parts: Sequence[UploadPart], rows: Sequence[Mapping[str, Any]]) -> None:
    sizes = {str(row.get("path") or row.get("name")): row.get("size") for row in rows}
    for part in parts:
        if part.name not in sizes:
            raise TransferSizeMismatch(
                f"the Hub's answer to the upload lists no file {part.name!r} "
                f"(it listed {sorted(sizes)})",
                name=part.name,
                expected=part.size,
            )
        size = sizes[part.name]
        if size is not None and int(size) != part.size:
            raise TransferSizeMismatch(
                f"the Hub stored {size} bytes for {part.name!r}, {part.size} were sent",
                name=part.name,
                expected=part.size,
                actual=int(size),
            )


# -- downloads ---------------------------------------------------------------------------

_CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
#: Exceptions that mean the body broke off (requests wraps urllib3's; both are listed).
_INTERRUPTIONS: tuple[type[BaseException], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    urllib3.exceptions.HTTPError,
    OSError,
)


class DownloadStream:
    """An open download, iterated as chunks of the original bytes.

    Created by :meth:`BucketFile.stream <flamehub.models.BucketFile.stream>` and
    :meth:`Bucket.stream_tarball <flamehub.models.Bucket.stream_tarball>`. The request is
    sent when the stream is created, so an error status (404, 403 ...) raises there, before
    the first byte. While iterating:

    - the byte count is checked against ``expected_size`` (the Hub's ``size``) and
      ``Content-Length``: :class:`TransferSizeMismatch` on a mismatch;
    - a connection that drops mid-body is resumed with ``Range: bytes=<done>-`` when the
      server answered ``Accept-Ranges: bytes`` (at most ``resume_attempts`` times),
      otherwise :class:`TransferError` is raised;
    - the bytes delivered are bounded (:func:`expansion_limit`): ``max_bytes`` when given,
      else :data:`DEFAULT_EXPANSION_RATIO` times the bytes received plus
      :data:`DEFAULT_EXPANSION_MARGIN`, so a compressed answer cannot expand without end
      (:class:`DownloadTooLarge`).

    Use it as a context manager (or iterate it to the end) so the connection is released.

    Example::

        with bucket_file.stream(chunk_size=256 * 1024) as chunks:
            for chunk in chunks:
                sink.write(chunk)
    """

    def __init__(
        self,
        hub: Hub,
        service: str,
        path: str,
        *,
        expected_size: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        progress: ProgressOption = None,
        description: str = "",
        max_bytes: int | None = None,
    ) -> None:
        self.hub = hub
        self.service = service
        self.path = path
        self.url = hub.url_for(service, path)
        self.chunk_size = _check_chunk_size(chunk_size)
        self.resume_attempts = max(0, int(resume_attempts))
        self.expected_size = expected_size
        self.description = description or path
        self.max_bytes = _check_max_bytes(max_bytes)
        #: Bytes delivered so far.
        self.done = 0
        #: How many times the transfer was resumed with ``Range``.
        self.resumes = 0
        self._validator = ""
        # The progress display first: a missing tqdm fails before any request is sent.
        self._progress = Progress(progress, total=expected_size, description=self.description)
        try:
            self._response = self._open(0)
        except BaseException:
            self._progress.close()
            raise
        headers = self._response.headers
        encoding = headers.get("Content-Encoding", "").strip().lower()
        #: The server compressed the body despite ``Accept-Encoding: identity``.
        self.encoded = encoding not in ("", "identity")
        length = _int_header(headers.get("Content-Length")) if not self.encoded else None
        if expected_size is not None and length is not None and length != expected_size:
            self.close()
            raise TransferSizeMismatch(
                f"{self.description}: the Hub announced {expected_size} bytes but the stream "
                f"has Content-Length {length}",
                name=self.description,
                expected=expected_size,
                actual=length,
            )
        #: The number of bytes expected (``None`` when neither the Hub nor the answer says).
        self.total: int | None = expected_size if expected_size is not None else length
        ranges = {token.strip().lower() for token in headers.get("Accept-Ranges", "").split(",")}
        #: Whether an interruption can be resumed with ``Range``.
        self.resumable = "bytes" in ranges and not self.encoded and self.resume_attempts > 0
        etag = headers.get("ETag", "")
        self._validator = (
            etag if etag and not etag.startswith("W/") else headers.get("Last-Modified", "")
        )
        self._progress.set_total(self.total)
        self._chunks = self._generate()

    @property
    def received(self) -> int:
        """Bytes read from the connection so far (the compressed ones if it was compressed).

        Example::

            stream.received <= stream.done     # equal unless the server compressed
        """
        if not self.encoded:
            return self.done
        tell = getattr(getattr(self._response, "raw", None), "tell", None)
        return int(tell()) if callable(tell) else self.done

    def _check_bound(self) -> None:
        limit = expansion_limit(self.received, self.max_bytes)
        if self.done > limit:
            raise DownloadTooLarge(
                f"{self.description}: the download expanded to more than {limit} bytes "
                f"({self.received} bytes received; pass max_bytes= to allow more)",
                limit=limit,
                written=self.done,
            )

    # -- requests ------------------------------------------------------------------

    def _open(self, offset: int) -> requests.Response:
        headers = dict(DOWNLOAD_HEADERS)
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if self._validator:
                headers["If-Range"] = self._validator
        return self.hub.send(self.service, "GET", self.path, stream=True, headers=headers)

    def _resume(self, cause: BaseException | None) -> None:
        reason = f" ({_describe(cause)})" if cause is not None else ""
        of_total = f" of {self.total}" if self.total is not None else ""
        where = f"{self.description}: the download broke off after {self.done}{of_total} bytes"
        if not self.resumable:
            why = (
                "the server does not offer resuming (no 'Accept-Ranges: bytes')"
                if self.resume_attempts
                else "resuming is off (resume_attempts=0)"
            )
            raise self._transfer_error(f"{where}{reason}; {why}") from cause
        if self.resumes >= self.resume_attempts:
            raise self._transfer_error(
                f"{where}{reason}; gave up after {self.resumes} resume attempts"
            ) from cause
        self.resumes += 1
        delay = self.hub.transport.retry.delay(self.resumes)
        logger.info(
            "%s%s; resuming at byte %d (attempt %d/%d) in %.2f s",
            where,
            reason,
            self.done,
            self.resumes,
            self.resume_attempts,
            delay,
        )
        time.sleep(delay)
        try:
            response = self._open(self.done)
        except errors.FlamehubError as error:
            raise self._transfer_error(f"{where}; resuming failed: {error}") from error
        start = _content_range_start(response.headers.get("Content-Range"))
        if response.status_code != 206 or start != self.done:
            response.close()
            raise self._transfer_error(
                f"{where}; the server did not resume at byte {self.done} (answered "
                f"{response.status_code}, Content-Range {response.headers.get('Content-Range')!r}"
                "): the file may have changed"
            )
        self._response = response

    def _transfer_error(self, message: str) -> TransferError:
        return TransferError(
            message,
            method="GET",
            url=self.url,
            done=self.done,
            total=self.total,
            resumes=self.resumes,
        )

    # -- iteration -----------------------------------------------------------------

    def _generate(self) -> Generator[bytes, None, None]:
        try:
            while True:
                cause: BaseException | None = None
                try:
                    for chunk in self._response.iter_content(self.chunk_size):
                        if not chunk:
                            continue
                        self.done += len(chunk)
                        if self.total is not None and self.done > self.total:
                            raise TransferSizeMismatch(
                                f"{self.description}: received more than the {self.total} "
                                "bytes announced",
                                name=self.description,
                                expected=self.total,
                                actual=self.done,
                            )
                        self._check_bound()
                        self._progress.update(self.done)
                        yield chunk
                except requests.exceptions.ContentDecodingError as error:
                    raise errors.InvalidResponse(
                        f"{self.description}: the compressed download could not be decoded: "
                        f"{_describe(error)}",
                        method="GET",
                        url=self.url,
                    ) from error
                except _INTERRUPTIONS as error:
                    cause = error
                else:
                    if self.total is None or self.done == self.total:
                        return
                self._response.close()
                self._resume(cause)
        finally:
            self.close()

    def __iter__(self) -> DownloadStream:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def write_to(self, fileobj: IO[bytes]) -> int:
        """Write the whole stream to ``fileobj``; returns the number of bytes written.

        Example::

            with open("out.bin", "wb") as handle:
                bucket_file.stream().write_to(handle)
        """
        with self:
            for chunk in self:
                fileobj.write(chunk)
        return self.done

    def close(self) -> None:
        """Release the connection and finish the progress display."""
        self._response.close()
        self._progress.close()

    def __enter__(self) -> DownloadStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._chunks.close()
        self.close()

    def __repr__(self) -> str:
        total = "?" if self.total is None else str(self.total)
        return f"<DownloadStream GET {self.url} {self.done}/{total} bytes>"


def expansion_limit(received: int, max_bytes: int | None = None) -> int:
    """How many bytes a download or extraction may write after ``received`` bytes arrived.

    ``max_bytes`` when given; otherwise :data:`DEFAULT_EXPANSION_RATIO` times ``received``
    plus :data:`DEFAULT_EXPANSION_MARGIN`. An uncompressed download or tar never reaches
    the default bound; a gzip bomb or a sparse member would.

    >>> expansion_limit(1024, max_bytes=10)
    10
    """
    if max_bytes is not None:
        return max_bytes
    return DEFAULT_EXPANSION_RATIO * received + DEFAULT_EXPANSION_MARGIN


def _check_max_bytes(max_bytes: int | None) -> int | None:
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 0):
        raise errors.QueryError(f"max_bytes must be None or an int >= 0, not {max_bytes!r}")
    return max_bytes


def _int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _content_range_start(value: str | None) -> int | None:
    match = _CONTENT_RANGE_RE.match(value or "")
    return int(match.group(1)) if match else None


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def is_file_object(target: object) -> bool:
    """Whether a download target is a writable file object rather than a path.

    Example::

        is_file_object(io.BytesIO())      # True
        is_file_object("out.bin")         # False
    """
    return hasattr(target, "write") and not isinstance(target, (str, os.PathLike))


def download_target(
    to: DownloadTarget, default_name: str, *, overwrite: bool = False
) -> Path | IO[bytes]:
    """Where a download goes: the file object itself, or the final path of the file.

    A path naming an existing directory, or a string ending in a separator (the directory
    is then created), gets ``default_name`` appended (control characters in it replaced by
    :data:`CONTROL_REPLACEMENT`); otherwise the path is the file, and its directory must
    exist. Checked before any request is sent: an existing file raises
    :class:`DownloadTargetExists` unless ``overwrite=True``, and a path inside a ``.git``
    directory raises :class:`UnsafeDownloadTarget`.

    Example::

        download_target("downloads/", "data.csv")     # Path('downloads/data.csv')
    """
    if is_file_object(to):
        return cast(IO[bytes], to)
    text = os.fspath(cast("str | os.PathLike[str]", to))
    target = Path(text)
    if text.endswith(("/", os.sep)) or target.is_dir():
        _refuse_forbidden_directory(target)
        target.mkdir(parents=True, exist_ok=True)
        target = target / _local_name(default_name)
    elif not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot download to {text!r}: {str(target.parent)!r} is no directory"
        )
    _refuse_forbidden_directory(target)
    if not overwrite and os.path.lexists(target):
        raise DownloadTargetExists(str(target))
    return target


def _refuse_forbidden_directory(path: str | os.PathLike[str]) -> None:
    """Raise :class:`UnsafeDownloadTarget` when ``path`` lies inside a ``.git`` directory.

    Both the path as given and with symbolic links resolved are checked. Public as
    :func:`check_download_directory`, for checks before a request is sent.
    """
    parts = Path(os.path.abspath(path)).parts + Path(os.path.realpath(path)).parts
    for part in parts:
        if part.lower() in FORBIDDEN_DIRECTORIES:
            raise UnsafeDownloadTarget(
                f"refusing to write {str(path)!r}: flamehub never writes into a "
                f"{part!r} directory (a download there could plant hooks that run later)"
            )


def check_download_directory(directory: str | os.PathLike[str]) -> None:
    """Refuse a directory a download must never write into, before any request is sent.

    Example::

        check_download_directory("results/")        # fine
        check_download_directory(".git/hooks")      # raises UnsafeDownloadTarget
    """
    _refuse_forbidden_directory(directory)


def save_stream(
    open_stream: Callable[[], DownloadStream],
    to: DownloadTarget,
    *,
    default_name: str,
    overwrite: bool = False,
) -> Path | None:
    """Open a download and write it to ``to``: a file object, a file path or a directory.

    The target is checked (:func:`download_target`) before ``open_stream()`` sends the
    request. A path is written atomically (:func:`atomic_writer`) and never replaces an
    existing file unless ``overwrite=True``. Returns the path written, or ``None`` for a
    file object.

    Example::

        save_stream(bucket_file.stream, "downloads/", default_name="data.csv")
    """
    target = download_target(to, default_name, overwrite=overwrite)
    with open_stream() as stream:
        if not isinstance(target, Path):
            stream.write_to(target)
            return None
        with atomic_writer(target, overwrite=overwrite) as handle:
            stream.write_to(handle)
    return target


def _local_name(name: str) -> str:
    base = posixpath.basename(str(name).replace("\\", "/"))
    base = CONTROL_CHARACTERS.sub(CONTROL_REPLACEMENT, base)
    if base in ("", ".", ".."):
        raise errors.QueryError(f"cannot derive a file name from {name!r}: give a file path")
    return base


@contextlib.contextmanager
def atomic_writer(
    target: str | os.PathLike[str], *, fsync: bool = False, overwrite: bool = True
) -> Iterator[BinaryIO]:
    """Write ``target`` through a temporary file in its directory, renamed into place on success.

    On any error the temporary file is removed, so ``target`` is either the complete new
    content or whatever was there before. ``fsync=True`` also flushes the data to the disk
    before the rename (durability across a power loss, at the cost of speed).
    ``overwrite=False`` puts the file in place only if nothing exists under its name (a hard
    link, atomic), else raises :class:`DownloadTargetExists`. The file is created with mode
    ``0o666`` less the umask: never executable.

    Example::

        with atomic_writer("results/model.pt") as handle:
            for chunk in chunks:
                handle.write(chunk)
    """
    final = Path(target)
    temporary = final.with_name(f".{final.name}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield cast(BinaryIO, handle)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, final)
        else:
            _place_new(temporary, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _place_new(temporary: Path, final: Path) -> None:
    """Move ``temporary`` to ``final`` only if ``final`` does not exist (no race window)."""
    try:
        os.link(temporary, final, follow_symlinks=False)
    except FileExistsError:
        raise DownloadTargetExists(str(final)) from None
    except (OSError, NotImplementedError):
        # a file system without hard links: check, then rename (a small race remains)
        if os.path.lexists(final):
            raise DownloadTargetExists(str(final)) from None
        os.replace(temporary, final)
        return
    temporary.unlink()


# -- safe tar extraction -----------------------------------------------------------------


def _set_mtime(target: Path, value: Any) -> None:
    """Give ``target`` an archive member's mtime, clamped to a range every OS accepts."""
    try:
        mtime = float(value)
    except (TypeError, ValueError, OverflowError):
        return
    if math.isnan(mtime) or mtime <= 0:
        return
    mtime = min(mtime, MAX_EXTRACTED_MTIME)
    try:
        os.utime(target, (mtime, mtime))
    except (OSError, OverflowError, ValueError) as error:
        logger.info("kept the current mtime of %s: %s", target, _describe(error))


class ChunkReader(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks (no copy of the whole).

    Example::

        tarfile.open(fileobj=ChunkReader(bucket.stream_tarball()), mode="r|")
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self._read = 0

    def tell_read(self) -> int:
        """How many bytes were read from the chunks so far."""
        return self._read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self._read += size
        return size


def safe_member_path(root: Path, member: tarfile.TarInfo) -> Path | None:
    """Where ``member`` may be extracted below ``root``; raises :class:`UnsafeArchiveMember`.

    Refused: absolute names, ``..`` components, names with control characters, anything
    inside a ``.git`` directory, symbolic and hard links (the Hub never puts links in a
    bucket archive, and a later link could redirect an earlier one out of the target),
    GNU sparse members (a few bytes of archive become any size on disk), devices, FIFOs,
    and anything that resolves outside ``root`` through a symlink already on disk. Returns
    ``None`` for the archive's root directory entry (``.``).

    Example::

        target = safe_member_path(Path("out").resolve(), member)
    """
    name = member.name
    if "\x00" in name:
        raise UnsafeArchiveMember(name, "the name contains a NUL byte")
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        raise UnsafeArchiveMember(name, "absolute path")
    parts = [part for part in PurePosixPath(normalized).parts if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveMember(name, "path with '..'")
    if CONTROL_CHARACTERS.search(name):
        raise UnsafeArchiveMember(name, "the name contains control characters")
    if any(part.lower() in FORBIDDEN_DIRECTORIES for part in parts):
        raise UnsafeArchiveMember(name, "inside a .git directory")
    if member.issparse():
        raise UnsafeArchiveMember(name, "GNU sparse file")
    if member.issym() or member.islnk():
        raise UnsafeArchiveMember(name, f"link to {member.linkname!r}")
    if not (member.isreg() or member.isdir()):
        raise UnsafeArchiveMember(name, "device, FIFO or other special file")
    if not parts:
        if member.isdir():
            return None
        raise UnsafeArchiveMember(name, "empty name")
    target = root.joinpath(*parts)
    resolved_parent = target.parent.resolve()
    if resolved_parent != root and root not in resolved_parent.parents:
        raise UnsafeArchiveMember(name, "resolves outside the target directory")
    return target


def extract_tar_stream(
    chunks: Iterable[bytes],
    directory: str | os.PathLike[str],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    overwrite: bool = False,
    max_bytes: int | None = None,
    received: Callable[[], int] | None = None,
) -> list[Path]:
    """Extract an uncompressed tar arriving as chunks into ``directory``, member by member.

    Nothing is buffered beyond one chunk: each regular file is written with
    :func:`atomic_writer` as its bytes arrive. Members are checked with
    :func:`safe_member_path`; the first unsafe one raises :class:`UnsafeArchiveMember`
    (files extracted before it stay). An existing file is never replaced unless
    ``overwrite=True`` (:class:`DownloadTargetExists`). Permission bits are limited to
    :data:`EXTRACTED_MODE_MASK` (never executable); ownership is not restored; an absurd
    ``mtime`` is clamped to :data:`MAX_EXTRACTED_MTIME`. The bytes written are bounded by
    :func:`expansion_limit` of the bytes received (``received()``, default: the bytes
    read from ``chunks``) or by ``max_bytes`` (:class:`DownloadTooLarge`). Returns the
    files written.

    Example::

        extract_tar_stream(bucket.stream_tarball(), "results/")
    """
    root = Path(directory)
    _refuse_forbidden_directory(root)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    _check_max_bytes(max_bytes)
    written: list[Path] = []
    reader = ChunkReader(chunks)
    bytes_received = received if received is not None else reader.tell_read
    total = 0

    def copy(source: IO[bytes], handle: IO[bytes], name: str) -> None:
        nonlocal total
        while block := source.read(chunk_size):
            total += len(block)
            limit = expansion_limit(bytes_received(), max_bytes)
            if total > limit:
                raise DownloadTooLarge(
                    f"refusing to extract {name!r}: the archive would write more than "
                    f"{limit} bytes ({bytes_received()} bytes received; pass max_bytes= "
                    "to allow more)",
                    limit=limit,
                    written=total,
                )
            handle.write(block)

    try:
        with tarfile.open(fileobj=reader, mode="r|", bufsize=chunk_size) as archive:
            for member in archive:
                target = safe_member_path(root, member)
                if target is None:
                    continue
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if not overwrite and os.path.lexists(target):
                    raise DownloadTargetExists(str(target))
                source = archive.extractfile(member)
                assert source is not None  # a regular file always has content
                mode = (member.mode | EXTRACTED_MODE_MINIMUM) & EXTRACTED_MODE_MASK
                with atomic_writer(target, overwrite=overwrite) as handle:
                    copy(source, handle, member.name)
                    if hasattr(os, "fchmod"):  # before it is in place (POSIX)
                        os.fchmod(handle.fileno(), mode)
                if not hasattr(os, "fchmod"):
                    os.chmod(target, mode)
                _set_mtime(target, member.mtime)
                written.append(target)
    except tarfile.TarError as error:
        raise errors.InvalidResponse(
            f"the bucket archive is not a valid tar or ends early: {error} "
            f"({len(written)} files were extracted to {root})"
        ) from error
    return written


__all__ = [
    "CONTROL_CHARACTERS",
    "CONTROL_REPLACEMENT",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_EXPANSION_MARGIN",
    "DEFAULT_EXPANSION_RATIO",
    "DEFAULT_RESUME_ATTEMPTS",
    "DOWNLOAD_HEADERS",
    "EXISTING_LOOKUP_BATCH",
    "MAX_EXTRACTED_MTIME",
    "MIN_CHUNK_SIZE",
    "AnalysisFilesTimeout",
    "ChunkReader",
    "DownloadStream",
    "DownloadTarget",
    "DownloadTargetExists",
    "DownloadTooLarge",
    "MultipartBody",
    "Progress",
    "ProgressCallback",
    "ProgressOption",
    "TransferError",
    "TransferSizeMismatch",
    "UnsafeArchiveMember",
    "UnsafeDownloadTarget",
    "UploadNotResent",
    "UploadPart",
    "UploadSource",
    "UploadSourceChanged",
    "atomic_writer",
    "bucket_path",
    "check_download_directory",
    "collect_parts",
    "download_target",
    "existing_files",
    "expansion_limit",
    "extract_tar_stream",
    "is_file_object",
    "safe_member_path",
    "save_stream",
    "upload",
]
