"""Cancellation risk: the model's backtest on the sample shop, the planted effect of waiting past
the promise, and a hand-built shop for the delay-notice rules and the alternatives.

The hand-built shop (tests/fixtures/risk_notices, as-of date Sun 2026-03-01; supplier S1 has no
received PO line, so expected receipt = promised date):

  line   SKU  ordered  bo  promised  ETA (FIFO)                        notice?
  O3-1   R    01-20    1   -         none                              no promise, waited 40 >= 30
  O8-1   B    01-25    2   03-02     03-05 (P2: 5 units; cum 2)        ETA after promise
  O8-2   B    01-25    1   03-01     03-05 (cum 3)                     ETA after promise
  O5-1   C    01-30    1   -         none                              no promise, waited 30 (boundary)
  O4-1   C    02-01    1   -         none                              no: waited 28
  O6-1   C    02-05    2   02-20     none                              promise already missed
  O7-1   C    02-06    1   02-10     shipped 02-25                     no: closed
  O1-1   A    02-10    3   03-10     03-20 (P1: 3 units; cum 3)        ETA after promise, 10 days late
  O1-2   B    02-10    1   03-10     03-05 (cum 4)                     no: on time
  O2-1   A    02-12    1   04-30     none (cum 4 > 3)                  promise, no ETA

Alternatives (latest snapshot 03-01, available = on hand - allocated > 0, same category, price
within ±20%, closest price first then most stock, three at most): for A (Lighting, 100):
A8 100 (2 available), A9 90 (7) and A2 110 (4) tie on distance 10 and A9 has more stock; A3 85
and A4 119 are in the band but come fourth and fifth; A5 121 is outside; A6 has 3 on hand all
allocated; A7 had stock on 02-20 but none on 03-01. For R (Textiles, 100): R2 at 80, on the
band's edge. B and C (Lighting, 10 and 12) have nothing in stock within 20%.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import ingest
from dashboard.model import outputs, risk
from dashboard.query import catalog, runner, warehouse
from dashboard.review import weekly

FIXTURE = Path(__file__).parent / "fixtures" / "risk_notices"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("risk_notices") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    con = warehouse.connect(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def sample(sample_db: Path):
    con = warehouse.connect(sample_db)
    yield con
    con.close()


def run(con, name: str, **values: object) -> pd.DataFrame:
    query = catalog.find(name)
    return catalog.run(con, query, catalog.bind(query, values, catalog.as_of(con)))


def plain(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in frame[columns].itertuples(index=False)]


def test_delay_notices_follow_the_rules(shop) -> None:
    notices = run(shop, "delay_notices")
    columns = [
        "order_id",
        "customer_id",
        "lines_due",
        "units",
        "value",
        "promised_date",
        "new_eta",
        "days_late",
    ]
    assert records(notices, columns) == [
        ("O6", "K3", 1, 2, 24.0, d("2026-02-20"), None, None),
        ("O8", "K4", 2, 3, 30.0, d("2026-03-01"), d("2026-03-05"), 4),
        ("O1", "K1", 1, 3, 300.0, d("2026-03-10"), d("2026-03-20"), 10),
        ("O2", "K1", 1, 1, 100.0, d("2026-04-30"), None, None),
        ("O3", "K2", 1, 1, 100.0, None, None, None),
        ("O5", "K3", 1, 1, 12.0, None, None, None),
    ]
    assert notices["reasons"].tolist() == [
        "promise already missed",
        "ETA after the promised date",
        "ETA after the promised date",
        "no ETA for the promised date",
        "no promise, waited 30+ days",
        "no promise, waited 30+ days",
    ]
    assert notices["days_waited"].tolist() == [24, 35, 19, 17, 40, 30]
    assert run(shop, "delay_notices", channel="marketplace")["order_id"].tolist() == ["O3"]


def test_alternatives_are_in_stock_same_category_within_the_band(shop) -> None:
    offers = run(shop, "offer_alternatives")
    columns = [
        "order_id",
        "line_no",
        "rank",
        "alternative_sku",
        "alternative_price",
        "available",
        "covers_line",
    ]
    assert records(offers, columns) == [
        ("O1", 1, 1, "A8", 100.0, 2, False),
        ("O1", 1, 2, "A9", 90.0, 7, True),
        ("O1", 1, 3, "A2", 110.0, 4, True),
        ("O2", 1, 1, "A8", 100.0, 2, True),
        ("O2", 1, 2, "A9", 90.0, 7, True),
        ("O2", 1, 3, "A2", 110.0, 4, True),
        ("O3", 1, 1, "R2", 80.0, 5, True),
    ]
    assert offers["price_difference_pct"].tolist() == [0.0, -10.0, 10.0, 0.0, -10.0, 10.0, -20.0]
    # A wider band lets A5 (121) in, but the three closest prices still win.
    wide = run(shop, "offer_alternatives", price_band=0.25)
    assert "A5" not in set(wide["alternative_sku"])
    # On 02-20 the only snapshot with stock is A7's (2 available): offered for both Arc Lamp lines.
    earlier = run(shop, "offer_alternatives", end=d("2026-02-20"))
    assert records(earlier, columns) == [
        ("O1", 1, 1, "A7", 100.0, 2, False),
        ("O2", 1, 1, "A7", 100.0, 2, True),
    ]


def test_first_seen_rows_are_each_line_once_on_its_first_open_evening(shop) -> None:
    """The backtest's rows from 02-05 to 02-10: the lines open at the end of 02-05 as of 02-05 (O6-1
    was ordered that day), later backorders on their order day (O7-1 02-06, O1 02-10; O2-1, ordered
    02-12, is after the window). The queue is every line open on that SKU-day, asked for or not:
    O1-2 queues behind O8-1 (2) and O8-2 (1) on B, so 4 units up to it (the header's "cum 4")."""
    rows = risk.features(shop, "first_seen", d("2026-02-05"), 5)
    columns = ["order_id", "line_no", "day", "queue_units", "days_waited", "outcome"]
    assert records(rows, columns) == [
        ("O3", 1, d("2026-02-05"), 1, 16, "open"),
        ("O4", 1, d("2026-02-05"), 2, 4, "open"),
        ("O5", 1, d("2026-02-05"), 1, 6, "open"),
        ("O6", 1, d("2026-02-05"), 4, 0, "open"),
        ("O8", 1, d("2026-02-05"), 2, 11, "open"),
        ("O8", 2, d("2026-02-05"), 3, 11, "open"),
        ("O7", 1, d("2026-02-06"), 5, 0, "shipped"),
        ("O1", 1, d("2026-02-10"), 3, 0, "open"),
        ("O1", 2, d("2026-02-10"), 4, 0, "open"),
    ]
    assert set(rows["role"]) == {"first_seen"}
    # A line closed before the window is not in it; a scope keeps its own lines only.
    assert "O7" not in set(risk.features(shop, "first_seen", d("2026-02-26"), 3)["order_id"])
    store = risk.features(shop, "first_seen", d("2026-02-05"), 5, scope={"channel": "store"})
    assert records(store, ["order_id", "queue_units"]) == [("O6", 4)]


def test_first_seen_rows_are_the_score_rows_first_day_of_each_line(sample) -> None:
    """On the sample: the first_seen rows are exactly the score rows of the window, each line's first
    day kept (what the backtest scored when it took them from the score rows in pandas)."""
    as_of = catalog.as_of(sample)
    cutoff = as_of - dt.timedelta(weeks=risk.BACKTEST_CUTOFF_WEEKS)
    every_day = risk.features(sample, "score", cutoff, 20)
    first = every_day.sort_values("day", kind="stable").drop_duplicates(["order_id", "line_no"])
    first = first.assign(role="first_seen").reset_index(drop=True)
    assert len(first) < len(every_day)
    pd.testing.assert_frame_equal(risk.features(sample, "first_seen", cutoff, 20), first)


def test_explanations_skip_no_factor_that_changes_the_risk(sample) -> None:
    """Factors a line already has the typical value of are not predicted again: their effect is 0,
    exactly what resetting them gives, and every other effect is the reset's difference."""
    as_of = catalog.as_of(sample)
    model = risk.fit(risk.features(sample, "train", as_of), as_of)
    rows = risk.features(sample, "score", as_of)
    effects = risk.explain(model, rows)
    current = model.predict(rows)
    skipped = 0
    for factor, columns in risk.FACTORS.items():
        reset = rows.assign(**{column: model.baseline[column] for column in columns})
        expected = current - model.predict(reset)
        np.testing.assert_array_equal(effects[f"effect_{factor}"].to_numpy(), expected)
        skipped += int(risk._typical(model, rows, columns).sum())
    assert skipped > 0
    shown = effects["factor_1"] != ""
    assert shown.any() and effects.loc[shown, "factor_1"].str.contains(r" \(\+\d+ pts\)$").all()


def test_a_shop_this_small_has_too_little_history_to_fit(shop) -> None:
    as_of = catalog.as_of(shop)
    with pytest.raises(risk.NotEnoughHistory, match="at least 200 closed backordered lines"):
        risk.score_open_lines(shop, as_of)
    assert outputs.revenue_at_risk(shop, as_of) is None


def test_backtest_on_the_sample_is_discriminating_and_calibrated(sample) -> None:
    as_of = catalog.as_of(sample)
    cutoff = as_of - dt.timedelta(weeks=risk.BACKTEST_CUTOFF_WEEKS)
    result = risk.backtest(sample, cutoff, cutoff + dt.timedelta(days=risk.BACKTEST_HORIZON_DAYS))
    print(
        f"\nbacktest fitted on lines closed by {cutoff}, {result.train_lines} lines; scored "
        f"{result.scored_lines} ({result.canceled} canceled): ROC AUC {result.auc:.3f}, "
        f"Brier {result.brier:.3f}, calibration error {result.calibration_error:.3f}"
    )
    print(result.calibration.to_string(index=False))
    assert result.scored_lines >= 1000 and result.canceled >= 100
    assert result.auc >= 0.75
    assert result.calibration_error <= 0.05
    assert result.calibration["lines"].sum() == result.scored_lines
    assert len(result.calibration) == risk.DECILES
    # Nothing after the cut-off leaks into the fit: every training line closed by then.
    train = risk.features(sample, "train", cutoff)
    assert (pd.to_datetime(train["closed_date"]).dt.date <= cutoff).all()
    assert (pd.to_datetime(train["day"]).dt.date < cutoff).all()


def test_risk_rises_with_waiting_past_the_promise(sample) -> None:
    """The generator's cancellation hazard jumps once the promise is missed; the model has learnt it,
    and the daily cancellation rate measured in SQL shows it."""
    model = risk.fit(risk.features(sample, "train", catalog.as_of(sample)), catalog.as_of(sample))
    lines = risk.features(sample, "score", catalog.as_of(sample))
    ordinary = lines[~lines["made_to_order"]].copy()
    assert len(ordinary) >= 50
    before = ordinary.assign(days_to_promise=7, days_waited=14)
    after = ordinary.assign(days_to_promise=-7, days_waited=14)
    assert model.predict(after).mean() > model.predict(before).mean() + 0.05
    hazard = run(sample, "cancel_hazard", start=catalog.as_of(sample) - dt.timedelta(weeks=26))
    rates = hazard.groupby("promise")["cancel_rate"].mean()
    assert rates["after the promised date"] > 1.5 * rates["on or before the promised date"]


def test_open_lines_are_ranked_by_expected_loss_with_their_factors(sample) -> None:
    as_of = catalog.as_of(sample)
    scored = risk.score_open_lines(sample, as_of)
    open_lines = sample.execute("select count(*) from backorder_lines where status = 'open'").fetchone()[0]
    assert len(scored) == open_lines
    assert scored["risk"].between(0, 1).all()
    assert np.allclose(scored["expected_loss"], scored["value"] * scored["risk"])
    assert scored["expected_loss"].is_monotonic_decreasing
    risky = scored[scored["risk"] >= 0.3]
    assert len(risky) > 0 and (risky["factor_1"] != "").all()
    assert risky["factor_1"].str.contains(r"\(\+\d+ pts\)").all()
    assert outputs.revenue_at_risk(sample, as_of) == pytest.approx(scored["expected_loss"].sum())
    web = risk.score_open_lines(sample, as_of, scope={"channel": "web"})
    assert set(web["channel"]) == {"web"} and 0 < len(web) < len(scored)


def test_cancellation_curves_rise_and_stay_within_zero_and_one(sample) -> None:
    curves = run(sample, "cancel_curves", start=catalog.as_of(sample) - dt.timedelta(weeks=26))
    assert set(curves["breakdown"]) == {"web", "store", "marketplace"}
    for _, curve in curves.groupby("breakdown"):
        shares = curve.sort_values("days_waited")["share_canceled"]
        assert shares.between(0, 1).all() and (shares.diff().dropna() >= -1e-12).all()


def test_restock_priority_ranks_by_revenue_at_risk_by_hand() -> None:
    """A waits on 3 customers for 10 days with lines at risk 50 + 10; B on 1 customer for 30 days
    with 5 at risk; C on 2 for 20 days, nothing at risk. Percent ranks (customers, at risk, age):
    A 1, 1, 0 -> 2/3; B 0, 0.5, 1 -> 1/2; C 0.5, 0, 0.5 -> 1/3. By open value instead (A 100,
    B 300, C 200), as the query ranks without a model, B would lead."""
    ranked = pd.DataFrame(
        {
            "sku": ["B", "C", "A"],
            "waiting_customers": [1, 2, 3],
            "open_value": [300.0, 200.0, 100.0],
            "oldest_age_days": [30, 20, 10],
            "revenue_at_risk": [None, None, None],
            "priority": [2 / 3, 1 / 2, 1 / 3],
        }
    )
    scored = pd.DataFrame({"sku": ["A", "A", "B"], "expected_loss": [50.0, 10.0, 5.0]})
    result = risk.restock_priority(ranked, scored.groupby("sku")["expected_loss"].sum())
    assert result["sku"].tolist() == ["A", "B", "C"]
    assert result["revenue_at_risk"].tolist() == [60.0, 5.0, 0.0]
    assert result["priority"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 3])


def test_skus_to_expedite_on_the_sample_carry_their_revenue_at_risk(sample) -> None:

    week = weekly.Week.parse("2026-W46")
    scores = weekly.risk_scores(sample)
    ranked = weekly.skus_to_expedite(runner.on(sample), week, top=10, scores=scores)
    assert len(ranked) == 10 and ranked["revenue_at_risk"].notna().all()
    assert ranked["priority"].is_monotonic_decreasing
    scored = risk.score_open_lines(sample, week.end)
    first = ranked.iloc[0]
    assert first["revenue_at_risk"] == pytest.approx(
        scored.loc[scored["sku"] == first["sku"], "expected_loss"].sum()
    )
