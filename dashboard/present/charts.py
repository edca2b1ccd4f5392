"""Altair charts from a query header's chart spec, which maps one to one onto Altair shorthand,
plus the annotation layer (events and notes) that every time chart carries.

A weekly point is plotted at its week's Monday (ISO weeks, Monday to Sunday) on every chart, even
a stock measured at the week's end: the same week sits at the same x everywhere, and a weekly bar
spans Monday to the next Monday. Tooltips say the day a stock was measured at."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from dashboard.present import formats, palette
from dashboard.present.formats import Column

# Browsers choke long before this; a query should aggregate in SQL instead.
MAX_POINTS = 5000
ANNOTATION_COLOUR = palette.MUTED
# Altair's data transformer and theme are process-wide settings: code that switches them for one
# conversion (the pages' charts, dashboard/app/vega.py) and code that needs the defaults while it
# converts (the report's SVGs) hold this lock, so sessions rendering at once never see each other's.
ALTAIR_GLOBALS = threading.Lock()


def _faded_when_partial() -> alt.OpacityValue:
    """A week the period cuts (the row's `partial` flag) is drawn faded."""
    return alt.OpacityValue(1.0, condition={"test": "datum.partial", "value": 0.45})


class TooManyRows(ValueError):
    """A chart asked to plot raw rows rather than aggregates."""


def _tips(items: list[Any]) -> list[Any]:
    """Tooltips as channel objects: Altair turns a plain "field:type" string into one through its
    schema on every chart, which cost milliseconds per string on every rerun."""
    return [alt.Tooltip(item) if isinstance(item, str) else item for item in items]


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
        x=x, x2=alt.X2("end_date:T"), tooltip=tooltip
    )
    rules = base.mark_rule(color=ANNOTATION_COLOUR, strokeDash=[4, 3]).encode(x=x, tooltip=tooltip)
    labels = base.mark_text(
        align="left", baseline="top", dx=3, dy=2, fontSize=10, color=palette.MUTED
    ).encode(x=x, y=alt.YValue(0), text=alt.Text("label:N"))
    return alt.layer(bands, rules, labels, chart)


def _channel(
    key: str, shorthand: str, frame: pd.DataFrame, columns: Mapping[str, Column] | None
) -> alt.X | alt.Y | alt.Color:
    """One encoding of a header's chart spec, titled and formatted from the header's `columns:`,
    coloured from the palette."""
    field = str(shorthand).partition(":")[0]
    series = frame.get(field)
    fmt = formats.kind(field, series, columns)
    title = formats.axis_title(field, columns, series)
    if key == "color":
        values = frame[field].dropna().unique().tolist() if field in frame else []
        colours = palette.for_field(field, values)
        scale = alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Undefined
        return alt.Color(shorthand, title=title, scale=scale, legend=alt.Legend(orient="bottom"))
    axis = alt.Axis(format=formats.axis_format(fmt)) if fmt in formats.AXIS else alt.Axis()
    return (alt.X if key == "x" else alt.Y)(shorthand, title=title, axis=axis)


def _tooltips(frame: pd.DataFrame, fields: list[str], columns: Mapping[str, Column] | None) -> list[Any]:
    tips = []
    for shorthand in fields:
        field = str(shorthand).partition(":")[0]
        series = frame.get(field)
        fmt = formats.axis_format(formats.kind(field, series, columns))
        tip = {"title": formats.label(field, columns)}
        tips.append(alt.Tooltip(shorthand, **tip, **({"format": fmt} if fmt else {})))
    return tips


