"""What each page runs when it opens with its default filters, as timed work on one connection.

A page is its folder's query files (catalog.for_page) bound with their defaults, the way the
sidebar binds them on first open. The weekly review runs what its page runs: the alert rules'
KPIs (queries/kpis.sql, once overall and once per supplier), the tiles for the week and the one
before, the 12-week trend, movers, cancellations and the events drawn on its charts. The query
library runs its own files (queries/*.sql). Within one page load a repeated (query, parameters)
runs once, as the app's result cache would serve it. The cancellation-risk page also fits its
model (dashboard/model/risk.py) when that module exists.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
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
    alerts.check(run, week, rules, groups, {})
    weekly.tiles(run, week, {})
    history = weekly.trend(run, week, {})
    weekly.movers(run, week, {})
    weekly.cancellations(run, week, {})
    first = pd.Timestamp(history["week_start"].min()).date() if len(history) else week.start
    run("events", {"start": first, "end": week.end})
    for query in catalog.for_page("weekly_review"):
        run.query(query, weekly.week_values(week))


def risk_module() -> Any | None:
    """dashboard.model.risk when the cancellation-risk model exists in this tree."""
    if importlib.util.find_spec("dashboard.model.risk") is None:
        return None
    from dashboard.model import risk

    return risk


def _cancellation_risk(run: Runner) -> None:
    """The page's queries, then the model as the page fits it: training rows, fit, score the open lines.

    Timed without the app's cache (which keeps a fit per warehouse version), so this is the
    first visit after a load."""
    _folder("cancellation_risk")(run)
    risk = risk_module()
    if risk is None or not all(hasattr(risk, name) for name in ("fit", "score")):
        return
    train = run("risk_features", {"rows": "train", "cutoff": run.as_of})
    score = run("risk_features", {"rows": "score", "cutoff": run.as_of})
    started = time.perf_counter()
    risk.score(risk.fit(train, run.as_of), score)
    run.load.model_s = time.perf_counter() - started


def _outlook(run: Runner) -> None:
    """Its folder (the projection, list, backlog, supplier and backtest queries read the tables the
    load prepared), and the 8 weeks of the Backorders page's backlog its chart continues."""
    _folder("outlook")(run)
    run("backlog_trend", {"start": run.as_of - dt.timedelta(weeks=8), "grain": "day"})


# Pages that run more than their folder's query files; every other page runs just those.
OWN_WORK: dict[str, Callable[[Runner], None]] = {
    "weekly_review": _weekly_review,
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
