"""The same numbers computed the way a typical Streamlit app computes them: pandas over Parquet.

A typical app reads the files once into DataFrames (kept by st.cache_data), merges the lines
with their orders and products, and then computes each chart with groupby, merge and cumsum on
every rerun. `prepare` is that first read and merge (the cold part); each baseline is one
computation (the warm part). Each returns the same rows and columns as the project's query, and
`compare` checks that before anything is timed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Frames = dict[str, pd.DataFrame]
Params = Mapping[str, Any]

# Only the columns the computations use, as a careful pandas app would read them.
COLUMNS: dict[str, list[str]] = {
    "order_lines": ["order_id", "sku", "qty", "backordered_qty", "unit_price", "shipped_at", "canceled_at"],
    "orders": ["order_id", "ordered_at", "channel"],
    "products": ["sku", "product_name", "category", "supplier_id", "lead_time_days"],
    "suppliers": ["supplier_id", "supplier_name"],
    "purchase_orders": ["supplier_id", "sku", "ordered_at", "promised_date", "received_at"],
}
DATES = {"purchase_orders": ["ordered_at", "promised_date", "received_at"]}


def prepare(parquet: Path) -> Frames:
    """Read the Parquet files and build the frames every computation starts from."""
    raw = {name: pd.read_parquet(parquet / f"{name}.parquet", columns=cols) for name, cols in COLUMNS.items()}
    for table, columns in DATES.items():
        for column in columns:
            raw[table][column] = pd.to_datetime(raw[table][column])
    products = raw["products"].merge(raw["suppliers"], on="supplier_id", how="left")
    lines = raw["order_lines"].merge(raw["orders"], on="order_id")
    lines["ordered_date"] = lines["ordered_at"].dt.normalize()
    backorders = lines[lines["backordered_qty"] > 0].merge(
        products[["sku", "category", "supplier_id", "supplier_name"]], on="sku", how="left"
    )
    backorders["closed_date"] = backorders["shipped_at"].fillna(backorders["canceled_at"]).dt.normalize()
    backorders["value"] = backorders["backordered_qty"] * backorders["unit_price"]
    po = (
        raw["purchase_orders"]
        .merge(products[["sku", "category", "lead_time_days"]], on="sku", how="left")
        .merge(raw["suppliers"], on="supplier_id", how="left")
    )
    po["delay_days"] = (po["received_at"] - po["promised_date"]).dt.days
    po["lead_time_days_actual"] = (po["received_at"] - po["ordered_at"]).dt.days
    return {"lines": lines, "backorders": backorders, "products": products, "po": po}


def _scoped(frame: pd.DataFrame, params: Params, channel: bool = True) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if params.get("category") is not None:
        keep &= frame["category"] == params["category"]
    if params.get("supplier") is not None:
        keep &= frame["supplier_id"] == params["supplier"]
    if channel and params.get("channel") is not None:
        keep &= frame["channel"] == params["channel"]
    return frame[keep]


def _open_at(backorders: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    closed = backorders["closed_date"]
    return backorders[(backorders["ordered_date"] <= end) & (closed.isna() | (closed > end))]


def backlog_trend(frames: Frames, params: Params) -> pd.DataFrame:
    """queries/backorders/backlog_trend.sql: open lines, units and value at the end of each week."""
    start, end = pd.Timestamp(params["start"]), pd.Timestamp(params["end"])
    backorders = _scoped(frames["backorders"], params)
    backorders = backorders[backorders["ordered_date"] <= end]
    sums = {"lines": ("value", "size"), "units": ("backordered_qty", "sum"), "value": ("value", "sum")}
    opened = backorders.groupby("ordered_date").agg(**sums)
    closed = backorders[backorders["closed_date"] <= end].groupby("closed_date").agg(**sums)
    running = opened.sub(closed, fill_value=0).sort_index().cumsum()
    days = pd.date_range(start, end, freq="D")
    measured = days if params["grain"] == "day" else days[(days.dayofweek == 6) | (days == end)]
    at = running.reindex(running.index.union(measured)).ffill().reindex(measured).fillna(0)
    period = measured if params["grain"] == "day" else measured - pd.to_timedelta(measured.dayofweek, "D")
    return pd.DataFrame(
        {
            "day": measured,
            "period": period,
            "open_lines": at["lines"].to_numpy().astype("int64"),
            "open_units": at["units"].to_numpy().astype("int64"),
            "open_value": at["value"].round(2).to_numpy(),
        }
    )


BUCKETS = (("0-7", 0, 7), ("8-14", 8, 14), ("15-30", 15, 30), ("31-60", 31, 60), ("60+", 61, math.inf))


def backlog_aging(frames: Frames, params: Params) -> pd.DataFrame:
    """queries/backorders/backlog_aging.sql: open backorders at the To date by age bucket."""
    end = pd.Timestamp(params["end"])
    open_now = _open_at(_scoped(frames["backorders"], params), end)
    age = (end - open_now["ordered_date"]).dt.days
    edges = [-0.5] + [high + 0.5 for _, _, high in BUCKETS[:-1]] + [math.inf]
    labels = [name for name, _, _ in BUCKETS]
    bucket = pd.cut(age, edges, labels=labels)
    grouped = open_now.groupby(bucket, observed=False).agg(
        open_lines=("value", "size"), open_units=("backordered_qty", "sum"), open_value=("value", "sum")
    )
    total = grouped["open_units"].sum()
    return pd.DataFrame(
        {
            "age_bucket": labels,
            "bucket_order": np.arange(1, len(labels) + 1, dtype="int32"),
            "open_lines": grouped["open_lines"].to_numpy().astype("int64"),
            "open_units": grouped["open_units"].to_numpy().astype("int64"),
            "open_value": grouped["open_value"].round(2).to_numpy(),
            "share_of_units": (grouped["open_units"] / total).fillna(0.0).to_numpy() if total else 0.0,
        }
    )


def _score_suppliers(po: pd.DataFrame, backorders: pd.DataFrame) -> pd.DataFrame:
    received = po[po["received_in_period"]]
    stats = received.groupby("supplier_id").agg(
        po_lines_received=("delay_days", "size"),
        on_time_rate=("on_time", "mean"),
        avg_delay_days=("delay_days", "mean"),
        p90_delay_days=("delay_days", lambda d: d.quantile(0.9)),
        median_lead_time_days=("lead_time_days_actual", "median"),
        lead_time_lines=("lead_time_days_actual", "count"),
        lead_sd=("lead_time_days_actual", "std"),
        lead_mean=("lead_time_days_actual", "mean"),
        planned_lead_time_days=("lead_time_days", "median"),
    )
    stats["lead_time_cv"] = stats["lead_sd"] / stats["lead_mean"].replace(0, np.nan)
    open_po = (
        po[po["open_at_end"]]
        .groupby("supplier_id")
        .agg(open_po_lines=("promise_passed", "size"), open_po_lines_past_promise=("promise_passed", "sum"))
    )
    waiting = backorders.groupby("supplier_id").agg(
        open_backorder_lines=("value", "size"),
        open_backorder_units=("backordered_qty", "sum"),
        open_backorder_value=("value", "sum"),
    )
    names = pd.concat([po[["supplier_id", "supplier_name"]], backorders[["supplier_id", "supplier_name"]]])
    names = names.drop_duplicates("supplier_id").set_index("supplier_id")["supplier_name"]
    scored = pd.DataFrame(index=names.index).join([stats, open_po, waiting])
    counts = ["po_lines_received", "lead_time_lines", "open_po_lines", "open_po_lines_past_promise"]
    counts += ["open_backorder_lines", "open_backorder_units", "open_backorder_value"]
    scored[counts] = scored[counts].fillna(0)
    scored["supplier_name"] = names
    return scored.drop(columns=["lead_sd", "lead_mean"])


TOTAL = "All suppliers"


def supplier_scorecard(frames: Frames, params: Params) -> pd.DataFrame:
    """queries/suppliers/supplier_scorecard.sql: one row per supplier, then "All suppliers"."""
    start, end = pd.Timestamp(params["start"]), pd.Timestamp(params["end"])
    po = _scoped(frames["po"], params, channel=False)
    po = po[po["ordered_at"] <= end].copy()
    po["received_in_period"] = po["received_at"].between(start, end)
    po["open_at_end"] = po["received_at"].isna() | (po["received_at"] > end)
    po["promise_passed"] = po["promised_date"] < end
    po["on_time"] = (po["delay_days"] <= 0).astype("float64")
    backorders = _open_at(_scoped(frames["backorders"], params), end)
    each = _score_suppliers(po, backorders).reset_index(names="supplier_id")
    everyone = {"supplier_id": TOTAL, "supplier_name": TOTAL}
    total = _score_suppliers(po.assign(**everyone), backorders.assign(**everyone))
    total = total.reindex([TOTAL]).reset_index(names="supplier_id")
    total["supplier_name"] = TOTAL
    each["no_lines"] = each[["po_lines_received", "open_po_lines", "open_backorder_lines"]].sum(axis=1) == 0
    each = each.sort_values(
        ["no_lines", "open_backorder_value", "open_po_lines_past_promise", "avg_delay_days", "supplier_id"],
        ascending=[True, False, False, False, True],
        na_position="last",
    )
    rows = pd.concat([each, total], ignore_index=True)
    order = ["supplier_id", "supplier_name", "po_lines_received", "on_time_rate", "avg_delay_days"]
    order += ["p90_delay_days", "median_lead_time_days", "lead_time_lines", "lead_time_cv"]
    order += ["planned_lead_time_days"]
    order += ["open_po_lines", "open_po_lines_past_promise", "open_backorder_lines"]
    order += ["open_backorder_units", "open_backorder_value"]
    return rows[order]


SURGE = {"recent_weeks": 4, "baseline_weeks": 12, "min_ratio": 1.5, "min_robust_z": 3.0}
SURGE |= {"min_recent_units": 10, "min_backorder_ratio": 0.25, "mad_to_sd": 1.4826}


def surging_skus(frames: Frames, params: Params) -> pd.DataFrame:
    """queries/demand_signal/surging_skus.sql: last 4 weeks' demand against the 12 before, per SKU."""
    end = pd.Timestamp(params["end"])
    recent_weeks, weeks = SURGE["recent_weeks"], SURGE["recent_weeks"] + SURGE["baseline_weeks"]
    lines = frames["lines"]
    window = (lines["ordered_date"] <= end) & (lines["ordered_date"] > end - pd.Timedelta(days=7 * weeks))
    if params.get("channel") is not None:
        window &= lines["channel"] == params["channel"]
    lines = lines[window]
    products = _scoped(frames["products"], params, channel=False)
    lines = lines[lines["sku"].isin(products["sku"])]
    weeks_back = (end - lines["ordered_date"]).dt.days // 7
    weekly = lines.groupby([lines["sku"], weeks_back.rename("weeks_back")])[["qty", "backordered_qty"]].sum()
    grid = pd.MultiIndex.from_product([weekly.index.levels[0], range(weeks)], names=["sku", "weeks_back"])
    filled = weekly.reindex(grid, fill_value=0).reset_index()
    filled["is_recent"] = filled["weeks_back"] < recent_weeks
    base = filled[~filled["is_recent"]]
    recent = filled[filled["is_recent"]]
    median = base.groupby("sku")["qty"].median()
    stats = pd.DataFrame(
        {
            "recent_units": recent.groupby("sku")["qty"].sum(),
            "recent_backordered_units": recent.groupby("sku")["backordered_qty"].sum(),
            "baseline_units": base.groupby("sku")["qty"].sum(),
            "recent_weekly_mean": recent.groupby("sku")["qty"].mean(),
            "baseline_weekly_mean": base.groupby("sku")["qty"].mean(),
            "baseline_weekly_median": median,
            "baseline_mad": (base["qty"] - base["sku"].map(median)).abs().groupby(base["sku"]).median(),
        }
    )
    stats["ratio"] = stats["recent_weekly_mean"] / stats["baseline_weekly_mean"].replace(0, np.nan)
    scale = np.maximum.reduce(
        [
            SURGE["mad_to_sd"] * stats["baseline_mad"],
            np.sqrt(stats["baseline_weekly_median"]),
            np.ones(len(stats)),
        ]
    )
    stats["robust_z"] = (stats["recent_weekly_mean"] - stats["baseline_weekly_median"]) / scale
    stats["backorder_ratio"] = stats["recent_backordered_units"] / stats["recent_units"].replace(0, np.nan)
    stats["surging"] = (
        (stats["recent_units"] >= SURGE["min_recent_units"])
        & (stats["robust_z"] >= SURGE["min_robust_z"])
        & (stats["ratio"].isna() | (stats["ratio"] >= SURGE["min_ratio"]))
    )
    stats["outrunning_supply"] = stats["surging"] & (stats["backorder_ratio"] >= SURGE["min_backorder_ratio"])
    stats["status"] = np.where(
        stats["outrunning_supply"],
        "surging, outrunning supply",
        np.where(stats["surging"], "surging", "steady"),
    )
    ranked = stats.join(products.set_index("sku")[["product_name", "category", "supplier_id"]]).reset_index()
    ranked = ranked.sort_values(
        ["robust_z", "ratio", "sku"], ascending=[False, False, True], na_position="last"
    )
    order = ["sku", "product_name", "category", "supplier_id", "recent_units", "baseline_units"]
    order += ["recent_weekly_mean", "baseline_weekly_mean", "baseline_weekly_median", "ratio", "robust_z"]
    order += ["recent_backordered_units", "backorder_ratio", "surging", "outrunning_supply", "status"]
    return ranked[order].reset_index(drop=True)


