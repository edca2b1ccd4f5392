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
