"""File transfers replayed from ``storage-10-buckets.json``: upload, stream, tarball.

Both generations. The recorded clients sent the upload as ``multipart/form-data`` with one
``file`` part per file; flamehub's streamed body must be byte-for-byte the recorded one
(boundary aside), and the Hub's answers must parse into the bucket files and bytes the real
servers gave.
"""

from __future__ import annotations

import copy
import gzip
import io
import tarfile
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest
import responses

from flamehub.files import DOWNLOAD_HEADERS, MultipartBody, TransferError, TransferSizeMismatch
from flamehub.models import Bucket, BucketFile
from flamehub.query.queryset import load
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub
from tests.replay._support import assert_parsed
from tests.replay.harness import Exchange, Recording, Replayer

LEGACY = Recording(LEGACY_VERSION, "storage-10-buckets")
CURRENT = Recording(CURRENT_VERSION, "storage-10-buckets")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

#: What the recorded clients uploaded (the parts of the recorded multipart body).
UPLOADED = (("hello.txt", b"hello world\n"), ("data.json", b'{"a": 1}'))


def served(recorded: Exchange) -> Exchange:
    """``recorded`` with its binary body in the ``{"base64": ...}`` form the harness decodes.

    The recordings keep ``length`` and ``truncated`` next to ``base64``; none of these
    bodies is truncated (checked here), so the bytes served are the real server's.
    """
    body = recorded.response_body
    if isinstance(body, dict) and "base64" in body:
        assert body.get("truncated") is False and body.get("length") is not None
        return attrs.evolve(recorded, response_body={"base64": body["base64"]})
    return recorded


def exchange(recording: Recording, method: str, suffix: str) -> Exchange:
    matches = [e for e in recording.exchanges if e.method == method and e.path.endswith(suffix)]
    assert len(matches) == 1, f"{len(matches)} {method} exchanges end with {suffix!r}"
    return matches[0]


def upload_exchange(recording: Recording) -> Exchange:
    return exchange(recording, "POST", "/upload")


def file_stream_exchange(recording: Recording) -> Exchange:
    matches = [
        e for e in recording.exchanges if "/bucket-files/" in e.path and e.path.endswith("/stream")
    ]
    assert len(matches) == 1
    return matches[0]


def tarball_exchange(recording: Recording) -> Exchange:
    return recording.find("tarball stream")


def bucket_of(recording: Recording) -> Bucket:
    bucket_id = upload_exchange(recording).path.split("/")[-2]
    return Bucket(id=uuid.UUID(bucket_id))


def recorded_file(recording: Recording, hub: Any) -> BucketFile:
    """The uploaded ``hello.txt`` as the Hub described it in the upload answer."""
    stream = file_stream_exchange(recording)
    file_id = stream.path.split("/")[-2]
    row = next(r for r in upload_exchange(recording).rows if r["id"] == file_id)
    return load(BucketFile, row, hub)


@BOTH
def test_upload_body_is_the_recorded_multipart_body(
    rsps: responses.RequestsMock, replayer: Replayer, recording: Recording
) -> None:
    hub = make_hub(recording.version)
    recorded = upload_exchange(recording)
    replayer.expect(recorded)
    uploaded = bucket_of(recording).upload(*UPLOADED, using=hub)

    # The answer: one BucketFile per recorded row, parsed like any other bucket file.
    assert [f.path for f in uploaded] == ["hello.txt", "data.json"]
    for bucket_file, row in zip(uploaded, recorded.rows, strict=True):
        assert_parsed(bucket_file, row, hub)
        assert bucket_file.hub is hub

    # The request: the recorded body, byte for byte, with flamehub's own boundary.
    request = rsps.calls[0].request
    body = request.body
    assert isinstance(body, MultipartBody)
    recorded_boundary = recorded.body["content_type"].split("boundary=")[1]
    expected = recorded.body["preview"].replace(recorded_boundary, body.boundary).encode()
    assert request.headers["Content-Type"] == f"multipart/form-data; boundary={body.boundary}"
    assert int(request.headers["Content-Length"]) == recorded.body["length"] == len(expected)
    # ``responses`` never reads a streamed body, so it can be read here, once.
    assert b"".join(body) == expected