@dataclass(frozen=True)
class Baseline:
    """One computation: the page it belongs to, the project's query it reproduces and with what values."""

    name: str
    page: str
    query: str
    compute: Callable[[Frames, Params], pd.DataFrame]
    values: Mapping[str, Any]


BASELINES: tuple[Baseline, ...] = (
    Baseline("weekly backlog series", "backorders", "backlog_trend", backlog_trend, {"grain": "week"}),
    Baseline("aging buckets", "backorders", "backlog_aging", backlog_aging, {}),
    Baseline("supplier scorecard", "suppliers", "supplier_scorecard", supplier_scorecard, {}),
    Baseline("surging-SKU ranking", "demand_signal", "surging_skus", surging_skus, {}),
)


def _as_dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(pd.Series(column.to_numpy(dtype=object)), errors="raise").reset_index(drop=True)


def compare(ours: pd.DataFrame, theirs: pd.DataFrame, rtol: float = 1e-9) -> list[str]:
    """Differences between two results: columns, row count, then each column (numbers within rtol)."""
    if list(ours.columns) != list(theirs.columns):
        return [f"columns differ: {list(ours.columns)} vs {list(theirs.columns)}"]
    if len(ours) != len(theirs):
        return [f"{len(ours)} rows vs {len(theirs)}"]
    problems = []
    for name in ours.columns:
        left, right = ours[name].reset_index(drop=True), theirs[name].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(left) or pd.api.types.is_datetime64_any_dtype(right):
            left, right = _as_dates(left), _as_dates(right)
            same = (left == right) | (left.isna() & right.isna())
        elif pd.api.types.is_bool_dtype(left) or pd.api.types.is_bool_dtype(right):
            same = left.astype("boolean").fillna(False) == right.astype("boolean").fillna(False)
            same &= left.isna() == right.isna()
        elif pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
            a = left.to_numpy(dtype="float64", na_value=np.nan)
            b = right.to_numpy(dtype="float64", na_value=np.nan)
            same = pd.Series(np.isclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True))
        else:
            same = (left.astype("string") == right.astype("string")).fillna(False)
            same |= left.isna() & right.isna()
        if not same.all():
            first = int(np.flatnonzero(~same.to_numpy())[0])
            bad = int((~same).sum())
            problems.append(
                f"{name}: {bad} rows differ, first at row {first}: {left[first]!r} vs {right[first]!r}"
            )
    return problems
