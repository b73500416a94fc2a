"""Uploads to the local Hub over a socket: sources, answers, analysis buckets, no resend."""

from __future__ import annotations

import io
import posixpath
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from flamehub import Hub, QueryError, ServerError
from flamehub.files import AnalysisFilesTimeout, UploadNotResent
from flamehub.models import Bucket, BucketFile, Project
from flamehub.resources.core import Analysis, AnalysisBucket, AnalysisBucketFile
from flamehub.testing import Fault, LocalHub
from tests.conftest import CURRENT_VERSION, HUB_URL, make_hub
from tests.files.conftest import hub_for

UPLOAD_ROUTE = r"^/storage/buckets/[^/]+/upload$"


def uploads_seen(local: LocalHub) -> int:
    return sum(1 for r in local.requests if r.method == "POST" and r.path.endswith("/upload"))


@pytest.fixture(params=["0.8.13", "0.14.0"], ids=["legacy", "current"])
def any_hub(request: pytest.FixtureRequest) -> Iterator[tuple[LocalHub, Hub]]:
    local = LocalHub(version=request.param).start()
    try:
        with hub_for(local) as hub:
            yield local, hub
    finally:
        local.stop()


def test_upload_every_kind_of_source(any_hub: tuple[LocalHub, Hub], tmp_path: Path) -> None:
    _, hub = any_hub
    project_dir = tmp_path / "analysis"
    (project_dir / "lib").mkdir(parents=True)
    (project_dir / "main.py").write_bytes(b"import lib.util\n")
    (project_dir / "lib" / "util.py").write_bytes(b"X = 1\n")
    single = tmp_path / "README.md"
    single.write_bytes(b"# readme\n")
    bucket = Bucket.objects.using(hub).create(name="sources")
    with single.open("rb") as handle:
        uploaded = bucket.upload(
            project_dir,
            handle,
            ("conf/settings.json", b"{}"),
            ("stream.bin", io.BytesIO(b"\x00" * 1000)),
        )
    assert [(f.path, f.name, f.directory, f.size) for f in uploaded] == [
        ("main.py", "main.py", ".", 16),
        ("lib/util.py", "util.py", "lib", 6),
        ("README.md", "README.md", ".", 9),
        ("conf/settings.json", "settings.json", "conf", 2),
        ("stream.bin", "stream.bin", ".", 1000),
    ]
    assert all(isinstance(f, BucketFile) and f.hub is hub for f in uploaded)
    assert {f.id for f in bucket.storage_files} == {f.id for f in uploaded}
    assert uploaded[1].download(to=tmp_path / "util.py").read_bytes() == b"X = 1\n"


def test_upload_with_a_prefix_and_download_all(hub: Hub, bucket: Bucket, tmp_path: Path) -> None:
    bucket.upload(("a.txt", b"a"), ("sub/b.txt", b"b"), prefix="run-7")
    written = bucket.download_all(to=tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "run-7/a.txt",
        "run-7/sub/b.txt",
    ]


def test_rejected_token_does_not_resend_the_body(
    local_hub: LocalHub, hub: Hub, bucket: Bucket
) -> None:
    local_hub.requests.clear()
    local_hub.inject(Fault("status", route=UPLOAD_ROUTE, method="POST", status=401, times=1))
    with pytest.raises(UploadNotResent, match="call the upload again"):
        bucket.upload(("a.txt", b"x" * 1000))
    assert uploads_seen(local_hub) == 1
    # The token was renewed: the next call uploads (once).
    [uploaded] = bucket.upload(("a.txt", b"x" * 1000))
    assert uploaded.size == 1000 and uploads_seen(local_hub) == 2


def test_server_error_on_upload_is_not_retried(
    local_hub: LocalHub, hub: Hub, bucket: Bucket
) -> None:
    local_hub.requests.clear()
    local_hub.inject(Fault("status", route=UPLOAD_ROUTE, method="POST", status=503, times=1))
    with pytest.raises(ServerError):
        bucket.upload(("a.txt", b"x"))
    assert uploads_seen(local_hub) == 1
    assert list(bucket.storage_files) == []


def test_nothing_is_sent_for_invalid_sources(local_hub: LocalHub, hub: Hub, bucket: Bucket) -> None:
    local_hub.requests.clear()
    with pytest.raises(QueryError, match="'..'"):
        bucket.upload(("../escape.txt", b"x"))
    assert uploads_seen(local_hub) == 0


