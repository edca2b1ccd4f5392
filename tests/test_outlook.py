"""The Outlook projection, worked out by hand on a two-SKU shop (tests/fixtures/outlook), and its
backtest and the planted supplier disruption on the sample.

The shop, as of Sun 2026-03-01 (every weekday sells the same, so the weekday factors are 1):
- P sells 2 units a day, every day. Available 10 - 2 = 8, no backlog. Open PO1 (60 units, supplier
  S1) is promised Wed 03-04; S1's received lines were 1, 2 and 3 days late, median 2, so it is
  expected Fri 03-06 (day 5). Stock 6, 4, 2, 0 on days 1-4 (0 is not short), then 58 and 2 a day
  less: the PO saves it, and it stays above zero for the 4 weeks.
- R sells 1 unit a day, except the week of 02-16 when it was out of stock (snapshot 0) and sold
  nothing: 49 in-stock days, 49 units, so the stock-out adjusted rate is 1.0 (0.875 over all 56).
  Available 4 - 1 = 3, minus its open backlog of 2 (backordered 02-28 and 03-01) = 1. Day 1: 0,
  day 2: -1, the stock-out on Tue 03-03. PO2 (10 units, S2, nothing received: no delay) arrives
  Tue 03-10 (day 9): -8 + 10 = 2, then down 1 a day to -17 on day 28.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import ingest
from dashboard.query import catalog
from dashboard.sample import PLANTED

FIXTURE = Path(__file__).parent / "fixtures" / "outlook"
AS_OF = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("outlook") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def sample(sample_db: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(sample_db), read_only=True)
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, query_id: str, **values) -> pd.DataFrame:
    query = catalog.find(query_id)
    return catalog.run(con, query, catalog.bind(query, values, catalog.as_of(con)))


def test_forecast_is_stockout_adjusted_with_flat_weekdays(shop) -> None:
    assert catalog.as_of(shop) == AS_OF
    rates = shop.execute(
        "select sku, daily_rate, surging, in_stock_days from outlook_demand where weeks_back = 0 order by sku"
    ).fetchall()
    assert rates == [("P", 2.0, False, 56), ("R", 1.0, False, 49)]
    factors = shop.execute("select factor from outlook_weekdays where weeks_back = 0").fetchall()
    assert [round(f, 9) for (f,) in factors] == [1.0] * 7


def test_saved_by_a_po_day_by_day(shop) -> None:
    days = run(shop, "sku_projection", sku="P", horizon=4)
    assert len(days) == 28 and days["day"].iloc[0] == pd.Timestamp(AS_OF + dt.timedelta(days=1))
    expected = [6, 4, 2, 0] + [58 - 2 * n for n in range(24)]
    assert days["available"].tolist() == expected
    assert days["receipts"].tolist() == [0, 0, 0, 0, 60] + [0] * 23
    assert days["demand"].tolist() == [2.0] * 28
    listed = run(shop, "projected_stockouts", horizon=4)
    assert "P" not in set(listed["sku"])


def test_runs_out_day_by_day(shop) -> None:
    days = run(shop, "sku_projection", sku="R", horizon=4)
    expected = [1 - n for n in range(1, 9)] + [2 - n for n in range(20)]
    assert days["available"].tolist() == expected
    assert days["available"].iloc[[7, 8, -1]].tolist() == [-7, 2, -17]
    assert (days["start_available"] == 3).all() and (days["backlog_units"] == 2).all()
    row = run(shop, "projected_stockouts", horizon=4).set_index("sku").loc["R"]
    assert row["stockout_date"] == pd.Timestamp(2026, 3, 3)
    assert row["days_to_stockout"] == 2
    assert row["units_short"] == 17 and row["value_short"] == 17 * 25
    assert (row["expedite_po_id"], row["expedite_po_line"]) == ("PO2", 1)
    assert row["expected_receipt"] == pd.Timestamp(2026, 3, 10) and row["days_earlier"] == 7
    assert bool(row["covers_shortfall"])  # 10 units against the 7 short the day before
    assert row["order_qty"] == 17 + 3  # the shortfall, plus safety stock 3
    weeks = [row[f"short_week_{week}"] for week in range(1, 9)]
    assert weeks[:4] == [6, 3, 10, 17] and all(pd.isna(w) for w in weeks[4:])  # days 7, 14, 21, 28


def test_one_week_ahead_and_the_backlog(shop) -> None:
    one_week = run(shop, "projected_stockouts", horizon=1).set_index("sku")
    assert one_week.loc["R", "units_short"] == 6  # day 7: 1 - 7
    backlog = run(shop, "projected_backlog", horizon=1)
    assert backlog["open_units"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert backlog["open_value"].tolist() == [25.0 * n for n in range(7)]
    assert backlog["open_lines"].tolist() == backlog["open_units"].tolist()  # R's lines were 1 unit each
    assert backlog["units_low"].tolist() == backlog["units_high"].tolist() == backlog["open_units"].tolist()
    per_supplier = run(shop, "supplier_outlook", horizon=4)
    assert per_supplier[["supplier_id", "skus_short", "late_lines", "soon_due_lines"]].values.tolist() == [
        ["S2", 1, 0, 1]
    ]


def test_surge_flags_follow_the_surging_sku_rule(sample) -> None:
    flags = dict(sample.execute("select sku, surging from outlook_demand where weeks_back = 0").fetchall())
    surging = run(sample, "surging_skus")
    assert {sku for sku, flag in flags.items() if flag} == set(surging.loc[surging["surging"], "sku"])
    assert set(PLANTED.spike_skus) <= {sku for sku, flag in flags.items() if flag}


def test_backtest_figures_on_the_sample(sample) -> None:
    results = run(sample, "backtest")
    pooled = results[results["weeks_back"].isna()].iloc[0]
    at_8 = results[results["weeks_back"] == 8].iloc[0]
    for name, row in (("pooled over cut-offs 4-26 weeks back", pooled), ("8 weeks back", at_8)):
        print(
            f"\nOutlook backtest, {name}: {row['skus']} SKU x cut-offs, {row['projected']} projected, "
            f"{row['went_on_backorder']} went on backorder, {row['right_calls']} right; "
            f"precision {row['precision']:.3f}, recall {row['recall']:.3f}, ROC AUC {row['roc_auc']:.3f}, "
            f"MASE {row['mase']:.3f} (seasonal-naive {row['naive_mase']:.3f})"
        )
    assert len(results) == 24 and pooled["skus"] == 23 * 300
    # Measured on the sample: precision 0.44, recall 0.76, ROC AUC 0.73, MASE 0.85 (naive 1.08).
    # The AUC target (0.85) is not met; the page and the README say so (not tuned to pass).
    assert pooled["mase"] < 1 and pooled["mase"] < pooled["naive_mase"]
    assert 0.70 <= pooled["roc_auc"] < 0.85
    assert pooled["recall"] >= 0.7 and pooled["precision"] >= 0.4


def test_the_supplier_disruption_shows_while_it_lasts(sample) -> None:
    """SUP03's PO lines promised 2026-09-28 .. 11-08 arrive 21 days late: at the cut-offs in October,
    the SKUs projected short while waiting on its late lines at least double its usual count, and it
    leads every other supplier."""
    trend = run(sample, "supplier_trend")
    trend["cutoff"] = pd.to_datetime(trend["cutoff"]).dt.date
    counts = trend.pivot_table(index="cutoff", columns="supplier_id", values="skus_short", fill_value=0)
    during = counts[(counts.index > PLANTED.disruption_start) & (counts.index <= dt.date(2026, 10, 25))]
    before = counts[counts.index < PLANTED.disruption_start]
    assert len(during) == 4 and len(before) >= 12
    disrupted = PLANTED.disrupted_supplier
    assert during[disrupted].mean() >= 1.8 * before[disrupted].median()
    others = during.drop(columns=disrupted)
    assert (during[disrupted] > others.max(axis=1)).all()


def test_weekly_tile_top_five_report_and_alert(sample: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    from dashboard.query import runner as query_runner
    from dashboard.review import alerts, report, weekly

    runner = query_runner.on(sample)
    week = weekly.Week.parse("2026-W46")
    listed = run(sample, "projected_stockouts_4w", end=week.end)
    assert len(listed) > 0 and (pd.to_datetime(listed["projected_on"]) == pd.Timestamp(week.end)).all()
    assert weekly.kpis(runner, week)["projected_stockout_skus"] == len(listed)
    top = weekly.projected_stockouts(runner, week)
    assert top["sku"].tolist() == listed["sku"].head(5).tolist()
    tile = {item.tile.key: item for item in weekly.tiles(runner, week)}["projected_stockout_skus"]
    before = run(sample, "projected_stockouts_4w", end=week.previous.end)
    assert tile.value == len(listed) and tile.previous == len(before)
    html = report.build(runner, week, catalog.as_of(sample)).html
    assert weekly.PROJECTED_STOCKOUTS.label in html and f">{top['sku'][0]}</td>" in html
    long_ago = weekly.Week.holding(catalog.as_of(sample) - dt.timedelta(weeks=30))
    assert weekly.kpis(runner, long_ago)["projected_stockout_skus"] is None  # not 0: nothing was projected
    rules = tmp_path / "alerts.yaml"
    threshold = len(listed) - 1
    rules.write_text(f"rules:\n  - {{name: Outlook, metric: projected_stockout_skus, above: {threshold}}}\n")
    breaches = alerts.check(runner, week, alerts.load(rules), {})
    assert [(b.rule.name, b.value) for b in breaches] == [("Outlook", float(len(listed)))]