def from_spec(
    frame: pd.DataFrame,
    spec: Mapping[str, Any],
    annotations: pd.DataFrame | None = None,
    height: int = 320,
    columns: Mapping[str, Column] | None = None,
) -> alt.Chart | alt.LayerChart:
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )
    tooltip = spec.get("tooltip") or _fields(spec)
    tooltip = [tooltip] if isinstance(tooltip, str) else list(tooltip)
    encoding = {key: _channel(key, spec[key], frame, columns) for key in ("x", "y", "color") if key in spec}
    mark = getattr(alt.Chart(frame), f"mark_{spec['mark']}")
    chart = mark(**({} if "color" in spec else {"color": palette.BLUE})).encode(
        **encoding, tooltip=_tooltips(frame, tooltip, columns)
    )
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
    colours = palette.for_field(color, series[color].dropna().unique().tolist())
    scale = alt.Scale(domain=list(colours), range=list(colours.values()))
    x_axis = alt.Axis(format="%d %b %Y", labelAngle=0, labelOverlap=True)
    x_encoding = alt.X(f"{x}:T", title=None, axis=x_axis)
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    y_encoding = alt.Y(f"{y}:Q", title=y_title or y, axis=axis)
    tips = _tips(tooltip or [x, color, y])
    legend = alt.Legend(orient="bottom", title=None, labelLimit=260, symbolOpacity=1)
    layers: list[alt.Chart] = []
    if bands is not None and not bands.empty:
        layers.append(
            alt.Chart(bands)
            .mark_rect(opacity=0.2)
            .encode(
                x=alt.X(f"{band_start}:T", title=None, axis=x_axis),
                x2=alt.X2(f"{band_end}:T"),
                color=alt.Color(f"{color}:N", scale=scale, legend=legend),
                tooltip=_tips(band_tooltip or [color, band_start, band_end]),
            )
        )
    if is_reference.any():
        layers.append(
            alt.Chart(frame[is_reference])
            .mark_line(color=palette.GREY, strokeDash=[5, 4], strokeWidth=2)
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
    base = alt.Chart(frame).encode(y=y, tooltip=_tips(tooltip or [category, low, q1, median, q3, high]))
    layers = [
        base.mark_rule(color=palette.BLUE).encode(x=alt.X(f"{low}:Q", title=x_title), x2=alt.X2(f"{high}:Q")),
        base.mark_bar(size=14, color=palette.SKY, stroke=palette.BLUE).encode(
            x=alt.X(f"{q1}:Q"), x2=alt.X2(f"{q3}:Q")
        ),
        base.mark_tick(color=palette.BLUE, thickness=3, size=14).encode(x=alt.X(f"{median}:Q")),
    ]
    if marker:
        layers.append(
            base.mark_point(
                shape="diamond", filled=True, color=palette.VERMILLION, size=90, opacity=1
            ).encode(x=alt.X(f"{marker}:Q"))
        )
    return alt.layer(*layers).properties(height=height or max(120, 30 * len(frame)))


DEMAND_PARTS = {
    "from_stock_units": "From stock",
    "backordered_units": "Backordered",
    "lost_units": "Lost (canceled)",
}
DEMAND_COLOURS = [palette.DEMAND[name] for name in DEMAND_PARTS.values()]


def _weekly_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Each week's bar spans its Monday to Sunday, so time-chart annotations line up with it."""
    return frame.assign(
        week=pd.to_datetime(frame["week"]),
        week_end=pd.to_datetime(frame["week"]) + pd.Timedelta(days=7),
        partial=frame["days_in_period"] < 7,
    )


def demand_parts(
    frame: pd.DataFrame, annotations: pd.DataFrame | None = None, height: int = 320
) -> alt.Chart | alt.LayerChart:
    """Weekly demand stacked as served from stock, backordered and lost; a week the period
    cuts (days_in_period < 7) is faded. Sums the rows of each week (one per category)."""
    weekly = frame.groupby(["week", "days_in_period"], as_index=False)[["demand_units", *DEMAND_PARTS]].sum()
    long = _weekly_bars(weekly).melt(
        id_vars=["week", "week_end", "days_in_period", "partial", "demand_units"],
        value_vars=list(DEMAND_PARTS),
        var_name="part",
        value_name="units",
    )
    long["part"] = long["part"].map(DEMAND_PARTS)
    long["order"] = long["part"].map({name: i for i, name in enumerate(DEMAND_PARTS.values())})
    chart = (
        alt.Chart(long)
        .transform_stack(
            stack="units", groupby=["week"], as_=["units_from", "units_to"], sort=[{"field": "order"}]
        )
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("week:T", title="Week (ordered)", axis=alt.Axis(format="%d %b")),
            x2=alt.X2("week_end:T"),
            y=alt.Y("units_from:Q", title="Units ordered"),
            y2=alt.Y2("units_to:Q"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=list(DEMAND_PARTS.values()), range=DEMAND_COLOURS),
                legend=alt.Legend(orient="top"),
            ),
            opacity=_faded_when_partial(),
            tooltip=[
                alt.Tooltip("week:T", title="week of"),
                alt.Tooltip("days_in_period:Q", title="days in period"),
                alt.Tooltip("part:N"),
                alt.Tooltip("units:Q", format=","),
                alt.Tooltip("demand_units:Q", title="demand", format=","),
            ],
        )
    )
    return annotate(chart, annotations).properties(height=height)


