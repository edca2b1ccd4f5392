"""Suppliers page: its queries against the sample's planted truth and a hand-computed shop, and the page.

The hand-made shop (tests/fixtures/suppliers_handmade), as-of date 2026-03-10 (O5-1 canceled):

S1 Acme Domestic (US, SKUs A and B, planned lead 10): one PO a week, three lines each, ordered
10 days before promise (so lead time = 10 + delay). Promised on the Wednesday of the week of:
  W1 01-05: delays -1 0 1   W2 01-12: 1 2 3   W3 01-19: 3 4 5    W4 01-26: 1 2 3
  W5 02-02: -1 0 1          W6 02-09: 3 4 5   W7 02-16: 15 16 17 W8 02-23: 1 2 3
  (W7 arrives 03-05..03-07.) Open: P9 (B, promised 03-12), P10 (A, promised 03-19).
S2 Far East Toys (CN, SKU C, planned lead 30): Q1 promised 01-07 received 01-07 (delay 0, lead
  30); Q2 promised 01-14 received 01-24 (delay 10, lead 40); open Q3 (4 units, promised 02-25)
  and Q4 (10 units, promised 03-14).
Backorders: O1-1 C 3 units 150 (web, 02-25, open); O2-1 C 2 units 100 (marketplace, 03-01,
  open); O3-1 B 4 units 80 (web, 03-03, open); O4-1 A 5 units 50 (store, 01-20, shipped 03-06);
  O5-1 C 1 unit 50 (web, 03-09, canceled 03-10).

Scorecard, 2026-01-01..03-10. S1: 24 received, on time 4/24 (the four delays <= 0); delays sorted
  -1 -1 0 0 1 1 1 1 1 2 2 2 3 3 3 3 3 4 4 5 5 15 16 17, sum 90, mean 3.75; p90 at position
  23 x 0.9 = 20.7: 5 + 0.7 x (15 - 5) = 12; lead median 10 + (2 + 3) / 2 = 12.5; sum of
  squares 916, so sum of squared deviations 916 - 24 x 3.75^2 = 578.5, sd = sqrt(578.5 / 23)
  = 5.01520 and CV = 5.01520 / 13.75 = 0.364742. Open at 03-10: P9, P10, neither past promise;
  backorders open: O3-1 (1 line, 4 units, 80).
  S2: 2 received, on time 1/2, mean delay 5, p90 0 + 0.9 x 10 = 9, lead median 35, CV = sd(30,
  40) / 35 = 7.07107 / 35 = 0.202031; open Q3 (past promise) and Q4; backorders open: O1-1, O2-1
  (2 lines, 5 units, 250; O5-1 was canceled on 03-10).
  To = 02-20 instead: S1 has 18 received (W1..W6), delay sum 36 -> mean 2, on time 4/18; open W7
  (past its 02-18 promise) and W8 -> 6 open, 3 past promise; backorders open: O4-1 (5 units, 50).
  S2 has no backorder open at 02-20.

Disruptions, To = 03-10: S1's weekly medians 0 2 4 2 0 4 16 2: baseline (median) 2, absolute
  deviations 2 0 2 0 2 2 14 0, MAD 2, scale 1.4826 x 2 = 2.9652; W7's z = 14 / 2.9652 = 4.7214
  >= 3.5, W3 and W6 0.6745. S2 has one line a week (fewer than 3): never scored. The period
  02-16..02-22, impact to 02-22 + 16 = 03-10, SKUs A and B; backorders on them open at some time
  in 02-16..03-10: O4-1 and O3-1 (2 lines, 9 units, 130), none canceled, O3-1 open at 03-10.
  To = 03-04: W7's lines are open, 14 days past promise (a lower bound), W8 received: medians
  0 2 4 2 0 4 14 2, baseline 2, MAD 2, z = 12 / 2.9652 = 4.0469: flagged before a line arrived.
  To = 02-20: W7 is only 2 days past promise and W8 not due: nothing flagged.

Watchlist (as-of 03-10, due within 7 days): Q3 (13 days late), Q4 (-4), P9 (-2); P10 (-9) only
  within 10 days. FIFO ETA: C's backlog O1 (cum 3) <= Q3 (4), O2 (cum 5) -> Q4; B's O3 -> P9.
  S2 has 1 customer line waiting on a late PO (150): call rank 1; S1 rank 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, ingest
from dashboard.query import catalog, warehouse
from dashboard.sample import PLANTED

FIXTURE = Path(__file__).parent / "fixtures" / "suppliers_handmade"
APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGE = "dashboard/app/pages/suppliers.py"
IDS = (
    "supplier_scorecard",
    "supplier_weekly",
    "supplier_disruptions",
    "supplier_lead_times",
    "supplier_watchlist",
)
WHOLE_HISTORY = {"start": "2024-11-25"}
DOMESTIC = ("SUP00", "SUP01", "SUP02", "SUP03", "SUP04", "SUP05", "SUP06", "SUP07")


@pytest.fixture(scope="module")
def suppliers_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("suppliers") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    return path


def run(db: Path, name: str, values: dict[str, Any] | None = None) -> pd.DataFrame:
    con = warehouse.connect(db)
    try:
        query = catalog.find(name)
        return catalog.run(con, query, catalog.bind(query, values or {}, catalog.as_of(con)))
    finally:
        con.close()


def by_supplier(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["supplier_id"]: row for row in frame.to_dict("records")}


def day(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


# Planted truth in the sample warehouse.


def test_disruptions_find_the_planted_supplier_and_overseas_events_and_nothing_else(sample_db: Path) -> None:
    flagged = run(sample_db, "supplier_disruptions", WHOLE_HISTORY)
    periods = {
        (row["supplier_id"], day(row["period_start"]), day(row["period_end"]))
        for row in flagged.to_dict("records")
    }
    planted = {(PLANTED.disrupted_supplier, PLANTED.disruption_start, PLANTED.disruption_end)} | {
        (supplier, PLANTED.overseas_start, PLANTED.overseas_end) for supplier in PLANTED.overseas_suppliers
    }
    # The weeks of the planted windows exactly (both windows are whole Monday..Sunday weeks).
    assert periods == planted
    assert not set(flagged["supplier_id"]) & (set(DOMESTIC) - {PLANTED.disrupted_supplier})
    sup03 = flagged[flagged["supplier_id"] == PLANTED.disrupted_supplier].iloc[0]
    assert sup03["weeks"] == 6
    assert sup03["median_delay_days"] - sup03["baseline_delay_days"] >= PLANTED.disruption_delay_days - 3
    assert sup03["lines_open"] > 0  # some late lines had not arrived at the as-of date
    overseas = flagged[flagged["supplier_id"].isin(PLANTED.overseas_suppliers)]
    gaps = overseas["median_delay_days"] - overseas["baseline_delay_days"]
    assert (gaps >= PLANTED.overseas_delay_days - 3).all()
    assert (flagged["peak_z"] >= 3.5).all()
    assert (flagged["skus_affected"] > 0).all() and (flagged["backorder_lines"] > 0).all()
    assert (flagged["canceled_lines"] <= flagged["backorder_lines"]).all()


def test_nothing_of_similar_size_outside_the_planted_windows(sample_db: Path) -> None:
    """The same robust z, recomputed from the weekly trend's medians: the planted weeks stand far above
    the 3.5 threshold and every other week stays well below it."""
    weekly = run(sample_db, "supplier_weekly", WHOLE_HISTORY)
    weeks = weekly[(weekly["supplier_id"] != "All suppliers") & (weekly["lines_due"] >= 3)].copy()
    weeks["week"] = weeks["week"].map(day)
    medians = weeks.groupby("supplier_id")["median_delay_days"]
    baseline = medians.transform("median")
    mad = (weeks["median_delay_days"] - baseline).abs().groupby(weeks["supplier_id"]).transform("median")
    weeks["z"] = (weeks["median_delay_days"] - baseline) / (1.4826 * mad).clip(lower=1.0)
    disrupted = (weeks["supplier_id"] == PLANTED.disrupted_supplier) & weeks["week"].between(
        PLANTED.disruption_start, PLANTED.disruption_end
    )
    overseas = weeks["supplier_id"].isin(PLANTED.overseas_suppliers) & weeks["week"].between(
        PLANTED.overseas_start, PLANTED.overseas_end
    )
    planted = disrupted | overseas
    assert planted.sum() == 6 + 2 * len(PLANTED.overseas_suppliers)
    assert weeks.loc[planted, "z"].min() > 2 * 3.5
    assert weeks.loc[~planted, "z"].max() < 2.5


def test_the_default_period_flags_only_the_current_disruption(sample_db: Path) -> None:
    flagged = run(sample_db, "supplier_disruptions")
    assert flagged["supplier_id"].tolist() == [PLANTED.disrupted_supplier]
    assert day(flagged["period_start"].iloc[0]) == PLANTED.disruption_start


def test_the_disruption_is_caught_while_its_lines_are_still_in_transit(sample_db: Path) -> None:
    """Three weeks in, no line due in the window has arrived yet: open lines count with their days past
    promise, so the weeks already due are flagged."""
    end = PLANTED.disruption_start + dt.timedelta(days=20)
    flagged = run(sample_db, "supplier_disruptions", {**WHOLE_HISTORY, "end": end})
    sup03 = flagged[flagged["supplier_id"] == PLANTED.disrupted_supplier]
    assert len(sup03) == 1 and day(sup03["period_start"].iloc[0]) == PLANTED.disruption_start
    assert sup03["lines_open"].iloc[0] > 0


def test_weekly_trend_shows_the_planted_delays_and_agrees_with_the_detection(sample_db: Path) -> None:
    weekly = run(sample_db, "supplier_weekly", WHOLE_HISTORY)
    weekly["week"] = weekly["week"].map(day)
    sup03 = weekly[weekly["supplier_id"] == PLANTED.disrupted_supplier].set_index("week")
    inside = sup03.loc[PLANTED.disruption_start : PLANTED.disruption_end - dt.timedelta(days=6)]
    before = sup03.loc[: PLANTED.disruption_start - dt.timedelta(days=1)]
    assert len(inside) == 6
    assert inside["avg_delay_days"].min() > before["avg_delay_days"].max() + 5
    assert inside["on_time_rate"].max() < before["on_time_rate"].median()
    overall = weekly[weekly["supplier_id"] == "All suppliers"].set_index("week")
    assert (
        overall.loc[PLANTED.disruption_start, "lines_due"] > sup03.loc[PLANTED.disruption_start, "lines_due"]
    )
    flagged = run(sample_db, "supplier_disruptions", WHOLE_HISTORY)
    for row in flagged[flagged["weeks"] == 1].to_dict("records"):
        week = weekly[
            (weekly["supplier_id"] == row["supplier_id"]) & (weekly["week"] == day(row["period_start"]))
        ]
        assert week["median_delay_days"].iloc[0] == row["median_delay_days"]


def test_scorecard_puts_the_disrupted_supplier_worst(sample_db: Path) -> None:
    period = {"start": PLANTED.disruption_start, "end": dt.date(2026, 11, 22)}
    card = by_supplier(run(sample_db, "supplier_scorecard", period))
    suppliers = {k: v for k, v in card.items() if k != "All suppliers"}
    assert max(suppliers, key=lambda s: suppliers[s]["avg_delay_days"]) == PLANTED.disrupted_supplier
    assert (
        max(suppliers, key=lambda s: suppliers[s]["open_po_lines_past_promise"]) == PLANTED.disrupted_supplier
    )
    total = card["All suppliers"]
    assert total["po_lines_received"] == sum(s["po_lines_received"] for s in suppliers.values())
    assert total["open_backorder_lines"] == sum(s["open_backorder_lines"] for s in suppliers.values())
    kpis = cli.kpis(warehouse.connect(sample_db), period["start"], period["end"])
    assert total["open_backorder_lines"] == kpis["open_backorder_lines"]
    assert total["on_time_rate"] == pytest.approx(kpis["supplier_on_time_rate"])


def test_overseas_lead_times_are_longer_and_the_disruption_lengthens_sup03s(sample_db: Path) -> None:
    leads = by_supplier(run(sample_db, "supplier_lead_times", WHOLE_HISTORY))
    slowest_domestic = max(leads[s]["median_lead_time_days"] for s in DOMESTIC)
    assert min(leads[s]["median_lead_time_days"] for s in PLANTED.overseas_suppliers) > slowest_domestic
    # Lines received from three weeks into the disruption on: most of SUP03's arrived 21 days late.
    since = {"start": PLANTED.disruption_start + dt.timedelta(days=21)}
    sup03 = by_supplier(run(sample_db, "supplier_lead_times", since))[PLANTED.disrupted_supplier]
    assert sup03["median_lead_time_days"] - sup03["planned_lead_time_days"] > 15
    assert sup03["share_longer_than_planned"] > 0.8


def test_watchlist_says_to_call_the_disrupted_supplier_first(sample_db: Path) -> None:
    watch = run(sample_db, "supplier_watchlist")
    first = watch[watch["call_rank"] == 1]
    assert set(first["supplier_id"]) == {PLANTED.disrupted_supplier}
    assert first["supplier_waiting_lines_past_promise"].iloc[0] > 0
    assert (watch["days_past_promise"] >= -7).all()
    waiting = run(sample_db, "supplier_watchlist", {"due_within_days": 60})["waiting_lines"].sum()
    con = warehouse.connect(sample_db)
    with_eta = con.execute("select count(*) from backorder_lines where status = 'open' and eta is not null")
    assert waiting <= with_eta.fetchone()[0]


# The hand-computed shop.


def test_scorecard_matches_the_hand_computation(suppliers_db: Path) -> None:
    card = by_supplier(run(suppliers_db, "supplier_scorecard", {"start": "2026-01-01"}))
    s1, s2, total = card["S1"], card["S2"], card["All suppliers"]
    assert (s1["po_lines_received"], s1["on_time_rate"]) == (24, pytest.approx(4 / 24))
    assert (s1["avg_delay_days"], s1["p90_delay_days"]) == (pytest.approx(3.75), pytest.approx(12.0))
    assert s1["median_lead_time_days"] == pytest.approx(12.5)
    assert s1["lead_time_cv"] == pytest.approx(5.015201 / 13.75, abs=1e-6)
    assert s1["planned_lead_time_days"] == 10
    assert (s1["open_po_lines"], s1["open_po_lines_past_promise"]) == (2, 0)
    assert (s1["open_backorder_lines"], s1["open_backorder_units"], s1["open_backorder_value"]) == (1, 4, 80)
    assert (s2["po_lines_received"], s2["on_time_rate"], s2["avg_delay_days"]) == (2, 0.5, 5.0)
    assert (s2["p90_delay_days"], s2["median_lead_time_days"]) == (pytest.approx(9.0), 35.0)
    assert s2["lead_time_cv"] == pytest.approx(7.071068 / 35, abs=1e-6)
    assert (s2["open_po_lines"], s2["open_po_lines_past_promise"]) == (2, 1)
    assert (s2["open_backorder_lines"], s2["open_backorder_units"], s2["open_backorder_value"]) == (2, 5, 250)
    assert (total["po_lines_received"], total["on_time_rate"]) == (26, pytest.approx(5 / 26))
    assert total["avg_delay_days"] == pytest.approx(100 / 26)
    web = by_supplier(run(suppliers_db, "supplier_scorecard", {"start": "2026-01-01", "channel": "web"}))
    assert (web["S2"]["open_backorder_lines"], web["S2"]["open_backorder_value"]) == (1, 150)


def test_scorecard_measures_stocks_at_the_end_of_the_period(suppliers_db: Path) -> None:
    card = by_supplier(run(suppliers_db, "supplier_scorecard", {"start": "2026-01-01", "end": "2026-02-20"}))
    s1, s2 = card["S1"], card["S2"]
    assert (s1["po_lines_received"], s1["avg_delay_days"], s1["on_time_rate"]) == (
        18,
        2.0,
        pytest.approx(4 / 18),
    )
    assert (s1["open_po_lines"], s1["open_po_lines_past_promise"]) == (6, 3)
    assert (s1["open_backorder_lines"], s1["open_backorder_units"], s1["open_backorder_value"]) == (1, 5, 50)
    assert (s2["open_po_lines"], s2["open_po_lines_past_promise"], s2["open_backorder_lines"]) == (2, 0, 0)
    only = run(suppliers_db, "supplier_scorecard", {"start": "2026-01-01", "supplier": "S2"})
    assert only["supplier_id"].tolist() == ["S2", "All suppliers"]


def test_weekly_trend_matches_the_hand_computation(suppliers_db: Path) -> None:
    weekly = run(suppliers_db, "supplier_weekly", {"start": "2026-01-05"})
    rows = {(day(r["week"]), r["supplier_id"]): r for r in weekly.to_dict("records")}
    w7 = rows[(dt.date(2026, 2, 16), "S1")]
    assert (w7["lines_due"], w7["on_time_rate"], w7["avg_delay_days"], w7["median_delay_days"]) == (
        3,
        0,
        16,
        16,
    )
    first = rows[(dt.date(2026, 1, 5), "All suppliers")]
    assert (first["lines_due"], first["on_time_rate"], first["avg_delay_days"]) == (4, 0.75, 0.0)
    last = rows[(dt.date(2026, 2, 23), "All suppliers")]
    assert (last["lines_due"], last["lines_received"], last["lines_open_late"]) == (4, 3, 1)
    assert last["avg_delay_days"] == pytest.approx((1 + 2 + 3 + 13) / 4)
    assert max(week for week, _ in rows) == dt.date(2026, 2, 23)  # P9 and Q4 are not due yet
    narrowed = run(suppliers_db, "supplier_weekly", {"start": "2026-01-05", "supplier": "S2"})
    assert set(narrowed["supplier_id"]) == {"S2", "All suppliers"}
    assert (
        narrowed[narrowed["supplier_id"] == "All suppliers"]["lines_due"].sum()
        == weekly[weekly["supplier_id"] == "All suppliers"]["lines_due"].sum()
    )


def test_lead_times_match_the_hand_computation(suppliers_db: Path) -> None:
    leads = by_supplier(run(suppliers_db, "supplier_lead_times", {"start": "2026-01-01"}))
    s1, s2 = leads["S1"], leads["S2"]
    quantiles = ("min", "p10", "q1", "median", "q3", "p90", "max")
    assert [s1[f"{q}_lead_time_days"] for q in quantiles] == [9, 10, 11, 12.5, 14, pytest.approx(22), 27]
    assert (s1["share_longer_than_planned"], s1["planned_lead_time_days"]) == (pytest.approx(20 / 24), 10)
    assert [s2[f"{q}_lead_time_days"] for q in ("p10", "median", "p90")] == [31, 35, 39]


def test_disruption_robust_z_matches_the_hand_computation(suppliers_db: Path) -> None:
    flagged = run(suppliers_db, "supplier_disruptions", {"start": "2026-01-01"})
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert (row["supplier_id"], day(row["period_start"]), day(row["period_end"])) == (
        "S1",
        dt.date(2026, 2, 16),
        dt.date(2026, 2, 22),
    )
    assert (row["weeks"], row["lines_due"], row["lines_open"]) == (1, 3, 0)
    assert (row["median_delay_days"], row["baseline_delay_days"]) == (16, 2)
    assert row["peak_z"] == pytest.approx(14 / (1.4826 * 2))
    assert (day(row["impact_end"]), row["skus_affected"], row["sku_list"]) == (
        dt.date(2026, 3, 10),
        2,
        "A, B",
    )
    assert (row["backorder_lines"], row["backorder_units"], row["backorder_value"]) == (2, 9, 130)
    assert (row["canceled_lines"], row["open_at_end_lines"]) == (0, 1)


def test_open_lines_past_promise_count_as_lower_bounds(suppliers_db: Path) -> None:
    early = run(suppliers_db, "supplier_disruptions", {"start": "2026-01-01", "end": "2026-03-04"})
    assert len(early) == 1
    row = early.iloc[0]
    assert (row["lines_open"], row["median_delay_days"]) == (3, 14)
    assert row["peak_z"] == pytest.approx(12 / (1.4826 * 2))
    assert (day(row["impact_end"]), row["open_at_end_lines"]) == (dt.date(2026, 3, 8), 2)
    assert run(suppliers_db, "supplier_disruptions", {"start": "2026-01-01", "end": "2026-02-20"}).empty
    # The period filter lists periods; it never shrinks the history the z-score is measured against.
    assert run(suppliers_db, "supplier_disruptions", {"start": "2026-02-23"}).empty
    assert len(run(suppliers_db, "supplier_disruptions", {"start": "2026-02-22"})) == 1


def test_watchlist_matches_the_hand_computation(suppliers_db: Path) -> None:
    watch = run(suppliers_db, "supplier_watchlist")
    assert list(zip(watch["call_rank"], watch["po_id"], watch["days_past_promise"], strict=True)) == [
        (1, "Q3", 13),
        (1, "Q4", -4),
        (2, "P9", -2),
    ]
    assert watch["waiting_lines"].tolist() == [1, 1, 1]
    assert watch["waiting_value"].tolist() == [150, 100, 80]
    assert [day(d) for d in watch["expected_receipt"]] == [
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 19),
        dt.date(2026, 3, 15),
    ]
    q3 = watch.iloc[0]
    assert (q3["supplier_waiting_lines_past_promise"], q3["supplier_waiting_value_past_promise"]) == (1, 150)
    wider = run(suppliers_db, "supplier_watchlist", {"due_within_days": 10, "channel": "web"})
    assert wider["po_id"].tolist() == ["Q3", "Q4", "P9", "P10"]
    assert wider["waiting_value"].tolist() == [150, 0, 80, 0]


# The page.


def open_page(query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(query_params or {})
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_page_shows_every_section_and_who_to_call_first(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page({"start": "2026-01-05"})
    assert_clean(at)
    assert at.title[0].value == "Suppliers"
    assert "not built yet" not in " ".join(i.value for i in at.info)
    headings = [s.value for s in at.subheader]
    titles = [catalog.find(name).title for name in IDS]
    assert headings[: len(titles)] == titles
    callout = at.warning[0].value
    assert callout.startswith(f"**Call Keystone Home Goods ({PLANTED.disrupted_supplier}) first.**")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Suppliers disrupted"] == str(1 + len(PLANTED.overseas_suppliers))
    chosen = at.multiselect(key="supplier_weekly.suppliers").value
    assert PLANTED.disrupted_supplier in chosen
    assert len(at.get("vega_lite_chart")) >= 3
    assert at.number_input(key="supplier_watchlist.due_within_days").value == 7


def test_sidebar_supplier_narrows_the_page(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page()
    at.sidebar.selectbox(key="filter.supplier").set_value("SUP08").run()
    assert_clean(at)
    scorecard = at.dataframe[0].value
    assert scorecard["supplier_id"].tolist() == ["SUP08", "All suppliers"]
    assert at.multiselect(key="supplier_weekly.suppliers").value == ["SUP08"]
    assert not at.warning or "SUP03" not in at.warning[0].value


def test_page_on_the_hand_made_shop(suppliers_db: Path, use_db) -> None:
    use_db(suppliers_db)
    at = open_page({"start": "2026-01-01"})
    assert_clean(at)
    assert at.warning[0].value.startswith("**Call Far East Toys (S2) first.** 1 open PO lines past promise, ")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["PO lines received"], metrics["On-time rate"]) == ("26", "19%")
    at.number_input(key="supplier_watchlist.due_within_days").set_value(10).run()
    assert_clean(at)
    assert at.dataframe[-1].value["po_id"].tolist() == ["Q3", "Q4", "P9", "P10"]
