"""Backorders page: how big the backlog is, how old, where it sits, when it clears and why."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.app import cache, cards, filters, page, vega
from dashboard.present import charts, formats, palette, text
from dashboard.query import catalog

PAGE = "backorders"
SHOWN = (
    "backlog_summary",
    "backlog_trend",
    "backlog_flows",
    "backorder_rate",
    "backlog_aging",
    "oldest_backorders",
    "backlog_where",
    "top_skus",
    "eta_status",
    "eta_by_week",
    "eta_lines",
    "root_cause",
    "sku_lines",
)
MEASURES = {"Units": "units", "Lines": "lines", "Value": "value"}
STOCKS = {
    "Open backorder lines": "open_lines",
    "Open backordered units": "open_units",
    "Open backorder value": "open_value",
}
MEASURE_KEY = "backorders.measure"
SKU_KEY = "sku_lines.sku"
SKU_PARAM = "sku"
DIALOG_KEY = "sku_lines.dialog"  # set when a table row was picked: show its lines in a dialog once
STYLE_LIMIT = 20_000  # cells above which a table loses its colours: a Styler renders every cell

HIDDEN = ("flag_order", "bucket_order")  # sort keys, not something to read
WIDE = ("evidence", "also", "product_name")
STATUS = {name: palette.STATUS[name] for name in ("open", "shipped", "canceled")}


def whole(value: Any) -> str:
    return "-" if pd.isna(value) else f"{value:,.0f}"


def heading(query: catalog.Query, note: str = "") -> None:
    st.markdown(f"#### {query.title}")
    cards.describe(query, note)


def styled(frame: pd.DataFrame, column: str, colours: dict[str, str]) -> Any:
    """The frame with `column` coloured by its value, unless it is too big to style."""
    if frame.empty or frame.size > STYLE_LIMIT:
        return None
    return frame.style.map(
        lambda value: (
            f"background-color: {colours[value]}55; color: {palette.INK}" if value in colours else ""
        ),
        subset=[column],
    )


def pick_sku(key: str, frame: pd.DataFrame) -> None:
    """A row picked in a SKU table opens that SKU's order lines in the drill-down."""
    rows = st.session_state[key].selection.rows
    if rows:
        st.session_state[SKU_KEY] = str(frame.iloc[rows[0]]["sku"])
        st.session_state[DIALOG_KEY] = True


@st.dialog("A SKU's order lines", width="large")
def lines_dialog(query: catalog.Query, active: filters.Filters, sku: str, title: str) -> None:
    """The picked SKU's lines where the user is looking, rather than 3,500 px further down."""
    st.markdown(f"**{title}**")
    frame = cards.load(query, active, {"sku": sku})
    if frame is None:
        return
    open_now = int((frame["status_at_end"] == "open").sum())
    st.caption(
        f"{open_now} backordered lines open at the end of {active.end:%d %b %Y}, "
        f"{len(frame) - open_now} closed in the period. The drill-down at the foot of the page keeps them."
    )
    shown = cards.capped(frame, query)
    st.dataframe(
        cards.readable(shown, query, styled(frame, "status_at_end", STATUS)),
        width="stretch",
        hide_index=True,
        column_config=cards.table_config(query, shown, config_for(shown)),
    )


def sku_table(
    query: catalog.Query, frame: pd.DataFrame, key: str, config: dict[str, Any], colour: Any
) -> None:
    """A SKU table whose rows open the drill-down, with its CSV, like every other table."""
    shown = cards.capped(frame, query)  # the first rows: a picked row's position is the same in both
    st.dataframe(
        cards.readable(shown, query, colour),
        hide_index=True,
        width="stretch",
        column_config=cards.table_config(query, shown, config),
        key=key,
        on_select=partial(pick_sku, key, frame),
        selection_mode="single-row",
    )
    cards.csv_download(frame, f"{query.id}.csv", f"{key}.download")


