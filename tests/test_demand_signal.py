"""Demand signal queries: a hand-made shop worked out by hand, and the sample shop's planted events.

The hand-made shop (tests/fixtures/demand, as-of 2026-03-01 from the last snapshot):

Products: X Widget (Tools, S1, price 10, cost 4), Y Robot (Toys, S2, price 20, cost 8),
Z Gizmo (Tools, S1, price 50, cost 20), W Watering Can (Garden, S3, price 15, no planned lead
time, no PO, no snapshot). One line per order.
  X: 2 units from stock every Wednesday 2025-11-12 .. 2026-01-28 (12 lines, web); then 8 units
     on 02-04 and 02-11 (from stock), 02-18 (all 8 backordered, shipped 02-25) and 02-23
     (all 8 backordered, canceled 02-24).
  Y: 3 units from stock every Wednesday 2025-11-12 .. 2026-02-25 (16 lines, store); then 02-26
     2 units (2 backordered, customer C2) and 02-27 1 unit (1 backordered, C3), both open.
  Z: 02-09 1 unit (1 backordered, canceled 02-20); 02-24 4 units (2 backordered, open, C1).
  W: 02-10 1 unit from stock.
Snapshots (on_hand, allocated 0): X 01-30 16, 02-06 8, 02-13 0, 02-25 12, 03-01 12;
  Y 01-30 12, 02-25 0, 03-01 0; Z none.
PO lines, lead time (received - ordered) and delay (received - promised):
  S1: PX1..PX5 for X received, lead 6, 7, 7, 8, 12, delay -1, 0, 0, 1, 5; PZ1 for Z lead 10,
      delay 0; open: PX6 10 units of X (promised 03-05), PZ2 10 units of Z (promised 03-02).
  S2: PY1, PY2 for Y lead 14 and 18; none open.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import ingest, sample
from dashboard.query import catalog, warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "demand"
Z95, Z99 = 1.6449, 2.3263


def build_demand_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demand") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    return path


@pytest.fixture(scope="module")
def demand_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demand_db(tmp_path_factory)


@functools.cache
def query(name: str) -> catalog.Query:
    """One file parsed, rather than discovering the whole catalog for every run."""
    return catalog.parse(warehouse.QUERIES_DIR / "demand_signal" / f"{name}.sql")


def run(db: Path, name: str, **values: Any) -> pd.DataFrame:
    con = warehouse.connect(db)
    try:
        return catalog.run(con, query(name), catalog.bind(query(name), values, catalog.as_of(con)))
    finally:
        con.close()


def by_sku(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["sku"]: row for row in frame.to_dict("records")}


def test_demand_splits_into_stock_backordered_and_lost(demand_db: Path) -> None:
    """Weeks of 2026-02-16..03-01, by category:
    02-16 Tools: X 02-18 8 units all backordered (shipped later) -> demand 8, stock 0, backordered 8.
    02-16 Toys: Y 3 from stock.
    02-23 Tools: X 02-23 8 backordered and canceled 02-24 (lost 8); Z 02-24 4 units, 2 backordered
      and open -> demand 12, stock 2, backordered 2, lost 8, unmet 10, fill 2/12.
    02-23 Toys: Y 3 from stock, 2 + 1 backordered -> demand 6, stock 3, backordered 3, fill 0.5.
    """
    frame = run(demand_db, "demand_vs_shipped", start="2026-02-16", end="2026-03-01")
    rows = {(row["week"].date().isoformat(), row["category"]): row for row in frame.to_dict("records")}
    columns = ("demand_units", "from_stock_units", "backordered_units", "lost_units", "unmet_units")
    assert {key: tuple(row[c] for c in columns) for key, row in rows.items()} == {
        ("2026-02-16", "Tools"): (8, 0, 8, 0, 8),
        ("2026-02-16", "Toys"): (3, 3, 0, 0, 0),
        ("2026-02-23", "Tools"): (12, 2, 2, 8, 10),
        ("2026-02-23", "Toys"): (6, 3, 3, 0, 3),
    }
    assert rows[("2026-02-23", "Tools")]["unit_fill_rate"] == pytest.approx(2 / 12)
    assert rows[("2026-02-23", "Toys")]["unit_fill_rate"] == pytest.approx(0.5)
    assert {row["days_in_period"] for row in rows.values()} == {7}


def test_a_cancel_after_the_to_date_is_not_lost_yet(demand_db: Path) -> None:
    """To 02-23: X's 02-23 line is canceled on 02-24, after the To date, so it counts as
    backordered; week 02-23 has 1 day in the period and Z's and Y's later lines are outside it."""
    frame = run(demand_db, "demand_vs_shipped", start="2026-02-16", end="2026-02-23")
    last = frame[frame["week"] == pd.Timestamp("2026-02-23")].to_dict("records")
    assert len(last) == 1
    row = last[0]
    assert (row["category"], row["days_in_period"], row["demand_units"]) == ("Tools", 1, 8)
    assert (row["backordered_units"], row["lost_units"]) == (8, 0)


def test_demand_follows_the_channel_and_sku_filters(demand_db: Path) -> None:
    """Store is Y alone: 3 + 6 units; SKU Z alone: its 4 units in week 02-23."""
    store = run(demand_db, "demand_vs_shipped", start="2026-02-16", end="2026-03-01", channel="store")
    assert set(store["category"]) == {"Toys"} and store["demand_units"].sum() == 9
    only_z = run(demand_db, "demand_vs_shipped", start="2026-02-16", end="2026-03-01", sku="Z")
    assert only_z[["demand_units", "from_stock_units", "backordered_units"]].values.tolist() == [[4, 2, 2]]


def test_surging_skus_by_hand(demand_db: Path) -> None:
    """As of 03-01: recent weeks 02-02..03-01, baseline 2025-11-10..2026-02-01 (12 weeks).
    X: baseline 2 units every week (median 2, MAD 0, scale max(1.4826*0, sqrt 2, 1) = 1.414214);
      recent 8+8+8+8 = 32, mean 8 -> ratio 4, robust z = 6 / 1.414214 = 4.242641; 16 of 32
      backordered -> 0.5: surging (32 >= 10, z >= 3, ratio >= 1.5) and outrunning supply.
    Y: baseline 3 (scale sqrt 3); recent 3+3+3+6 = 15, mean 3.75 -> ratio 1.25, z 0.75/1.732051 =
      0.433013, backordered 3/15 = 0.2: steady.
    Z: no baseline (mean 0: ratio none; median 0, scale 1); recent 1 + 4 = 5, z 1.25, backordered
      3/5: steady (under 10 units). W: 1 unit, z 0.25. Ranked by z: X, Z, Y, W.
    """
    frame = run(demand_db, "surging_skus", end="2026-03-01")
    assert frame["sku"].tolist() == ["X", "Z", "Y", "W"]
    rows = by_sku(frame)
    x, y, z = rows["X"], rows["Y"], rows["Z"]
    assert (x["recent_units"], x["baseline_units"], x["recent_backordered_units"]) == (32, 24, 16)
    assert x["ratio"] == pytest.approx(4.0)
    assert x["robust_z"] == pytest.approx(6 / math.sqrt(2))
    assert x["backorder_ratio"] == pytest.approx(0.5)
    assert (x["surging"], x["outrunning_supply"], x["status"]) == (True, True, "surging, outrunning supply")
    assert y["ratio"] == pytest.approx(1.25)
    assert y["robust_z"] == pytest.approx(0.75 / math.sqrt(3))
    assert y["backorder_ratio"] == pytest.approx(0.2)
    assert pd.isna(z["ratio"]) and z["robust_z"] == pytest.approx(1.25)
    assert z["backorder_ratio"] == pytest.approx(0.6)
    assert not y["surging"] and not z["surging"]


def test_surging_is_measured_as_of_the_to_date(demand_db: Path) -> None:
    """As of 02-01 X's recent weeks are 2 units each and 4 of its baseline weeks are before its
    first sale (median 2, MAD 0): ratio 2 / (16/12) = 1.5, z 0 -> not surging."""
    rows = by_sku(run(demand_db, "surging_skus", end="2026-02-01"))
    assert rows["X"]["recent_units"] == 8
    assert rows["X"]["ratio"] == pytest.approx(1.5)
    assert rows["X"]["robust_z"] == pytest.approx(0.0)
    assert not rows["X"]["surging"]


def test_lost_sales_by_hand(demand_db: Path) -> None:
    """Period 02-02..03-01 (28 days); each snapshot holds until the SKU's next one.
    X: in stock 02-02..02-05 (01-30: 16), 02-06..02-12 (8) and 02-25..03-01 (12) = 16 days; out
      02-13..02-24 = 12 days. Ordered on in-stock days: 02-04 8 + 02-11 8 = 16 -> 1.0 a day;
      estimate 12 x 1.0 = 12 units, x 10 = 120. Ordered while out: 02-18 8 + 02-23 8 = 16.
      Canceled: X's 02-23 line, 8 units, 80.
    Y: in stock 02-02..02-24 = 23 days, out 02-25..03-01 = 5 (the 02-25 snapshot is 0). In-stock
      units 3+3+3 = 9 -> 9/23 = 0.391304 a day; estimate 5 x 9/23 = 1.956522 units, x 20 =
      39.130435; ordered while out 3+2+1 = 6. Nothing canceled.
    Z: no snapshots, so no stockout day and no adjusted demand; canceled 1 unit, 50.
    Ranked by canceled value + estimated value: X 200, Z 50, Y 39.13.
    """
    frame = run(demand_db, "lost_sales", start="2026-02-02", end="2026-03-01")
    assert frame["sku"].tolist() == ["X", "Z", "Y"]
    rows = by_sku(frame)
    x, y, z = rows["X"], rows["Y"], rows["Z"]
    assert (x["in_stock_days"], x["stockout_days"], x["in_stock_units"]) == (16, 12, 16)
    assert x["adjusted_daily_demand"] == pytest.approx(1.0)
    assert (x["est_lost_units"], x["est_lost_value"]) == (pytest.approx(12.0), pytest.approx(120.0))
    assert (x["canceled_lines"], x["canceled_units"], x["canceled_value"]) == (1, 8, 80.0)
    assert x["ordered_while_out_units"] == 16
    assert (y["in_stock_days"], y["stockout_days"], y["ordered_while_out_units"]) == (23, 5, 6)
    assert y["adjusted_daily_demand"] == pytest.approx(9 / 23)
    assert y["est_lost_units"] == pytest.approx(5 * 9 / 23)
    assert y["est_lost_value"] == pytest.approx(5 * 9 / 23 * 20)
    assert (y["canceled_units"], y["canceled_value"]) == (0, 0.0)
    assert (z["stockout_days"], z["canceled_units"], z["canceled_value"]) == (0, 1, 50.0)
    assert pd.isna(z["adjusted_daily_demand"]) and pd.isna(z["est_lost_value"])


def test_lost_sales_leave_out_skus_with_nothing_lost(demand_db: Path) -> None:
    """02-02..02-12: X and Y were in stock every day and nothing was canceled."""
    assert run(demand_db, "lost_sales", start="2026-02-02", end="2026-02-12").empty


def test_reorder_suggestions_by_hand(demand_db: Path) -> None:
    """Period 02-02..03-01, n = 28 days, 95% -> z = 1.6449, review period 7 days.
    X: daily units 8 on 4 days: D = 32/28 = 1.142857, var = (256 - 32^2/28)/27 = 8.126984;
      its own 5 PO lines: LT 8, sd_LT^2 = (4+1+1+0+16)/4 = 5.5. On hand 12 (03-01), on order 10
      (PX6), backlog 0 -> position 22; days of supply 22/D = 19.25.
      SS = 1.6449 sqrt(8 x 8.126984 + D^2 x 5.5) = 13.976767; ROP = 9.142857 + SS = 23.119624;
      up to ROP + 7D = 31.119624; order ceil(31.119624 - 22) = 10, cost 40; at stake (ROP - 22) x 10
      = 11.196245.
    Y: 3,3,3,3,2,1 units: D = 15/28, var = (41 - 225/28)/27 = 1.220899; 2 own PO lines (< 5), so
      supplier S2's: LT 16, sd_LT^2 = 8. On hand 0, on order 0, backlog 3 -> position -3; days of
      supply 0. SS = 1.6449 sqrt(16 x 1.220899 + D^2 x 8) = 7.685453; ROP = 16.256881; order
      ceil(16.256881 + 3.75 + 3) = 24, cost 192; at stake (ROP + 3) x 20 = 385.137624.
    Z: 1 and 4 units: D = 5/28, var = (17 - 25/28)/27; 1 own PO line, so supplier S1's 6 lines:
      LT 50/6, sd_LT^2 = 5.066667. No snapshot (on hand empty), on order 10, backlog 2 -> position
      8, days of supply 10/D = 56. SS = 3.726672, ROP = 5.214767, up to 6.464767 -> order 0.
    W: 1 unit, no measured or planned lead time: no safety stock, reorder point or suggestion
      (empty, not 0), listed last.
    Ranked by revenue at stake: Y, X, Z, W.
    """
    frame = run(demand_db, "reorder_suggestions", start="2026-02-02", end="2026-03-01")
    assert frame["sku"].tolist() == ["Y", "X", "Z", "W"]
    rows = by_sku(frame)
    w = rows["W"]
    assert w["period_units"] == 1 and pd.isna(w["lead_time_basis"]) and pd.isna(w["lead_time_days"])
    for column in ("safety_stock", "reorder_point", "suggested_qty", "revenue_at_stake"):
        assert pd.isna(w[column]), column
    x, y, z = rows["X"], rows["Y"], rows["Z"]

    d_x, var_x = 32 / 28, (256 - 32**2 / 28) / 27
    ss_x = Z95 * math.sqrt(8 * var_x + d_x**2 * 5.5)
    assert x["daily_demand"] == pytest.approx(d_x)
    assert x["daily_demand_sd"] == pytest.approx(math.sqrt(var_x))
    assert (x["lead_time_basis"], x["lead_time_po_lines"]) == ("sku", 5)
    assert (x["lead_time_days"], x["lead_time_sd_days"]) == (
        pytest.approx(8.0),
        pytest.approx(math.sqrt(5.5)),
    )
    assert (x["on_hand"], x["on_order"], x["open_backlog"], x["inventory_position"]) == (12, 10, 0, 22)
    assert x["days_of_supply"] == pytest.approx(19.25)
    assert x["safety_stock"] == pytest.approx(ss_x) and ss_x == pytest.approx(13.976767, abs=1e-6)
    assert x["reorder_point"] == pytest.approx(8 * d_x + ss_x)
    assert (x["suggested_qty"], x["suggested_cost"]) == (10, pytest.approx(40.0))
    assert x["revenue_at_stake"] == pytest.approx((8 * d_x + ss_x - 22) * 10)

    d_y, var_y = 15 / 28, (41 - 225 / 28) / 27
    ss_y = Z95 * math.sqrt(16 * var_y + d_y**2 * 8)
    assert (y["lead_time_basis"], y["lead_time_po_lines"]) == ("supplier", 2)
    assert y["lead_time_sd_days"] == pytest.approx(math.sqrt(8))
    assert (y["on_hand"], y["on_order"], y["open_backlog"], y["inventory_position"]) == (0, 0, 3, -3)
    assert y["days_of_supply"] == pytest.approx(0.0)
    assert y["safety_stock"] == pytest.approx(ss_y) and ss_y == pytest.approx(7.685453, abs=1e-6)
    assert y["reorder_point"] == pytest.approx(16 * d_y + ss_y)
    assert y["suggested_qty"] == math.ceil(16 * d_y + ss_y + 7 * d_y + 3) == 24
    assert y["revenue_at_stake"] == pytest.approx((16 * d_y + ss_y + 3) * 20)

    d_z, var_z = 5 / 28, (17 - 25 / 28) / 27
    lt_z, var_lt_z = 50 / 6, sum((v - 50 / 6) ** 2 for v in (6, 7, 7, 8, 12, 10)) / 5
    ss_z = Z95 * math.sqrt(lt_z * var_z + d_z**2 * var_lt_z)
    assert (z["lead_time_basis"], z["lead_time_po_lines"]) == ("supplier", 6)
    assert z["lead_time_days"] == pytest.approx(lt_z)
    assert pd.isna(z["on_hand"]) and (z["on_order"], z["open_backlog"], z["inventory_position"]) == (10, 2, 8)
    assert z["days_of_supply"] == pytest.approx(56.0)
    assert z["safety_stock"] == pytest.approx(ss_z)
    assert (z["suggested_qty"], z["revenue_at_stake"]) == (0, 0.0)


def test_service_level_sets_z(demand_db: Path) -> None:
    """99% -> z 2.3263: safety stock scales by 2.3263 / 1.6449 and X's order grows to
    ceil(8D + 7D + 2.3263/1.6449 x 13.976767 - 22) = 15."""
    base = by_sku(run(demand_db, "reorder_suggestions", start="2026-02-02", end="2026-03-01"))
    high = by_sku(
        run(demand_db, "reorder_suggestions", start="2026-02-02", end="2026-03-01", service_level="99%")
    )
    for sku in ("X", "Y", "Z"):
        assert high[sku]["z"] == pytest.approx(Z99)
        assert high[sku]["safety_stock"] == pytest.approx(base[sku]["safety_stock"] * Z99 / Z95)
    assert high["X"]["suggested_qty"] == 15


def test_an_unknown_service_level_is_an_error(demand_db: Path) -> None:
    with pytest.raises(catalog.QueryError, match="service_level must be one of"):
        run(demand_db, "reorder_suggestions", service_level="80%")


def test_restock_priority_by_hand(demand_db: Path) -> None:
    """Open at 03-01: Z 02-24 (2 units, 100, age 5, C1); Y 02-26 (2 units, 40, age 3, C2) and
    02-27 (1 unit, 20, age 2, C3). Per SKU: Y 2 customers, 3 units, 60, oldest 3, mean age 2.5;
    Z 1 customer, 2 units, 100, oldest 5. Percentile ranks of two SKUs are 0 and 1: Y (1 + 0 + 0)/3,
    Z (0 + 1 + 1)/3 -> Z first. Z's backlog is covered by PZ2 (promised 03-02; S1's median delay
    is 0), Y has no open PO. No cancellation risk yet."""
    frame = run(demand_db, "restock_priority")
    assert frame["sku"].tolist() == ["Z", "Y"]
    rows = by_sku(frame)
    y, z = rows["Y"], rows["Z"]
    assert (y["waiting_customers"], y["open_lines"], y["open_units"], y["open_value"]) == (2, 2, 3, 60.0)
    assert (y["oldest_age_days"], y["avg_age_days"]) == (3, pytest.approx(2.5))
    assert (z["waiting_customers"], z["open_units"], z["open_value"], z["oldest_age_days"]) == (
        1,
        2,
        100.0,
        5,
    )
    assert (z["priority"], y["priority"]) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert z["expedite_po"] == "PZ2 line 1" and z["next_eta"].date() == dt.date(2026, 3, 2)
    assert pd.isna(y["expedite_po"]) and y["lines_without_po"] == 2
    assert frame["revenue_at_risk"].isna().all()


def test_restock_priority_is_measured_at_the_to_date(demand_db: Path) -> None:
    """On 02-20: X's 02-18 line (8 units, 80, age 2) is open; Z's 02-09 line was canceled that day."""
    frame = run(demand_db, "restock_priority", end="2026-02-20")
    assert frame[["sku", "open_units", "open_value", "oldest_age_days"]].values.tolist() == [
        ["X", 8, 80.0, 2]
    ]


SPIKE = set(sample.PLANTED.spike_skus)


@pytest.mark.parametrize("end", ["2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22"])
def test_planted_spike_tops_the_surging_list_during_its_weeks(sample_db: Path, end: str) -> None:
    frame = run(sample_db, "surging_skus", end=end)
    assert set(frame["sku"].head(len(SPIKE))) == SPIKE
    if end in ("2026-11-08", "2026-11-15"):
        top = frame.head(len(SPIKE))
        assert top["outrunning_supply"].all()
        assert (top["ratio"] > 2).all()


@pytest.mark.parametrize("end", ["2026-10-18", "2026-10-25"])
def test_planted_spike_does_not_surge_before_it_starts(sample_db: Path, end: str) -> None:
    frame = run(sample_db, "surging_skus", end=end)
    assert not set(frame["sku"].head(len(SPIKE))) & SPIKE
    assert not frame[frame["sku"].isin(SPIKE)]["surging"].any()


def test_planted_spike_shows_in_weekly_demand_and_unmet(sample_db: Path) -> None:
    """SKU0131: the three spike weeks' demand is well above its weeks before, mostly unmet."""
    frame = run(sample_db, "demand_vs_shipped", start="2026-08-31", end="2026-11-22", sku="SKU0131")
    spike = frame[frame["week"].between(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-09"))]
    before = frame[frame["week"] < pd.Timestamp("2026-10-26")]
    assert len(spike) == 3
    assert spike["demand_units"].min() > 2.5 * before["demand_units"].mean()
    assert spike["unmet_units"].sum() > 0.5 * spike["demand_units"].sum()
    assert before["unmet_units"].sum() < 0.2 * before["demand_units"].sum()


def test_planted_oversold_channel_has_the_lowest_fill_rate_from_march(sample_db: Path) -> None:
    def fill(channel: str, start: str, end: str) -> float:
        frame = run(sample_db, "demand_vs_shipped", start=start, end=end, channel=channel)
        return 1 - frame["unmet_units"].sum() / frame["demand_units"].sum()

    after = {
        channel: fill(channel, "2026-04-01", "2026-09-30") for channel in ("web", "store", "marketplace")
    }
    before = {channel: fill(channel, "2025-04-01", "2025-09-30") for channel in ("web", "marketplace")}
    assert after["marketplace"] < min(after["web"], after["store"]) - 0.15
    assert abs(before["marketplace"] - before["web"]) < 0.1


def test_planted_disruption_widens_the_measured_lead_time_spread(sample_db: Path) -> None:
    """SUP03's late POs (2026-09-28..11-08) make its measured lead-time spread the widest of the US
    suppliers, so its SKUs carry more safety stock per unit of demand."""
    frame = run(sample_db, "reorder_suggestions")
    us = frame[frame["supplier_id"].isin([f"SUP0{i}" for i in range(1, 8)])]
    spread = us.groupby("supplier_id")["lead_time_sd_days"].median()
    assert spread.idxmax() == sample.PLANTED.disrupted_supplier
    assert (
        spread[sample.PLANTED.disrupted_supplier] > 2 * spread.drop(sample.PLANTED.disrupted_supplier).max()
    )


def test_planted_spike_skus_need_reordering_mid_spike(sample_db: Path) -> None:
    frame = run(sample_db, "reorder_suggestions", start="2026-08-17", end="2026-11-08")
    spike = frame[frame["sku"].isin(SPIKE)]
    assert (spike["suggested_qty"] > 0).all()
    assert (spike["open_backlog"] > 0).all()


def test_planted_made_to_order_backlog_leads_reorders_and_restock_at_the_end(sample_db: Path) -> None:
    """The capacity-limited workshop's backlog is largest at END: its SKUs lead revenue at stake
    and the restock list, and never having stock, they get no stockout-adjusted demand."""
    mto = sample.PLANTED.mto_category
    reorder = run(sample_db, "reorder_suggestions")
    assert (reorder["category"].head(5) == mto).all()
    restock = run(sample_db, "restock_priority")
    assert (restock["category"].head(5) == mto).all()
    lost = run(sample_db, "lost_sales")
    furniture = lost[lost["category"] == mto]
    assert len(furniture) > 0
    assert (furniture["in_stock_days"] == 0).all() and furniture["est_lost_value"].isna().all()


def test_planted_spike_skus_have_the_most_waiting_customers_mid_spike(sample_db: Path) -> None:
    frame = run(sample_db, "restock_priority", end="2026-11-08")
    assert frame.sort_values("waiting_customers", ascending=False)["sku"].iloc[0] in SPIKE


def test_planted_spike_skus_lose_sales_while_out_of_stock(sample_db: Path) -> None:
    frame = run(sample_db, "lost_sales", start="2026-10-26", end="2026-11-15")
    spike = frame[frame["sku"].isin(SPIKE)]
    assert set(spike["sku"]) == SPIKE
    assert (spike["stockout_days"] > 0).all() and (spike["est_lost_units"] > 0).all()
    assert (spike["canceled_units"] > 0).all()
