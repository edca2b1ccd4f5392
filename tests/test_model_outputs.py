"""The cancellation-risk model's outputs made at load (dashboard/model/outputs.py): what the load
stores equals what fitting on demand computes, dates it did not prepare are computed on demand, a
load with too little history passes and says why, and the command line never touches Streamlit."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard import ingest
from dashboard.model import outputs, risk
from dashboard.query import catalog, warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "risk_notices"


@pytest.fixture(scope="module")
def sample(sample_db: Path):
    con = warehouse.connect(sample_db)
    yield con
    con.close()


class Recorder:
    """An on-demand hook that notes what it was asked to compute."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dt.date]] = []

    def __call__(self, what, day, key, compute):
        self.asked.append((what, day))
        return compute()


def must_not_compute(what, day, key, compute):
    raise AssertionError(f"{what} for {day} should have been read from the warehouse")


def test_the_load_stores_the_scores_of_every_open_line(sample) -> None:
    as_of = catalog.as_of(sample)
    stored = outputs.open_lines(sample, as_of, on_demand=must_not_compute)
    fresh = risk.score_open_lines(sample, as_of)
    assert outputs.reason(sample) is None
    assert len(stored) == len(fresh) > 100
    merged = stored.merge(fresh, on=["order_id", "line_no"], suffixes=("", "_fresh"))
    assert len(merged) == len(fresh)
    assert np.allclose(merged["risk"], merged["risk_fresh"])
    assert (merged["factor_1"] == merged["factor_1_fresh"]).all()
    assert stored["expected_loss"].is_monotonic_decreasing
    web = outputs.open_lines(sample, as_of, {"channel": "web"}, must_not_compute)
    assert set(web["channel"]) == {"web"} and len(web) == (fresh["channel"] == "web").sum()


def test_each_prepared_week_is_scored_by_the_model_fitted_by_its_end(sample) -> None:
    """The load fits 26 weekly models from one training query (rows closed by each week's end)
    and scores the open lines of every week's end from one query; each must equal a fit and a
    scoring from the queries at that week's own cut-off."""
    as_of = catalog.as_of(sample)
    ends = outputs.week_ends(as_of)
    assert len(ends) == outputs.WEEKS and ends[0] == as_of and ends[-1] < as_of - dt.timedelta(weeks=24)
    assert all(end.weekday() == 6 for end in ends[1:])
    series = outputs.revenue_series(sample, ends)
    assert all(value is not None and value > 0 for value in series)
    end = ends[10]
    busiest = outputs.open_lines(sample, end, {}, must_not_compute)["category"].mode().iloc[0]
    for scope in ({}, {"category": busiest}):
        fresh = risk.score_open_lines(sample, end, scope)
        stored = outputs.open_lines(sample, end, scope, must_not_compute)
        merged = stored.merge(fresh, on=["order_id", "line_no"], suffixes=("", "_fresh"))
        assert len(merged) == len(fresh) == len(stored) > 0
        assert np.allclose(merged["risk"], merged["risk_fresh"])
        assert (merged["factor_1"] == merged["factor_1_fresh"]).all()
        total = fresh["expected_loss"].sum()
        assert outputs.revenue_at_risk(sample, end, scope, must_not_compute) == pytest.approx(total)
    assert outputs.revenue_series(sample, [end])[0] == pytest.approx(series[10])


def test_the_prepared_backtest_equals_one_fitted_on_demand(sample) -> None:
    cutoff, through = outputs.backtest_window(catalog.as_of(sample))
    for scope in ({}, {"channel": "web"}):
        stored = outputs.backtest(sample, cutoff, through, scope, must_not_compute)
        fresh = risk.backtest(sample, cutoff, through, scope)
        assert (stored.scored_lines, stored.canceled, stored.still_open, stored.train_lines) == (
            fresh.scored_lines,
            fresh.canceled,
            fresh.still_open,
            fresh.train_lines,
        )
        assert stored.auc == pytest.approx(fresh.auc) and stored.brier == pytest.approx(fresh.brier)
        pd.testing.assert_frame_equal(stored.calibration, fresh.calibration)
    assert outputs.backtest(sample, cutoff, through).auc >= 0.75