def unmet_by_category(
    frame: pd.DataFrame, annotations: pd.DataFrame | None = None, height: int = 320
) -> alt.Chart | alt.LayerChart:
    """Weekly unmet units (backordered + lost) stacked by category."""
    chart = (
        alt.Chart(_weekly_bars(frame))
        .transform_stack(
            stack="unmet_units",
            groupby=["week"],
            as_=["unmet_from", "unmet_to"],
            sort=[{"field": "category"}],
        )
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("week:T", title="Week (ordered)", axis=alt.Axis(format="%d %b")),
            x2=alt.X2("week_end:T"),
            y=alt.Y("unmet_from:Q", title="Unmet units (backordered + lost)"),
            y2=alt.Y2("unmet_to:Q"),
            color=alt.Color(
                "category:N",
                title=None,
                scale=_scale(palette.assign(frame["category"].dropna().unique().tolist())),
                legend=alt.Legend(orient="top", columns=4),
            ),
            opacity=_faded_when_partial(),
            tooltip=[
                alt.Tooltip("week:T", title="week of"),
                alt.Tooltip("category:N"),
                alt.Tooltip("unmet_units:Q", title="unmet", format=","),
                alt.Tooltip("demand_units:Q", title="demand", format=","),
                alt.Tooltip("unit_fill_rate:Q", title="fill rate", format=".1%"),
            ],
        )
    )
    return annotate(chart, annotations).properties(height=height)


def surge_map(frame: pd.DataFrame, height: int = 360) -> alt.LayerChart:
    """Each SKU's demand ratio (recent 4 weeks / 12-week baseline, log scale) against the share of
    its recent demand that was backordered; surging SKUs are coloured and labelled."""
    data = frame[frame["ratio"].notna() & (frame["ratio"] > 0)]
    base = alt.Chart(data).encode(
        x=alt.X(
            "ratio:Q", title="Demand ratio: last 4 weeks / 12-week baseline", scale=alt.Scale(type="log")
        ),
        y=alt.Y("backorder_ratio:Q", title="Backordered share of recent demand", axis=alt.Axis(format="%")),
    )
    points = base.mark_circle(opacity=0.75).encode(
        size=alt.Size(
            "recent_units:Q",
            title="units, last 4 weeks",
            scale=alt.Scale(range=[15, 600]),
            legend=alt.Legend(symbolFillColor=palette.MUTED, symbolStrokeColor=palette.MUTED),
        ),
        color=alt.Color(
            "status:N",
            title=None,
            scale=alt.Scale(
                domain=list(palette.SURGE),
                range=list(palette.SURGE.values()),
            ),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("sku:N"),
            alt.Tooltip("product_name:N", title="product"),
            alt.Tooltip("recent_units:Q", title="units, last 4 weeks", format=","),
            alt.Tooltip("baseline_weekly_mean:Q", title="baseline units/week", format=".1f"),
            alt.Tooltip("ratio:Q", format=".2f"),
            alt.Tooltip("robust_z:Q", title="robust z", format=".1f"),
            alt.Tooltip("backorder_ratio:Q", title="backordered", format=".0%"),
        ],
    )
    labels = (
        base.transform_filter(alt.datum.status != "steady")
        .mark_text(align="left", dx=8, fontSize=11, color=palette.MUTED)
        .encode(text=alt.Text("sku:N"))
    )
    return alt.layer(points, labels).properties(height=height)


