"""The weekly review's content, shared by the home page, the meeting report and the alerts.

Everything here takes a `Runner` (dashboard/query/runner.py: query id + values -> rows) so the page
can pass its cached runner and the command line a plain one: both then show the same numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import duckdb
import pandas as pd

from dashboard.model import outputs, risk
from dashboard.present import charts, formats
from dashboard.query import catalog, runner
from dashboard.review import notes
from dashboard.review.targets import Target

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
    short: str = ""  # the tile's heading where `label` does not fit a fifth of the page
    needs: tuple[str, ...] = ORDER_DATA

    @property
    def heading(self) -> str:
        return self.short or self.label


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
    Tile(
        "open_backorder_lines",
        "Open backorder lines",
        "count",
        False,
        "Open at the end of the week",
        "Open lines",
    ),
    Tile(
        "open_backorder_units",
        "Open backordered units",
        "count",
        False,
        "Open at the end of the week",
        "Open units",
    ),
    Tile(
        "open_backorder_value",
        "Open backorder value",
        "money",
        False,
        "Backordered units x unit price, open",
        "Open value",
    ),
    Tile(
        "avg_backorder_age_days",
        "Average backorder age",
        "days",
        False,
        "Days since ordered, open lines",
        "Backorder age",
    ),
    Tile(
        "backorder_cancellation_rate",
        "Backorder cancellation rate",
        "rate",
        False,
        "Canceled / closed backordered lines, closed in the week",
        "Cancellations",
    ),
    Tile(
        "customer_on_time_rate",
        "Customer on-time rate",
        "rate",
        True,
        "Order lines promised in the week (not canceled) shipped by their promised date; needs no "
        "backorder flag",
        "Orders on time",
    ),
    Tile(
        "supplier_on_time_rate",
        "Supplier on-time rate",
        "rate",
        True,
        "PO lines received on or before promise",
        "POs on time",
        needs=PO_DATA,
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
    "Going short",
)


METRICS = tuple(tile.key for tile in (*TILES, PROJECTED_STOCKOUTS, REVENUE_AT_RISK))
# The page that explains each tile, which the tile links to with the week and the scope as filters.
EXPLAINED_BY = {
    "backorder_rate_lines": "backorders",
    "unit_fill_rate": "demand_signal",
    "open_backorder_lines": "backorders",
    "open_backorder_units": "backorders",
    "open_backorder_value": "backorders",
    "avg_backorder_age_days": "backorders",
    "backorder_cancellation_rate": "cancellation_risk",
    "customer_on_time_rate": "backorders",
    "supplier_on_time_rate": "suppliers",
    "projected_stockout_skus": "outlook",
    "revenue_at_risk": "cancellation_risk",
}


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


def measured_note(week: Week, as_of: dt.date) -> str | None:
    """Said when the week runs past the data: its stocks (open backorders, ages) are taken at the
    as-of date, as kpis.sql and kpi_trend.sql do, so ages do not grow over days with no data."""
    if as_of >= week.end:
        return None
    return (
        f"Open backorders and their ages are measured at the As-of date, {as_of:%a %d %b}, not at the"
        f" week's end ({week.end:%a %d %b}): there is no data after it."
    )


def week_values(week: Week, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {**(scope or {}), "start": week.start, "end": week.end}


def kpis(
    run: Runner, week: Week, scope: Mapping[str, Any] | None = None, scores: RiskScores | None = None
) -> dict[str, Any]:
    """The week's kpis.sql figures, plus revenue_at_risk when the risk model is given."""
    frame = run("kpis", week_values(week, scope))
    figures = {key: _plain(value) for key, value in frame.iloc[0].items()}
    figures[PROJECTED_STOCKOUTS.key] = _projected_count(run, week, scope)
    if scores is not None:
        figures[REVENUE_AT_RISK.key] = _revenue_at_risk(scores, week, scope)
    return figures


