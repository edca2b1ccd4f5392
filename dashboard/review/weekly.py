"""The weekly review's content, shared by the home page, the meeting report and the alerts.

Everything here takes a `Runner` (dashboard/query/runner.py: query id + values -> rows) so the page
can pass its cached runner and the command line a plain one: both then show the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import duckdb
import pandas as pd

from dashboard.model import outputs, risk
from dashboard.present import charts
from dashboard.query import catalog, runner
from dashboard.review import notes

Runner = runner.Runner
TREND_WEEKS = 12
ORDER_DATA: tuple[str, ...] = ("orders", "order_lines")
PO_DATA: tuple[str, ...] = ("purchase_orders",)


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    kind: str  # rate, count, money or days: how to print it
    higher_is_better: bool
    help: str
    needs: tuple[str, ...] = ORDER_DATA


TILES: tuple[Tile, ...] = (
    Tile(
        "backorder_rate_lines",
        "Backorder rate",
        "rate",
        False,
        "Backordered lines / lines ordered in the week",
    ),
    Tile(
        "unit_fill_rate", "Unit fill rate", "rate", True, "1 - backordered units / units ordered in the week"
    ),
    Tile("open_backorder_lines", "Open backorder lines", "count", False, "Open at the end of the week"),
    Tile("open_backorder_units", "Open backordered units", "count", False, "Open at the end of the week"),
    Tile(
        "open_backorder_value", "Open backorder value", "money", False, "Backordered units x unit price, open"
    ),
    Tile("avg_backorder_age_days", "Average backorder age", "days", False, "Days since ordered, open lines"),
    Tile(
        "backorder_cancellation_rate",
        "Backorder cancellation rate",
        "rate",
        False,
        "Canceled / closed backordered lines, closed in the week",
    ),
    Tile(
        "customer_on_time_rate",
        "Customer on-time rate",
        "rate",
        True,
        "Order lines promised in the week (not canceled) shipped by their promised date; needs no "
        "backorder flag",
    ),
    Tile(
        "supplier_on_time_rate",
        "Supplier on-time rate",
        "rate",
        True,
        "PO lines received on or before promise",
        PO_DATA,
    ),
)

REVENUE_AT_RISK = Tile(
    "revenue_at_risk",
    "Revenue at risk",
    "money",
    False,
    "Value x cancellation risk over the backorders open at the end of the week, scored by the model "
    "fitted on the lines closed by then (Cancellation risk page). The line shows the weeks the load "
    "prepared (the last 26)",
)

PROJECTED_STOCKOUTS = Tile(
    "projected_stockout_skus",
    "SKUs projected to go on backorder in the next 4 weeks",
    "count",
    False,
    "Projected available stock below zero within 4 weeks of the week's end (Outlook page), from what "
    "was known then",
)


@dataclass(frozen=True)
class RiskScores:
    """What the review takes from the cancellation-risk model, which needs a connection rather than
    a Runner: revenue at risk at the end of a day for a scope (None without enough history to fit
    on), the same at several days where the load prepared it (for a tile's line), and
    restock-priority rows re-ranked by revenue at risk."""

    revenue_at_risk: Callable[[dt.date, Mapping[str, Any]], float | None]
    rerank_restock: Callable[[pd.DataFrame, dt.date, Mapping[str, Any]], pd.DataFrame]
    revenue_series: Callable[[list[dt.date], Mapping[str, Any]], list[float | None]]


def risk_scores(con: duckdb.DuckDBPyConnection, on_demand: outputs.OnDemand = outputs.direct) -> RiskScores:
    """The model's outputs the load stored (dashboard/model/outputs.py); a day it did not prepare is
    computed through `on_demand` (the app caches it). Without enough history, revenue at risk is
    None and the restock priority keeps the query's own ranking (value and age)."""

    def revenue(end: dt.date, scope: Mapping[str, Any]) -> float | None:
        return outputs.revenue_at_risk(con, end, scope, on_demand)

    def rerank(ranked: pd.DataFrame, end: dt.date, scope: Mapping[str, Any]) -> pd.DataFrame:
        try:
            at_risk = outputs.at_risk_by_sku(con, end, scope, on_demand)
        except risk.NotEnoughHistory:
            return ranked
        return risk.restock_priority(ranked, at_risk)

    def series(ends: list[dt.date], scope: Mapping[str, Any]) -> list[float | None]:
        return outputs.revenue_series(con, ends, scope)

    return RiskScores(revenue, rerank, series)


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday."""

    start: dt.date

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def previous(self) -> Week:
        return Week(self.start - dt.timedelta(days=7))

    @property
    def label(self) -> str:
        year, number, _ = self.start.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def span(self) -> str:
        return f"{self.start:%a %d %b} to {self.end:%a %d %b %Y}"

    @classmethod
    def parse(cls, text: str) -> Week:
        """'2026-W46' (ISO week) to the week starting on its Monday."""
        try:
            return cls(dt.date.fromisoformat(f"{text.strip().upper()}-1"))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not an ISO week like 2026-W46") from exc

    @classmethod
    def holding(cls, day: dt.date) -> Week:
        return cls(day - dt.timedelta(days=day.weekday()))


def default_week(as_of: dt.date) -> Week:
    """The last complete week: the one holding the as-of date when that is its Sunday (so the home page
    opens on the same date as every other page), else the week before (the as-of week is still filling)."""
    week = Week.holding(as_of)
    return week if as_of == week.end else week.previous


def weeks_back(as_of: dt.date, count: int = 52) -> list[Week]:
    """Weeks a user may pick, newest first, ending with the one that holds the as-of date."""
    newest = Week.holding(as_of)
    return [Week(newest.start - dt.timedelta(days=7 * n)) for n in range(count)]


def week_values(week: Week, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {**(scope or {}), "start": week.start, "end": week.end}


def kpis(
    run: Runner, week: Week, scope: Mapping[str, Any] | None = None, scores: RiskScores | None = None
) -> dict[str, Any]:
    """The week's kpis.sql figures, plus revenue_at_risk when the risk model is given."""
    frame = run("kpis", week_values(week, scope))
    figures = {key: _plain(value) for key, value in frame.iloc[0].items()}
    projected = projected_stockouts(run, week, scope, top=None)
    figures[PROJECTED_STOCKOUTS.key] = None if projected is None else len(projected)
    if scores is not None:
        figures[REVENUE_AT_RISK.key] = scores.revenue_at_risk(week.end, dict(scope or {}))
    return figures


def trend(run: Runner, week: Week, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    return run("kpi_trend", {**week_values(week, scope), "weeks": TREND_WEEKS})


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def change(now: Any, before: Any) -> float | None:
    if now is None or before is None:
        return None
    return float(now) - float(before)


def is_good(tile: Tile, delta: float | None) -> bool | None:
    """Good or bad is the measure's direction, not the arrow's: fewer open backorders is good."""
    if delta is None or delta == 0:
        return None
    return (delta > 0) == tile.higher_is_better


def fmt(kind: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{float(value):.1%}"
    if kind == "money":
        return f"{float(value):,.0f}"
    if kind == "days":
        return f"{float(value):.1f} d"
    return f"{int(value):,}"


def fmt_change(kind: str, delta: float | None) -> str:
    if delta is None:
        return ""
    if kind == "rate":
        return f"{delta * 100:+.1f} pp"
    if kind == "money":
        return f"{delta:+,.0f}"
    if kind == "days":
        return f"{delta:+.1f} d"
    return f"{int(delta):+,}"


@dataclass(frozen=True)
class TileValue:
    tile: Tile
    value: Any
    previous: Any
    delta: float | None
    good: bool | None
    series: list[float | None]


def needs(tables: tuple[str, ...], held: set[str]) -> str | None:
    """One line saying which data would fill a section the warehouse cannot, or None when it can."""
    missing = [table for table in tables if table not in held]
    if not missing:
        return None
    files = ", ".join(f"`{table}`" for table in missing)
    return f"No data for this yet: it needs {files}. Load them (or map them from your export) to fill it."


def tiles(
    run: Runner,
    week: Week,
    scope: Mapping[str, Any] | None = None,
    scores: RiskScores | None = None,
    held: set[str] | None = None,
) -> list[TileValue]:
    """The headline tiles the warehouse's data can fill (all of them when `held` is not given)."""
    now = kpis(run, week, scope, scores)
    before = kpis(run, week.previous, scope, scores)
    history = trend(run, week, scope)
    values = []
    for tile in (*TILES, PROJECTED_STOCKOUTS, *([REVENUE_AT_RISK] if scores is not None else [])):
        if held is not None and needs(tile.needs, held):
            continue
        delta = change(now[tile.key], before[tile.key])
        series = [_plain(v) for v in history[tile.key].tolist()] if tile.key in history else []
        if tile is REVENUE_AT_RISK and scores is not None:
            ends = [pd.Timestamp(start).date() + dt.timedelta(days=6) for start in history["week_start"]]
            series = scores.revenue_series(ends, dict(scope or {}))
        values.append(TileValue(tile, now[tile.key], before[tile.key], delta, is_good(tile, delta), series))
    return values


def movers(
    run: Runner, week: Week, scope: Mapping[str, Any] | None = None, top: int = 5
) -> dict[str, pd.DataFrame]:
    """Per dimension, the groups whose open backlog value grew most and shrank most."""
    frame = run("backlog_movers", week_values(week, scope))
    result: dict[str, pd.DataFrame] = {}
    for dimension in ("category", "supplier", "sku"):
        rows = frame[(frame["dimension"] == dimension) & (frame["change_value"] != 0)]
        grew = rows[rows["change_value"] > 0].nlargest(top, "change_value")
        shrank = rows[rows["change_value"] < 0].nsmallest(top, "change_value")
        result[dimension] = pd.concat([grew, shrank], ignore_index=True).drop(columns=["dimension"])
    return result


def cancellations(run: Runner, week: Week, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    return run("cancellations", week_values(week, scope))


def annotations(run: Runner, start: Any, end: Any, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Events (queries/events.sql) and managers' notes overlapping [start, end], cut to it.
    A warehouse built before the events table existed simply has none."""
    values = {**(scope or {}), "start": pd.Timestamp(start).date(), "end": pd.Timestamp(end).date()}
    try:
        events = run("events", values)
    except catalog.QueryError:
        events = notes.as_annotations([])
    written = notes.as_annotations(notes.between(values["start"], values["end"]))
    parts = [part for part in (events, written) if not part.empty]
    return charts.clip(pd.concat(parts, ignore_index=True) if parts else written, start, end)


def backlog_chart(history: pd.DataFrame, marks: pd.DataFrame | None, height: int = 240) -> alt.LayerChart:
    spec = {"mark": "area", "x": "week_start:T", "y": "open_backorder_units:Q"}
    return charts.from_spec(history, spec, marks, height=height)


def rate_chart(history: pd.DataFrame, marks: pd.DataFrame | None, height: int = 240) -> alt.LayerChart:
    long = history.melt("week_start", ["backorder_rate_lines", "unit_fill_rate"], "measure", "rate")
    spec = {"mark": "line", "x": "week_start:T", "y": "rate:Q", "color": "measure:N"}
    return charts.from_spec(long, spec, marks, height=height)


LOOKBACK = dt.timedelta(weeks=8)


def _optional(run: Runner, query_id: str, values: Mapping[str, Any]) -> pd.DataFrame:
    """A page's query the review borrows; a warehouse it cannot run on gives no rows, not an error."""
    try:
        return run(query_id, values)
    except catalog.QueryError:
        return pd.DataFrame()


def _new_since_last_week(now: pd.DataFrame, before: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    if now.empty or before.empty:
        return now
    seen = before[key].drop_duplicates()
    merged = now.merge(seen, on=key, how="left", indicator=True)
    return merged[merged["_merge"] == "left_only"].drop(columns="_merge").reset_index(drop=True)


def new_disruptions(run: Runner, week: Week, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Supplier disruption periods flagged as of this week's end that were not flagged a week earlier."""
    values = {**(scope or {}), "start": week.start - LOOKBACK}
    now = _optional(run, "supplier_disruptions", {**values, "end": week.end})
    before = _optional(run, "supplier_disruptions", {**values, "end": week.previous.end})
    return _new_since_last_week(now, before, ["supplier_id", "period_start"])


def new_spikes(run: Runner, week: Week, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """SKUs whose demand surges as of this week's end and did not a week earlier."""
    now = _optional(run, "surging_skus", {**(scope or {}), "end": week.end})
    before = _optional(run, "surging_skus", {**(scope or {}), "end": week.previous.end})
    if now.empty:
        return now
    surging_before = before[before["surging"]] if not before.empty else before
    return _new_since_last_week(now[now["surging"]], surging_before, ["sku"])


def suppliers_to_chase(run: Runner, scope: Mapping[str, Any] | None = None, top: int = 5) -> pd.DataFrame:
    """One row per supplier from the open PO watchlist, in its call order (as of the as-of date)."""
    watch = _optional(run, "supplier_watchlist", dict(scope or {}))
    if watch.empty:
        return watch
    late = watch[watch["days_past_promise"] > 0]
    per_supplier = (
        watch.groupby(["call_rank", "supplier_id", "supplier_name"], as_index=False)
        .agg(waiting_lines=("waiting_lines", "sum"), waiting_value=("waiting_value", "sum"))
        .merge(
            late.groupby("supplier_id", as_index=False).agg(po_lines_past_promise=("po_id", "count")),
            on="supplier_id",
            how="left",
        )
    )
    per_supplier["po_lines_past_promise"] = per_supplier["po_lines_past_promise"].fillna(0).astype(int)
    return per_supplier.sort_values("call_rank").head(top).reset_index(drop=True)


def skus_to_expedite(
    run: Runner,
    week: Week,
    scope: Mapping[str, Any] | None = None,
    top: int = 5,
    scores: RiskScores | None = None,
) -> pd.DataFrame:
    """The restock-priority list of the Demand signal page, as of this week's end (ranked by
    revenue at risk when the risk model is given)."""
    ranked = _optional(run, "restock_priority", {**(scope or {}), "end": week.end})
    if scores is not None and not ranked.empty:
        ranked = scores.rerank_restock(ranked, week.end, dict(scope or {}))
    return ranked.head(top).reset_index(drop=True)


def customers_to_notify(run: Runner, scope: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The delay notices due at the as-of date (Cancellation risk page), latest promise first missed."""
    return _optional(run, "delay_notices", dict(scope or {}))


def projected_stockouts(
    run: Runner, week: Week, scope: Mapping[str, Any] | None = None, top: int | None = 5
) -> pd.DataFrame | None:
    """The SKUs the Outlook projection made at the week's end expects on backorder within 4 weeks,
    soonest first (all of them when top is None); None when the warehouse has no projection."""
    values = {**(scope or {}), "end": week.end}
    try:
        frame = run("projected_stockouts_4w", values)
    except catalog.QueryError:
        return None
    return frame if top is None else frame.head(top).reset_index(drop=True)
