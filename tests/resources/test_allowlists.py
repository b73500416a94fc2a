"""The declarations agree with the allow-lists measured on real Hubs (`hub-*/allowlists.md`).

Each table row says, for one resource, one wire key and one kind (filter, sort,
include), whether the real Hub honoured it. Conclusive rows ("yes", "yes*",
"ignored") must match what flamehub declares for that Hub release: a key the Hub
honours must be declared (else flamehub refuses a query the Hub answers), a key it
ignores must not be (else the answer silently widens).
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import flamehub.models  # noqa: F401  (registers every resource)
from flamehub.dialects import Dialect
from flamehub.resources.base import REGISTRY, meta_of

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings"
VERSIONS = ("0.8.13", "0.14.0")
#: "yes*": the key came back but held null in both rows (no related row existed).
HONOURED = {"yes": True, "yes*": True, "ignored": False}


@attrs.frozen
class Row:
    resource: str
    key: str
    kind: str
    honoured: bool


def measured(version: str) -> list[Row]:
    rows = []
    text = (RECORDINGS / f"hub-{version}" / "allowlists.md").read_text()
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 5 or cells[2] not in ("filter", "sort", "include"):
            continue
        if cells[4] in HONOURED:
            rows.append(Row(cells[0], cells[1], cells[2], HONOURED[cells[4]]))
    return rows


def disagreements(version: str, rows: list[Row]) -> list[str]:
    dialect = Dialect.for_service(version, "core")
    found = []
    for row in rows:
        model = REGISTRY[row.resource]
        meta = meta_of(model)
        service_dialect = Dialect.for_service(version, meta.service)
        by_wire = {spec.wire(service_dialect): name for name, spec in meta.fields.items()}
        caps = meta.capabilities_at(service_dialect)
        declared = {"filter": caps.filters, "sort": caps.sorts, "include": caps.includes}[row.kind]
        name = by_wire.get(row.key)
        is_declared = name is not None and name in declared and caps.available
        if is_declared != row.honoured:
            verdict = "honours" if row.honoured else "ignores"
            found.append(
                f"Hub {dialect.version_string} {verdict} {row.kind} {row.key!r} of "
                f"{row.resource}, flamehub {'declares' if is_declared else 'does not declare'} it"
            )
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_every_conclusive_row_matches_the_declarations(version: str) -> None:
    rows = measured(version)
    assert len(rows) > 400  # both tables hold several hundred conclusive probes
    assert disagreements(version, rows) == []


def test_the_check_fails_on_a_disagreeing_declaration() -> None:
    # an ignored key flamehub declared, and an honoured key it does not declare
    planted = [
        Row("AnalysisBucketFile", "analysis_bucket_id", "filter", False),
        Row("Node", "name", "filter", False),
        Row("Node", "public_key", "filter", True),
    ]
    found = disagreements("0.8.13", planted)
    assert len(found) == 2
    assert "ignores filter 'name' of Node, flamehub declares it" in found[0]
    assert "honours filter 'public_key' of Node" in found[1]