def metric(
    run: Runner,
    week: Week,
    name: str,
    scope: Mapping[str, Any] | None = None,
    scores: RiskScores | None = None,
) -> Any:
    """One of kpis()'s figures, computing only what it needs: a per-supplier alert on a kpis.sql
    figure runs kpis.sql alone for each supplier, not the projection and the risk model too."""
    if name == PROJECTED_STOCKOUTS.key:
        return _projected_count(run, week, scope)
    if name == REVENUE_AT_RISK.key:
        return None if scores is None else _revenue_at_risk(scores, week, scope)
    frame = run("kpis", week_values(week, scope))
    return _plain(frame.iloc[0][name])


def _projected_count(run: Runner, week: Week, scope: Mapping[str, Any] | None) -> int | None:
    projected = projected_stockouts(run, week, scope, top=None)
    return None if projected is None else len(projected)


def _revenue_at_risk(scores: RiskScores, week: Week, scope: Mapping[str, Any] | None) -> Any:
    return scores.revenue_at_risk(week.end, dict(scope or {}))


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


def fmt(kind: str, value: Any, compact: bool = False) -> str:
    """A tile's figure; `compact` shortens money to fit a tile (the exact amount goes in its help)."""
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{float(value):.1%}"
    if kind == "money":
        return formats.compact_money(value) if compact else formats.value("money", value)
    if kind == "days":
        return f"{float(value):.1f} d"
    return f"{int(value):,}"


def fmt_change(kind: str, delta: float | None) -> str:
    if delta is None:
        return ""
    if kind == "rate":
        return f"{delta * 100:+.1f} pp"
    if kind == "money":
        return ("+" if delta >= 0 else "") + formats.value("money", delta)
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
    target: Target | None = None

    @property
    def met(self) -> bool | None:
        """Whether the week met the tile's target; None without a target or a value."""
        return None if self.target is None else self.target.met(self.value)

    @property
    def target_text(self) -> str:
        """'target ≥ 95.0%': the bound the settings file sets, in the tile's own format."""
        if self.target is None:
            return ""
        parts = []
        if self.target.at_least is not None:
            parts.append(f"≥ {fmt(self.tile.kind, self.target.at_least)}")
        if self.target.at_most is not None:
            parts.append(f"≤ {fmt(self.tile.kind, self.target.at_most)}")
        return "target " + " and ".join(parts)


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
    *,
    held: set[str] | None = None,
    goals: Mapping[str, Target] | None = None,
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
        values.append(
            TileValue(
                tile,
                now[tile.key],
                before[tile.key],
                delta,
                is_good(tile, delta),
                series,
                (goals or {}).get(tile.key),
            )
        )
    return values


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def streak(series: list[float | None]) -> int:
    """How many weeks in a row, ending with the last, the series moved the way its last week did."""
    points = [v for v in series if v is not None]
    steps = [b - a for a, b in itertools.pairwise(points)]
    if not steps or steps[-1] == 0:
        return 0
    count = 0
    for step in reversed(steps):
        if (step > 0) != (steps[-1] > 0) or step == 0:
            break
        count += 1
    return count


def gap_text(item: TileValue) -> str:
    """'18.2 pts under target': how far a missed target is missed, in the tile's units."""
    assert item.target is not None
    gap = item.target.gap(item.value)
    if item.tile.kind == "rate":
        amount = f"{gap * 100:.1f} pts"
    elif item.tile.kind == "days":
        amount = f"{gap:.1f} days"
    else:
        amount = fmt(item.tile.kind, gap)
    return f"{item.tile.label.lower()} is {amount} {item.target.side} target"


