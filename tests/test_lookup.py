"""Issue 14.8: a mapping takes a column from another file (the order header) by key, checked like
every other rule; a key with no match there is a bad row with its file and row."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard import ingest
from dashboard.ingest.problems import LoadError

ERP = Path(__file__).parent / "fixtures" / "erp_orders"

MAPPING = """
missing: ["NULL"]
tables:
  suppliers:
    file: order_details.csv
    distinct: true
    columns: {supplier_id: {value: shop}, supplier_name: {value: Shop}}
  products:
    file: order_details.csv
    distinct: true
    columns:
      sku: productID
      product_name: productID
      category: {value: all}
      supplier_id: {value: shop}
      unit_price: unitPrice
  orders: {file: orders.csv, columns: {order_id: orderID, ordered_at: orderDate}}
  order_lines:
    file: order_details.csv
    columns:
      order_id: orderID
      line_no: {number_within: orderID}
      sku: productID
      qty: quantity
      unit_price: unitPrice
      backordered_qty: {value: "0"}
      promised_date: {lookup: {file: orders.csv, key: orderID, column: requiredDate}}
      shipped_at: {lookup: {file: orders.csv, key: orderID, column: shippedDate}}
"""


def folder_with(tmp_path: Path, mapping: str = MAPPING, drop_orphan: bool = True) -> Path:
    folder = tmp_path / "src"
    shutil.copytree(ERP, folder)
    if drop_orphan:  # order 10251 has lines but no header row
        path = folder / "order_details.csv"
        path.write_text("".join(line for line in path.open() if not line.startswith("10251")))
    (folder / "mapping.yaml").write_text(mapping)
    return folder


def test_a_lookup_takes_the_order_headers_dates_onto_its_lines(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    db = tmp_path / "w.duckdb"
    counts = ingest.load(folder, db, options=ingest.Options(mapping=folder / "mapping.yaml"))
    assert counts["order_lines"] == 4 and counts["orders"] == 3
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select order_id, line_no, promised_date, shipped_at::date from order_lines order by 1, 2"
        ).fetchall()
    assert rows == [
        ("10248", 1, dt.date(1996, 8, 1), dt.date(1996, 7, 16)),
        ("10248", 2, dt.date(1996, 8, 1), dt.date(1996, 7, 16)),
        ("10249", 1, dt.date(1996, 8, 16), dt.date(1996, 7, 10)),
        ("10250", 1, dt.date(1996, 8, 5), None),
    ]


def test_a_key_with_no_match_is_a_bad_row_with_its_file_and_row(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, drop_orphan=False)
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    lookups = [p for p in caught.value.problems if "cannot be looked up" in p.reason]
    assert [(p.file, p.row, p.value) for p in lookups] == [
        ("order_details.csv", 6, "10251"),
        ("order_details.csv", 6, "10251"),
    ]
    assert lookups[0].reason == (
        "has no row in orders.csv (no orderID there equals it), so promised_date cannot be looked up"
    )


LOOKUP = "{lookup: {file: orders.csv, key: orderID, column: requiredDate}}"


@pytest.mark.parametrize(
    ("rule", "where", "reason"),
    [
        ("{lookup: {file: orders.csv, key: orderID}}", "promised_date.lookup", "must be {file: orders.csv"),
        (LOOKUP.replace("}}", ", colum: x}}"), "lookup.colum", "unknown key"),
        (LOOKUP.replace("requiredDate", "dueDate"), "promised_date.lookup", "'dueDate' is not in"),
        (LOOKUP.replace("orders.csv", "heads.csv"), "promised_date.lookup", "matches no file"),
        (LOOKUP.replace("key: orderID", "key: order"), "promised_date", "lookup key: column 'order'"),
    ],
)
def test_a_lookup_rule_is_checked_like_every_other(
    tmp_path: Path, rule: str, where: str, reason: str
) -> None:
    mapping = MAPPING.replace("{lookup: {file: orders.csv, key: orderID, column: requiredDate}}", rule)
    folder = folder_with(tmp_path, mapping)
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    found = [p for p in caught.value.problems if p.file == "mapping.yaml"]
    assert len(found) == 1, caught.value.problems
    assert found[0].column.endswith(where) and reason in found[0].reason, found[0]
    assert found[0].row == 27


def test_a_null_marker_that_fails_to_parse_gets_the_missing_hint(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, MAPPING.replace('missing: ["NULL"]\n', ""))
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.value) == ("order_details.csv", 5, "NULL")
    assert problem.reason.endswith(
        "('NULL' looks like a null marker: list it under missing: in a mapping to read it as empty)"
    )


def test_a_null_marker_filling_a_text_column_is_named_in_the_summary(tmp_path: Path) -> None:
    mapping = MAPPING.replace("ordered_at: orderDate}", "ordered_at: orderDate, channel: shipRegion}")
    folder = folder_with(
        tmp_path,
        mapping.replace('missing: ["NULL"]\n', "").replace(
            "column: shippedDate}}", "column: shippedDate}, missing: [NULL]}"
        ),
    )
    prepared = ingest.prepare(folder, tmp_path / "w.duckdb", ingest.Options(mapping=folder / "mapping.yaml"))
    ingest.discard(prepared)
    assert tuple(n for n in prepared.outcome.notes if "cancellation-risk model" not in n) == (
        "orders.channel: 2 of 3 rows hold 'NULL', which looks like a null marker: list it under missing:"
        " in a mapping to read it as empty",
    )
