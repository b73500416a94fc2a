"""``include`` on ``get(id=...)`` where a 0.12.x Hub can answer it neither from the record
nor from the list (``hub-0.12.2/analysis-buckets-and-include.json``).

0.12.2 ignores ``include`` on ``GET /<path>/<id>`` (recorded), and analysis buckets and
their files cannot be filtered by ``id`` there (the Hub drops the key), so flamehub reads
the row by id and the included relation by its foreign key.
"""

from __future__ import annotations

import uuid

import pytest

from flamehub import Hub, QueryError
from flamehub.models import AnalysisBucket, AnalysisBucketFile
from tests.conftest import make_hub
from tests.replay.harness import Recording, Replayer

VERSION = "0.12.2"
BUCKETS = Recording(VERSION, "analysis-buckets-and-include")


@pytest.fixture
def hub() -> Hub:
    return make_hub(VERSION)


def test_an_included_relation_is_read_by_its_foreign_key(replayer: Replayer, hub: Hub) -> None:
    bucket, analysis = BUCKETS[5], BUCKETS[12]
    assert "analysis" not in bucket.record  # the record alone does not carry it
    assert bucket.record["analysis_id"] == analysis.record["id"]
    replayer.expect(bucket)  # GET /analysis-buckets/<id>, no include sent
    replayer.expect(analysis, query=[])  # then GET /analyses/<analysis_id>
    got = (
        AnalysisBucket.objects.using(hub).include("analysis").get(id=uuid.UUID(bucket.record["id"]))
    )
    assert got.analysis is not None
    assert got.analysis.id == got.analysis_id == uuid.UUID(analysis.record["id"])
    assert got.analysis.name == analysis.record["name"]
    assert [e.path for e in replayer.served] == [bucket.path, analysis.path]


def test_an_unknown_include_still_fails_before_any_request(hub: Hub) -> None:
    with pytest.raises(QueryError, match="nothing"):
        AnalysisBucketFile.objects.using(hub).include("nothing").get(id=uuid.uuid4())