def ranked_bars(
    frame: pd.DataFrame,
    label: str,
    values: Mapping[str, str],
    top: int = 20,
    title: str | None = None,
    tooltip: tuple[str, ...] = (),
    value_format: str = ",.0f",
    name: str | None = None,
    color: str | None = None,
) -> alt.Chart:
    """The first `top` rows as horizontal bars in the frame's own (ranked) order, labelled by
    `label` (and `name` beside it); several value columns stack, named by `values` (column ->
    legend name), and a single one may be coloured by a `color` field."""
    head = frame.head(top).reset_index(drop=True)
    head = head.assign(
        rank=head.index,
        bar_label=head[label].astype(str) + ("  " + head[name].astype(str) if name else ""),
    )
    keep = list(dict.fromkeys(["rank", "bar_label", label, *tooltip, *([color] if color else [])]))
    long = head.melt(id_vars=keep, value_vars=list(values), var_name="part", value_name="value")
    long["part"] = long["part"].map(values)
    if len(values) > 1:
        parts = dict(zip(values.values(), palette.CATEGORICAL, strict=False))
        colour = alt.Color(
            "part:N", title=None, sort=list(parts), scale=_scale(parts), legend=alt.Legend(orient="top")
        )
    elif color:
        colour = alt.Color(
            f"{color}:N",
            title=None,
            scale=_scale(palette.for_field(color, head[color].dropna().unique().tolist())),
            legend=alt.Legend(orient="top", columns=4),
        )
    else:
        colour = alt.ColorValue(palette.BLUE)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(
                "bar_label:N",
                title=None,
                sort=alt.EncodingSortField("rank", order="ascending"),
                axis=alt.Axis(labelLimit=320, labelOverlap=False),
            ),
            x=alt.X(
                "sum(value):Q",
                title=title or ", ".join(values.values()),
                axis=alt.Axis(format=value_format),
            ),
            color=colour,
            tooltip=[
                alt.Tooltip(f"{label}:N"),
                *[alt.Tooltip(f"{field}:N") for field in tooltip],
                alt.Tooltip("part:N", title="measure"),
                alt.Tooltip("value:Q", format=value_format),
            ],
        )
        .properties(height=alt.Step(24))
    )


BACKLOG_FLOWS = {flow: palette.STATUS[flow] for flow in ("new", "shipped", "canceled")}
AGE_COLOURS = list(palette.AGE)
ETA_FLAGS = palette.ETA_FLAGS
ROOT_CAUSES = palette.ROOT_CAUSES


def _scale(colours: Mapping[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def _too_many(frame: pd.DataFrame) -> None:
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )


def backlog_area(
    frame: pd.DataFrame,
    y: str,
    title: str,
    y_format: str = ",.0f",
    annotations: pd.DataFrame | None = None,
    height: int = 300,
) -> alt.Chart | alt.LayerChart:
    """The open backlog measured at the end of each day or week (`day`), as a shaded line; a week
    is plotted at its Monday (`period`), like every weekly chart."""
    _too_many(frame)
    data = frame.assign(day=pd.to_datetime(frame["day"]), period=pd.to_datetime(frame["period"]))
    base = alt.Chart(data).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=y_format)),
        tooltip=[
            alt.Tooltip("day:T", title="end of"),
            alt.Tooltip("open_lines:Q", title="open lines", format=","),
            alt.Tooltip("open_units:Q", title="open units", format=","),
            alt.Tooltip("open_value:Q", title="open value", format=",.0f"),
        ],
    )
    chart = alt.layer(
        base.mark_area(opacity=0.25, color=palette.BLUE),
        base.mark_line(color=palette.BLUE, point=len(data) <= 60),
    )
    return annotate(chart, annotations).properties(height=height)


