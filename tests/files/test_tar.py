"""Safe extraction of bucket archives: no escapes, no links, no devices, sane modes."""

from __future__ import annotations

import io
import stat
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flamehub import InvalidResponse
from flamehub.files import DownloadTargetExists, UnsafeArchiveMember, extract_tar_stream
from flamehub.models import Bucket
from tests.files.conftest import StorageDouble, leftovers

MTIME = 1_700_000_000


def member(
    name: str,
    data: bytes = b"",
    *,
    kind: bytes = tarfile.REGTYPE,
    mode: int = 0o644,
    linkname: str = "",
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = MTIME
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def archive(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def extract(data: bytes, target: Path) -> list[Path]:
    return extract_tar_stream(chunks(data), target, chunk_size=4096)


def test_files_and_directories_are_extracted(tmp_path: Path) -> None:
    long_name = "deep/" + "x" * 150 + ".txt"  # beyond ustar's 100 characters
    data = archive(
        member("./", kind=tarfile.DIRTYPE, mode=0o755),
        member("a.txt", b"alpha"),
        member("dir/", kind=tarfile.DIRTYPE, mode=0o755),
        member("dir/b.bin", bytes(range(256)) * 100),
        member(long_name, b"long"),
        member("empty.txt", b""),
    )
    written = extract(data, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == [
        "a.txt",
        "dir/b.bin",
        long_name,
        "empty.txt",
    ]
    assert (tmp_path / "out" / "dir" / "b.bin").read_bytes() == bytes(range(256)) * 100
    assert (tmp_path / "out" / "a.txt").stat().st_mtime == MTIME
    assert leftovers(tmp_path / "out") == ["a.txt", "deep", "dir", "empty.txt"]


@pytest.mark.parametrize(
    ("given", "kept"),
    # exec bits are never kept (#12 item 5): 0o4777 and 0o2755 lose them too
    [(0o4777, 0o644), (0o2755, 0o644), (0o666, 0o644), (0o600, 0o600), (0o000, 0o600)],
)
def test_modes_are_limited(tmp_path: Path, given: int, kept: int) -> None:
    extract(archive(member("f", b"x", mode=given)), tmp_path)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == kept


@pytest.mark.parametrize(
    ("unsafe", "reason"),
    [
        (member("/tmp/flamehub-evil", b"x"), "absolute path"),
        (member("../evil", b"x"), "'..'"),
        (member("ok/../../evil", b"x"), "'..'"),
        (member("link", kind=tarfile.SYMTYPE, linkname="/etc"), "link to '/etc'"),
        (member("inner", kind=tarfile.SYMTYPE, linkname="a.txt"), "link to 'a.txt'"),
        (member("hard", kind=tarfile.LNKTYPE, linkname="a.txt"), "link"),
        (member("tty", kind=tarfile.CHRTYPE), "device"),
        (member("disk", kind=tarfile.BLKTYPE), "device"),
        (member("pipe", kind=tarfile.FIFOTYPE), "FIFO"),
    ],
    ids=[
        "absolute",
        "dotdot",
        "nested-dotdot",
        "symlink-out",
        "symlink-in",
        "hardlink",
        "chardev",
        "blockdev",
        "fifo",
    ],
)
def test_unsafe_members_are_refused(
    tmp_path: Path, unsafe: tuple[tarfile.TarInfo, bytes], reason: str
) -> None:
    target = tmp_path / "out"
    data = archive(member("a.txt", b"alpha"), unsafe, member("z.txt", b"after"))
    with pytest.raises(UnsafeArchiveMember, match=reason) as caught:
        extract(data, target)
    assert caught.value.member == unsafe[0].name
    # What came before stays; nothing of the unsafe member or after it is written.
    assert leftovers(target) == ["a.txt"]
    assert not (tmp_path / "evil").exists()


def test_existing_symlink_cannot_lead_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    (target / "escape").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeArchiveMember, match="outside the target"):
        extract(archive(member("escape/planted.txt", b"x")), target)
    assert leftovers(outside) == []


def test_existing_symlink_as_the_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"untouched")
    target = tmp_path / "out"
    target.mkdir()
    (target / "a.txt").symlink_to(victim)
    with pytest.raises(DownloadTargetExists):  # nothing is replaced unless asked
        extract(archive(member("a.txt", b"new")), target)
    assert (target / "a.txt").is_symlink()
    extract_tar_stream(chunks(archive(member("a.txt", b"new"))), target, overwrite=True)
    assert victim.read_bytes() == b"untouched"
    assert not (target / "a.txt").is_symlink()
    assert (target / "a.txt").read_bytes() == b"new"


def test_truncated_archive_leaves_no_half_file(tmp_path: Path) -> None:
    data = archive(member("a.txt", b"alpha"), member("big.bin", b"y" * 50_000))
    with pytest.raises(InvalidResponse, match="ends early"):
        extract(data[: 2048 + 20_000], tmp_path)
    assert leftovers(tmp_path) == ["a.txt"]


def test_not_a_tar(tmp_path: Path) -> None:
    with pytest.raises(InvalidResponse, match="not a valid tar"):
        extract(b"<html>proxy error</html>" + b"\0" * 1000, tmp_path)


def test_download_all_refuses_an_unsafe_archive_from_the_server(
    storage_double: StorageDouble, tmp_path: Path
) -> None:
    bucket_id = str(uuid.uuid4())
    storage_double.tarballs[bucket_id] = archive(member("../../outside.txt", b"x"))
    with pytest.raises(UnsafeArchiveMember, match="'..'"):
        Bucket(id=uuid.UUID(bucket_id)).download_all(
            to=tmp_path / "out", using=storage_double.hub()
        )
    assert leftovers(tmp_path) == ["out"] and leftovers(tmp_path / "out") == []
