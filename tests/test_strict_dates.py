"""Issue 14.1: a date no format reads, or one before 1900, is a bad value, never another century."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard import ingest
from dashboard.ingest.problems import LoadError

TRAITS = Path(__file__).parent / "fixtures" / "po_traits"
GOOD = Path(__file__).parent / "fixtures" / "canonical_good"

PO_MAPPING = """
missing: ["N/A - From RDC", "Date Not Captured"]
tables:
  suppliers:
    file: PO_export.csv
    distinct: true
    columns: {{supplier_id: Vendor, supplier_name: Vendor Name}}
  products:
    file: PO_export.csv
    distinct: true
    columns:
      sku: Item
      product_name: Item
      category: {{value: all}}
      supplier_id: Vendor
      unit_price: {{value: "1"}}
  purchase_orders:
    file: PO_export.csv
    formats: [{formats}]
    columns:
      po_id: PO No
      po_line: Ln
      supplier_id: Vendor
      sku: Item
      qty: Qty
      ordered_at: PO Sent
      promised_date: Due
      received_at: Received On
"""


def po_folder(tmp_path: Path, formats: str = '"%d-%b-%y"') -> Path:
    """The PO export (BOM, CR-only line endings, placeholder order dates) and its mapping."""
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(TRAITS / "PO_export.csv", folder / "PO_export.csv")
    (folder / "mapping.yaml").write_text(PO_MAPPING.format(formats=formats))
    return folder


def test_a_date_no_format_reads_is_a_bad_value_with_file_row_and_column(tmp_path: Path) -> None:
    folder = po_folder(tmp_path)
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    found = {(p.file, p.row, p.column, p.value): p.reason for p in caught.value.problems}
    reason = "matches none of the formats %d-%b-%y (nor ISO 8601)"
    assert found == {
        ("PO_export.csv", 5, "PO Sent", "4/1/24"): reason,
        ("PO_export.csv", 6, "Due", "4/1/11"): reason,
    }
    assert not (tmp_path / "w.duckdb").exists()


def test_skipping_bad_dates_never_loads_a_year_before_1900(tmp_path: Path) -> None:
    folder = po_folder(tmp_path)
    db = tmp_path / "w.duckdb"
    # 2 of the 5 lines are bad on purpose: more than the default 5% may go.
    options = ingest.Options(mapping=folder / "mapping.yaml", skip_bad_rows=True, max_skipped=0.5)
    counts = ingest.load(folder, db, options=options)
    assert counts["purchase_orders"] == 3
    with duckdb.connect(str(db), read_only=True) as con:
        years = con.execute(
            "select min(least(year(promised_date), year(coalesce(ordered_at, promised_date))))"
            " from purchase_orders"
        ).fetchone()[0]
    assert years == 2024


def test_a_format_that_reads_an_implausible_year_names_the_formats_tried(tmp_path: Path) -> None:
    folder = po_folder(tmp_path, '"%m/%d/%Y", "%d-%b-%y"')
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    found = {(p.row, p.column, p.value): p.reason for p in caught.value.problems}
    reason = (
        "reads as a year before 1900, which is implausible"
        " (the formats tried: %m/%d/%Y, %d-%b-%y, then ISO 8601 (YYYY-MM-DD))"
    )
    assert found == {(5, "PO Sent", "4/1/24"): reason, (6, "Due", "4/1/11"): reason}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("4/1/11", "not a valid date (YYYY-MM-DD)"),
        ("2024/03/05", "not a valid date (YYYY-MM-DD)"),
        ("0011-04-01", "year 11 is implausible (before 1900); the formats tried: ISO 8601"),
        (
            "NULL",
            "not a valid date (YYYY-MM-DD) ('NULL' looks like a null marker: list it under missing:"
            " in a mapping to read it as empty)",
        ),
    ],
)
def test_canonical_files_get_the_same_strictness(tmp_path: Path, value: str, reason: str) -> None:
    folder = tmp_path / "src"
    shutil.copytree(GOOD, folder)
    path = folder / "purchase_orders.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("promised_date")] = value
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb")
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        ("purchase_orders.csv", 2, "promised_date", value, reason)
    ]
