"""The weekly review: week arithmetic, tiles with week-over-week change, movers, notes, the page.

Hand-made shop (see test_kpis.py), as-of Sat 2026-01-24, so the default week is 2026-W03
(Mon 01-12 to Sun 01-18) against 2026-W02 (01-05 to 01-11):
  W02: 5 lines ordered (O1, O2, O3), 3 backordered -> 0.6; units 12, backordered 6 -> fill 0.5;
       nothing closed, nothing received (rates null); open at 01-11: O1-2 (3 units, 60, age 6),
       O2-1 (2 units, 20, age 5), O3-2 (1 unit, 20, age 3) -> 3 lines, 6 units, 100, age 4.667.
  W03: O4-1 only, backordered -> rate 1.0, fill 0.0; closed O2-1 (canceled) and O1-2 (shipped)
       -> 0.5; received P2-1, P2-2 on time and P1-1 late -> 2/3; open at 01-18: O3-2 (1 unit,
       20, age 10) and O4-1 (4 units, 40, age 6) -> 2 lines, 5 units, 60, age 8.
  Movers W03: Toys 4 units/80 -> 1/20 (-3, -60); Tools 2/20 -> 4/40 (+2, +20);
       S2 -60, S1 +20.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import access
from dashboard.query import runner, warehouse
from dashboard.review import notes, weekly

W03 = weekly.Week(dt.date(2026, 1, 12))


@pytest.fixture
def run(handmade_db: Path) -> weekly.Runner:
    return runner.on(warehouse.connect(handmade_db))


def test_weeks_are_iso_weeks() -> None:
    assert weekly.Week.parse("2026-W03") == W03
    assert W03.label == "2026-W03" and W03.end == dt.date(2026, 1, 18)
    assert W03.previous.label == "2026-W02"
    assert weekly.Week.parse("2020-W53").start == dt.date(2020, 12, 28)
    assert weekly.default_week(dt.date(2026, 1, 24)) == W03
    assert weekly.default_week(dt.date(2026, 1, 26)).label == "2026-W04"
    with pytest.raises(ValueError, match="not an ISO week"):
        weekly.Week.parse("week 3")


def test_tiles_change_week_over_week_coloured_by_good_or_bad(run: weekly.Runner) -> None:
    tiles = {t.tile.key: t for t in weekly.tiles(run, W03)}
    expected = {
        # key: (value, previous, delta, good)
        "backorder_rate_lines": (1.0, 0.6, 0.4, False),
        "unit_fill_rate": (0.0, 0.5, -0.5, False),
        "open_backorder_lines": (2, 3, -1, True),
        "open_backorder_units": (5, 6, -1, True),
        "open_backorder_value": (60.0, 100.0, -40.0, True),
        "avg_backorder_age_days": (8.0, 14 / 3, 8.0 - 14 / 3, False),
        "backorder_cancellation_rate": (0.5, None, None, None),
        "supplier_on_time_rate": (2 / 3, None, None, None),
    }
    for key, (value, previous, delta, good) in expected.items():
        tile = tiles[key]
        assert tile.value == pytest.approx(value), key
        assert tile.previous == (None if previous is None else pytest.approx(previous)), key
        assert tile.delta == (None if delta is None else pytest.approx(delta)), key
        assert tile.good is good, key
        assert len(tile.series) == weekly.TREND_WEEKS
        assert tile.series[-1] == pytest.approx(value), key


def test_weekly_trend_agrees_with_kpis_for_every_week(sample_db: Path) -> None:
    run = runner.on(warehouse.connect(sample_db))
    week = weekly.Week.parse("2026-W46")
    history = run("kpi_trend", {"end": week.end, "weeks": 12, "channel": "web"}).set_index("week_start")
    for weeks_back in range(12):
        then = weekly.Week(week.start - dt.timedelta(days=7 * weeks_back))
        expected = weekly.kpis(run, then, {"channel": "web"})
        got = history.loc[pd.Timestamp(then.start)]
        for key, value in expected.items():
            if key in ("as_of", "from", "to", weekly.PROJECTED_STOCKOUTS.key):  # no weekly line: a projection
                continue
            assert got[key] == (pytest.approx(value) if value is not None else got[key]), (then.label, key)
            if value is None:
                assert got[key] != got[key] or got[key] is None, (then.label, key)


def test_movers_show_the_backlog_that_grew_and_shrank(run: weekly.Runner) -> None:
    moved = weekly.movers(run, W03)
    categories = moved["category"].set_index("key")
    assert categories.loc["Toys", ["open_units_before", "open_units_now", "change_units"]].tolist() == [
        4,
        1,
        -3,
    ]
    assert categories.loc["Toys", "change_value"] == pytest.approx(-60.0)
    assert categories.loc["Tools", "change_value"] == pytest.approx(20.0)
    suppliers = moved["supplier"].set_index("key")["change_value"].to_dict()
    assert suppliers == {"S1": pytest.approx(20.0), "S2": pytest.approx(-60.0)}
    assert list(moved["supplier"]["name"]) == ["Acme Domestic", "Far East Toys"]


def test_biggest_cancellations_of_the_week(run: weekly.Runner) -> None:
    canceled = weekly.cancellations(run, W03)
    assert canceled[["order_id", "value", "wait_days", "after_promise"]].values.tolist() == [
        ["O2", 20.0, 8, True]
    ]
    assert weekly.cancellations(run, W03.previous).empty


def test_notes_survive_and_are_scoped_to_their_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(notes.NOTES_ENV_VAR, str(tmp_path / "notes.sqlite"))
    added = notes.add(dt.date(2026, 1, 14), "  Port strike; expect late containers  ", access.LOCAL)
    assert added.week_start == dt.date(2026, 1, 12) and added.text == "Port strike; expect late containers"
    assert [n.text for n in notes.between(W03.start, W03.end)] == [added.text]
    assert notes.between(W03.previous.start, W03.previous.end) == []
    marks = notes.as_annotations(notes.between(W03.start, W03.end))
    assert marks.iloc[0]["label"] == "Note: Port strike; expect late containers"
    notes.delete(added.id, access.LOCAL)
    assert notes.between(W03.start, W03.end) == []
    with pytest.raises(ValueError, match="needs some text"):
        notes.add(W03.start, "   ", access.LOCAL)


def test_home_page_shows_the_default_week_and_its_changes(
    handmade_db: Path, use_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(handmade_db)
    monkeypatch.setenv(notes.NOTES_ENV_VAR, str(tmp_path / "notes.sqlite"))
    at = AppTest.from_file(str(warehouse.PROJECT_ROOT / "streamlit_app.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    assert at.title[0].value.endswith("2026-W03")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Backorder rate"] == ("100.0%", "+40.0 pp")
    assert metrics["Open lines"] == ("2", "-1")
    assert metrics["Open value"] == ("$60", "-$40")
    assert metrics["Revenue at risk"] == ("n/a", "")  # too little history to fit the risk model on
    at.text_area[0].input("Robots stuck at the port")
    next(b for b in at.button if b.label == "Add note").click().run()
    assert [n.text for n in notes.between(W03.start, W03.end)] == ["Robots stuck at the port"]
    assert any("Robots stuck at the port" in m.value for m in at.markdown)


def test_week_comes_from_the_url(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = AppTest.from_file(str(warehouse.PROJECT_ROOT / "streamlit_app.py"), default_timeout=120)
    at.query_params["week"] = "2026-W02"
    at.run()
    assert at.title[0].value.endswith("2026-W02")
    assert {m.label: m.value for m in at.metric}["Open units"] == "6"


def test_newly_flagged_finds_the_planted_events_in_their_weeks(sample_db: Path) -> None:
    from dashboard import sample

    run = runner.on(warehouse.connect(sample_db))
    planted = sample.PLANTED
    disrupted_in = {
        label: set(weekly.new_disruptions(run, weekly.Week.parse(label))["supplier_id"])
        for label in ("2026-W15", "2026-W16", "2026-W17", "2026-W40", "2026-W41", "2026-W42")
    }
    overseas = set(planted.overseas_suppliers)
    assert disrupted_in["2026-W15"] == set()
    assert disrupted_in["2026-W16"] | disrupted_in["2026-W17"] == overseas
    assert disrupted_in["2026-W40"] | disrupted_in["2026-W41"] | disrupted_in["2026-W42"] == {
        planted.disrupted_supplier
    }
    spiking = set()
    for label in ("2026-W44", "2026-W45", "2026-W46"):
        spiking |= set(weekly.new_spikes(run, weekly.Week.parse(label))["sku"])
    assert set(planted.spike_skus) <= spiking
    assert not set(planted.spike_skus) & set(weekly.new_spikes(run, weekly.Week.parse("2026-W42"))["sku"])


def test_actions_name_the_supplier_to_call_first(sample_db: Path) -> None:
    from dashboard import sample

    run = runner.on(warehouse.connect(sample_db))
    chase = weekly.suppliers_to_chase(run)
    assert chase.iloc[0]["supplier_id"] == sample.PLANTED.disrupted_supplier
    assert list(chase["call_rank"]) == sorted(chase["call_rank"])
    assert not weekly.skus_to_expedite(run, weekly.Week.parse("2026-W46")).empty
