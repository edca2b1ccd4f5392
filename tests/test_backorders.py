"""The Backorders page's queries: planted events on the sample shop, and a hand-built shop.

The hand-built shop (tests/fixtures/backorders_eta, as-of date Sun 2026-02-08; prices A 10,
B 20, C 5, D 8, E 15, M 100):

  line   SKU ordered  bo  channel      promised  outcome
  O01-1  E   11-20    1   web          11-30     open (age 80)
  O06-1  E   01-19    1   web          01-29     open (age 20)
  O15-1  B   01-26    1   web          02-10     shipped 02-03
  O07-1  A   02-01    3   web          02-20     open
  O08-1  A   02-02    4   store        02-10     open
  O14-1  E   02-02    2   web          02-12     canceled 02-06
  O09-1  A   02-03    2   web          02-05     open
  O11-1  M   02-04    3   web          02-28     open (made to order)
  O11-2  B   02-04    1   web          02-12     open
  O10-1  A   02-05    5   marketplace  02-25     open
  O12-1  D   02-06    5   web          02-15     open (qty 20)
  O13-1  C   02-07    2   marketplace  02-09     open; the 02-07 snapshot shows 5 on hand, 1 allocated
  (and lines served from stock: O02-1, O03-1 D 2 units each in Dec, O12-2 E 3, O13-2 C 1)

Supplier S1's received PO lines were late by +1, +3 and +8 days: median 3. S2's by -2 and -1:
median -1.5, never applied earlier, so 0. Open PO lines: A: PA 5 units promised 02-20 (expected
02-23) and PB 6 units promised 02-12 (expected 02-15); B: PC 2 units promised 02-03, expected
02-03, before the as-of date, so 02-08.

FIFO for A (oldest order first, earliest expected receipt first): O07-1 (3, cumulative 3) is
completed by PB (cumulative 6): ETA 02-15; O08-1 (7) and O09-1 (9) by PA (11): 02-23; O10-1
(14) is not covered. O11-2 (B) by PC: 02-08. C, D, E and M have no open PO.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dashboard import ingest, sample
from dashboard.query import catalog, warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "backorders_eta"
PLANTED = sample.PLANTED
Run = Callable[..., pd.DataFrame]


def runner(path: Path) -> Run:
    con = warehouse.connect(path)
    day = catalog.as_of(con)
    queries = {query.id: query for query in catalog.discover() if not query.error}

    def run(name: str, **values: object) -> pd.DataFrame:
        query = queries[name]
        return catalog.run(con, query, catalog.bind(query, values, day))

    return run


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backorders_eta") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    return path


@pytest.fixture(scope="module")
def hand(shop: Path) -> Run:
    return runner(shop)


@pytest.fixture(scope="module")
def planted(sample_db: Path) -> Run:
    return runner(sample_db)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows as plain tuples (dates as dates, missing as None) to compare with hand-written ones."""
    out = []
    for row in frame[columns].itertuples(index=False):
        out.append(
            tuple(
                None
                if pd.isna(value)
                else value.date()
                if isinstance(value, pd.Timestamp)
                else value.item()
                if hasattr(value, "item")
                else value
                for value in row
            )
        )
    return out


# --- the hand-built shop -------------------------------------------------------------------------


def test_fifo_eta_in_the_view(shop: Path) -> None:
    con = warehouse.connect(shop)
    found = con.execute(
        "select order_id, line_no, eta_po_id, eta from backorder_lines where status = 'open'"
        " order by order_id, line_no"
    ).fetchall()
    assert found == [
        ("O01", 1, None, None),
        ("O06", 1, None, None),
        ("O07", 1, "PB", d("2026-02-15")),
        ("O08", 1, "PA", d("2026-02-23")),
        ("O09", 1, "PA", d("2026-02-23")),
        ("O10", 1, None, None),
        ("O11", 1, None, None),
        ("O11", 2, "PC", d("2026-02-08")),
        ("O12", 1, None, None),
        ("O13", 1, None, None),
    ]


