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
