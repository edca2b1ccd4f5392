"""Issue 14.8: stocks (open backorders, their ages, open lines past promise) are measured at the
earlier of the week's end and the as-of date, and the review says so.

The hand-made shop (tests/fixtures/handmade) has data to Sat 2026-01-24, in the week Mon 01-19 to
Sun 01-25. Open at the end of 01-24: O3/2 (ordered 01-08, 16 days) and O5/1 (ordered 01-20, 4 days):
mean age 10.0 days (11.0 at the Sunday, a day with no data). Past its promise: O3/2 (promised
01-20). The week before, at Sun 01-18: O3/2 (10 days) and O4/1 (ordered 01-12, shipped 01-22;
6 days): 8.0.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dashboard.query import catalog, runner, warehouse
from dashboard.review import report, weekly

AS_OF = dt.date(2026, 1, 24)
WEEK = weekly.Week(dt.date(2026, 1, 19))


def test_kpis_measure_stocks_at_the_as_of_date_not_the_week_end(handmade_db: Path) -> None:
    run = runner.on(warehouse.connect(handmade_db))
    row = run("kpis", weekly.week_values(WEEK)).iloc[0]
    assert row["measured_at"].date() == AS_OF
    assert (row["open_backorder_lines"], row["avg_backorder_age_days"]) == (2, 10.0)
    assert row["open_lines_past_promise"] == 1


def test_the_weekly_trend_measures_its_last_week_at_the_as_of_date(handmade_db: Path) -> None:
    run = runner.on(warehouse.connect(handmade_db))
    trend = weekly.trend(run, WEEK).set_index("week_start")
    last, before = trend.loc["2026-01-19"], trend.loc["2026-01-12"]
    assert (last["measured_at"].date(), last["avg_backorder_age_days"]) == (AS_OF, 10.0)
    assert (before["measured_at"].date(), before["avg_backorder_age_days"]) == (dt.date(2026, 1, 18), 8.0)


def test_the_review_says_where_it_measured(handmade_db: Path) -> None:
    assert weekly.measured_note(WEEK.previous, AS_OF) is None
    note = weekly.measured_note(WEEK, AS_OF)
    assert note and "measured at the As-of date, Sat 24 Jan, not at the week's end (Sun 25 Jan)" in note
    con = warehouse.connect(handmade_db)
    html = report.build(runner.on(con), WEEK, catalog.as_of(con)).html
    assert "measured at the As-of date, Sat 24 Jan" in html