def verdict(items: list[TileValue]) -> str:
    """One line a manager can read in ten seconds: where the backlog went (and for how long), then
    the target missed by most, or, with no targets set, the headline figure that moved worst."""
    by_key = {item.tile.key: item for item in items}
    backlog = by_key.get("open_backorder_lines")  # absent when the warehouse holds no orders
    weeks = streak(backlog.series) if backlog else 0
    if backlog is None or backlog.value is None:
        opening, good = "No backlog figure this week", None
    elif not backlog.delta:
        opening, good = f"Backlog unchanged: {fmt('count', backlog.value)} lines", None
    else:
        moved = "grew" if backlog.delta > 0 else "shrank"
        run = f" for the {ordinal(weeks)} week" if weeks >= 2 else ""
        lines = f"{fmt('count', backlog.value)} lines ({fmt_change('count', backlog.delta)})"
        opening = f"Backlog {moved}{run}: {lines}"
        good = backlog.delta < 0
    judged = [item for item in items if item.target is not None and item.met is not None]
    missed = [item for item in judged if not item.met]
    if judged:
        if not missed:
            return f"{opening}, and all {len(judged)} targets are met"
        worst = max(missed, key=lambda item: item.target.relative_gap(item.value))
        link = "but" if good else "and"
        count = f" ({len(missed)} of {len(judged)} targets missed)" if len(missed) > 1 else ""
        return f"{opening}, {link} {gap_text(worst)}{count}"
    worse = [i for i in items if i.good is False and i.value and i.tile.key != "open_backorder_lines"]
    if not worse:
        return f"{opening}; no headline figure got worse"
    worst = max(worse, key=lambda i: abs(i.delta or 0) / abs(float(i.previous or i.value or 1)))
    link = "but" if good else "and"
    moved = "rose" if (worst.delta or 0) > 0 else "fell"
    return (
        f"{opening}, {link} {worst.tile.label.lower()} {moved} to {fmt(worst.tile.kind, worst.value)} "
        f"({fmt_change(worst.tile.kind, worst.delta)})"
    )


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


def backlog_chart(
    history: pd.DataFrame,
    marks: pd.DataFrame | None,
    height: int = 240,
    columns: Mapping[str, catalog.Column] | None = None,
) -> alt.LayerChart:
    """Open backordered units at each week's end, labelled from kpi_trend.sql's `columns:`."""
    spec = {"mark": "area", "x": "week_start:T", "y": "open_backorder_units:Q"}
    return charts.from_spec(history, spec, marks, height=height, columns=columns)


def rate_chart(history: pd.DataFrame, marks: pd.DataFrame | None, height: int = 240) -> alt.LayerChart:
    names = {"backorder_rate_lines": "Backorder rate", "unit_fill_rate": "Unit fill rate"}
    long = history.melt("week_start", list(names), "measure", "rate")
    long["measure"] = long["measure"].map(names)
    spec = {"mark": "line", "x": "week_start:T", "y": "rate:Q", "color": "measure:N"}
    columns = {
        "week_start": catalog.Column("Week", "date"),
        "rate": catalog.Column("Share", "percent"),
        "measure": catalog.Column("Measure"),
    }
    return charts.from_spec(long, spec, marks, height=height, columns=columns)


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


CHASE_COLUMNS = [
    "call_rank",
    "supplier_id",
    "supplier_name",
    "supplier_lines_past_promise",
    "supplier_waiting_lines_past_promise",
    "supplier_waiting_value_past_promise",
]


def chase_words(po_lines: int, waiting_lines: int, value: str) -> str:
    """A supplier to chase in the words the home page, the Suppliers page and the report share: its
    open PO lines past their promise, and the backordered customer lines waiting on those lines
    (supplier_watchlist.sql's supplier_*_past_promise columns). Lines waiting on a PO line that is
    not due yet are not counted: nothing is late for them yet."""
    return (
        f"{po_lines:,} open PO lines past promise, {waiting_lines:,} customer lines waiting on them"
        f" (value {value})"
    )


def suppliers_to_chase(run: Runner, scope: Mapping[str, Any] | None = None, top: int = 5) -> pd.DataFrame:
    """The watchlist's suppliers with open PO lines past promise, in its call order (as of the as-of
    date): one row each with the query's own supplier-level figures, the ones the Suppliers page's
    banner shows, so both places give the same numbers."""
    watch = _optional(run, "supplier_watchlist", dict(scope or {}))
    if watch.empty:
        return watch
    suppliers = watch[CHASE_COLUMNS].drop_duplicates("supplier_id")
    late = suppliers[suppliers["supplier_lines_past_promise"] > 0]
    return late.sort_values("call_rank").head(top).reset_index(drop=True)


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
