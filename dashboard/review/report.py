"""The weekly review as one self-contained HTML file (charts inline as SVG), optionally a PDF.

It opens offline: no script, font or image is fetched from anywhere; charts are rendered to SVG
by vl-convert in this process.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import vl_convert

from dashboard.review import alerts, notes, targets, weekly

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)
GOOD, BAD, NEUTRAL = "#1a7f37", "#c62828", "#6e7781"

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
.muted { color: #6e7781; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; }
.tile { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; }
.tile .label { font-size: .85rem; color: #57606a; } .tile .value { font-size: 1.6rem; font-weight: 600; }
.tile .change { font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #eaeef2; padding: .25rem .5rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.breach { background: #fff1f0; border: 1px solid #ffccc7; border-radius: 6px; padding: .5rem .8rem; }
@media print { body { margin: 0; } .charts { grid-template-columns: 1fr; } }
"""


@dataclass(frozen=True)
class Report:
    week: weekly.Week
    html: str
    summary: str


def sparkline(series: list[float | None], width: int = 120, height: int = 28) -> str:
    """A tiny inline SVG polyline of the last weeks; gaps (weeks with nothing to rate) are skipped."""
    points = [(i, v) for i, v in enumerate(series) if v is not None]
    if len(points) < 2:
        return ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    step = width / max(len(series) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in points)
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="{coords}"/></svg>'
    )


def _tile(item: weekly.TileValue) -> str:
    colour = NEUTRAL if item.good is None else (GOOD if item.good else BAD)
    change = weekly.fmt_change(item.tile.kind, item.delta)
    before = weekly.fmt(item.tile.kind, item.previous)
    return (
        f'<div class="tile"><div class="label">{html.escape(item.tile.label)}</div>'
        f'<div class="value">{html.escape(weekly.fmt(item.tile.kind, item.value))}</div>'
        f'<div class="change" style="color:{colour}">{html.escape(change or "no change")}'
        f' <span class="muted">(last week {html.escape(before)})</span></div>'
        f"{sparkline(item.series)}</div>"
    )