def test_eta_lines_flag_each_line_against_its_promise(hand: Run) -> None:
    """O07-1 02-15 vs promised 02-20: on track; O08-1 02-23 vs 02-10: will miss by 13 days; O09-1
    was promised 02-05, before the as-of date: already missed (18 days); O10-1 has no PO."""
    lines = hand("eta_lines")
    flags = dict(zip(lines["order_id"] + "-" + lines["line_no"].astype(str), lines["eta_flag"], strict=True))
    assert flags == {
        "O01-1": "no replenishment planned",
        "O06-1": "no replenishment planned",
        "O07-1": "on track",
        "O08-1": "will miss promise",
        "O09-1": "promise already missed",
        "O10-1": "no replenishment planned",
        "O11-1": "no replenishment planned",
        "O11-2": "on track",
        "O12-1": "no replenishment planned",
        "O13-1": "no replenishment planned",
    }
    a = lines[lines["sku"] == "A"]
    assert records(a, ["order_id", "eta", "eta_po_line", "days_late", "age_days"]) == [
        ("O07", d("2026-02-15"), "PB-1", -5, 7),
        ("O08", d("2026-02-23"), "PA-1", 13, 6),
        ("O09", d("2026-02-23"), "PA-1", 18, 5),
        ("O10", None, None, None, 3),
    ]


def test_eta_status_and_weeks(hand: Run) -> None:
    """No PO: O10-1 (5 units, 50), M (3, 300), D (5, 40), C (2, 10), E twice (1 + 1, 30): 6 lines, 17
    units, 430. Already missed: O09-1 (2, 20, 18 days late). Will miss: O08-1 (4, 40, 13 days).
    On track: O07-1 (3, 30) and O11-2 (1, 20). ETA weeks: O11-2 on Sun 02-08 (week of 02-02),
    O07-1 on Sun 02-15 (week of 02-09), O08-1 and O09-1 on Mon 02-23."""
    status = hand("eta_status")
    assert records(status, ["eta_flag", "open_lines", "open_units", "open_value", "avg_days_late"]) == [
        ("no replenishment planned", 6, 17, 430.0, None),
        ("promise already missed", 1, 2, 20.0, 18.0),
        ("will miss promise", 1, 4, 40.0, 13.0),
        ("on track", 2, 4, 50.0, None),
        ("no promise date", 0, 0, 0.0, None),
    ]
    weeks = hand("eta_by_week")
    assert records(weeks, ["eta_week", "eta_flag", "open_lines", "open_units"]) == [
        (d("2026-02-02"), "on track", 1, 1),
        (d("2026-02-09"), "on track", 1, 3),
        (d("2026-02-23"), "promise already missed", 1, 2),
        (d("2026-02-23"), "will miss promise", 1, 4),
    ]
    assert hand("eta_status", channel="marketplace")["open_lines"].tolist() == [2, 0, 0, 0, 0]


def test_summary_trend_and_flows(hand: Run) -> None:
    """Open at the end of 01-31: O01-1, O06-1 (E) and O15-1 (B): 3 lines, 3 units, 50. Then per day
    (+ ordered, - closed): 02-01 +O07 (3, 30); 02-02 +O08 (4, 40) +O14 (2, 30); 02-03 +O09 (2, 20)
    -O15 (1, 20); 02-04 +M (3, 300) +B (1, 20); 02-05 +O10 (5, 50); 02-06 +D (5, 40) -O14;
    02-07 +C (2, 10). At 02-08: 10 lines, 27 units, 540; ages 80, 20, 7, 6, 5, 3, 4, 4, 2, 1 ->
    13.2 on average; past their promise at 02-08: O01-1, O06-1, O09-1."""
    summary = hand("backlog_summary", start="2026-02-01").iloc[0]
    assert summary[["open_lines", "open_units", "open_value"]].tolist() == [10, 27, 540.0]
    assert summary[["open_lines_at_start", "open_units_at_start", "open_value_at_start"]].tolist() == [
        3,
        3,
        50.0,
    ]
    assert summary["avg_age_days"] == pytest.approx(13.2)
    assert summary[["oldest_age_days", "past_promise_lines"]].tolist() == [80, 3]
    assert summary[["new_lines", "shipped_lines", "canceled_lines"]].tolist() == [9, 1, 1]

    daily = hand("backlog_trend", start="2026-02-01", grain="day")
    assert records(daily, ["day", "open_lines", "open_units", "open_value"]) == [
        (d("2026-02-01"), 4, 6, 80.0),
        (d("2026-02-02"), 6, 12, 150.0),
        (d("2026-02-03"), 6, 13, 150.0),
        (d("2026-02-04"), 8, 17, 470.0),
        (d("2026-02-05"), 9, 22, 520.0),
        (d("2026-02-06"), 9, 25, 530.0),
        (d("2026-02-07"), 10, 27, 540.0),
        (d("2026-02-08"), 10, 27, 540.0),
    ]
    weekly = hand("backlog_trend", start="2026-01-28")
    # The Sundays 02-01 and 02-08 (also the To date); 01-28..01-31 holds no Sunday.
    assert records(weekly, ["day", "period", "open_lines"]) == [
        (d("2026-02-01"), d("2026-01-26"), 4),
        (d("2026-02-08"), d("2026-02-02"), 10),
    ]

    flows = hand("backlog_flows", start="2026-02-01")
    assert records(
        flows,
        ["week", "days_in_period", "new_lines", "shipped_lines", "canceled_lines", "net_lines", "net_units"],
    ) == [
        (d("2026-01-26"), 1, 1, 0, 0, 1, 3),
        (d("2026-02-02"), 7, 8, 1, 1, 6, 21),
    ]


