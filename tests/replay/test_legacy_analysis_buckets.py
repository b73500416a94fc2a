"""Legacy analysis buckets and their files (`hub-0.8.13/analysis-buckets-and-like.json`,
bucket and file exchanges; the LIKE exchanges are replayed with the lookups).

On Hub 0.8.13 the storage bucket of an analysis bucket is the read-only
``external_id``; analysis bucket files name their analysis bucket ``bucket_id``
(body, row, filter) and embed it as ``bucket``.
"""

from __future__ import annotations

import json
import uuid

import pytest
import responses

from flamehub import QueryError
from flamehub.models import AnalysisBucket, AnalysisBucketFile, AnalysisBucketType
from tests.conftest import HUB_URL, make_hub
from tests.replay.harness import Recording, Replayer, default_sort

VERSION = "0.8.13"
RECORDING = Recording(VERSION, "analysis-buckets-and-like")


def test_the_storage_bucket_is_read_from_external_id_and_is_read_only(
    replayer: Replayer,
) -> None:
    hub = make_hub(VERSION)
    buckets = AnalysisBucket.objects.using(hub)
    analysis_id = uuid.UUID(RECORDING[5].body["analysis_id"])
    storage_bucket = uuid.UUID(RECORDING[5].body["bucket_id"])
    # the Hub drops a bucket_id (exchange 5) and an external_id (8) alike: refused locally
    with pytest.raises(QueryError, match="bucket_id is read-only"):
        buckets.create(
            type=AnalysisBucketType.CODE, analysis_id=analysis_id, bucket_id=storage_bucket
        )
    assert RECORDING[5].record["external_id"] is None and "bucket_id" not in RECORDING[5].record
    replayer.expect(RECORDING[6])
    stored = buckets.get(id=uuid.UUID(RECORDING[6].record["id"]))
    assert stored.bucket_id is None  # external_id is null: no manager filled it in
    assert stored.analysis_id == analysis_id and stored.type is AnalysisBucketType.CODE
    replayer.expect(RECORDING[7])
    stored.delete()


def test_a_bucket_is_created_without_the_storage_bucket(rsps: responses.RequestsMock) -> None:
    hub = make_hub(VERSION)
    recorded = RECORDING[8]
    # the recorded body also carried external_id, which 0.8.13 dropped (the row has null):
    # flamehub sends only what the Hub stores
    rsps.add("POST", HUB_URL + recorded.path, json=recorded.response_body, status=201)
    analysis_id = uuid.UUID(recorded.body["analysis_id"])
    bucket = AnalysisBucket.objects.using(hub).create(
        type=AnalysisBucketType.CODE, analysis_id=analysis_id
    )
    assert json.loads(rsps.calls[0].request.body) == {
        "type": "CODE",
        "analysis_id": str(analysis_id),
    }
    assert bucket.id == uuid.UUID(recorded.record["id"]) and bucket.bucket_id is None
    assert bucket.analysis is not None and bucket.analysis.id == analysis_id


def _bucket_files(replayer: Replayer) -> list[AnalysisBucketFile]:
    hub = make_hub(VERSION)
    files = AnalysisBucketFile.objects.using(hub)
    created = []
    for index in (11, 12, 13):
        body = replayer.expect(RECORDING[index]).body
        created.append(
            files.create(
                analysis_bucket_id=uuid.UUID(body["bucket_id"]),
                name=body["name"],
                external_id=body["external_id"],
                root=body["root"],
            )
        )
    return created


def test_files_are_created_with_bucket_id_naming_the_analysis_bucket(replayer: Replayer) -> None:
    created = _bucket_files(replayer)
    assert RECORDING[10].status == 400  # analysis_bucket_id in the body: refused by 0.8.13
    for bucket_file, index in zip(created, (11, 12, 13), strict=True):
        row = RECORDING[index].record
        assert bucket_file.analysis_bucket_id == uuid.UUID(row["bucket_id"])
        assert bucket_file.bucket_id is None  # the storage bucket is no field of 0.8.13
        assert bucket_file.name == row["name"] and bucket_file.root is row["root"]
        assert bucket_file.analysis_bucket is not None  # embedded as `bucket`
        assert bucket_file.analysis_bucket.id == bucket_file.analysis_bucket_id


def test_an_analysis_buckets_files_are_listed_by_bucket_id(replayer: Replayer) -> None:
    hub = make_hub(VERSION)
    recorded = RECORDING[15]
    # filter[analysis_bucket_id] (exchange 14) is ignored by 0.8.13: every file comes back
    assert len(RECORDING[14].rows) > len(recorded.rows)
    replayer.expect(recorded, default_sort=default_sort(AnalysisBucketFile, VERSION))
    analysis_bucket_id = uuid.UUID(recorded.query[0][1])
    listed = list(
        AnalysisBucketFile.objects.using(hub).filter(analysis_bucket_id=analysis_bucket_id)
    )
    assert [f.name for f in listed] == [row["name"] for row in recorded.rows]
    assert {f.analysis_bucket_id for f in listed} == {analysis_bucket_id}


def test_related_manager_of_an_analysis_bucket_lists_by_bucket_id(replayer: Replayer) -> None:
    hub = make_hub(VERSION)
    replayer.expect(RECORDING[6])
    recorded = RECORDING[15]
    replayer.expect(recorded, default_sort=default_sort(AnalysisBucketFile, VERSION))
    bucket = AnalysisBucket.objects.using(hub).get(id=uuid.UUID(RECORDING[6].record["id"]))
    # the recorded list was of another bucket of the same analysis; the request is the same form
    object.__setattr__(bucket, "id", uuid.UUID(recorded.query[0][1]))
    assert [f.name for f in bucket.files.all()] == [row["name"] for row in recorded.rows]


def test_files_by_analysis(replayer: Replayer) -> None:
    hub = make_hub(VERSION)
    recorded = RECORDING[16]
    replayer.expect(recorded, default_sort=default_sort(AnalysisBucketFile, VERSION))
    analysis_id = uuid.UUID(recorded.query[0][1])
    listed = list(AnalysisBucketFile.objects.using(hub).filter(analysis_id=analysis_id))
    assert [f.name for f in listed] == ["other.py"] and listed[0].analysis_id == analysis_id


def test_a_filter_0_8_13_ignores_is_refused_not_widened() -> None:
    hub = make_hub(VERSION)
    with pytest.raises(QueryError, match="bucket_file_id"):
        list(AnalysisBucketFile.objects.using(hub).filter(bucket_file_id=uuid.uuid4()))