def headline(query: catalog.Query, active: filters.Filters) -> None:
    frame = cards.load(query, active)
    if frame is None or frame.empty:
        return
    row = frame.iloc[0]
    cols = st.columns(6)
    for col, (label, name) in zip(cols[:3], STOCKS.items(), strict=True):
        change = row[name] - row[f"{name}_at_start"]
        still = round(change) == 0
        kind = "money" if name == "open_value" else "integer"
        shown = ("+" if change > 0 else "") + formats.value(kind, change)
        col.metric(
            label,
            formats.value(kind, row[name]) or "-",
            f"{shown} since {active.start:%d %b}" if not still else f"unchanged since {active.start:%d %b}",
            delta_color="off" if still else "inverse",
            delta_arrow="off" if still else "auto",
        )
    age = "-" if pd.isna(row["avg_age_days"]) else f"{row['avg_age_days']:.1f} d"
    oldest = "" if pd.isna(row["oldest_age_days"]) else f"oldest {row['oldest_age_days']:.0f} d"
    cols[3].metric("Average age", age, oldest, delta_color="off", delta_arrow="off")
    cols[4].metric(
        "Past the promised date",
        whole(row["past_promise_lines"]),
        f"{row['past_promise_lines'] / row['open_lines']:.0%} of open lines" if row["open_lines"] else None,
        delta_color="off",
        delta_arrow="off",
    )
    cols[5].metric(
        "Opened in the period",
        whole(row["new_lines"]),
        f"{row['shipped_lines']:,.0f} shipped, {row['canceled_lines']:,.0f} canceled",
        delta_color="off",
        delta_arrow="off",
        help="Backordered lines ordered in the period, and backorders closed in it.",
    )
    cards.describe(
        query,
        f"Stocks at the end of {active.end:%a %d %b %Y}, changes against the day before "
        f"{active.start:%a %d %b %Y}.",
    )


def size(queries: dict[str, catalog.Query], active: filters.Filters) -> str:
    st.header("How big is the backlog, and is it growing?")
    measure = MEASURES[
        st.segmented_control("Measure", list(MEASURES), default="Units", key=MEASURE_KEY, required=True)
        or "Units"
    ]
    fmt = ",.0f"
    left, right = st.columns([3, 2])
    with left, st.container(border=True):
        trend_q = queries["backlog_trend"]
        heading(trend_q)
        grain = st.segmented_control(
            "Each", ["week", "day"], default="week", key=f"{trend_q.id}.grain", required=True
        )
        trend = cards.load(trend_q, active, {"grain": grain or "week"})
        if trend is not None:
            marks = cards.annotations(active.start, active.end, active) if not trend.empty else None
            title = f"Open backordered {measure}" if measure != "lines" else "Open backorder lines"
            chart = charts.backlog_area(trend, f"open_{measure}", title, fmt, marks)
            cards.show_built(trend_q, trend, {"Chart": chart}, column_config=config_for(trend))
    with right, st.container(border=True):
        flows_q = queries["backlog_flows"]
        heading(flows_q)
        flows = cards.load(flows_q, active)
        if flows is not None:
            marks = cards.annotations(active.start, active.end, active) if not flows.empty else None
            chart = charts.backlog_flows(flows, measure, marks)
            cards.show_built(flows_q, flows, {"Chart": chart}, column_config=config_for(flows))
    return measure


def rates(query: catalog.Query, active: filters.Filters) -> None:
    with st.container(border=True):
        heading(query, "The dashed grey line is all channels together.")
        frame = cards.load(query, active)
        if frame is None:
            return
        views = {}
        if not frame.empty:
            marks = cards.annotations(active.start, active.end, active)
            tips = ["week", "channel", "days_in_period", "lines_ordered", "backordered_lines"]
            for name, column in (
                ("Backorder rate", "backorder_rate_lines"),
                ("Unit fill rate", "unit_fill_rate"),
            ):
                views[name] = charts.annotate(
                    charts.trend_with_bands(
                        frame.assign(week=pd.to_datetime(frame["week"])),
                        x="week",
                        y=column,
                        color="channel",
                        reference="All channels",
                        tooltip=[*tips, column],
                        y_title=name,
                        y_format="%",
                        height=280,
                    ),
                    marks,
                )
        cards.show_built(query, frame, views, column_config=config_for(frame))


