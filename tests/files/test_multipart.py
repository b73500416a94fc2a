"""The streamed multipart body: what it contains, its announced length, and its one use."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from werkzeug.sansio.multipart import Data, Epilogue, File, MultipartDecoder, NeedData

from flamehub import QueryError
from flamehub.files import (
    DEFAULT_CONTENT_TYPE,
    MIN_CHUNK_SIZE,
    MultipartBody,
    UploadNotResent,
    UploadSourceChanged,
    bucket_path,
    collect_parts,
)


def decode(body: bytes, boundary: str) -> list[tuple[str, str, bytes]]:
    """(filename, content type, data) of every part, parsed by werkzeug's decoder."""
    decoder = MultipartDecoder(boundary.encode())
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[tuple[str, str, bytes]] = []
    while True:
        event = decoder.next_event()
        if isinstance(event, (Epilogue, NeedData)):
            return parts
        if isinstance(event, File):
            parts.append((event.filename, event.headers["Content-Type"], b""))
        elif isinstance(event, Data):
            name, content_type, data = parts[-1]
            parts[-1] = (name, content_type, data + event.data)


def send(body: MultipartBody) -> bytes:
    return b"".join(body)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "analysis"
    (root / "lib" / "deep").mkdir(parents=True)
    (root / "main.py").write_bytes(b"print('hi')\n")
    (root / "lib" / "util.py").write_bytes(b"X = 1\n")
    (root / "lib" / "deep" / "data.bin").write_bytes(bytes(range(256)) * 50)
    (root / "empty").mkdir()
    return root


def test_directory_is_uploaded_recursively_with_relative_paths(tree: Path) -> None:
    body = MultipartBody(collect_parts([tree]), chunk_size=MIN_CHUNK_SIZE)
    parts = decode(send(body), body.boundary)
    assert [(name, kind) for name, kind, _ in parts] == [
        ("main.py", "text/x-python"),
        ("lib/util.py", "text/x-python"),
        ("lib/deep/data.bin", DEFAULT_CONTENT_TYPE),
    ]
    assert parts[2][2] == (tree / "lib" / "deep" / "data.bin").read_bytes()


def test_announced_length_is_the_length_sent(tree: Path) -> None:
    sources: list[Any] = [tree, ("notes/a.txt", b"a" * 10_000), ("b.json", io.BytesIO(b"{}"))]
    body = MultipartBody(collect_parts(sources), chunk_size=MIN_CHUNK_SIZE)
    sent = send(body)
    assert len(sent) == len(body)
    parts = decode(sent, body.boundary)
    assert len(parts) == 5
    assert body.payload_size == sum(len(data) for _, _, data in parts)


def test_every_source_kind(tmp_path: Path) -> None:
    single = tmp_path / "single.csv"
    single.write_bytes(b"a,b\n1,2\n")
    opened = tmp_path / "opened.txt"
    opened.write_bytes(b"0123456789")
    with opened.open("rb") as handle:
        handle.seek(4)  # a file object is read from where it stands
        parts = collect_parts(
            [
                str(single),
                handle,
                ("raw.bin", bytearray(b"\x00\x01")),
                ("sub/stream.txt", io.BytesIO(b"streamed")),
            ],
            prefix="run-1/",
        )
        body = MultipartBody(parts)
        sent = decode(send(body), body.boundary)
    assert [(name, data) for name, _, data in sent] == [
        ("run-1/single.csv", b"a,b\n1,2\n"),
        ("run-1/opened.txt", b"456789"),
        ("run-1/raw.bin", b"\x00\x01"),
        ("run-1/sub/stream.txt", b"streamed"),
    ]
    assert sent[0][1] == "text/csv"


class Pipe(io.RawIOBase):
    """A non-seekable stream, like stdin or a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 7))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_non_seekable_stream_is_spooled_to_disk_and_closed() -> None:
    payload = b"line\n" * 1000
    pipe = io.BufferedReader(Pipe(payload))
    assert not pipe.seekable()
    [part] = collect_parts([("log.txt", pipe)])
    assert part.size == len(payload) and part.owned
    body = MultipartBody([part])
    assert decode(send(body), body.boundary) == [("log.txt", "text/plain", payload)]
    assert part.fileobj is not None and part.fileobj.closed


def test_callers_file_stays_open() -> None:
    handle = io.BytesIO(b"keep me open")
    body = MultipartBody(collect_parts([("kept.txt", handle)]))
    send(body)
    assert not handle.closed


def test_body_is_sent_once_only() -> None:
    body = MultipartBody(collect_parts([("a.txt", b"a")]))
    send(body)
    with pytest.raises(UploadNotResent, match="never sends it again"):
        iter(body)


def test_progress_counts_file_bytes() -> None:
    seen: list[int] = []
    body = MultipartBody(
        collect_parts([("a.bin", b"x" * 10_000), ("b.bin", b"y" * 5000)]),
        chunk_size=MIN_CHUNK_SIZE,
        progress=seen.append,
    )
    send(body)
    assert seen == [4096, 8192, 10_000, 14_096, 15_000]


def test_filename_quotes_and_newlines_are_escaped() -> None:
    body = MultipartBody(collect_parts([('we"ird\nname.txt', b"x"), ("naïve.txt", b"y")]))
    sent = send(body)
    assert b'filename="we%22ird%0Aname.txt"' in sent
    assert 'filename="naïve.txt"'.encode() in sent
    # A decoder reads the escaped quote back (werkzeug, like browsers' servers, does).
    first, second = (name for name, _, _ in decode(sent, body.boundary))
    assert first.startswith('we"ird') and second == "naïve.txt"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.txt", "a.txt"), ("./x//y/./z.txt", "x/y/z.txt"), ("dir\\file.txt", "dir/file.txt")],
)
def test_bucket_paths_are_normalised(name: str, expected: str) -> None:
    assert bucket_path(name) == expected


@pytest.mark.parametrize("name", ["", "/etc/passwd", "C:/x", "a/../../b", "..", ".", "a\x00b"])
def test_unsafe_bucket_paths_are_refused(name: str) -> None:
    with pytest.raises(QueryError):
        bucket_path(name)


def test_refused_sources(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="need a name"):
        collect_parts([b"bytes alone"])  # type: ignore[list-item]
    with pytest.raises(QueryError, match="no name"):
        collect_parts([io.BytesIO(b"anonymous")])
    with pytest.raises(QueryError, match="twice"):
        collect_parts([("a.txt", b"1"), ("./a.txt", b"2")])
    with pytest.raises(QueryError, match="nothing to upload"):
        collect_parts([tmp_path])
    with pytest.raises(FileNotFoundError, match="missing"):
        collect_parts([tmp_path / "missing"])
    with pytest.raises(QueryError, match="not int"):
        collect_parts([42])  # type: ignore[list-item]
    with pytest.raises(QueryError, match="chunk_size"):
        MultipartBody(collect_parts([("a", b"a")]), chunk_size=10)


@pytest.mark.parametrize(("change", "message"), [("shrink", "shrank"), ("grow", "grew")])
def test_file_changing_during_upload_is_an_error(tmp_path: Path, change: str, message: str) -> None:
    path = tmp_path / "changing.bin"
    path.write_bytes(b"x" * 100)
    body = MultipartBody(collect_parts([path]))
    with path.open("r+b") as handle:
        if change == "shrink":
            handle.truncate(50)
        else:
            handle.seek(0, os.SEEK_END)
            handle.write(b"more")
    with pytest.raises(UploadSourceChanged, match=message):
        send(body)