def test_aging_where_and_oldest(hand: Run) -> None:
    """Ages at 02-08: eight lines of 1-7 days (25 units, 510), O06-1 20 days, O01-1 80 days."""
    aging = hand("backlog_aging")
    assert records(aging, ["age_bucket", "open_lines", "open_units", "open_value"]) == [
        ("0-7", 8, 25, 510.0),
        ("8-14", 0, 0, 0.0),
        ("15-30", 1, 1, 15.0),
        ("31-60", 0, 0, 0.0),
        ("60+", 1, 1, 15.0),
    ]
    where = hand("backlog_where")
    assert records(where, ["dimension", "member", "open_lines", "open_units", "open_value"]) == [
        ("category", "Tools", 7, 17, 190.0),
        ("category", "Toys", 2, 7, 50.0),
        ("category", "Furniture", 1, 3, 300.0),
        ("channel", "web", 7, 16, 440.0),
        ("channel", "marketplace", 2, 7, 60.0),
        ("channel", "store", 1, 4, 40.0),
        ("supplier", "S1 Domestic Co", 6, 16, 170.0),
        ("supplier", "S2 Overseas Ltd", 3, 8, 70.0),
        ("supplier", "S3 Workshop", 1, 3, 300.0),
    ]
    oldest = hand("oldest_backorders", top=3)
    assert records(oldest, ["order_id", "sku", "age_days", "days_past_promise"]) == [
        ("O01", "E", 80, 70),
        ("O06", "E", 20, 10),
        ("O07", "A", 7, 0),
    ]
    # At the end of 02-01: O15-1 (age 6) and O07-1 (0) in 0-7, O06-1 (13) in 8-14, O01-1 (73) in 60+.
    earlier = hand("backlog_aging", end="2026-02-01")
    assert earlier["open_lines"].tolist() == [2, 1, 0, 0, 1]
    assert earlier["open_units"].tolist() == [1 + 3, 1, 0, 0, 1]


def test_top_skus_stock_position(hand: Run) -> None:
    """Top 2 by units: A (14), D (5); by value: M (300), A (140), then D (40). A has 11 units on
    open POs, the earliest promised 02-12."""
    top = hand("top_skus", top=2)
    assert records(top, ["sku", "rank_by_units", "rank_by_value", "open_units", "on_hand", "on_order"]) == [
        ("A", 1, 2, 14, 0, 11),
        ("D", 2, 3, 5, 0, 0),
        ("M", 3, 1, 3, 0, 0),
    ]
    assert top.loc[top["sku"] == "A", "next_po_promised"].dt.date.tolist() == [d("2026-02-12")]


def test_root_cause_labels_and_evidence(hand: Run) -> None:
    """At 02-08. A: 14 units backordered, open POs hold 11 and none is late -> no_replenishment.
    D: 20 units in the last 4 weeks against 4 in the 12 before (0.33/week) -> demand_spike (no PO
    either). M: made to order, 3 units ordered from S3 in 16 weeks, 2 made (3 >= 1.1 x 2) ->
    capacity_limited. E: no PO -> no_replenishment. C: the 02-07 snapshot had 5 - 1 = 4 available
    for a line backordered 2 -> oversold. B: PC promised 02-03 is 5 days past it (> 3) ->
    supplier_late."""
    causes = hand("root_cause")
    assert records(causes, ["sku", "root_cause", "also", "open_units"]) == [
        ("A", "no_replenishment", "", 14),
        ("D", "demand_spike", "no_replenishment", 5),
        ("M", "capacity_limited", "no_replenishment", 3),
        ("E", "no_replenishment", "", 2),
        ("C", "oversold", "no_replenishment", 2),
        ("B", "supplier_late", "", 1),
    ]
    by_sku = causes.set_index("sku")
    assert by_sku.loc["A", ["backlog_units_all_channels", "open_po_qty"]].tolist() == [14, 11]
    assert by_sku.loc["D", ["recent_weekly_units", "baseline_weekly_units"]].tolist() == [5.0, 0.33]
    assert by_sku.loc["M", ["maker_ordered_units", "maker_made_units"]].tolist() == [3, 2]
    assert by_sku.loc["B", ["late_po_lines", "max_days_past_promise"]].tolist() == [1, 5]
    assert by_sku.loc["C", "oversold_units"] == 2
    assert by_sku.loc["B", "evidence"].startswith("1 open PO line(s) more than 3 days past")
    # Marketplace only: A's O10-1 (5 units) and C's O13-1; A is still judged on its whole backlog.
    market = hand("root_cause", channel="marketplace")
    assert records(market, ["sku", "root_cause", "open_units"]) == [
        ("A", "no_replenishment", 5),
        ("C", "oversold", 2),
    ]
    # On 02-05 PC was 2 days past its promise, inside the grace: B was covered and on time.
    assert hand("root_cause", end="2026-02-05").set_index("sku").loc["B", "root_cause"] == "other"


