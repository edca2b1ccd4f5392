"""The derived views on the hand-made shop (see test_kpis.py for its lines)."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dashboard.query import warehouse


def rows(path: Path, sql: str) -> list[tuple]:
    con = warehouse.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_as_of_is_the_latest_event(handmade_db: Path) -> None:
    assert rows(handmade_db, "select as_of from warehouse_meta") == [(dt.date(2026, 1, 24),)]


def test_backorder_lines_status_wait_and_value(handmade_db: Path) -> None:
    found = rows(
        handmade_db,
        "select order_id, line_no, status, wait_days, value, supplier_id, channel"
        " from backorder_lines order by order_id, line_no",
    )
    assert found == [
        ("O1", 2, "shipped", 11, 60.0, "S2", "web"),
        ("O2", 1, "canceled", 8, 20.0, "S1", "store"),
        ("O3", 2, "open", 16, 20.0, "S2", "web"),
        ("O4", 1, "shipped", 10, 40.0, "S1", "marketplace"),
        ("O5", 1, "open", 4, 30.0, "S1", "web"),
    ]


def test_eta_applies_open_po_quantity_fifo_with_the_supplier_median_delay(handmade_db: Path) -> None:
    # S2's only received PO was 5 days late, so its open PO promised 02-05 is expected 02-10;
    # S1's median delay is -0.5, never applied earlier, so P3 keeps its promised 01-28.
    found = rows(
        handmade_db,
        "select order_id, eta_po_id, eta from backorder_lines where status = 'open' order by order_id",
    )
    assert found == [("O3", "P4", dt.date(2026, 2, 10)), ("O5", "P3", dt.date(2026, 1, 28))]


def test_daily_backlog_is_a_running_sum_of_deltas(handmade_db: Path) -> None:
    found = rows(
        handmade_db,
        "select day, new_lines, shipped_lines, canceled_lines, open_lines, open_units"
        " from daily_backlog where sku = 'A' order by day",
    )
    assert found == [
        (dt.date(2026, 1, 6), 1, 0, 0, 1, 2),
        (dt.date(2026, 1, 12), 1, 0, 0, 2, 6),
        (dt.date(2026, 1, 14), 0, 0, 1, 1, 4),
        (dt.date(2026, 1, 22), 0, 1, 0, 0, 0),
    ]


def test_po_lines_delay_on_time_and_lead_time(handmade_db: Path) -> None:
    found = rows(
        handmade_db,
        "select po_id, po_line, status, delay_days, on_time, lead_time_days, days_past_promise"
        " from po_lines order by po_id, po_line",
    )
    assert found == [
        ("P1", 1, "received", 5, False, 26, None),
        ("P2", 1, "received", 0, True, 10, None),
        ("P2", 2, "received", -1, True, 11, None),
        ("P3", 1, "open", None, None, None, 0),
        ("P4", 1, "open", None, None, None, 0),
    ]


def test_pages_cannot_write_or_read_other_files(handmade_db: Path, tmp_path: Path) -> None:
    con = warehouse.connect(handmade_db)
    for sql in (
        "create table x (a int)",
        f"copy orders to '{tmp_path / 'leak.csv'}'",
        "select * from read_csv('/etc/passwd')",
        "set enable_external_access = true",
    ):
        with pytest.raises(duckdb.Error):
            con.cursor().execute(sql)
    assert not (tmp_path / "leak.csv").exists()


# Backorders on the hand-made shop (ordered -> closed): O1/2 B 01-05 -> shipped 01-16,
# O2/1 A 01-06 -> canceled 01-14, O3/2 B 01-08 -> open, O4/1 A 01-12 -> shipped 01-22, O5/1 C 01-20 -> open.
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("open_backorders_at(date '2026-01-14')", ["O1/2", "O3/2", "O4/1"]),
        ("open_backorders_at(date '2026-01-13')", ["O1/2", "O2/1", "O3/2", "O4/1"]),
        ("open_backorders_at(date '2026-01-05')", ["O1/2"]),
        ("open_backorders_at(date '2026-01-14', 'Tools')", ["O4/1"]),
        ("open_backorders_at(date '2026-01-14', null, 'S2')", ["O1/2", "O3/2"]),
        ("open_backorders_at(date '2026-01-14', channel := 'web')", ["O1/2", "O3/2"]),
        ("open_backorders_at(date '2026-01-24')", ["O3/2", "O5/1"]),
    ],
)
def test_open_backorders_at_a_date_with_filters(handmade_db: Path, call: str, expected: list[str]) -> None:
    found = rows(handmade_db, f"select order_id || '/' || line_no from {call} order by all")
    assert [row[0] for row in found] == expected


def test_open_backorders_at_binds_query_parameters(handmade_db: Path) -> None:
    con = warehouse.connect(handmade_db)
    try:
        found = con.execute(
            "select count(*), sum(value) from open_backorders_at($end, $category, $supplier, $channel)",
            {"end": dt.date(2026, 1, 14), "category": None, "supplier": "S2", "channel": None},
        ).fetchall()
    finally:
        con.close()
    assert found == [(2, 80.0)]


def test_is_open_at_counts_a_line_closed_that_day_as_closed(handmade_db: Path) -> None:
    found = rows(
        handmade_db,
        "select is_open_at(ordered_date, closed_date, date '2026-01-13'),"
        " is_open_at(ordered_date, closed_date, date '2026-01-14'),"
        " is_open_at(ordered_date, closed_date, date '2026-01-05')"
        " from backorder_lines where order_id = 'O2'",
    )
    assert found == [(True, False, False)]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("demand_between(date '2026-01-06', date '2026-01-08')", (3, 7, 2, 3)),
        ("demand_between(date '2026-01-06', date '2026-01-08', 'Toys')", (1, 1, 1, 1)),
        ("demand_between(date '2026-01-06', date '2026-01-08', null, 'S1')", (2, 6, 1, 2)),
        ("demand_between(date '2026-01-06', date '2026-01-08', channel := 'web')", (2, 2, 1, 1)),
        ("demand_between(date '2026-01-05', date '2026-01-05')", (2, 5, 1, 3)),
    ],
)
def test_demand_between_two_days_with_filters(handmade_db: Path, call: str, expected: tuple) -> None:
    found = rows(
        handmade_db,
        f"select sum(lines), sum(units), sum(backordered_lines), sum(backordered_units) from {call}",
    )
    assert found == [expected]


def test_a_warehouse_without_a_macro_is_reported_missing(handmade_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    path.write_bytes(handmade_db.read_bytes())
    con = duckdb.connect(str(path))
    con.execute("drop macro table open_backorders_at")
    con.execute("drop macro is_open_at")
    assert warehouse.missing_objects(con) == ["is_open_at", "open_backorders_at"]
    warehouse.create_views(con)
    assert warehouse.missing_objects(con) == []
    con.close()


def test_every_view_file_declares_its_kind() -> None:
    kinds = {path.stem: warehouse.view_statement(path)[1] for path in warehouse.view_files()}
    assert kinds["backorder_lines"] == "table"
    assert kinds["open_backorders_at"] == "table macro"
    assert kinds["is_open_at"] == "macro"


def test_a_view_file_without_a_known_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "thing.sql"
    path.write_text("/*\ndescription: no kind\n*/\nselect 1\n")
    with pytest.raises(ValueError, match=r"thing\.sql: kind must be one of"):
        warehouse.view_statement(path)


def test_the_readme_documents_every_view_file_kind() -> None:
    readme = (warehouse.PROJECT_ROOT / "README.md").read_text()
    for kind in warehouse.KINDS:
        assert f"`{kind}`" in readme or f"`kind: {kind}`" in readme, kind
    for path in warehouse.view_files():
        if "macro" in warehouse.view_statement(path)[1]:
            assert f"`{path.stem}(" in readme, path.stem