def table(frame: pd.DataFrame, empty: str, money: tuple[str, ...] = ()) -> str:
    if frame.empty:
        return f'<p class="muted">{html.escape(empty)}</p>'
    head = "".join(
        f'<th class="{"num" if pd.api.types.is_numeric_dtype(frame[c]) else ""}">{html.escape(str(c))}</th>'
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            numeric = pd.api.types.is_numeric_dtype(frame[column])
            if value is None or (isinstance(value, float) and pd.isna(value)):
                text = ""
            elif column in money:
                text = f"{float(value):,.0f}"
            elif isinstance(value, float):
                text = f"{value:,.2f}"
            elif isinstance(value, pd.Timestamp):
                text = f"{value:%Y-%m-%d}" if value == value.normalize() else f"{value:%Y-%m-%d %H:%M}"
            else:
                text = str(value)
            cells.append(f'<td class="{"num" if numeric else ""}">{html.escape(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def svg(chart: Any, width: int = 470) -> str:
    return vl_convert.vegalite_to_svg(chart.properties(width=width).to_json())


def build(
    run: weekly.Runner,
    week: weekly.Week,
    as_of: dt.date,
    scope: Mapping[str, Any] | None = None,
    breaches: list[alerts.Breach] | None = None,
    scores: weekly.RiskScores | None = None,
    goals: Mapping[str, targets.Target] | None = None,
) -> Report:
    """The report of one week; `goals` are the KPI targets (the settings file's when not given)."""
    goals = targets.load(weekly.METRICS) if goals is None else goals
    items = weekly.tiles(run, week, scope, scores, goals)
    history = weekly.trend(run, week, scope)
    marks = weekly.annotations(run, history["week_start"].min(), week.end, scope)
    moved = weekly.movers(run, week, scope)
    canceled = weekly.cancellations(run, week, scope)
    written = notes.between(week.start, week.end)
    money = ("open_value_now", "open_value_before", "change_value", "value", "waiting_value")
    parts = [
        f"<h1>Weekly review {week.label}</h1>",
        f'<p class="muted">{html.escape(week.span)} against {week.previous.label}. '
        f"Data as of {as_of:%a %d %b %Y}; report made {dt.datetime.now():%Y-%m-%d %H:%M}."
        + (f" Filters: {html.escape(', '.join(f'{k}={v}' for k, v in scope.items() if v))}." if scope else "")
        + "</p>",
    ]
    if breaches:
        listed = "".join(f"<li>{html.escape(str(b))}</li>" for b in breaches)
        parts.append(f'<div class="breach"><strong>{len(breaches)} alert(s)</strong><ul>{listed}</ul></div>')
    parts += [
        "<h2>Headline</h2>",
        f'<div class="tiles">{"".join(_tile(item) for item in items)}</div>',
        '<div class="charts"><div><h3>Open backordered units, end of each week</h3>',
        svg(weekly.backlog_chart(history, marks)),
        "</div><div><h3>Backorder rate and unit fill rate</h3>",
        svg(weekly.rate_chart(history, marks)),
        "</div></div>",
        "<h2>What changed</h2>",
    ]
    for dimension, title in (("category", "Categories"), ("supplier", "Suppliers"), ("sku", "SKUs")):
        parts.append(f"<h3>{title} whose open backlog grew or shrank most</h3>")
        parts.append(table(moved[dimension], "No change week over week.", money))
    parts.append("<h3>Biggest cancellations</h3>")
    parts.append(table(canceled, "No backordered line was canceled this week.", money))
    disruptions = weekly.new_disruptions(run, week, scope)
    spikes = weekly.new_spikes(run, week, scope)
    parts.append("<h3>Newly flagged supplier disruptions</h3>")
    columns = [
        "supplier_id",
        "supplier_name",
        "period_start",
        "median_delay_days",
        "peak_z",
        "backorder_lines",
    ]
    parts.append(table(disruptions[columns] if not disruptions.empty else disruptions, "None this week."))
    parts.append("<h3>Newly flagged demand spikes</h3>")
    columns = ["sku", "product_name", "category", "ratio", "robust_z", "backorder_ratio"]
    parts.append(table(spikes[columns] if not spikes.empty else spikes, "None this week."))
    parts.append("<h2>Actions for the week</h2><h3>Suppliers to chase (as of the as-of date)</h3>")
    parts.append(table(weekly.suppliers_to_chase(run, scope), "No open PO line holds up a backorder.", money))
    parts.append("<h3>Customers to notify (delay notices due as of the as-of date)</h3>")
    notify = weekly.customers_to_notify(run, scope)
    columns = ["customer_id", "order_id", "days_waited", "value", "promised_date", "new_eta", "reasons"]
    parts.append(
        table(notify[columns].head(20) if not notify.empty else notify, "No delay notice is due.", money)
        + (f'<p class="muted">The first 20 of {len(notify):,} orders.</p>' if len(notify) > 20 else "")
    )
    parts.append("<h3>SKUs to expedite or reorder</h3>")
    expedite = weekly.skus_to_expedite(run, week, scope, scores=scores)
    parts.append(table(expedite.iloc[:, :8] if not expedite.empty else expedite, "No backordered SKU."))
    parts.append("<h2>Notes</h2>")
    if written:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n.text)}</li>" for n in written) + "</ul>")
    else:
        parts.append('<p class="muted">No notes for this week.</p>')
    if not marks.empty:
        parts.append("<h2>Events on the charts</h2>")
        parts.append(table(marks, ""))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Weekly review {week.label}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
    headline = {item.tile.key: item for item in items}
    summary = (
        ", ".join(
            f"{item.tile.label.lower()} {weekly.fmt(item.tile.kind, item.value)}"
            f" ({weekly.fmt_change(item.tile.kind, item.delta) or 'n/a'})"
            for item in (headline["backorder_rate_lines"], headline["open_backorder_value"])
        )
        + f", {len(breaches or [])} alert(s)"
    )
    return Report(week, page, summary)


def chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(source: Path, target: Path) -> None:
    """Print the HTML with headless Chromium; raises RuntimeError with a plain reason otherwise."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("no Chromium found (apt-get install chromium); the HTML report was written")
    with tempfile.TemporaryDirectory(prefix="backorder-pdf-") as profile:
        command = [browser, *CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--print-to-pdf={target}"]
        done = subprocess.run([*command, source.resolve().as_uri()], capture_output=True, timeout=120)
    if done.returncode != 0 or not target.exists():
        raise RuntimeError(f"Chromium could not print the PDF: {done.stderr.decode(errors='replace')[-300:]}")
