"""Files over 200 MB through real loopback sockets, in constant memory.

The file is generated on disk from a seeded generator; the transfers go through the local
Hub (werkzeug, in this process: its memory counts too). Each test checks the content hash
and that the peak memory added stays below 64 MB, a fraction of the file size.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flamehub import Hub
from flamehub.models import Bucket, BucketFile
from tests.files.conftest import MEMORY_CEILING, BigFile, leftovers, memory_probe, sha256_of


def uploaded_big(hub: Hub, bucket: Bucket, big_file: BigFile) -> BucketFile:
    [bucket_file] = bucket.upload(big_file.path)
    return bucket_file


def test_upload_over_200_mb(hub: Hub, bucket: Bucket, big_file: BigFile) -> None:
    seen: list[tuple[int, int | None]] = []
    with memory_probe() as memory:
        [bucket_file] = bucket.upload(big_file.path, progress=lambda d, t: seen.append((d, t)))
    assert memory.traced_peak < MEMORY_CEILING, f"upload added {memory.traced_peak} bytes"
    assert memory.rss_growth < MEMORY_CEILING, f"max RSS grew by {memory.rss_growth} bytes"
    assert bucket_file.size == big_file.size and bucket_file.path == "big.bin"
    assert seen[-1] == (big_file.size, big_file.size)
    # What the Hub stored is the file itself.
    fetched = BucketFile.objects.using(hub).get(id=bucket_file.id)
    digest = hashlib.sha256()
    with fetched.stream() as chunks:
        for chunk in chunks:
            digest.update(chunk)
    assert digest.hexdigest() == big_file.sha256


def test_download_over_200_mb(hub: Hub, bucket: Bucket, big_file: BigFile, tmp_path: Path) -> None:
    bucket_file = uploaded_big(hub, bucket, big_file)
    with memory_probe() as memory:
        target = bucket_file.download(to=tmp_path)
    assert memory.traced_peak < MEMORY_CEILING, f"download added {memory.traced_peak} bytes"
    assert memory.rss_growth < MEMORY_CEILING, f"max RSS grew by {memory.rss_growth} bytes"
    assert target == tmp_path / "big.bin"
    assert target.stat().st_size == big_file.size
    assert sha256_of(target) == big_file.sha256
    assert leftovers(tmp_path) == ["big.bin"]


def test_download_all_over_200_mb(
    hub: Hub, bucket: Bucket, big_file: BigFile, tmp_path: Path
) -> None:
    uploaded_big(hub, bucket, big_file)
    bucket.upload(("docs/readme.txt", b"read me\n"))
    with memory_probe() as memory:
        written = bucket.download_all(to=tmp_path / "copy")
    assert memory.traced_peak < MEMORY_CEILING, f"extraction added {memory.traced_peak} bytes"
    assert sorted(p.relative_to(tmp_path / "copy").as_posix() for p in written) == [
        "big.bin",
        "docs/readme.txt",
    ]
    assert sha256_of(tmp_path / "copy" / "big.bin") == big_file.sha256
    assert (tmp_path / "copy" / "docs" / "readme.txt").read_bytes() == b"read me\n"
