"""The cancellation-risk model's outputs, made at load and stored as warehouse tables.

Fitting the model costs seconds (the training query and the fit), and every page that shows revenue
at risk used to pay it on its first visit after a load, per To date and per week shown. The load now
fits once per date the pages ask for by default and stores what they show:

- `risk_model`: one row: the as-of date, whether a model could be fitted and, if not, why;
- `risk_weeks`: the end of each of the last WEEKS weeks (the first is the as-of date itself), and
  why a week has no model if it has none;
- `risk_open_lines`: every line open at each of those ends (`day`), scored by the model fitted on
  what was closed by then (at most risk.EARLIER_TRAIN_ROWS training rows before the as-of date),
  with its risk, expected loss and factors: the page's call list at
  those To dates, and summed, revenue at risk (the weekly review's tile and its line);
- `risk_backtest` (its settings and train size) and `risk_backtest_lines` (each line scored once,
  with its outcome): the default backtest, whose figures and calibration follow from the lines.

Readers ask for a date and scope; a date the load did not prepare raises NotPrepared, and the caller
computes it on demand (dashboard/app/cache.py caches that and says so on the page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import duckdb
import pandas as pd

from dashboard.model import risk
from dashboard.query import catalog

WEEKS = 26
# The load's queries are not a page's: the page time limit (queries.time_limit_seconds, 30 s) once
# stopped the training query of a 10M-line load on a busy machine, and the load stored no model.
LOAD_QUERY_SECONDS = 3600.0
TABLES = ("risk_model", "risk_weeks", "risk_open_lines", "risk_backtest", "risk_backtest_lines")
# Columns a scope filters on: the sidebar's names to the stored columns.
SCOPE_COLUMNS = {"category": "category", "supplier": "supplier_id", "channel": "channel"}
BACKTEST_COLUMNS = [
    "order_id",
    "line_no",
    "day",
    "category",
    "supplier_id",
    "channel",
    "outcome",
    "canceled",
    "risk",
]

T = TypeVar("T")
# How a reader gets what the load did not prepare: a label for the wait, the day, and the computation.
OnDemand = Callable[[str, dt.date, tuple[Any, ...], Callable[[], T]], T]


class NotPrepared(LookupError):
    """The load stored no output for this date (or the warehouse predates these tables)."""


def direct(_what: str, _day: dt.date, _key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Compute on demand with no cache: the command line and tests."""
    return compute()