def age(queries: dict[str, catalog.Query], active: filters.Filters, measure: str) -> None:
    st.header("How old is it?")
    left, right = st.columns([2, 3])
    with left, st.container(border=True):
        aging_q = queries["backlog_aging"]
        heading(aging_q)
        aging = cards.load(aging_q, active)
        if aging is not None:
            title = f"Open backordered {measure}"
            chart = charts.age_bars(aging, f"open_{measure}", title)
            cards.show_built(aging_q, aging, {"Chart": chart}, column_config=config_for(aging))
    with right, st.container(border=True):
        oldest_q = queries["oldest_backorders"]
        heading(oldest_q)
        values = cards.widgets(oldest_q)
        oldest = cards.load(oldest_q, active, values)
        if oldest is not None:
            cards.show_built(oldest_q, oldest, column_config=config_for(oldest))


def where(queries: dict[str, catalog.Query], active: filters.Filters, measure: str) -> None:
    st.header("Where does it sit?")
    with st.container(border=True):
        where_q = queries["backlog_where"]
        heading(where_q)
        frame = cards.load(where_q, active)
        if frame is not None:
            views = {}
            for dimension in ("supplier", "category", "channel"):
                part = frame[frame["dimension"] == dimension]
                if not part.empty:
                    views[f"By {dimension}"] = charts.ranked_bars(
                        part,
                        "member",
                        {f"open_{measure}": f"open {measure}"},
                        top=20,
                        tooltip=("open_lines", "oldest_age_days"),
                    )
            cards.show_built(where_q, frame, views, column_config=config_for(frame))
    with st.container(border=True):
        top_q = queries["top_skus"]
        heading(top_q, "Pick a row to see the SKU's order lines below.")
        values = cards.widgets(top_q)
        frame = cards.load(top_q, active, values)
        if frame is not None:
            limit = int(values.get("top") or 15)
            by_units, by_value, sql = st.tabs(["By units", "By value", "SQL"])
            with by_units:
                top = (
                    frame[frame["rank_by_units"] <= limit].sort_values("rank_by_units").reset_index(drop=True)
                )
                sku_table(top_q, top, "top_skus.by_units", config_for(top), None)
            with by_value:
                top = (
                    frame[frame["rank_by_value"] <= limit].sort_values("rank_by_value").reset_index(drop=True)
                )
                sku_table(top_q, top, "top_skus.by_value", config_for(top), None)
            with sql:
                st.caption(top_q.file)
                st.code(top_q.text, language="sql")


def clearing(queries: dict[str, catalog.Query], active: filters.Filters, as_of: Any) -> None:
    st.header("When will it clear?")
    if active.end != as_of:
        st.info(
            f"ETAs exist only at the warehouse's as-of date, **{as_of:%a %d %b %Y}**: this section shows the "
            f"backorders open then, whatever the To date ({active.end:%d %b %Y}). Category, supplier and "
            "channel still apply.",
            icon=":material/schedule:",
        )
    status_q = queries["eta_status"]
    status = cards.load(status_q, active)
    with st.container(border=True):
        heading(status_q)
        if status is not None and not status.empty:
            cols = st.columns(len(status))
            for col, row in zip(cols, status.itertuples(), strict=True):
                col.metric(
                    row.eta_flag.capitalize(),
                    f"{row.open_lines:,} lines",
                    f"{row.open_units:,} units, value {formats.value('money', row.open_value)}",
                    delta_color="off",
                    delta_arrow="off",
                )
        if status is not None:
            cards.show_built(
                status_q,
                status,
                column_config=config_for(status),
                styled=styled(status, "eta_flag", charts.ETA_FLAGS),
            )
    with st.container(border=True):
        weeks_q = queries["eta_by_week"]
        heading(weeks_q)
        weeks = cards.load(weeks_q, active)
        if weeks is not None:
            chart = charts.eta_weeks(weeks)
            if not weeks.empty:
                eta_weeks = pd.to_datetime(weeks["eta_week"])
                marks = cards.annotations(eta_weeks.min(), eta_weeks.max() + pd.Timedelta(days=6), active)
                chart = charts.annotate(chart, marks)
            cards.show_built(weeks_q, weeks, {"Chart": chart}, column_config=config_for(weeks))
    with st.container(border=True):
        lines_q = queries["eta_lines"]
        heading(lines_q)
        lines = cards.load(lines_q, active)
        if lines is not None:
            cards.show_built(
                lines_q,
                lines,
                column_config=config_for(lines),
                styled=styled(lines, "eta_flag", charts.ETA_FLAGS),
            )


