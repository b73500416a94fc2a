"""Buckets and bucket files through the ORM: ``storage-10-buckets.json`` (both generations).

The upload, download-stream and tarball exchanges of this scenario belong to the
file-transfer tests; these cover list, get, create and delete.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from flamehub import NotFound, QueryError, ServerError
from flamehub.models import Bucket, BucketFile
from tests.conftest import CURRENT_VERSION, LEGACY_VERSION, make_hub
from tests.replay._support import assert_error, assert_nothing_sent, assert_parsed, assert_rows
from tests.replay.harness import Recording, Replayer, default_sort

LEGACY = Recording(LEGACY_VERSION, "storage-10-buckets")
CURRENT = Recording(CURRENT_VERSION, "storage-10-buckets")
BOTH = pytest.mark.parametrize("recording", [LEGACY, CURRENT], ids=["legacy", "current"])

INDEX: dict[str, dict[str, int]] = {
    LEGACY_VERSION: {
        "create": 0, "duplicate": 1, "list": 2, "by_name_filter": 3, "get": 4, "get_by_name": 5,
        "files": 7, "files_with_bucket": 8, "get_file": 9, "delete_file": 12, "file_gone": 13,
        "delete_bucket": 14, "missing_bucket": 15,
    },
    CURRENT_VERSION: {
        "create": 0, "duplicate": 1, "list": 3, "by_name_filter": 4, "get": 6, "get_by_name": 7,
        "files": 9, "files_with_bucket": 10, "get_file": 11, "delete_file": 14, "file_gone": 15,
        "delete_bucket": 16, "missing_bucket": 17,
    },
}  # fmt: skip


def step(recording: Recording, name: str) -> Any:
    return recording[INDEX[recording.version][name]]


def last_segment(path: str) -> str:
    return path.rsplit("/", 1)[1]


@BOTH
def test_create_twice_gives_two_buckets(replayer: Replayer, recording: Recording) -> None:
    # Bucket names are not unique: the second create answers 201 with a new id.
    hub = make_hub(recording.version)
    first, second = step(recording, "create"), step(recording, "duplicate")
    replayer.expect(first)
    replayer.expect(second)
    a = Bucket.objects.using(hub).create(name=first.body["name"])
    b = Bucket.objects.using(hub).create(name=second.body["name"])
    assert_parsed(a, first.record, hub)
    assert_parsed(b, second.record, hub)
    assert a.name == b.name and a.id != b.id


def test_missing_name_is_refused_locally(rsps: responses.RequestsMock) -> None:
    assert CURRENT[2].status == 400 and CURRENT[2].body == {}
    with pytest.raises(QueryError, match="name"):
        Bucket.objects.using(make_hub(CURRENT_VERSION)).create()
    assert_nothing_sent(rsps)


@BOTH
def test_list_and_filter(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    buckets = Bucket.objects.using(hub)
    sort = default_sort(Bucket, recording.version)
    listed = step(recording, "list")
    replayer.expect(listed, default_sort=sort)
    assert_rows(list(buckets.all()), listed, hub)
    named = step(recording, "by_name_filter")
    replayer.expect(named, default_sort=sort)
    rows = list(buckets.filter(name=named.query[0][1]))
    assert_rows(rows, named, hub)
    assert len({row.id for row in rows}) == 2


def test_suffix_filter_newest_first(replayer: Replayer) -> None:
    # `~rec-bucket-` is "ends with" on 0.14: no bucket name ends like that.
    hub = make_hub(CURRENT_VERSION)
    replayer.expect(CURRENT[5])
    rows = Bucket.objects.using(hub).filter(name__endswith="rec-bucket-").order_by("-created_at")
    assert list(rows[:2]) == []


@BOTH
def test_get_by_id_and_by_name(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    by_id, by_name = step(recording, "get"), step(recording, "get_by_name")
    replayer.expect(by_id)
    bucket = Bucket.objects.using(hub).get(id=uuid.UUID(last_segment(by_id.path)))
    assert_parsed(bucket, by_id.record, hub)
    replayer.expect(by_name)
    named = Bucket.objects.using(hub).get(id=last_segment(by_name.path))
    assert named == bucket


@BOTH
def test_bucket_files(replayer: Replayer, recording: Recording) -> None:
    hub = make_hub(recording.version)
    files = BucketFile.objects.using(hub)
    listed = step(recording, "files")
    bucket_id = uuid.UUID(listed.query[0][1])
    replayer.expect(listed, default_sort=default_sort(BucketFile, recording.version))
    assert_rows(list(files.filter(bucket_id=bucket_id)), listed, hub)

    with_bucket = step(recording, "files_with_bucket")
    replayer.expect(with_bucket)
    rows = list(files.filter(bucket_id=bucket_id).include("bucket").order_by("-created_at"))
    assert_rows(rows, with_bucket, hub)
    assert all(isinstance(row.bucket, Bucket) and row.bucket.id == bucket_id for row in rows)

    got = step(recording, "get_file")
    replayer.expect(got)
    file = files.get(id=uuid.UUID(last_segment(got.path)))
    assert_parsed(file, got.record, hub)
    assert file.size == 12 and file.directory == "."

    replayer.expect(step(recording, "delete_file"))
    file.delete()
    gone = step(recording, "file_gone")
    replayer.expect(gone)
    with pytest.raises(BucketFile.DoesNotExist) as raised:
        files.get(id=file.id)
    assert_error(raised.value.__cause__, gone)


def test_delete_bucket(replayer: Replayer) -> None:
    replayer.expect(CURRENT[16])
    bucket = Bucket(id=uuid.UUID(last_segment(CURRENT[16].path)))
    bucket.delete(using=make_hub(CURRENT_VERSION))
    assert not bucket.is_saved


def test_legacy_refuses_deleting_a_non_empty_bucket(replayer: Replayer) -> None:
    refused = LEGACY[14]
    replayer.expect(refused)
    bucket = Bucket(id=uuid.UUID(last_segment(refused.path)))
    with pytest.raises(ServerError) as raised:
        bucket.delete(using=make_hub(LEGACY_VERSION))
    assert_error(raised.value, refused)


@BOTH
def test_unknown_bucket(replayer: Replayer, recording: Recording) -> None:
    missing = step(recording, "missing_bucket")
    replayer.expect(missing)
    with pytest.raises(Bucket.DoesNotExist) as raised:
        Bucket.objects.using(make_hub(recording.version)).get(
            id=uuid.UUID(last_segment(missing.path))
        )
    assert isinstance(raised.value.__cause__, NotFound)
    assert_error(raised.value.__cause__, missing)