def test_a_date_not_prepared_is_computed_on_demand(sample) -> None:
    as_of = catalog.as_of(sample)
    day = as_of - dt.timedelta(days=200)  # older than the 26 prepared weeks
    asked = Recorder()
    value = outputs.revenue_at_risk(sample, day, {}, asked)
    assert asked.asked == [("open_lines", day)]
    assert value == pytest.approx(risk.score_open_lines(sample, day)["expected_loss"].sum())
    assert outputs.revenue_series(sample, [day]) == [None]
    cutoff = as_of - dt.timedelta(weeks=10)
    outputs.backtest(sample, cutoff, as_of, {}, asked)
    assert asked.asked[-1] == ("backtest", cutoff)


def test_a_load_with_too_little_history_passes_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    prepared = ingest.prepare(FIXTURE, path)
    ingest.commit(prepared)
    assert len(prepared.outcome.notes) == 1
    assert prepared.outcome.notes[0].startswith(
        "no cancellation-risk model: the risk model needs at least 200"
    )
    con = warehouse.connect(path)
    assert "at least 200 closed backordered lines" in outputs.reason(con)
    as_of = catalog.as_of(con)
    with pytest.raises(risk.NotEnoughHistory, match="at least 200"):
        outputs.open_lines(con, as_of, on_demand=must_not_compute)
    assert outputs.revenue_at_risk(con, as_of, on_demand=must_not_compute) is None


def test_a_warehouse_built_before_the_outputs_computes_them_on_demand(
    sample_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.duckdb"
    shutil.copy(sample_db, path)
    with duckdb.connect(str(path)) as con:
        for table in outputs.TABLES:
            con.execute(f"drop table {table}")
    con = warehouse.connect(path)
    as_of = catalog.as_of(con)
    asked = Recorder()
    assert len(outputs.open_lines(con, as_of, on_demand=asked)) > 0
    assert asked.asked == [("open_lines", as_of)]
    assert outputs.revenue_series(con, [as_of]) == [None]


def test_the_command_line_never_imports_streamlit(sample_db: Path, tmp_path: Path) -> None:
    """Modules below the app do not use Streamlit, so no command prints its 'No runtime found'."""
    script = (
        "import sys\n"
        "from dashboard import cli\n"
        "for argv in sys.argv[1:]:\n"
        "    assert cli.main(argv.split()) == 0, argv\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
    )
    db = f"--db {sample_db}"
    commands = [
        f"kpis {db}",
        f"query top_skus {db}",
        f"report {db} --out {tmp_path / 'report.html'}",
        f"check {db}",
    ]
    env = {**os.environ, "PYTHONPATH": str(warehouse.PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *commands], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "No runtime found" not in done.stderr and "streamlit" not in done.stderr.lower()


def test_auc_is_the_mann_whitney_statistic() -> None:
    """By hand: of the 4 (canceled, shipped) pairs, 3 rank the canceled line higher -> 0.75; a tie
    counts half. Equal to scikit-learn's on random scores."""
    from sklearn.metrics import roc_auc_score

    assert risk.auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert risk.auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    rng = np.random.default_rng(3)
    truth, scores = rng.integers(0, 2, 500), rng.integers(0, 20, 500) / 20
    assert risk.auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores))


def test_reading_stored_outputs_needs_no_scikit_learn(sample_db: Path) -> None:
    """The pages read stored scores; scikit-learn (seconds to import) loads only where a model is fitted."""
    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from dashboard.model import outputs\n"
        "from dashboard.query import catalog, warehouse\n"
        "con = warehouse.connect(Path(sys.argv[1]))\n"
        "as_of = catalog.as_of(con)\n"
        "assert len(outputs.open_lines(con, as_of)) > 0\n"
        "assert outputs.backtest(con, *outputs.backtest_window(as_of)).auc > 0.5\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(warehouse.PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(sample_db)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
