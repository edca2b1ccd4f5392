"""What each page runs when it opens with its default filters, as timed work on one connection.

A page is its folder's query files (catalog.for_page) bound with their defaults, the way the
sidebar binds them on first open. The weekly review runs what its page runs: the alert rules'
KPIs (queries/kpis.sql, once overall and once per supplier), the tiles for the week and the one
before, the 12-week trend, movers, cancellations and the events drawn on its charts. The query
library runs its own files (queries/*.sql). Within one page load a repeated (query, parameters)
runs once, as the app's result cache would serve it. The weekly review, the demand signal and the
cancellation-risk page also read the risk model's outputs that the load stored
(dashboard/model/outputs.py); that time is `model_s`.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from dashboard import registry
from dashboard.query import catalog

PAGES: tuple[str, ...] = tuple(page.name for page in registry.PAGES)
# BENCH_VERBOSE=1 prints every query's time as it finishes, to see where a slow page spends it.
VERBOSE = os.environ.get("BENCH_VERBOSE") == "1"


@dataclass
class Load:
    """One page load: every query it ran with its parameters, seconds and rows, in order."""

    page: str
    calls: list[tuple[str, dict[str, Any], float, int]] = field(default_factory=list)
    model_s: float | None = None

    @property
    def seconds(self) -> float:
        return sum(call[2] for call in self.calls) + (self.model_s or 0.0)

    @property
    def rows(self) -> int:
        return sum(call[3] for call in self.calls)


class Runner:
    """Runs queries by id on one connection, once per distinct (query, parameters) in a page load."""

    def __init__(self, con: duckdb.DuckDBPyConnection, load: Load) -> None:
        self.con = con
        self.load = load
        self.as_of = catalog.as_of(con)
        self.queries = {q.id: q for q in catalog.discover() if not q.error}
        self.seen: dict[tuple[str, tuple], pd.DataFrame] = {}

    def query(self, query: catalog.Query, values: Mapping[str, Any]) -> pd.DataFrame:
        params = catalog.bind(query, values, self.as_of)
        key = (query.id, tuple(sorted(params.items())))
        if key not in self.seen:
            started = time.perf_counter()
            frame = catalog.run(self.con, query, params)
            seconds = time.perf_counter() - started
            self.load.calls.append((query.id, params, seconds, len(frame)))
            if VERBOSE:
                print(f"  {self.load.page}: {query.id} {seconds:.3f}s", file=sys.stderr, flush=True)
            self.seen[key] = frame
        return self.seen[key]

    def __call__(self, query_id: str, values: Mapping[str, Any]) -> pd.DataFrame:
        return self.query(self.queries.get(query_id) or catalog.find(query_id), values)


def _folder(folder: str | None) -> Callable[[Runner], None]:
    def work(run: Runner) -> None:
        for query in catalog.for_page(folder):
            if query.error:
                raise catalog.QueryError(query.error)
            run.query(query, {})

    return work


def _weekly_review(run: Runner) -> None:
    from dashboard.review import alerts, weekly

    week = weekly.default_week(run.as_of)
    rules = alerts.load(alerts.DEFAULT_RULES) if alerts.DEFAULT_RULES.exists() else []
    groups = {name: catalog.choices(run.con, source) for name, source in alerts.GROUP_SOURCES.items()}
    scores = _timed_scores(run)
    alerts.check(run, week, rules, groups, {}, scores)
    weekly.tiles(run, week, {}, scores)
    history = weekly.trend(run, week, {})
    weekly.movers(run, week, {})
    weekly.cancellations(run, week, {})
    first = pd.Timestamp(history["week_start"].min()).date() if len(history) else week.start
    run("events", {"start": first, "end": week.end})
    for query in catalog.for_page("weekly_review"):
        run.query(query, weekly.week_values(week))


def _timed_model(run: Runner, work: Callable[[], Any]) -> Any:
    """Reading (or, on a warehouse without them, computing) the risk model's outputs."""
    started = time.perf_counter()
    try:
        return work()
    finally:
        run.load.model_s = (run.load.model_s or 0.0) + time.perf_counter() - started


def _timed_scores(run: Runner) -> Any:
    """The weekly review's revenue at risk and restock re-ranking, each call timed as model_s."""
    from dashboard.review import weekly

    scores = weekly.risk_scores(run.con)

    def timed(work: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args: _timed_model(run, lambda: work(*args))

    return weekly.RiskScores(
        timed(scores.revenue_at_risk), timed(scores.rerank_restock), timed(scores.revenue_series)
    )


def _cancellation_risk(run: Runner) -> None:
    """The page's cards, then the model's outputs it reads: the open lines' scores at the To date
    and the default backtest, both stored by the load (dashboard/model/outputs.py)."""
    from dashboard.model import outputs

    for query in catalog.for_page("cancellation_risk"):
        if query.id != "risk_features":  # the page shows the stored scores, not this query's rows
            run.query(query, {})
    _timed_model(run, lambda: outputs.open_lines(run.con, run.as_of, {}))
    _timed_model(run, lambda: outputs.backtest(run.con, *outputs.backtest_window(run.as_of)))


def _demand_signal(run: Runner) -> None:
    """The page's cards, then the restock priority re-ranked by the stored revenue at risk."""
    _folder("demand_signal")(run)
    _timed_scores(run).rerank_restock(run("restock_priority", {}), run.as_of, {})


def _outlook(run: Runner) -> None:
    """Its folder (the projection, list, backlog, supplier and backtest queries read the tables the
    load prepared), and the 8 weeks of the Backorders page's backlog its chart continues."""
    _folder("outlook")(run)
    run("backlog_trend", {"start": run.as_of - dt.timedelta(weeks=8), "grain": "day"})


# Pages that run more than their folder's query files; every other page runs just those.
OWN_WORK: dict[str, Callable[[Runner], None]] = {
    "weekly_review": _weekly_review,
    "demand_signal": _demand_signal,
    "cancellation_risk": _cancellation_risk,
    "outlook": _outlook,
}
WORK: dict[str, Callable[[Runner], None]] = {
    page.name: OWN_WORK.get(page.name) or _folder(page.queries) for page in registry.PAGES
}


def open_page(con: duckdb.DuckDBPyConnection, page: str) -> Load:
    """Run everything the page runs when it opens; return what ran and how long each took."""
    load = Load(page)
    WORK[page](Runner(con, load))
    return load
