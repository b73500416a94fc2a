"""Progress reporting: a callable gets (done, total), True draws a tqdm bar, nothing by default."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest

from flamehub import ConfigurationError, Hub, QueryError
from flamehub.files import MIN_CHUNK_SIZE, Progress
from flamehub.models import Bucket, BucketFile
from flamehub.testing import LocalHub
from tests.files.conftest import MiB, StorageDouble, file_of


def test_upload_progress_callable(hub: Hub, bucket: Bucket) -> None:
    seen: list[tuple[int, int | None]] = []
    bucket.upload(
        ("a.bin", b"a" * (MiB + 10)),
        ("b.bin", b"b" * 100),
        progress=lambda done, total: seen.append((done, total)),
    )
    total = MiB + 110
    assert seen == [(MiB, total), (MiB + 10, total), (total, total)]


def test_download_progress_callable_with_known_and_unknown_size(
    storage_double: StorageDouble, tmp_path: Path
) -> None:
    source = file_of(tmp_path / "source.bin", 2 * MiB + 5)
    hub = storage_double.hub()
    file_id = uuid.UUID(storage_double.add_file(source))
    known: list[tuple[int, int | None]] = []
    BucketFile(id=file_id, name="x", size=2 * MiB + 5).download(
        to=tmp_path / "known.bin", progress=lambda d, t: known.append((d, t)), using=hub
    )
    assert known == [(MiB, 2 * MiB + 5), (2 * MiB, 2 * MiB + 5), (2 * MiB + 5, 2 * MiB + 5)]

    storage_double.announce_length = False
    unknown: list[tuple[int, int | None]] = []
    BucketFile(id=file_id, name="x").download(
        to=tmp_path / "unknown.bin", progress=lambda d, t: unknown.append((d, t)), using=hub
    )
    assert [total for _, total in unknown] == [None] * len(unknown)
    assert unknown[-1][0] == 2 * MiB + 5


def test_progress_bar_shows_size_rate_and_eta(
    hub: Hub, bucket: Bucket, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    [uploaded] = bucket.upload(("bar.bin", b"z" * (3 * MiB)), progress=True)
    upload_bar = capsys.readouterr().err
    uploaded.download(to=tmp_path, progress=True)
    download_bar = capsys.readouterr().err
    for bar in (upload_bar, download_bar):
        last = bar.replace("\r", "\n").strip().splitlines()[-1]
        assert "bar.bin" in last and "100%" in last
        assert re.search(r"3\.00M/3\.00M", last), last  # size, in binary units
        assert re.search(r"\[\d\d:\d\d<\d\d:\d\d, .*B/s\]", last), last  # elapsed<ETA, rate


def test_no_progress_output_by_default(
    hub: Hub, bucket: Bucket, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket.upload(("quiet.bin", b"q" * MiB))
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_missing_tqdm_is_a_clear_error_before_anything_is_sent(
    local_hub: LocalHub, hub: Hub, bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    local_hub.requests.clear()
    with pytest.raises(ConfigurationError, match=r"pip install 'flamehub\[progress\]'"):
        bucket.upload(("a.txt", b"a"), progress=True)
    with pytest.raises(ConfigurationError, match="tqdm is not installed"):
        BucketFile(id=uuid.uuid4(), name="x", size=1).stream(progress=True, using=hub)
    assert list(local_hub.requests) == []


def test_progress_option_is_checked() -> None:
    with pytest.raises(QueryError, match="progress must be"):
        Progress("yes")  # type: ignore[arg-type]
    reporter = Progress(None, total=MIN_CHUNK_SIZE)
    reporter.update(MIN_CHUNK_SIZE)
    assert not reporter.active and reporter.done == MIN_CHUNK_SIZE