def backlog_flows(
    frame: pd.DataFrame, measure: str = "lines", annotations: pd.DataFrame | None = None, height: int = 300
) -> alt.Chart | alt.LayerChart:
    """Weekly backorders opened (up) against those shipped and canceled (down), with the week's
    net change in the backlog as a grey tick; a week the period cuts is faded."""
    _too_many(frame)
    data = frame.assign(
        week=pd.to_datetime(frame["week"]),
        week_end=pd.to_datetime(frame["week"]) + pd.Timedelta(days=7),
        partial=frame["days_in_period"] < 7,
    )
    columns = {f"{flow}_{measure}": flow for flow in BACKLOG_FLOWS}
    long = data.melt(
        id_vars=["week", "week_end", "days_in_period", "partial", f"net_{measure}"],
        value_vars=list(columns),
        var_name="flow",
        value_name="amount",
    )
    long["flow"] = long["flow"].map(columns)
    long["signed"] = long["amount"].where(long["flow"] == "new", -long["amount"])
    long["order"] = long["flow"].map({flow: i for i, flow in enumerate(BACKLOG_FLOWS)})
    # Explicit rectangles: a bar with x and x2 would be a horizontal range bar in Vega-Lite.
    long = long.sort_values(["week", "order"])
    long["top"] = long.groupby(["week", long["flow"] == "new"])["signed"].cumsum()
    long["bottom"] = long["top"] - long["signed"]
    bars = (
        alt.Chart(long)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("week:T", title="Week"),
            x2=alt.X2("week_end:T"),
            y=alt.Y(
                "top:Q", title=f"Backordered {measure}: new (up), closed (down)", axis=alt.Axis(format=",.0f")
            ),
            y2=alt.Y2("bottom:Q"),
            color=alt.Color(
                "flow:N",
                title=None,
                scale=alt.Scale(domain=list(BACKLOG_FLOWS), range=list(BACKLOG_FLOWS.values())),
                legend=alt.Legend(orient="top"),
            ),
            opacity=_faded_when_partial(),
            tooltip=[
                alt.Tooltip("week:T", title="week of"),
                alt.Tooltip("days_in_period:Q", title="days in period"),
                alt.Tooltip("flow:N"),
                alt.Tooltip("amount:Q", title=measure, format=","),
                alt.Tooltip(f"net_{measure}:Q", title="net change", format="+,"),
            ],
        )
    )
    net = (
        alt.Chart(data.assign(middle=data["week"] + pd.Timedelta(days=3, hours=12)))
        .mark_tick(color=palette.MUTED, thickness=3, size=14)
        .encode(
            x=alt.X("middle:T"),
            y=alt.Y(f"net_{measure}:Q"),
            tooltip=[
                alt.Tooltip("week:T", title="week of"),
                alt.Tooltip(f"net_{measure}:Q", title="net change", format="+,"),
            ],
        )
    )
    return annotate(alt.layer(bars, net), annotations).properties(height=height)


def age_bars(frame: pd.DataFrame, y: str, title: str, y_format: str = ",.0f", height: int = 260) -> alt.Chart:
    """Open backorders per age bucket, in bucket order, darker as they get older."""
    _too_many(frame)
    order = frame.sort_values("bucket_order")["age_bucket"].tolist()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "age_bucket:N", sort=order, title="Age (days since ordered)", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=y_format)),
            color=alt.Color(
                "age_bucket:N", sort=order, scale=alt.Scale(domain=order, range=AGE_COLOURS), legend=None
            ),
            tooltip=[
                alt.Tooltip("age_bucket:N", title="age (days)"),
                alt.Tooltip("open_lines:Q", title="lines", format=","),
                alt.Tooltip("open_units:Q", title="units", format=","),
                alt.Tooltip("open_value:Q", title="value", format=",.0f"),
                alt.Tooltip("share_of_units:Q", title="share of units", format=".0%"),
            ],
        )
        .properties(height=height)
    )