@BOTH
def test_upload_answer_with_a_wrong_size_raises(
    rsps: responses.RequestsMock, recording: Recording
) -> None:
    hub = make_hub(recording.version)
    recorded = upload_exchange(recording)
    answer = copy.deepcopy(recorded.response_body)
    answer["data"] = [dict(row, size=row["size"] + 1) for row in answer["data"]]
    rsps.add("POST", HUB_URL + recorded.path, json=answer, status=201)
    with pytest.raises(TransferSizeMismatch, match="hello.txt") as caught:
        bucket_of(recording).upload(*UPLOADED, using=hub)
    assert (caught.value.expected, caught.value.actual) == (12, 13)


@BOTH
def test_file_stream_gives_the_recorded_bytes(
    rsps: responses.RequestsMock, replayer: Replayer, recording: Recording, tmp_path: Path
) -> None:
    hub = make_hub(recording.version)
    recorded = served(file_stream_exchange(recording))
    replayer.expect(recorded)
    bucket_file = recorded_file(recording, hub)
    assert bucket_file.size == 12
    target = bucket_file.download(to=tmp_path)
    assert target == tmp_path / "hello.txt"
    assert target.read_bytes() == recorded.content() == b"hello world\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    # flamehub asks for the original bytes instead of the gzip the Hub would send.
    assert rsps.calls[0].request.headers["Accept-Encoding"] == DOWNLOAD_HEADERS["Accept-Encoding"]


def test_gzip_answer_still_gives_the_original_bytes(rsps: responses.RequestsMock) -> None:
    # Hub 0.14.0 gzips the stream for clients that accept gzip (the recorded answer carries
    # Content-Encoding: gzip and 32 bytes on the wire for 12 bytes of file). Should a server
    # compress despite Accept-Encoding: identity, the bytes delivered are still the file's.
    hub = make_hub(CURRENT_VERSION)
    recorded = file_stream_exchange(CURRENT)
    assert recorded.response_headers["content-encoding"] == "gzip"
    original = recorded.content()
    rsps.add(
        "GET",
        HUB_URL + recorded.path,
        body=gzip.compress(original),
        headers={"Content-Encoding": "gzip", "Accept-Ranges": "bytes"},
        content_type="text/plain; charset=utf-8",
    )
    stream = recorded_file(CURRENT, hub).stream()
    assert stream.encoded and not stream.resumable  # offsets of gzip data cannot be resumed
    assert b"".join(stream) == original
    assert stream.done == 12


@pytest.mark.parametrize("announce_length", [True, False], ids=["content-length", "no-length"])
@BOTH
def test_file_stream_shorter_than_the_recorded_size_raises(
    rsps: responses.RequestsMock, recording: Recording, tmp_path: Path, announce_length: bool
) -> None:
    # With a Content-Length that contradicts the Hub's size, the mismatch is caught before
    # the first byte; without one, the body ends early and counts as a broken-off transfer.
    hub = make_hub(recording.version)
    recorded = served(file_stream_exchange(recording))
    short = recorded.content()[:-1]
    headers = {"Content-Length": str(len(short))} if announce_length else {}
    rsps.add(
        "GET",
        HUB_URL + recorded.path,
        body=short,
        headers=headers,
        content_type="application/octet-stream",
    )
    expected: type[Exception] = TransferSizeMismatch if announce_length else TransferError
    with pytest.raises(expected, match="12"):
        recorded_file(recording, hub).download(to=tmp_path / "hello.txt")
    assert list(tmp_path.iterdir()) == []


@BOTH
def test_tarball_download_and_extraction(
    replayer: Replayer, recording: Recording, tmp_path: Path
) -> None:
    hub = make_hub(recording.version)
    recorded = served(tarball_exchange(recording))
    archive = recorded.content()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        recorded_names = sorted(tar.getnames())
    assert recorded_names == ["data.json", "hello.txt"]

    replayer.expect(recorded)
    saved = bucket_of(recording).download_tarball(to=tmp_path, using=hub)
    assert saved == tmp_path / f"{bucket_of(recording).id}.tar"
    assert saved.read_bytes() == archive

    replayer.expect(recorded)
    extracted = bucket_of(recording).download_all(to=tmp_path / "all", using=hub)
    assert sorted(p.name for p in extracted) == recorded_names
    assert (tmp_path / "all" / "hello.txt").read_bytes() == b"hello world\n"
    assert (tmp_path / "all" / "data.json").read_bytes() == b'{"a": 1}'


@BOTH
def test_stream_tarball_to_a_file_object(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    recorded = served(tarball_exchange(recording))
    replayer.expect(recorded)
    sink = io.BytesIO()
    assert bucket_of(recording).download_tarball(to=sink, using=hub) is None
    assert sink.getvalue() == recorded.content()
