"""Issue 14.8: a CSV line with more fields than its header (an unquoted comma in address text) loads
with the mapping's `extra_fields: fold` (extras joined onto the last column) or `drop` (the header's
columns only); without it, such a line is a bad row, and a short line stays one either way."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard import ingest
from dashboard.ingest.problems import LoadError

EXPORT = (
    "customerID,companyName,address\n"  # row 1
    "C1,Acme,Harbour Road 1\n"  # row 2
    "C2,Bolt,12 Main St, Apt 4\n"  # row 3: one field too many
    'C3,Crane,"Quay 7, Dock 2"\n'  # row 4: quoted, as it should be
    "C4,Dyke\n"  # row 5: one field short
    "C5,Elm,Mill Lane 3, Unit 9, Back door\n"  # row 6: two too many
    ",Fenn,Lost Street\n"  # row 7: no id
)

MAPPING = """
tables:
  customers:
    file: customers_export.csv
{extra}    columns: {{customer_id: customerID, segment: companyName, region: address}}
"""


def load(tmp_path: Path, extra: str | None) -> tuple[Path, ingest.Outcome]:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "customers_export.csv").write_text(EXPORT)
    (folder / "mapping.yaml").write_text(
        MAPPING.format(extra=f"    extra_fields: {extra}\n" if extra else "")
    )
    db = tmp_path / "w.duckdb"
    options = ingest.Options(mapping=folder / "mapping.yaml", skip_bad_rows=True, max_skipped=1.0)
    prepared = ingest.prepare(folder, db, options)
    ingest.commit(prepared)
    return db, prepared.outcome


def regions(db: Path) -> dict[str, str | None]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("select customer_id, region from customers order by 1").fetchall())


def problems(outcome: ingest.Outcome) -> list[tuple[int | None, str]]:
    return [(p.row, p.reason) for p in outcome.problems]


SHORT = (5, "malformed line: fewer fields than the 3 in the header")
NO_ID = (7, "customer_id is required but empty")


def test_without_the_option_a_line_with_extra_fields_is_a_bad_row(tmp_path: Path) -> None:
    db, outcome = load(tmp_path, None)
    too_many = "malformed line: more fields than the 3 in the header"
    assert sorted(problems(outcome)) == [(3, too_many), SHORT, (6, too_many), NO_ID]
    assert regions(db) == {"C1": "Harbour Road 1", "C3": "Quay 7, Dock 2"}


def test_fold_joins_the_extra_fields_onto_the_last_column(tmp_path: Path) -> None:
    db, outcome = load(tmp_path, "fold")
    assert regions(db) == {
        "C1": "Harbour Road 1",
        "C2": "12 Main St, Apt 4",
        "C3": "Quay 7, Dock 2",
        "C5": "Mill Lane 3, Unit 9, Back door",
    }
    assert sorted(problems(outcome)) == [SHORT, NO_ID], "rows after the short line keep their numbers"


def test_drop_reads_the_header_columns_only(tmp_path: Path) -> None:
    db, outcome = load(tmp_path, "drop")
    assert regions(db) == {
        "C1": "Harbour Road 1",
        "C2": "12 Main St",
        "C3": "Quay 7, Dock 2",
        "C5": "Mill Lane 3",
    }
    assert sorted(problems(outcome)) == [SHORT, NO_ID]


def test_another_value_is_a_mapping_mistake(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load(tmp_path, "join")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "mapping.yaml",
        5,
        "tables.customers.extra_fields",
        "join",
    )
    assert problem.reason.startswith("must be fold (join the extra fields onto the last column) or drop")