def week_ends(as_of: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """The end of the week holding the as-of date (the as-of date itself: later days have no data)
    and of each week before it, newest first, as the weekly review's tiles ask for them."""
    sunday = as_of + dt.timedelta(days=6 - as_of.weekday())
    return [min(sunday - dt.timedelta(weeks=n), as_of) for n in range(weeks)]


def backtest_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The page's default backtest: cut-off and the last day scored after it."""
    cutoff = as_of - dt.timedelta(weeks=risk.BACKTEST_CUTOFF_WEEKS)
    return cutoff, min(cutoff + dt.timedelta(days=risk.BACKTEST_HORIZON_DAYS), as_of)


# Writing, at load -------------------------------------------------------------------------------


def _store(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    try:
        con.execute(f"create or replace table {name} as select * from _frame")
    finally:
        con.unregister("_frame")


def prepare(con: duckdb.DuckDBPyConnection) -> str | None:
    """Fit and store every output (a write connection to a new warehouse, after its views).
    Returns why no model could be fitted, or None; the load succeeds either way."""
    as_of = catalog.as_of(con)
    train = risk.features(con, "train", as_of, time_limit=LOAD_QUERY_SECONDS)
    try:
        current = risk.fit(train, as_of)
    except risk.NotEnoughHistory as exc:
        reason = str(exc)
        _store(con, "risk_model", pd.DataFrame({"as_of": [pd.Timestamp(as_of)], "reason": [reason]}))
        return reason
    _store(con, "risk_model", pd.DataFrame({"as_of": [pd.Timestamp(as_of)], "reason": [None]}, dtype=object))

    ends = week_ends(as_of)
    cutoff, through = backtest_window(as_of)
    # The scoring rows are queried on DuckDB's threads while the models are fitted on this one (a fit
    # uses one core): the step takes about the longer of the two, not their sum.
    with ThreadPoolExecutor(max_workers=1) as queries:
        # One query for the open lines of every week's end: the same rows as one query per end.
        open_at = queries.submit(
            risk.features, con, "week_ends", ends[-1], (as_of - ends[-1]).days, time_limit=LOAD_QUERY_SECONDS
        )
        # The backtest's lines, each once on its first evening in the window.
        window = queries.submit(
            risk.features, con, "first_seen", cutoff, (through - cutoff).days, time_limit=LOAD_QUERY_SECONDS
        )
        models: dict[dt.date, risk.Model | str] = {}
        for end in ends:
            try:
                earlier = risk.closed_by(train, end)
                models[end] = current if end == as_of else risk.fit(earlier, end, risk.EARLIER_TRAIN_ROWS)
            except risk.NotEnoughHistory as exc:
                models[end] = str(exc)
        try:
            tested: risk.Model | str = risk.fit(risk.closed_by(train, cutoff), cutoff)
        except risk.NotEnoughHistory as exc:
            tested = str(exc)
        weeks, scored = [], []
        for end, model in models.items():
            if isinstance(model, str):
                weeks.append((pd.Timestamp(end), model))
                continue
            weeks.append((pd.Timestamp(end), None))
            rows = open_at.result()
            scored.append(risk.score(model, rows[rows["day"] == pd.Timestamp(end)]))
        _store(
            con, "risk_weeks", pd.DataFrame(weeks, columns=["end_date", "reason"]).astype({"reason": object})
        )
        _store(con, "risk_open_lines", pd.concat(scored, ignore_index=True))

        if isinstance(tested, str):
            settings = {"cutoff": cutoff, "through": through, "train_lines": None, "reason": tested}
            lines = pd.DataFrame(columns=BACKTEST_COLUMNS)
        else:
            settings = {
                "cutoff": cutoff,
                "through": through,
                "train_lines": tested.train_lines,
                "reason": None,
            }
            lines = risk.backtest_lines(tested, window.result())[BACKTEST_COLUMNS]
    _store(con, "risk_backtest", pd.DataFrame([settings]).astype({"train_lines": "Int64", "reason": object}))
    _store(con, "risk_backtest_lines", lines)
    return None


# Reading, on every page visit ----------------------------------------------------------------------


def _read(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    cursor = con.cursor()
    try:
        return cursor.execute(sql, dict(params or {})).df()
    except duckdb.CatalogException as exc:
        raise NotPrepared(f"the warehouse has no model outputs ({exc})") from exc
    finally:
        cursor.close()


def _scope(scope: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A bound filter on the stored scope columns: `true` and the given names' conditions."""
    given = {
        name: value for name, value in (scope or {}).items() if name in SCOPE_COLUMNS and value is not None
    }
    conditions = "".join(f" and {SCOPE_COLUMNS[name]} = ${name}" for name in given)
    return "true" + conditions, given


def scope_key(scope: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    """A scope as a hashable cache key, with only the names the model is scoped by."""
    return tuple((name, (scope or {}).get(name)) for name in SCOPE_COLUMNS)


def reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the load fitted no model (too little history), or None when it did."""
    frame = _read(con, "select reason from risk_model")
    return None if frame.empty or pd.isna(frame["reason"].iloc[0]) else str(frame["reason"].iloc[0])


def _week(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    """Raises NotEnoughHistory when the load fitted no model (at all, or by this week's end) and
    NotPrepared when it stored nothing for `end`."""
    why = reason(con)
    if why is not None:
        raise risk.NotEnoughHistory(why)
    found = _read(con, "select reason from risk_weeks where end_date = $end", {"end": end})
    if found.empty:
        raise NotPrepared(f"no stored scores for {end:%Y-%m-%d}")
    if not pd.isna(found["reason"].iloc[0]):
        raise risk.NotEnoughHistory(str(found["reason"].iloc[0]))


def prepared_open_lines(
    con: duckdb.DuckDBPyConnection, end: dt.date, scope: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The stored scores of the lines open at `end` (the as-of date or a week's end)."""
    _week(con, end)
    where, params = _scope(scope)
    sql = f"select * from risk_open_lines where day = $end and {where} order by expected_loss desc, risk desc"
    return _read(con, sql, {**params, "end": end})


def open_lines(
    con: duckdb.DuckDBPyConnection,
    end: dt.date,
    scope: Mapping[str, Any] | None = None,
    on_demand: OnDemand = direct,
) -> pd.DataFrame:
    """Every line open at the end of `end` with its risk, expected loss and factors, ranked by
    expected loss; raises NotEnoughHistory when there is too little history to fit on."""
    end = min(end, catalog.as_of(con))
    try:
        return prepared_open_lines(con, end, scope)
    except NotPrepared:
        return on_demand("open_lines", end, scope_key(scope), lambda: risk.score_open_lines(con, end, scope))


def prepared_by_sku(
    con: duckdb.DuckDBPyConnection, end: dt.date, scope: Mapping[str, Any] | None = None
) -> pd.Series:
    """Stored expected loss of the lines open at `end`, by SKU."""
    _week(con, end)
    where, params = _scope(scope)
    sql = (
        "select sku, sum(expected_loss) as expected_loss from risk_open_lines"
        f" where day = $end and {where} group by sku"
    )
    frame = _read(con, sql, {**params, "end": end})
    return frame.set_index("sku")["expected_loss"].astype(float)


def at_risk_by_sku(
    con: duckdb.DuckDBPyConnection,
    end: dt.date,
    scope: Mapping[str, Any] | None = None,
    on_demand: OnDemand = direct,
) -> pd.Series:
    """Revenue at risk by SKU over the lines open at the end of `end`; NotEnoughHistory without a model."""
    end = min(end, catalog.as_of(con))
    try:
        return prepared_by_sku(con, end, scope)
    except NotPrepared:
        scored = open_lines(con, end, scope, on_demand)
        return scored.groupby("sku")["expected_loss"].sum().astype(float)


def revenue_at_risk(
    con: duckdb.DuckDBPyConnection,
    end: dt.date,
    scope: Mapping[str, Any] | None = None,
    on_demand: OnDemand = direct,
) -> float | None:
    """Sum of value x risk over the lines open at the end of `end`; None without enough history."""
    try:
        return float(at_risk_by_sku(con, end, scope, on_demand).sum())
    except risk.NotEnoughHistory:
        return None


def revenue_series(
    con: duckdb.DuckDBPyConnection, ends: list[dt.date], scope: Mapping[str, Any] | None = None
) -> list[float | None]:
    """Revenue at risk at each of `ends` where the load stored it (None elsewhere: a sparkline is
    not worth a dozen fits)."""
    where, params = _scope(scope)
    sql = (
        "select w.end_date, coalesce(sum(r.expected_loss), 0) as expected_loss"
        f" from risk_weeks as w left join (select * from risk_open_lines where {where}) as r"
        " on r.day = w.end_date where w.reason is null group by w.end_date"
    )
    try:
        found = _read(con, sql, params)
    except NotPrepared:
        return [None] * len(ends)
    stored = {pd.Timestamp(day).date(): float(value) for day, value in found.itertuples(index=False)}
    as_of = catalog.as_of(con)
    return [stored.get(min(end, as_of)) for end in ends]


def prepared_backtest(
    con: duckdb.DuckDBPyConnection, cutoff: dt.date, through: dt.date, scope: Mapping[str, Any] | None = None
) -> risk.Backtest:
    """The stored default backtest, for a scope, from its stored lines."""
    settings = _read(con, "select * from risk_backtest")
    if settings.empty:
        raise NotPrepared("no stored backtest")
    row = settings.iloc[0]
    if (pd.Timestamp(row["cutoff"]).date(), pd.Timestamp(row["through"]).date()) != (cutoff, through):
        raise NotPrepared(f"no stored backtest from {cutoff:%Y-%m-%d} to {through:%Y-%m-%d}")
    if not pd.isna(row["reason"]):
        raise risk.NotEnoughHistory(str(row["reason"]))
    where, params = _scope(scope)
    sql = f"select * from risk_backtest_lines where {where} order by day, order_id, line_no"
    return risk.summarize(_read(con, sql, params), cutoff, through, int(row["train_lines"]))


def backtest(
    con: duckdb.DuckDBPyConnection,
    cutoff: dt.date,
    through: dt.date,
    scope: Mapping[str, Any] | None = None,
    on_demand: OnDemand = direct,
) -> risk.Backtest:
    """The backtest for a cut-off and last day scored, stored or computed on demand."""
    try:
        return prepared_backtest(con, cutoff, through, scope)
    except NotPrepared:
        key = (through, *scope_key(scope))
        return on_demand("backtest", cutoff, key, lambda: risk.backtest(con, cutoff, through, scope))