def causes(query: catalog.Query, active: filters.Filters) -> pd.DataFrame | None:
    st.header("Why is each SKU short?")
    with st.container(border=True):
        st.markdown(f"#### {query.title}")
        st.caption(
            "One primary label per SKU with open backorders at the end of the To date, with its evidence "
            "and the other labels that also apply. Pick a row to see the SKU's order lines below."
        )
        with st.expander("How the labels are decided (thresholds)"):
            st.markdown(query.description)
        frame = cards.load(query, active)
        if frame is None:
            return None
        if frame.empty:
            st.info("No open backorders for the current filters.", icon=":material/filter_alt_off:")
        table_tab, chart_tab, sql_tab = st.tabs(["Table", "Chart", "SQL"])
        with chart_tab:
            vega.show(charts.labelled_bars(frame, "root_cause", charts.ROOT_CAUSES, counted="SKUs"))
        with table_tab:
            sku_table(
                query,
                frame,
                "root_cause.table",
                config_for(frame),
                styled(frame, "root_cause", charts.ROOT_CAUSES),
            )
        with sql_tab:
            st.caption(query.file)
            st.code(query.text, language="sql")
        return frame


def drill_down(query: catalog.Query, active: filters.Filters, labels: pd.DataFrame | None) -> None:
    st.header("Drill down: a SKU's order lines")
    known = labels if labels is not None else pd.DataFrame(columns=["sku", "product_name", "root_cause"])
    options = list(known["sku"])
    wanted = st.query_params.get(SKU_PARAM)
    if SKU_KEY not in st.session_state:
        st.session_state[SKU_KEY] = wanted or None
    chosen = st.session_state.get(SKU_KEY)
    if chosen and chosen not in options:
        options.append(chosen)
    names = dict(zip(known["sku"], known["product_name"], strict=True))
    why = dict(zip(known["sku"], known["root_cause"], strict=True))
    with st.container(border=True):
        heading(query)
        sku = st.selectbox(
            "SKU",
            options,
            index=None,
            key=SKU_KEY,
            placeholder="Pick a SKU (or a row in the tables above)",
            format_func=lambda s: " · ".join(str(p) for p in (s, names.get(s), why.get(s)) if p),
        )
        if sku:
            st.query_params[SKU_PARAM] = sku
        else:
            st.query_params.pop(SKU_PARAM, None)
            return
        if st.session_state.pop(DIALOG_KEY, False):
            lines_dialog(
                query, active, sku, " · ".join(str(p) for p in (sku, names.get(sku), why.get(sku)) if p)
            )
        frame = cards.load(query, active, {"sku": sku})
        if frame is not None:
            open_now = int((frame["status_at_end"] == "open").sum())
            st.caption(
                f"**{text.plain(sku)}**: {open_now} backordered lines open at the end of "
                f"{active.end:%d %b %Y}, "
                f"{len(frame) - open_now} closed in the period. The link in the address bar reproduces "
                "this view with its filters."
            )
            cards.show_built(
                query, frame, column_config=config_for(frame), styled=styled(frame, "status_at_end", STATUS)
            )


def config_for(frame: pd.DataFrame) -> dict[str, Any]:
    """The page's layout on top of the query headers' labels and formats: shares as bars, wide text
    columns, sort keys hidden."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        if column.startswith("share_of"):
            config[column] = st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
        elif column in WIDE:
            config[column] = st.column_config.TextColumn(width="large")
    for column in HIDDEN:
        if column in config or column in frame.columns:
            config[column] = None
    return config


queries = page.begin(
    PAGE,
    caption="How big is the backlog, how old, where does it sit, when will it clear, and why?",
    shown=SHOWN,
)
active = filters.current()

headline(queries["backlog_summary"], active)
measure = size(queries, active)
rates(queries["backorder_rate"], active)
age(queries, active, measure)
where(queries, active, measure)
clearing(queries, active, cache.as_of())
labels = causes(queries["root_cause"], active)
drill_down(queries["sku_lines"], active, labels)
cards.page_cards(PAGE, active, skip=SHOWN)