def test_sku_lines_drill_down(hand: Run) -> None:
    """E: O01-1 and O06-1 open at 02-08, O14-1 canceled on 02-06 after 4 days."""
    lines = hand("sku_lines", start="2026-02-01", sku="E")
    assert records(lines, ["order_id", "status_at_end", "age_days", "days_past_promise", "oversold"]) == [
        ("O01", "open", 80, 70, False),
        ("O06", "open", 20, 10, False),
        ("O14", "canceled", 4, None, False),
    ]
    assert hand("sku_lines", sku="C")["oversold"].tolist() == [True]
    assert hand("sku_lines", sku="E", channel="store").empty
    assert hand("sku_lines").empty


def test_backorder_rate_by_channel(hand: Run) -> None:
    """Week of 02-02: web 6 lines, 5 backordered, 31 units, 13 backordered; store 1 of 1 (4 of 4);
    marketplace 2 of 3 (7 of 8); all: 8 of 10, 24 of 43."""
    rates = hand("backorder_rate", start="2026-02-02")
    assert records(
        rates, ["channel", "lines_ordered", "backordered_lines", "units_ordered", "backordered_units"]
    ) == [
        ("marketplace", 3, 2, 8, 7),
        ("store", 1, 1, 4, 4),
        ("web", 6, 5, 31, 13),
        ("All channels", 10, 8, 43, 24),
    ]
    assert rates["unit_fill_rate"].tolist() == pytest.approx([1 / 8, 0.0, 18 / 31, 19 / 43])
    assert hand("backorder_rate", start="2026-02-02", channel="web")["channel"].tolist() == ["web"]


def test_root_cause_thresholds_are_documented() -> None:
    """Every named constant of the root-cause query appears as `name = value` in the description
    the page shows under 'How the labels are decided', so the page cannot drift from the SQL."""
    query = catalog.find("root_cause")
    block = re.search(r"constants as \(\s*select(.*?)\),", query.text, re.DOTALL)
    assert block
    constants = re.findall(r"^\s*([\d.]+) as (\w+),", block.group(1), re.MULTILINE)
    assert len(constants) >= 10
    text = " ".join(query.description.split())
    for value, name in constants:
        assert f"{name} = {value}" in text, f"{name} = {value} is not documented in the description"
    for name in ("oversold", "capacity_limited", "demand_spike", "supplier_late", "no_replenishment"):
        assert f"`{name}`" in text


# --- planted events in the sample shop -------------------------------------------------------------


@pytest.mark.parametrize("end", ["2026-10-18", "2026-10-25"])
def test_disrupted_supplier_dominates_the_backlog_and_is_late(planted: Run, end: str) -> None:
    where = planted("backlog_where", end=end)
    suppliers = where[where["dimension"] == "supplier"].sort_values("open_units", ascending=False)
    assert suppliers["member"].iloc[0].startswith(PLANTED.disrupted_supplier)
    assert suppliers["share_of_units"].iloc[0] > 0.45
    causes = planted("root_cause", end=end, supplier=PLANTED.disrupted_supplier)
    late = causes.loc[causes["root_cause"] == "supplier_late", "open_units"].sum()
    assert late >= 0.9 * causes["open_units"].sum()
    assert (causes["late_po_lines"] > 0).mean() > 0.8


def test_before_the_disruption_the_supplier_is_not_late(planted: Run) -> None:
    where = planted("backlog_where", end="2026-09-20")
    suppliers = where[where["dimension"] == "supplier"].sort_values("open_units", ascending=False)
    assert not suppliers["member"].iloc[0].startswith(PLANTED.disrupted_supplier)
    causes = planted("root_cause", end="2026-09-20", supplier=PLANTED.disrupted_supplier)
    assert (causes["root_cause"] != "supplier_late").all()


