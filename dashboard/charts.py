"""Altair charts from a query header's chart spec, which maps one to one onto Altair shorthand,
plus the annotation layer (events and notes) that every time chart carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

# Browsers choke long before this; a query should aggregate in SQL instead.
MAX_POINTS = 5000
ANNOTATION_COLOUR = "#8a8a8a"


class TooManyRows(ValueError):
    """A chart asked to plot raw rows rather than aggregates."""


def _fields(spec: Mapping[str, Any]) -> list[str]:
    return [str(spec[key]) for key in ("x", "y", "color") if key in spec]


def is_temporal(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("x", "")).endswith(":T")


def x_field(spec: Mapping[str, Any]) -> str:
    return str(spec["x"]).split(":", 1)[0]


def clip(annotations: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """Only what overlaps the chart's own x range, cut to it, so bands never stretch the axis."""
    if annotations.empty:
        return annotations
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    inside = annotations[(annotations["start_date"] <= end) & (annotations["end_date"] >= start)].copy()
    inside["start_date"] = inside["start_date"].clip(lower=start)
    inside["end_date"] = inside["end_date"].clip(upper=end)
    return inside


def annotate(
    chart: alt.Chart | alt.LayerChart, annotations: pd.DataFrame | None
) -> alt.Chart | alt.LayerChart:
    """Events and notes as grey bands (a dashed rule for one-day ones) with their label on top."""
    if annotations is None or annotations.empty:
        return chart
    tooltip = [
        alt.Tooltip("label:N", title="annotation"),
        alt.Tooltip("kind:N"),
        alt.Tooltip("start_date:T", title="from"),
        alt.Tooltip("end_date:T", title="to"),
    ]
    base = alt.Chart(annotations)
    x = alt.X("start_date:T", title=None)
    bands = base.mark_rect(opacity=0.13, color=ANNOTATION_COLOUR).encode(
        x=x, x2="end_date:T", tooltip=tooltip
    )
    rules = base.mark_rule(color=ANNOTATION_COLOUR, strokeDash=[4, 3]).encode(x=x, tooltip=tooltip)
    labels = base.mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10, color="#555").encode(
        x=x, y=alt.value(0), text="label:N"
    )
    return alt.layer(bands, rules, labels, chart)


def from_spec(
    frame: pd.DataFrame,
    spec: Mapping[str, Any],
    annotations: pd.DataFrame | None = None,
    height: int = 320,
) -> alt.Chart | alt.LayerChart:
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )
    tooltip = spec.get("tooltip") or _fields(spec)
    encoding = {key: spec[key] for key in ("x", "y", "color") if key in spec}
    chart = getattr(alt.Chart(frame), f"mark_{spec['mark']}")().encode(**encoding, tooltip=tooltip)
    return annotate(chart, annotations).properties(height=height)


def trend_with_bands(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    bands: pd.DataFrame | None = None,
    band_start: str = "start",
    band_end: str = "end",
    band_tooltip: list[Any] | None = None,
    reference: str | None = None,
    tooltip: list[Any] | None = None,
    y_title: str | None = None,
    y_format: str | None = None,
    height: int = 300,
) -> alt.LayerChart:
    """One line per `color` value over a temporal `x`, with shaded `bands` (rows with `color`,
    `band_start`, `band_end`: flagged periods, say) in the colour of their line behind them;
    rows whose `color` is `reference` are a dashed grey line to compare against."""
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )
    is_reference = frame[color] == reference
    series = frame[~is_reference]
    scale = alt.Scale(domain=sorted(series[color].dropna().unique().tolist()), scheme="tableau10")
    x_axis = alt.Axis(format="%d %b %Y", labelAngle=0, labelOverlap=True)
    x_encoding = alt.X(f"{x}:T", title=None, axis=x_axis)
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    y_encoding = alt.Y(f"{y}:Q", title=y_title or y, axis=axis)
    tips = tooltip or [x, color, y]
    legend = alt.Legend(orient="bottom", title=None, labelLimit=260, symbolOpacity=1)
    layers: list[alt.Chart] = []
    if bands is not None and not bands.empty:
        layers.append(
            alt.Chart(bands)
            .mark_rect(opacity=0.2)
            .encode(
                x=alt.X(f"{band_start}:T", title=None, axis=x_axis),
                x2=f"{band_end}:T",
                color=alt.Color(f"{color}:N", scale=scale, legend=legend),
                tooltip=band_tooltip or [color, band_start, band_end],
            )
        )
    if is_reference.any():
        layers.append(
            alt.Chart(frame[is_reference])
            .mark_line(color="#7f7f7f", strokeDash=[5, 4], strokeWidth=2)
            .encode(x=x_encoding, y=y_encoding, tooltip=tips)
        )
    layers.append(
        alt.Chart(series)
        .mark_line(point=True)
        .encode(
            x=x_encoding,
            y=y_encoding,
            color=alt.Color(f"{color}:N", scale=scale, legend=legend),
            tooltip=tips,
        )
    )
    return alt.layer(*layers).properties(height=height)


def range_box_plot(
    frame: pd.DataFrame,
    category: str,
    low: str,
    q1: str,
    median: str,
    q3: str,
    high: str,
    marker: str | None = None,
    x_title: str = "days",
    tooltip: list[Any] | None = None,
    height: int | None = None,
) -> alt.LayerChart:
    """A horizontal box plot from quantiles the SQL already computed (one row per `category`):
    whisker `low`..`high`, box `q1`..`q3`, a tick at the `median` and, optionally, a red diamond at
    `marker` (a target such as the planned value). Categories are sorted by median, largest first."""
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )
    order = frame.sort_values(median, ascending=False)[category].tolist()
    y = alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip or [category, low, q1, median, q3, high])
    layers = [
        base.mark_rule(color="#4c78a8").encode(x=alt.X(f"{low}:Q", title=x_title), x2=f"{high}:Q"),
        base.mark_bar(size=14, color="#c6dbef", stroke="#4c78a8").encode(x=f"{q1}:Q", x2=f"{q3}:Q"),
        base.mark_tick(color="#08306b", thickness=3, size=14).encode(x=f"{median}:Q"),
    ]
    if marker:
        layers.append(
            base.mark_point(shape="diamond", filled=True, color="#d62728", size=90, opacity=1).encode(
                x=f"{marker}:Q"
            )
        )
    return alt.layer(*layers).properties(height=height or max(120, 30 * len(frame)))
