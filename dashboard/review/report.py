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

from dashboard.present import charts, formats, palette
from dashboard.query import catalog
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
STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
.verdict { font-size: 1.25rem; font-weight: 600; margin: .4rem 0 .2rem; }
.muted { color: #6e7781; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: .75rem; }
.tile { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; }
.tile .label { font-size: .85rem; color: #57606a; } .tile .value { font-size: 1.6rem; font-weight: 600; }
.tile .change, .tile .target { font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #eaeef2; padding: .25rem .5rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.breach { background: #fdf0e6; border: 1px solid #f6c4a3; border-radius: 6px; padding: .5rem .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .charts { grid-template-columns: 1fr; }
  section.major { break-before: page; }
  h2, h3 { break-after: avoid; }
  .block, .tile, .charts > div, tr { break-inside: avoid; }
  thead { display: table-header-group; }
}
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
        f'<polyline fill="none" stroke="{palette.BLUE}" stroke-width="1.5" points="{coords}"/></svg>'
    )


def _tile(item: weekly.TileValue) -> str:
    colour = {True: palette.GOOD_TEXT, False: palette.BAD_TEXT}.get(item.good, palette.NEUTRAL_TEXT)
    change = weekly.fmt_change(item.tile.kind, item.delta)
    before = weekly.fmt(item.tile.kind, item.previous)
    target = ""
    if item.met is not None:
        mark, tone = ("✓", palette.GOOD_TEXT) if item.met else ("✗", palette.BAD_TEXT)
        target = f'<div class="target" style="color:{tone}">{mark} {html.escape(item.target_text)}</div>'
    return (
        f'<div class="tile"><div class="label">{html.escape(item.tile.label)}</div>'
        f'<div class="value">{html.escape(weekly.fmt(item.tile.kind, item.value))}</div>'
        f'<div class="change" style="color:{colour}">{html.escape(change or "no change")}'
        f' <span class="muted">(last week {html.escape(before)})</span></div>'
        f"{target}{sparkline(item.series)}</div>"
    )


def table(frame: pd.DataFrame, empty: str, columns: Mapping[str, catalog.Column] | None = None) -> str:
    """A query's rows with its header's labels and formats: the same text the page tables show."""
    if frame.empty:
        return f'<p class="muted">{html.escape(empty)}</p>'
    kinds = [formats.kind(name, frame[name], columns) for name in frame.columns]
    shown = formats.table(frame, columns)
    classes = ['class="num"' if formats.is_numeric(kind) else "" for kind in kinds]
    head = "".join(
        f"<th {cls}>{html.escape(str(c))}</th>" for cls, c in zip(classes, shown.columns, strict=True)
    )
    rows = [
        "<tr>"
        + "".join(f"<td {cls}>{html.escape(v)}</td>" for cls, v in zip(classes, record, strict=True))
        + "</tr>"
        for record in shown.itertuples(index=False)
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def block(title: str, body: str) -> str:
    """A heading and its table, kept on one printed page where they fit."""
    return f'<div class="block"><h3>{html.escape(title)}</h3>{body}</div>'


def svg(chart: Any, width: int = 470) -> str:
    with charts.ALTAIR_GLOBALS:  # the default data transformer, not one a page is using right now
        spec = chart.properties(width=width).to_json()
    return vl_convert.vegalite_to_svg(spec)


def _note(note: notes.Note) -> str:
    """A note with who wrote it, so a meeting knows whom to ask."""
    by = f' <span class="muted">({html.escape(note.author)})</span>' if note.author else ""
    return f"<li>{html.escape(note.text)}{by}</li>"


def _columns(query_id: str, extra: Mapping[str, catalog.Column] | None = None) -> dict[str, catalog.Column]:
    """A query's `columns:` header (plus labels for columns the review adds), for its tables."""
    try:
        declared = dict(catalog.find(query_id).columns)
    except catalog.QueryError:
        declared = {}
    return {**declared, **(extra or {})}


def _filters(scope: Mapping[str, Any] | None) -> str:
    picked = [f"{name} {value}" for name, value in (scope or {}).items() if value]
    return f" Filters: {html.escape(', '.join(picked))}." if picked else ""


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
    items = weekly.tiles(run, week, scope, scores, goals=goals)
    history = weekly.trend(run, week, scope)
    marks = weekly.annotations(run, history["week_start"].min(), week.end, scope)
    moved = weekly.movers(run, week, scope)
    canceled = weekly.cancellations(run, week, scope)
    written = notes.between(week.start, week.end)
    trend_columns = _columns("kpi_trend")
    parts = [
        f"<h1>Weekly review {week.label}</h1>",
        f'<p class="verdict">{html.escape(weekly.verdict(items))}</p>',
        f'<p class="muted">{html.escape(week.span)} against {week.previous.label}. '
        f"Data as of {as_of:%a %d %b %Y}; report made {dt.datetime.now():%Y-%m-%d %H:%M}."
        + (f" {html.escape(note)}" if (note := weekly.measured_note(week, as_of)) else "")
        + _filters(scope)
        + "</p>",
    ]
    if breaches:
        listed = "".join(f"<li>{html.escape(str(b))}</li>" for b in breaches)
        parts.append(f'<div class="breach"><strong>{len(breaches)} alert(s)</strong><ul>{listed}</ul></div>')
    parts += [
        "<section><h2>Headline</h2>",
        f'<div class="tiles">{"".join(_tile(item) for item in items)}</div>',
        '<div class="charts"><div><h3>Open backordered units, end of each week</h3>',
        svg(weekly.backlog_chart(history, marks, columns=trend_columns)),
        "</div><div><h3>Backorder rate and unit fill rate</h3>",
        svg(weekly.rate_chart(history, marks)),
        "</div></div></section>",
        '<section class="major"><h2>What changed</h2>',
    ]
    movers = _columns("backlog_movers")
    for dimension, title in (("category", "Categories"), ("supplier", "Suppliers"), ("sku", "SKUs")):
        body = table(moved[dimension], "No change week over week.", movers)
        parts.append(block(f"{title} whose open backlog grew or shrank most", body))
    keep = ["canceled_at", "order_id", "product_name", "supplier_name", "value", "wait_days", "after_promise"]
    shown = canceled[[c for c in keep if c in canceled]] if not canceled.empty else canceled
    parts.append(
        block(
            "Biggest cancellations",
            table(shown, "No backordered line was canceled this week.", _columns("cancellations")),
        )
    )
    disruptions = weekly.new_disruptions(run, week, scope)
    spikes = weekly.new_spikes(run, week, scope)
    keep = ["supplier_name", "period_start", "median_delay_days", "peak_z", "backorder_lines"]
    shown = disruptions[keep] if not disruptions.empty else disruptions
    parts.append(
        block(
            "Newly flagged supplier disruptions",
            table(shown, "None this week.", _columns("supplier_disruptions")),
        )
    )
    keep = ["sku", "product_name", "category", "ratio", "robust_z", "backorder_ratio"]
    shown = spikes[keep] if not spikes.empty else spikes
    parts.append(
        block("Newly flagged demand spikes", table(shown, "None this week.", _columns("surging_skus")))
    )
    parts.append("</section>")
    parts.append('<section class="major"><h2>Actions for the week</h2>')
    chase = weekly.suppliers_to_chase(run, scope)
    chase_columns = _columns("supplier_watchlist")
    chase = chase.drop(columns=["supplier_id"]) if "supplier_id" in chase else chase
    parts.append(
        block(
            "Suppliers to chase (as of the as-of date)",
            table(chase, "No open PO line is past its promise.", chase_columns),
        )
    )
    notify = weekly.customers_to_notify(run, scope)
    keep = ["customer_id", "order_id", "days_waited", "value", "promised_date", "new_eta", "reasons"]
    shown = notify[keep].head(20) if not notify.empty else notify
    parts.append(
        block(
            "Customers to notify (delay notices due as of the as-of date)",
            table(shown, "No delay notice is due.", _columns("delay_notices"))
            + (f'<p class="muted">The first 20 of {len(notify):,} orders.</p>' if len(notify) > 20 else ""),
        )
    )
    expedite = weekly.skus_to_expedite(run, week, scope, scores=scores)
    parts.append(
        block(
            "SKUs to expedite or reorder",
            table(
                expedite.iloc[:, :8] if not expedite.empty else expedite,
                "No backordered SKU.",
                _columns("restock_priority"),
            ),
        )
    )
    projected = weekly.projected_stockouts(run, week, scope)
    parts.append(
        block(
            f"{weekly.PROJECTED_STOCKOUTS.label}: the first five",
            table(projected, "None projected.", _columns("projected_stockouts_4w"))
            if projected is not None
            else '<p class="muted">No projection was made for this week.</p>',
        )
    )
    parts.append("</section><section><h2>Notes</h2>")
    if written:
        parts.append("<ul>" + "".join(_note(n) for n in written) + "</ul>")
    else:
        parts.append('<p class="muted">No notes for this week.</p>')
    if not marks.empty:
        parts.append(block("Events on the charts", table(marks, "", _columns("events"))))
    parts.append("</section>")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Weekly review {week.label}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
    # ASCII only (≤ becomes &#8804;): mail relays and attachments then carry it byte for byte.
    page = page.encode("ascii", "xmlcharrefreplace").decode("ascii")
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
