"""Issue 14.8: a customer on-time measure that needs no backorder flag, in the KPIs and on the home page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dashboard import cli, ingest
from dashboard.query import runner, warehouse
from dashboard.review import weekly

FILES = {
    "suppliers.csv": "supplier_id,supplier_name\nS1,Shop\n",
    "products.csv": "sku,product_name,category,supplier_id,unit_price\nA,Apple,Fruit,S1,1\n",
    "orders.csv": "order_id,ordered_at\nO1,2024-03-01\nO2,2024-03-02\nO3,2024-03-03\nO4,2024-03-01\n",
    # No backorder flag in this export: backordered_qty is 0 everywhere.
    "order_lines.csv": (
        "order_id,line_no,sku,qty,unit_price,backordered_qty,promised_date,shipped_at,canceled_at\n"
        "O1,1,A,1,1,0,2024-03-05,2024-03-04,\n"  # on time
        "O1,2,A,1,1,0,2024-03-05,2024-03-08,\n"  # 3 days late
        "O2,1,A,1,1,0,2024-03-06,,\n"  # open past its promise
        "O3,1,A,1,1,0,2024-03-20,,\n"  # not due yet
        "O4,1,A,1,1,0,2024-03-07,,2024-03-06\n"  # canceled: not counted
    ),
}


@pytest.fixture(scope="module")
def no_flag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("no_flag")
    for name, text in FILES.items():
        (folder / name).write_text(text)
    db = folder / "w.duckdb"
    ingest.load(folder, db)
    return db


def test_the_customer_on_time_measure_needs_no_backorder_flag(no_flag: Path) -> None:
    figures = cli.kpis(warehouse.connect(no_flag), dt.date(2024, 3, 1), dt.date(2024, 3, 10))
    assert figures["backordered_lines"] == 0
    assert figures["customer_lines_due"] == 3
    assert figures["customer_on_time_rate"] == pytest.approx(1 / 3)
    assert figures["avg_customer_days_late"] == 3
    assert figures["open_lines_past_promise"] == 1


def test_the_home_page_tiles_carry_the_customer_on_time_rate(no_flag: Path) -> None:
    run = runner.on(warehouse.connect(no_flag))
    week = weekly.Week.parse("2024-W10")  # Mon 04 Mar to Sun 10 Mar: lines promised 05, 05 and 06 Mar
    tiles = {t.tile.key: t for t in weekly.tiles(run, week)}
    assert tiles["customer_on_time_rate"].tile.label == "Customer on-time rate"
    assert tiles["customer_on_time_rate"].value == pytest.approx(1 / 3)


def test_the_weekly_trend_carries_the_same_customer_on_time_rate(no_flag: Path) -> None:
    run = runner.on(warehouse.connect(no_flag))
    week = weekly.Week.parse("2024-W10")
    history = weekly.trend(run, week)
    rates = dict(zip(history["week_start"].dt.date, history["customer_on_time_rate"], strict=True))
    assert rates[dt.date(2024, 3, 4)] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("day", "open_past_promise"),
    [
        # O1/2 (promised 05, shipped 08) is open past its promise at the end of 06 and 07;
        # O2/1 (promised 06, never shipped) from 07 on; O4/1 was canceled before its promise.
        (dt.date(2024, 3, 5), 0),
        (dt.date(2024, 3, 6), 1),
        (dt.date(2024, 3, 7), 2),
        (dt.date(2024, 3, 8), 1),
    ],
)
def test_lines_open_past_their_promise_are_counted_at_each_day_end(
    no_flag: Path, day: dt.date, open_past_promise: int
) -> None:
    figures = cli.kpis(warehouse.connect(no_flag), dt.date(2024, 3, 1), day)
    assert figures["measured_at"] == day.isoformat()
    assert figures["open_lines_past_promise"] == open_past_promise
