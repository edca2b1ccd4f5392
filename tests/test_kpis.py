"""KPIs of the hand-made shop in tests/fixtures/handmade, worked out by hand.

Lines (order date, qty, backordered, outcome):
  O1-1 01-05 A 2 bo 0 shipped      O1-2 01-05 B 3 bo 3 shipped 01-16 (11 days)
  O2-1 01-06 A 5 bo 2 canceled 01-14
  O3-1 01-08 C 1 bo 0 shipped      O3-2 01-08 B 1 bo 1 open (price 20)
  O4-1 01-12 A 4 bo 4 shipped 01-22 (10 days, price 10)
  O5-1 01-20 C 10 bo 6 open (price 5)   O5-2 01-20 B 2 bo 0 shipped
PO lines received: P1-1 01-15 delay +5, P2-1 01-12 delay 0, P2-2 01-13 delay -1.
As-of date: the last event is the 01-24 snapshot.

Period 2026-01-05..2026-01-18: 6 lines ordered (O1-O4), 4 backordered -> 0.6667;
units 2+3+5+1+1+4 = 16, backordered 3+2+1+4 = 10 -> fill rate 0.375; closed in the
period: O1-2 shipped, O2-1 canceled -> cancellation rate 0.5, time to fill 11; POs
received 3, on time 2 -> 0.6667, delay (5+0-1)/3 = 1.3333; open at the end of 01-18:
O3-2 (age 10, 1 unit, 20) and O4-1 (age 6, 4 units, 40) -> 2 lines, 5 units, 60, age 8.

Default period (to = as-of 01-24, from = 27 days earlier): all 8 lines, 5 backordered
-> 0.625; units 28, backordered 16 -> fill 0.428571; closed: O1-2, O2-1, O4-1 ->
cancellation 1/3, time to fill (11+10)/2 = 10.5; open at 01-24: O3-2 (age 16, 20) and
O5-1 (age 4, 6 units, 30) -> 2 lines, 7 units, 50, age 10.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.query import warehouse

EXPECTED_KEYS = [
    "as_of",
    "from",
    "to",
    "measured_at",
    "lines_ordered",
    "backordered_lines",
    "backorder_rate_lines",
    "units_ordered",
    "backordered_units",
    "unit_fill_rate",
    "backorders_closed",
    "backorder_cancellation_rate",
    "avg_time_to_fill_days",
    "po_lines_received",
    "supplier_on_time_rate",
    "avg_supplier_delay_days",
    "open_backorder_lines",
    "open_backorder_units",
    "open_backorder_value",
    "avg_backorder_age_days",
    "customer_lines_due",
    "customer_on_time_rate",
    "avg_customer_days_late",
    "open_lines_past_promise",
]


def test_two_week_period_matches_the_hand_computation(handmade_db: Path) -> None:
    result = cli.kpis(warehouse.connect(handmade_db), dt.date(2026, 1, 5), dt.date(2026, 1, 18))
    assert list(result) == EXPECTED_KEYS
    assert result == {
        "as_of": "2026-01-24",
        "from": "2026-01-05",
        "to": "2026-01-18",
        "measured_at": "2026-01-18",
        "lines_ordered": 6,
        "backordered_lines": 4,
        "backorder_rate_lines": pytest.approx(4 / 6),
        "units_ordered": 16,
        "backordered_units": 10,
        "unit_fill_rate": pytest.approx(0.375),
        "backorders_closed": 2,
        "backorder_cancellation_rate": pytest.approx(0.5),
        "avg_time_to_fill_days": pytest.approx(11.0),
        "po_lines_received": 3,
        "supplier_on_time_rate": pytest.approx(2 / 3),
        "avg_supplier_delay_days": pytest.approx(4 / 3),
        "open_backorder_lines": 2,
        "open_backorder_units": 5,
        "open_backorder_value": pytest.approx(60.0),
        "avg_backorder_age_days": pytest.approx(8.0),
        # Promised 01-05..01-18 and not canceled: O1/1 (on time), O1/2 (a day late), O3/1 (on time);
        # at 01-18 no open line is past its promise (O2/1 was canceled, O3/2 is promised 01-20).
        "customer_lines_due": 3,
        "customer_on_time_rate": pytest.approx(2 / 3),
        "avg_customer_days_late": pytest.approx(1.0),
        "open_lines_past_promise": 0,
    }


def test_default_period_is_the_four_weeks_to_the_as_of_date(handmade_db: Path, capsys) -> None:
    assert cli.main(["kpis", "--db", str(handmade_db)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == EXPECTED_KEYS
    assert (result["from"], result["to"]) == ("2025-12-28", "2026-01-24")
    assert (result["lines_ordered"], result["backordered_lines"]) == (8, 5)
    assert result["unit_fill_rate"] == pytest.approx(1 - 16 / 28)
    assert result["backorder_cancellation_rate"] == pytest.approx(1 / 3)
    assert result["avg_time_to_fill_days"] == pytest.approx(10.5)
    assert (result["open_backorder_lines"], result["open_backorder_units"]) == (2, 7)
    assert result["open_backorder_value"] == pytest.approx(50.0)
    assert result["avg_backorder_age_days"] == pytest.approx(10.0)


def test_a_quiet_period_gives_nulls_for_rates_and_zeros_for_counts(handmade_db: Path) -> None:
    result = cli.kpis(warehouse.connect(handmade_db), dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    assert result["lines_ordered"] == 0
    assert result["backorder_rate_lines"] is None
    assert result["unit_fill_rate"] is None
    assert result["backorder_cancellation_rate"] is None
    assert result["supplier_on_time_rate"] is None
    assert result["open_backorder_lines"] == 0
    assert result["avg_backorder_age_days"] is None


def test_table_format_prints_every_key(handmade_db: Path, capsys) -> None:
    assert cli.main(["kpis", "--db", str(handmade_db), "--format", "table", "--to", "2026-01-18"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == EXPECTED_KEYS