def eta_weeks(frame: pd.DataFrame, height: int = 300) -> alt.Chart:
    """Open backordered units by the week their ETA falls in, coloured by what it means for the
    promise to the customer."""
    _too_many(frame)
    data = frame.assign(
        eta_week=pd.to_datetime(frame["eta_week"]),
        week_end=pd.to_datetime(frame["eta_week"]) + pd.Timedelta(days=7),
        order=frame["eta_flag"].map({flag: i for i, flag in enumerate(ETA_FLAGS)}),
    ).sort_values(["eta_week", "order"])
    data["top"] = data.groupby("eta_week")["open_units"].cumsum()
    data["bottom"] = data["top"] - data["open_units"]
    return (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("eta_week:T", title="ETA week (Monday)", axis=alt.Axis(format="%d %b", tickCount="week")),
            x2=alt.X2("week_end:T"),
            y=alt.Y("top:Q", title="Open backordered units"),
            y2=alt.Y2("bottom:Q"),
            color=alt.Color(
                "eta_flag:N",
                title=None,
                scale=alt.Scale(domain=list(ETA_FLAGS), range=list(ETA_FLAGS.values())),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("eta_week:T", title="ETA week of"),
                alt.Tooltip("eta_flag:N", title="promise"),
                alt.Tooltip("open_lines:Q", title="lines", format=","),
                alt.Tooltip("open_units:Q", title="units", format=","),
                alt.Tooltip("open_value:Q", title="value", format=",.0f"),
            ],
        )
        .properties(height=height)
    )


def labelled_bars(
    frame: pd.DataFrame,
    label: str,
    colours: Mapping[str, str],
    x: str = "open_units",
    title: str = "Open units",
    counted: str | None = None,
) -> alt.Chart:
    """Horizontal bars of `x` summed per `label`, in the colours' order and colours. The rows are
    aggregates already (one per label, or one per SKU with its label); `counted` names them in the
    tooltip's count (e.g. "SKUs") when there are several per label."""
    _too_many(frame)
    present = [name for name in colours if name in set(frame[label])]
    count = [alt.Tooltip("count():Q", title=counted)] if counted else []
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort=present, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"sum({x}):Q", title=title),
            color=alt.Color(
                f"{label}:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N"),
                alt.Tooltip(f"sum({x}):Q", title=title.lower(), format=","),
                *count,
            ],
        )
        .properties(height=alt.Step(28))
    )


def calibration(table: pd.DataFrame, height: int = 300) -> alt.LayerChart:
    """Predicted against observed cancellation rate per decile of predicted risk; a calibrated
    model's points sit on the dashed diagonal."""
    top = float(max(table["predicted"].max(), table["observed"].max(), 0.05)) if not table.empty else 1.0
    diagonal = alt.Chart(pd.DataFrame({"rate": [0.0, top]})).mark_line(strokeDash=[4, 4], color=palette.MUTED)
    diagonal = diagonal.encode(x=alt.X("rate:Q"), y=alt.Y("rate:Q"))
    points = (
        alt.Chart(table)
        .mark_line(point=alt.OverlayMarkDef(size=70), color=palette.VERMILLION)
        .encode(
            x=alt.X("predicted:Q", title="Predicted cancellation rate", axis=alt.Axis(format="%")),
            y=alt.Y("observed:Q", title="Observed cancellation rate", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("decile:O"),
                alt.Tooltip("lines:Q", format=",.0f"),
                alt.Tooltip("predicted:Q", format=".1%"),
                alt.Tooltip("observed:Q", format=".1%"),
            ],
        )
    )
    return alt.layer(diagonal, points).properties(height=height)


