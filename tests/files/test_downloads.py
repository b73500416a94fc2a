"""Downloads over a loopback socket: original bytes, size checks, resuming, atomic files."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from flamehub import NotFound
from flamehub.files import DownloadStream, TransferError, TransferSizeMismatch
from flamehub.models import BucketFile
from tests.files.conftest import MiB, StorageDouble, file_of, leftovers, sha256_of

SIZE = 3 * MiB + 321
CHUNK = 64 * 1024


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return file_of(tmp_path / "server" / "data.bin", SIZE)


def served_file(double: StorageDouble, source: Path, *, size: int | None = SIZE) -> BucketFile:
    return BucketFile(id=uuid.UUID(double.add_file(source)), name="data.bin", size=size)


def file_gets(double: StorageDouble) -> list[dict[str, str]]:
    return [seen.headers for seen in double.seen if seen.path.startswith("/storage/bucket-files")]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def test_download_asks_for_the_identity_encoding(
    storage_double: StorageDouble, source: Path, out: Path
) -> None:
    # The double, like the Hub, gzips for clients that accept gzip.
    hub = storage_double.hub()
    target = served_file(storage_double, source).download(to=out, using=hub)
    assert target == out / "data.bin"
    assert sha256_of(target) == sha256_of(source)
    [headers] = file_gets(storage_double)
    assert headers["Accept-Encoding"] == "identity"
    assert leftovers(out) == ["data.bin"]


def test_gzip_forced_by_the_server_still_gives_the_original_bytes(
    storage_double: StorageDouble, source: Path
) -> None:
    storage_double.force_gzip = True
    stream = served_file(storage_double, source).stream(using=storage_double.hub())
    assert stream.encoded and not stream.resumable and stream.total == SIZE
    sink = io.BytesIO()
    assert stream.write_to(sink) == SIZE
    assert sink.getvalue() == source.read_bytes()


def test_interrupted_download_resumes_with_range(
    storage_double: StorageDouble, source: Path, out: Path
) -> None:
    storage_double.cuts = [MiB + 17, 2 * MiB]  # the first answer and the first resumption
    stream = served_file(storage_double, source).stream(
        chunk_size=CHUNK, using=storage_double.hub()
    )
    assert stream.resumable
    with (out / "copy.bin").open("wb") as handle:
        stream.write_to(handle)
    assert stream.resumes == 2
    assert sha256_of(out / "copy.bin") == sha256_of(source)
    first, second, third = file_gets(storage_double)
    assert "Range" not in first
    # Each resumption starts at the bytes delivered so far: whole chunks before the cut (a
    # chunk the connection broke in the middle of is asked for again, not half-kept).
    offsets = [int(h["Range"].removeprefix("bytes=").rstrip("-")) for h in (second, third)]
    assert offsets[0] == (MiB + 17) // CHUNK * CHUNK
    assert offsets[1] == offsets[0] + 2 * MiB // CHUNK * CHUNK
    assert second["If-Range"] == third["If-Range"] == f'"{stream.path.split("/")[1]}"'


def test_resuming_gives_up_after_the_allowed_attempts(
    storage_double: StorageDouble, source: Path, out: Path
) -> None:
    storage_double.cuts = [MiB, 1000, 1000, 1000]
    bucket_file = served_file(storage_double, source)
    with pytest.raises(TransferError, match="gave up after 2 resume attempts") as caught:
        bucket_file.download(to=out, resume_attempts=2, using=storage_double.hub())
    # Chunks of 1 MiB: the first answer delivered one; the 1000-byte answers none.
    assert (caught.value.done, caught.value.total, caught.value.resumes) == (MiB, SIZE, 2)
    assert len(file_gets(storage_double)) == 3
    assert leftovers(out) == []  # nothing under the final name, no temporary file either


def test_interruption_without_range_support_raises_and_keeps_the_old_file(
    storage_double: StorageDouble, source: Path, out: Path
) -> None:
    storage_double.accept_ranges = False
    storage_double.cuts = [MiB]
    target = out / "data.bin"
    target.write_bytes(b"the previous version")
    with pytest.raises(TransferError, match=r"after 1048576 of \d+ bytes.*Accept-Ranges"):
        served_file(storage_double, source).download(
            to=target, using=storage_double.hub(), overwrite=True
        )
    assert target.read_bytes() == b"the previous version"
    assert leftovers(out) == ["data.bin"]
    assert len(file_gets(storage_double)) == 1


def test_resume_off(storage_double: StorageDouble, source: Path) -> None:
    storage_double.cuts = [MiB]
    stream = served_file(storage_double, source).stream(
        resume_attempts=0, using=storage_double.hub()
    )
    with pytest.raises(TransferError, match="resume_attempts=0"):
        stream.write_to(io.BytesIO())


def test_truncated_gzip_answer_is_not_taken_for_the_whole_file(
    storage_double: StorageDouble, source: Path
) -> None:
    storage_double.force_gzip = True
    storage_double.cuts = [MiB]
    stream = served_file(storage_double, source).stream(using=storage_double.hub())
    with pytest.raises(TransferError, match="broke off"):
        stream.write_to(io.BytesIO())
    assert stream.done < SIZE


def test_error_status_raises_before_the_first_byte(storage_double: StorageDouble) -> None:
    missing = BucketFile(id=uuid.uuid4(), name="gone.bin", size=10)
    with pytest.raises(NotFound):
        missing.stream(using=storage_double.hub())  # raises here, not when iterated


def test_size_contradicting_content_length_raises_before_the_first_byte(
    storage_double: StorageDouble, source: Path, out: Path
) -> None:
    with pytest.raises(TransferSizeMismatch, match=f"announced {SIZE + 1} bytes") as caught:
        served_file(storage_double, source, size=SIZE + 1).download(
            to=out, using=storage_double.hub()
        )
    assert (caught.value.expected, caught.value.actual) == (SIZE + 1, SIZE)
    assert leftovers(out) == []


@pytest.mark.parametrize("size", [SIZE - 1, SIZE + 1], ids=["longer", "shorter"])
def test_size_is_verified_without_content_length(
    storage_double: StorageDouble, source: Path, out: Path, size: int
) -> None:
    # Without Content-Length, the Hub's size is the only measure: more bytes are an
    # integrity error, fewer a transfer that broke off (no Range: nothing to resume).
    storage_double.announce_length = False
    storage_double.accept_ranges = False
    expected = TransferSizeMismatch if size < SIZE else TransferError
    with pytest.raises(expected):
        served_file(storage_double, source, size=size).download(to=out, using=storage_double.hub())
    assert leftovers(out) == []


def test_unknown_size_is_taken_from_content_length(
    storage_double: StorageDouble, source: Path
) -> None:
    stream = served_file(storage_double, source, size=None).stream(using=storage_double.hub())
    assert stream.total == SIZE
    assert stream.write_to(io.BytesIO()) == SIZE


def test_stream_yields_chunks_of_at_most_chunk_size(
    storage_double: StorageDouble, source: Path
) -> None:
    with served_file(storage_double, source).stream(
        chunk_size=CHUNK, using=storage_double.hub()
    ) as chunks:
        assert isinstance(chunks, DownloadStream)
        sizes = [len(chunk) for chunk in chunks]
    assert sum(sizes) == SIZE and max(sizes) <= CHUNK and all(isinstance(s, int) for s in sizes)


def test_closing_a_stream_early_releases_it(storage_double: StorageDouble, source: Path) -> None:
    stream = served_file(storage_double, source).stream(
        chunk_size=CHUNK, using=storage_double.hub()
    )
    with stream:
        first = next(stream)
    assert len(first) == CHUNK
    with pytest.raises(StopIteration):
        next(stream)


def test_download_to_a_file_object(storage_double: StorageDouble, source: Path) -> None:
    sink = io.BytesIO()
    assert served_file(storage_double, source).download(to=sink, using=storage_double.hub()) is None
    assert sink.getvalue() == source.read_bytes()


def test_tarball_interrupted_without_range_support(
    storage_double: StorageDouble, out: Path
) -> None:
    from flamehub.models import Bucket

    bucket_id = str(uuid.uuid4())
    storage_double.tarballs[bucket_id] = b"\0" * (40 * 1024)
    storage_double.cuts = [10_000]
    with pytest.raises(TransferError, match=r"broke off after \d+ of 40960 bytes"):
        Bucket(id=uuid.UUID(bucket_id)).download_tarball(to=out, using=storage_double.hub())
    assert leftovers(out) == []


def test_trailing_separator_makes_a_directory(
    storage_double: StorageDouble, source: Path, tmp_path: Path
) -> None:
    target = served_file(storage_double, source).download(
        to=f"{tmp_path}/new/dir/", using=storage_double.hub()
    )
    assert target == tmp_path / "new" / "dir" / "data.bin"
    assert target.stat().st_size == SIZE


def test_missing_directory_is_refused_before_any_request(
    storage_double: StorageDouble, source: Path, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError, match="no directory"):
        served_file(storage_double, source).download(
            to=tmp_path / "missing" / "data.bin", using=storage_double.hub()
        )
    assert storage_double.seen == []
