"""``--format table|json|csv`` on list commands (``--json`` is ``--format json``)."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest


def _make_projects(cli, prefix: str) -> None:
    for index, description in enumerate(("=SUM(1,2)", "plain, with comma")):
        created = cli(
            "project", "create", f"name={prefix}{index}", f"description={description}", "--json"
        )
        assert created.code == 0, created.err


def test_the_three_formats_show_the_same_rows(cli, flamehub_env) -> None:
    prefix = f"fmt-{uuid.uuid4().hex[:6]}-"
    _make_projects(cli, prefix)
    base = ("project", "list", "--filter", f"name__startswith={prefix}", "--order", "created_at")
    fields = ("--fields", "name,description,node_count")

    as_json = cli(*base, *fields, "--format", "json")
    assert as_json.code == 0, as_json.err
    assert sorted(json.loads(as_json.out), key=lambda row: row["name"]) == [
        {"name": f"{prefix}0", "description": "=SUM(1,2)", "node_count": 0},
        {"name": f"{prefix}1", "description": "plain, with comma", "node_count": 0},
    ]
    assert cli(*base, *fields, "--json").out == as_json.out  # the alias

    as_csv = cli(*base, *fields, "--format", "csv")
    assert as_csv.code == 0, as_csv.err
    header, *rows = csv.reader(io.StringIO(as_csv.out))
    assert header == ["name", "description", "node_count"]
    assert sorted(rows) == [
        [f"{prefix}0", "'=SUM(1,2)", "0"],  # a formula is shown as text in a spreadsheet
        [f"{prefix}1", "plain, with comma", "0"],
    ]

    as_table = cli(*base, *fields, "--format", "table")
    assert as_table.out == cli(*base, *fields).out  # table is the default
    assert as_table.out.splitlines()[0].split() == ["name", "description", "node_count"]
    assert "=SUM(1,2)" in as_table.out.splitlines()[2]  # tables show values as they are


def test_csv_default_columns_are_the_tables(cli, flamehub_env) -> None:
    as_csv = cli("realm", "list", "--filter", "name=master", "--format", "csv")
    table = cli("realm", "list", "--filter", "name=master")
    assert next(csv.reader(io.StringIO(as_csv.out))) == table.out.splitlines()[0].split()


@pytest.mark.parametrize("other", ["csv", "table"])
def test_json_and_another_format_is_a_usage_error(cli, flamehub_env, other: str) -> None:
    result = cli("realm", "list", "--json", "--format", other)
    assert result.code != 0 and result.out == ""
    assert f"--json and --format {other} contradict each other" in result.err


def test_an_unknown_format_is_refused(cli, flamehub_env) -> None:
    result = cli("realm", "list", "--format", "xml")
    assert result.code == 2 and "invalid choice: 'xml'" in result.err