@pytest.mark.parametrize("end", ["2026-11-01", "2026-11-08", "2026-11-15"])
def test_spiking_skus_are_labelled_demand_spike(planted: Run, end: str) -> None:
    causes = planted("root_cause", end=end)
    spiking = causes[causes["sku"].isin(PLANTED.spike_skus)]
    assert len(spiking) >= 3
    assert spiking["is_demand_spike"].all()
    big = spiking[spiking["open_units"] >= 20]
    assert len(big) >= 3 and (big["root_cause"] == "demand_spike").all()
    labelled = causes[causes["root_cause"] == "demand_spike"]
    assert (
        labelled.loc[labelled["sku"].isin(PLANTED.spike_skus), "open_units"].sum()
        >= 0.9 * labelled["open_units"].sum()
    )


def test_before_the_spike_no_spiking_sku_is_flagged(planted: Run) -> None:
    causes = planted("root_cause", end="2026-10-18")
    assert not causes.loc[causes["sku"].isin(PLANTED.spike_skus), "is_demand_spike"].any()


@pytest.mark.parametrize("end", ["2026-03-15", "2026-06-14", "2026-11-22"])
def test_only_the_overselling_channel_is_oversold(planted: Run, end: str) -> None:
    market = planted("root_cause", end=end, channel=PLANTED.oversell_channel)
    oversold = market[market["root_cause"] == "oversold"]
    assert len(oversold) >= 5
    assert oversold["open_units"].sum() >= 0.25 * market["open_units"].sum()
    for channel in {"web", "store", "marketplace"} - {PLANTED.oversell_channel}:
        assert not planted("root_cause", end=end, channel=channel)["is_oversold"].any()


def test_no_overselling_before_it_started(planted: Run) -> None:
    market = planted("root_cause", end="2026-02-22", channel=PLANTED.oversell_channel)
    assert len(market) > 0 and not market["is_oversold"].any()


@pytest.mark.parametrize("end", ["2025-12-21", "2026-06-14", "2026-11-22"])
def test_made_to_order_category_is_capacity_limited(planted: Run, end: str) -> None:
    causes = planted("root_cause", end=end)
    furniture = causes[causes["category"] == PLANTED.mto_category]
    assert len(furniture) >= 10
    assert (furniture["root_cause"] == "capacity_limited").all()
    assert not causes.loc[causes["category"] != PLANTED.mto_category, "is_capacity_limited"].any()


def test_fifo_eta_properties_on_the_sample(sample_db: Path, planted: Run) -> None:
    """Within a SKU, ETAs never go down from older to newer orders, uncovered lines come last, and
    no ETA is before the as-of date; every line without an ETA is flagged."""
    con = warehouse.connect(sample_db)
    frame = con.execute(
        "select sku, ordered_at, order_id, line_no, eta, (select as_of from warehouse_meta) as as_of"
        " from backorder_lines where status = 'open' order by sku, ordered_at, order_id, line_no"
    ).df()
    assert len(frame) > 100
    assert (frame["eta"].dropna() >= frame["as_of"].iloc[0]).all()
    for _, lines in frame.groupby("sku"):
        covered = lines["eta"].notna().to_numpy()
        assert covered.tolist() == sorted(covered, reverse=True)
        assert lines["eta"].dropna().is_monotonic_increasing
    lines = planted("eta_lines")
    assert len(lines) == len(frame)
    uncovered = lines["eta"].isna()
    assert uncovered.any() and (lines.loc[uncovered, "eta_flag"] == "no replenishment planned").all()
    furniture = lines[lines["supplier_name"] == "Own Workshop"]
    assert furniture["eta"].isna().mean() > 0.5


@pytest.mark.parametrize("end", ["2026-06-14", "2026-10-25", "2026-11-22"])
def test_backlog_figures_agree_with_the_headline_kpis(planted: Run, end: str) -> None:
    """The trend's running sum of deltas, the summary, the aging buckets and kpis.sql (a direct
    filter on open lines) count the same backlog at the end of the To date."""
    kpis = planted("kpis", start=end, end=end).iloc[0]
    summary = planted("backlog_summary", start=end, end=end).iloc[0]
    trend = planted("backlog_trend", start=end, end=end).iloc[-1]
    aging = planted("backlog_aging", end=end)
    for column in ("open_lines", "open_units"):
        assert trend[column] == summary[column] == aging[column].sum() == kpis[f"open_backorder_{column[5:]}"]
    assert trend["open_value"] == pytest.approx(summary["open_value"])
    assert trend["open_value"] == pytest.approx(kpis["open_backorder_value"])
    assert trend["day"].date() == d(end)
