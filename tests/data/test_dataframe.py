"""to_dataframe(): one column per field, the declared dtypes, fields a generation lacks left out."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from flamehub import ConfigurationError
from flamehub.models import Node

from .conftest import SEEDED, Seeded


def test_columns_and_dtypes(data: Seeded) -> None:
    df = Node.objects.using(data.hub).to_dataframe(
        "id", "name", "type", "hidden", "created_at", "client_id"
    )
    expected = ["id", "name", "type", "hidden", "created_at"]
    if not data.legacy:
        expected.append("client_id")  # left out on legacy Hubs, not filled with None
    assert list(df.columns) == expected
    assert len(df) == SEEDED
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)
    assert str(df["created_at"].dt.tz) == "UTC"
    assert str(df["hidden"].dtype) == "boolean"
    assert df["hidden"].tolist()[:3] == [True, False, False]
    assert df["id"].dtype == object and all(isinstance(v, str) for v in df["id"])
    assert len(df["id"].iloc[0]) == 36
    assert df["type"].tolist()[0] == "default"  # the enum's value, not NodeType.DEFAULT
    assert df["name"].tolist() == data.names
    if not data.legacy:
        assert all(isinstance(v, str) for v in df["client_id"])
    assert len(data.node_lists()) == 3  # as values(): one page request per 50 rows


def test_every_field_when_none_is_named(data: Seeded) -> None:
    df = Node.objects.using(data.hub).filter(name=data.names[5]).to_dataframe()
    assert len(df) == 1 and df["name"].iloc[0] == data.names[5]
    assert ("client_id" in df.columns) is (not data.legacy)
    assert str(df["online"].dtype) == "boolean" and isinstance(
        df["updated_at"].dtype, pd.DatetimeTZDtype
    )


def test_no_rows_still_has_typed_columns(data: Seeded) -> None:
    df = Node.objects.using(data.hub).filter(name="no-such-node").to_dataframe("name", "created_at")
    assert list(df.columns) == ["name", "created_at"] and len(df) == 0
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)


def test_values_querysets_make_dataframes_of_their_fields(data: Seeded) -> None:
    df = Node.objects.using(data.hub).values("name", "hidden")[:4].to_dataframe()
    assert list(df.columns) == ["name", "hidden"] and df["name"].tolist() == data.names[:4]


def test_without_pandas_the_error_names_the_extra(data: Seeded, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ConfigurationError, match=r"pip install 'flamehub\[pandas\]'"):
        Node.objects.using(data.hub).to_dataframe("name")
    assert data.requests() == []  # refused before anything is sent


def test_relation_spans_become_columns(data: Seeded) -> None:
    # the form: select_related() and a span; the realm is read once for 3 pages
    df = (
        Node.objects.using(data.hub)
        .select_related("realm")
        .to_dataframe("name", "realm__name", "realm__created_at", "realm_id")
    )
    assert list(df.columns) == ["name", "realm__name", "realm__created_at", "realm_id"]
    assert set(df["realm__name"]) == {"master"} and len(df) == SEEDED
    assert isinstance(df["realm__created_at"].dtype, pd.DatetimeTZDtype)  # the span's own dtype
    assert set(df["realm_id"]) == {str(data.realm_id)}  # ids as strings
    assert len(data.node_lists()) == 3
    assert len(data.local.requests.filter("GET", "/auth/realms")) == 1