def backlog_outlook(
    history: pd.DataFrame,
    projected: pd.DataFrame,
    measure: str,
    title: str,
    y_format: str = ",.0f",
    height: int = 320,
) -> alt.LayerChart:
    """The Backorders page's backlog over time (`open_<measure>` per `day`) continued by the
    projected backlog as a dashed line in its uncertainty band (`<measure>_low` .. `<measure>_high`)."""
    y = f"open_{measure}"
    _too_many(history)
    _too_many(projected)
    past = history.assign(day=pd.to_datetime(history["day"]))
    ahead = projected.assign(day=pd.to_datetime(projected["day"]))
    if not past.empty and not ahead.empty:  # join the two lines at the last measured day
        last = past.iloc[[-1]]
        ahead = pd.concat(
            [last.assign(**{f"{measure}_low": last[y], f"{measure}_high": last[y]}), ahead], ignore_index=True
        )
    x = alt.X("day:T", title=None)
    axis = alt.Axis(format=y_format)
    measured = alt.Chart(past).encode(
        x=x,
        y=alt.Y(f"{y}:Q", title=title, axis=axis),
        tooltip=[alt.Tooltip("day:T", title="end of"), alt.Tooltip(f"{y}:Q", title="open", format=y_format)],
    )
    expected = alt.Chart(ahead).encode(x=x)
    return alt.layer(
        measured.mark_area(opacity=0.25, color=palette.BLUE),
        measured.mark_line(color=palette.BLUE),
        expected.mark_area(opacity=0.2, color=palette.ORANGE).encode(
            y=alt.Y(f"{measure}_low:Q", title=title, axis=axis), y2=alt.Y2(f"{measure}_high:Q")
        ),
        expected.mark_line(color=palette.ORANGE, strokeDash=[6, 4]).encode(
            y=alt.Y(f"{y}:Q", title=title, axis=axis),
            tooltip=[
                alt.Tooltip("day:T", title="end of"),
                alt.Tooltip(f"{y}:Q", title="projected", format=y_format),
                alt.Tooltip(f"{measure}_low:Q", title="10th percentile", format=y_format),
                alt.Tooltip(f"{measure}_high:Q", title="90th percentile", format=y_format),
            ],
        ),
    ).properties(height=height)


def stock_projection(frame: pd.DataFrame, height: int = 280) -> alt.LayerChart:
    """One SKU's projected available stock per day in its 80% band, PO receipts as bars and the
    zero line below which the shortfall is a backlog."""
    _too_many(frame)
    data = frame.assign(day=pd.to_datetime(frame["day"]))
    base = alt.Chart(data).encode(x=alt.X("day:T", title=None))
    zero = (
        alt.Chart(pd.DataFrame({"y": [0]}))
        .mark_rule(color=palette.VERMILLION, strokeDash=[4, 3])
        .encode(y=alt.Y("y:Q"))
    )
    return alt.layer(
        base.mark_area(opacity=0.2, color=palette.BLUE).encode(
            y=alt.Y("available_low:Q", title="Projected available units"), y2=alt.Y2("available_high:Q")
        ),
        base.mark_bar(color=palette.GREEN, opacity=0.6).encode(
            y=alt.Y("receipts:Q"), tooltip=[alt.Tooltip("day:T"), alt.Tooltip("receipts:Q")]
        ),
        base.mark_line(color=palette.BLUE, point=True).encode(
            y=alt.Y("available:Q"),
            tooltip=[
                alt.Tooltip("day:T"),
                alt.Tooltip("available:Q", format=",.1f"),
                alt.Tooltip("demand:Q", title="forecast demand", format=",.2f"),
                alt.Tooltip("receipts:Q"),
            ],
        ),
        zero,
    ).properties(height=height)