def test_unsaved_bucket_cannot_upload(hub: Hub) -> None:
    with pytest.raises(QueryError, match="no storage bucket id"):
        Bucket(name="unsaved").upload(("a.txt", b"x"), using=hub)


# -- analysis buckets ----------------------------------------------------------------------


def code_bucket(hub: Hub) -> AnalysisBucket:
    project = Project.objects.using(hub).create(name=f"files-{uuid.uuid4().hex[:6]}")
    analysis = Analysis.objects.using(hub).create(project_id=project.id, name="files")
    return AnalysisBucket.objects.using(hub).get(analysis_id=analysis.id, type="CODE")


def test_analysis_bucket_upload_and_its_analysis_files(
    any_hub: tuple[LocalHub, Hub], tmp_path: Path
) -> None:
    _, hub = any_hub
    code = code_bucket(hub)
    uploaded = code.upload(("main.py", b"print('run')\n"), ("lib/helper.py", b"pass\n"))
    assert {f.bucket_id for f in uploaded} == {code.bucket_id}
    entries = code.wait_for_analysis_files(uploaded, timeout=10, poll_interval=0.05)
    assert [type(e).__name__ for e in entries] == ["AnalysisBucketFile"] * 2
    paths = [getattr(e, "path", None) or e.name for e in entries]
    assert paths == ["main.py", "lib/helper.py"]
    # Without a list, it waits for every file of the storage bucket.
    assert code.wait_for_analysis_files(timeout=10, poll_interval=0.05) == entries
    # The analysis bucket files download their storage file (bucket_file_id / external_id).
    rows = AnalysisBucketFile.objects.using(hub).filter(analysis_id=code.analysis_id)
    by_name = {posixpath.basename(getattr(r, "path", None) or r.name): r for r in rows}
    target = by_name["helper.py"].download(to=f"{tmp_path}/entries/")
    assert target == tmp_path / "entries" / "helper.py"
    assert target.read_bytes() == b"pass\n"
    code.download_all(to=tmp_path)
    assert (tmp_path / "main.py").read_bytes() == b"print('run')\n"
    assert (tmp_path / "lib" / "helper.py").read_bytes() == b"pass\n"


def test_waiting_for_analysis_files_times_out(hub: Hub) -> None:
    code = code_bucket(hub)
    stranger = BucketFile(id=uuid.uuid4(), path="never.py", name="never.py")
    with pytest.raises(AnalysisFilesTimeout, match="never.py") as caught:
        code.wait_for_analysis_files([stranger], timeout=0.2, poll_interval=0.05)
    assert caught.value.missing == ["never.py"]


def test_plain_bucket_has_no_analysis_files(hub: Hub, bucket: Bucket) -> None:
    with pytest.raises(QueryError, match="not an analysis bucket"):
        bucket.wait_for_analysis_files([])


def test_waiting_polls_until_core_lists_the_files(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Core creates the rows asynchronously: the first poll finds one, the second both
    # (one matched by its storage file id, one - without that id - by its path).
    hub = make_hub(CURRENT_VERSION)
    analysis_id, bucket_id = uuid.uuid4(), uuid.uuid4()
    code = AnalysisBucket(id=uuid.uuid4(), bucket_id=bucket_id, analysis_id=analysis_id)
    main = BucketFile(id=uuid.uuid4(), path="main.py", bucket_id=bucket_id)
    helper = BucketFile(id=uuid.uuid4(), path="lib/helper.py", bucket_id=bucket_id)

    def row(path: str, file_id: uuid.UUID | None, bucket: uuid.UUID = bucket_id) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "path": path,
            "root": False,
            "bucketId": str(bucket),
            "bucketFileId": str(file_id) if file_id else None,
            "analysisId": str(analysis_id),
        }

    other_bucket = row("lib/helper.py", None, bucket=uuid.uuid4())  # same path, RESULT bucket
    pages = [
        [row("main.py", main.id), other_bucket],
        [row("main.py", main.id), other_bucket, row("lib/helper.py", None)],
    ]
    url = re.compile(re.escape(f"{HUB_URL}/core/analysis-bucket-files") + r"\?.*")
    for rows in pages:
        rsps.add("GET", url, json={"data": rows, "meta": {"total": len(rows)}})
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    entries = code.wait_for_analysis_files([main, helper], timeout=60, poll_interval=2.5, using=hub)
    assert [e.path for e in entries] == ["main.py", "lib/helper.py"]
    assert entries[1].id == uuid.UUID(pages[1][2]["id"])
    assert sleeps == [2.5]
    sent = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert sent["filter[analysisId]"] == [str(analysis_id)]
