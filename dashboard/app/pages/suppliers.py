"""Suppliers page: who makes us late, by how much, since when, what it costs, and whom to call first."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app import cards, filters, page
from dashboard.present import charts, formats, palette
from dashboard.query import catalog
from dashboard.review.weekly import chase_words

SCORECARD, WEEKLY, DISRUPTIONS, LEAD_TIMES, WATCHLIST = (
    "supplier_scorecard",
    "supplier_weekly",
    "supplier_disruptions",
    "supplier_lead_times",
    "supplier_watchlist",
)
ALL = "All suppliers"
# Scorecard columns shaded for their worst suppliers: True when a higher value is worse.
WORST = {
    "on_time_rate": False,
    "avg_delay_days": True,
    "p90_delay_days": True,
    "lead_time_cv": True,
    "open_po_lines_past_promise": True,
    "open_backorder_value": True,
}
DAYS = "%.1f"


def money(value: float) -> str:
    return formats.value("money", value)


def heading(query: catalog.Query, note: str = "") -> None:
    st.subheader(query.title)
    cards.describe(query, note)


def shade_worst(frame: pd.DataFrame) -> pd.DataFrame:
    """CSS per cell: the three worst suppliers of each WORST column, darkest first."""
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    suppliers = frame["supplier_id"] != ALL
    for column, higher_is_worse in WORST.items():
        values = frame.loc[suppliers, column].dropna()
        if higher_is_worse:
            values = values[values > 0]
        ranks = values.rank(method="min", ascending=not higher_is_worse)
        for index, rank in ranks.items():
            if rank <= len(palette.HIGHLIGHTS):
                css.loc[index, column] = palette.highlight(int(rank) - 1)
    return css


def scorecard(query: catalog.Query, frame: pd.DataFrame) -> None:
    heading(
        query,
        "Click a column to sort. Red: the three worst suppliers in that column "
        "(darkest = worst). The last row totals every supplier.",
    )
    styled = frame.style.apply(shade_worst, axis=None).format(
        {
            "on_time_rate": "{:.0%}",
            "avg_delay_days": "{:.1f}",
            "p90_delay_days": "{:.1f}",
            "median_lead_time_days": "{:.1f}",
            "lead_time_cv": "{:.2f}",
            "planned_lead_time_days": "{:.0f}",
            "open_backorder_value": money,
        },
        na_rep="-",
    )
    cards.show_built(
        query,
        frame,
        styled=styled,
        column_order=[
            "supplier_name",
            "po_lines_received",
            "on_time_rate",
            "avg_delay_days",
            "p90_delay_days",
            "open_po_lines",
            "open_po_lines_past_promise",
            "open_backorder_lines",
            "open_backorder_value",
            "median_lead_time_days",
            "lead_time_lines",
            "planned_lead_time_days",
            "lead_time_cv",
            "open_backorder_units",
        ],
        column_config={
            "supplier_name": st.column_config.TextColumn("Supplier", width="medium"),
            "po_lines_received": st.column_config.NumberColumn("Received", help="PO lines received"),
            "on_time_rate": st.column_config.NumberColumn("On time", help="Received lines with delay <= 0"),
            "avg_delay_days": st.column_config.NumberColumn("Avg delay (d)", help="received - promised"),
            "p90_delay_days": st.column_config.NumberColumn("p90 delay (d)"),
            "median_lead_time_days": st.column_config.NumberColumn("Lead time (d)", help="Median"),
            "lead_time_lines": st.column_config.NumberColumn(
                "Lead-time lines", help="Received lines with an order date: the lead time rests on them"
            ),
            "lead_time_cv": st.column_config.NumberColumn("Lead time CV", help="sd / mean"),
            "planned_lead_time_days": st.column_config.NumberColumn("Planned lead (d)"),
            "open_po_lines": st.column_config.NumberColumn("Open POs", help="Open PO lines at the end of To"),
            "open_po_lines_past_promise": st.column_config.NumberColumn("Past promise"),
            "open_backorder_lines": st.column_config.NumberColumn("Backorders", help="Open, on its SKUs"),
            "open_backorder_units": st.column_config.NumberColumn("Backorder units"),
            "open_backorder_value": st.column_config.NumberColumn("Backorder value"),
        },
    )


def default_suppliers(
    options: list[str], active: filters.Filters, flagged: pd.DataFrame, worst: pd.DataFrame
) -> list[str]:
    """The sidebar's supplier; else those flagged in the period; else the three latest on average."""
    if active.supplier in options:
        return [active.supplier]
    picked = [s for s in dict.fromkeys(flagged["supplier_id"]) if s in options][:4]
    if picked:
        return picked
    if "avg_delay_days" not in worst:
        return []
    ranked = worst[worst["supplier_id"] != ALL].sort_values("avg_delay_days", ascending=False)
    return [s for s in ranked["supplier_id"] if s in options][:3]


def trends(
    query: catalog.Query,
    frame: pd.DataFrame,
    flagged: pd.DataFrame,
    score: pd.DataFrame,
    active: filters.Filters,
) -> None:
    heading(
        query,
        "By the week PO lines were due. Shaded: weeks flagged as disruptions (see below), in the "
        "supplier's colour; dashed grey: all suppliers; grey bands: events the shop recorded.",
    )
    names = dict(zip(frame["supplier_id"], frame["supplier_name"], strict=True))
    options = sorted(s for s in names if s != ALL)
    key = f"{query.id}.suppliers"
    if st.session_state.get(f"{key}.filters") != active:
        # New sidebar filters, new suppliers worth a look: start again from the defaults.
        st.session_state[f"{key}.filters"] = active
        st.session_state[key] = default_suppliers(options, active, flagged, score)
    chosen = st.multiselect(
        "Suppliers",
        options,
        format_func=lambda s: f"{names[s]} ({s})",
        key=key,
        placeholder="Pick one or more suppliers to compare",
    )
    shown = frame[frame["supplier_id"].isin([*chosen, ALL])]
    bands = flagged[flagged["supplier_id"].isin(chosen)]
    built: dict[str, Any] = {}
    if not shown.empty:
        marks = cards.annotations(shown["week"].min(), shown["week"].max(), active)
        band_tooltip = [
            "supplier_name",
            alt.Tooltip("period_start:T", title="due from", format="%Y-%m-%d"),
            alt.Tooltip("period_end:T", title="due to", format="%Y-%m-%d"),
            "median_delay_days",
            "baseline_delay_days",
            "peak_z",
        ]
        tooltip = ["week", "supplier_name", "lines_due", "on_time_rate", "avg_delay_days"]
        for label, column, title, fmt in (
            ("Average delay", "avg_delay_days", "average delay (days)", None),
            ("On-time rate", "on_time_rate", "on-time rate", "%"),
        ):
            chart = charts.trend_with_bands(
                shown,
                "week",
                column,
                "supplier_name",
                bands=bands,
                band_start="period_start",
                band_end="period_end",
                band_tooltip=band_tooltip,
                reference=ALL,
                tooltip=tooltip,
                y_title=title,
                y_format=fmt,
            )
            built[label] = charts.annotate(chart, marks)
    cards.show_built(
        query,
        frame,
        built,
        column_config={
            "week": st.column_config.DateColumn("Week due", format="YYYY-MM-DD"),
            "on_time_rate": st.column_config.NumberColumn("On time", format="percent"),
            "avg_delay_days": st.column_config.NumberColumn("Avg delay (d)", format=DAYS),
            "median_delay_days": st.column_config.NumberColumn("Median delay (d)", format=DAYS),
        },
    )


def disruptions(query: catalog.Query, frame: pd.DataFrame) -> None:
    heading(
        query,
        "A week is flagged when a supplier's median delay is far above its own history "
        "(robust z-score >= 3.5). Consecutive weeks make one period.",
    )
    if frame.empty:
        st.success(
            "No supplier's weekly delay stood out from its own history in this period.",
            icon=":material/check_circle:",
        )
    cards.show_built(
        query,
        frame,
        column_config={
            "supplier_id": st.column_config.TextColumn("Id", width="small"),
            "supplier_name": st.column_config.TextColumn("Supplier"),
            "period_start": st.column_config.DateColumn("Due from", format="YYYY-MM-DD"),
            "period_end": st.column_config.DateColumn("Due to", format="YYYY-MM-DD"),
            "median_delay_days": st.column_config.NumberColumn("Median delay (d)", format=DAYS),
            "baseline_delay_days": st.column_config.NumberColumn("Usual (d)", format=DAYS),
            "peak_z": st.column_config.NumberColumn("Peak z", format="%.1f"),
            "weeks": st.column_config.NumberColumn("Weeks"),
            "lines_due": st.column_config.NumberColumn("PO lines due"),
            "lines_open": st.column_config.NumberColumn("Still open", help="PO lines not received by To"),
            "impact_end": st.column_config.DateColumn(
                "Impact to", format="YYYY-MM-DD", help="Last due day + the period's median delay"
            ),
            "skus_affected": st.column_config.NumberColumn("SKUs hit"),
            "sku_list": st.column_config.TextColumn("SKUs", width="medium"),
            "backorder_lines": st.column_config.NumberColumn("Backorder lines"),
            "backorder_value": st.column_config.NumberColumn("Backorder value", format="%.0f"),
            "canceled_lines": st.column_config.NumberColumn("Canceled"),
            "backorder_units": st.column_config.NumberColumn("Backorder units"),
            "canceled_value": st.column_config.NumberColumn("Canceled value", format="%.0f"),
            "open_at_end_lines": st.column_config.NumberColumn("Backorders open at To"),
        },
    )


def lead_times(query: catalog.Query, frame: pd.DataFrame) -> None:
    heading(
        query,
        "Box: the middle half of received lines; whiskers: p10 to p90; dark tick: median; "
        "red diamond: planned lead time (products.lead_time_days).",
    )
    built = {}
    if not frame.empty:
        built["Box plot"] = charts.range_box_plot(
            frame,
            "supplier_name",
            "p10_lead_time_days",
            "q1_lead_time_days",
            "median_lead_time_days",
            "q3_lead_time_days",
            "p90_lead_time_days",
            marker="planned_lead_time_days",
            x_title="lead time (days from PO to receipt)",
            tooltip=[
                "supplier_name",
                "lines_received",
                "lead_time_lines",
                "p10_lead_time_days",
                "median_lead_time_days",
                "p90_lead_time_days",
                "planned_lead_time_days",
                alt.Tooltip("share_longer_than_planned:Q", format=".0%"),
            ],
        )
    cards.show_built(
        query,
        frame,
        built,
        column_config={
            "lead_time_cv": st.column_config.NumberColumn("CV", format="%.2f"),
            "avg_lead_time_days": st.column_config.NumberColumn(format=DAYS),
            "share_longer_than_planned": st.column_config.NumberColumn(
                "Longer than planned", format="percent"
            ),
        },
    )


def flag_overdue(frame: pd.DataFrame) -> pd.DataFrame:
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    late = frame["days_past_promise"] > 0
    css.loc[late, "days_past_promise"] = palette.highlight(0)
    css.loc[late & (frame["waiting_lines"] > 0), "waiting_lines"] = palette.highlight(1)
    return css


def watchlist(query: catalog.Query, frame: pd.DataFrame) -> None:
    styled = frame.style.apply(flag_overdue, axis=None).format(
        {"waiting_value": money, "supplier_waiting_value_past_promise": money}, na_rep=""
    )
    cards.show_built(
        query,
        frame,
        styled=styled,
        column_order=[
            "call_rank",
            "supplier_name",
            "po_id",
            "po_line",
            "sku",
            "product_name",
            "promised_date",
            "days_past_promise",
            "waiting_lines",
            "waiting_value",
            "customers_waiting",
            "oldest_waiting_since",
            "expected_receipt",
            "waiting_units",
            "qty",
        ],
        column_config={
            "call_rank": st.column_config.NumberColumn("Call", help="1 = call this supplier first"),
            "supplier_name": st.column_config.TextColumn("Supplier"),
            "po_id": st.column_config.TextColumn("PO"),
            "po_line": st.column_config.NumberColumn("Line"),
            "sku": st.column_config.TextColumn("SKU"),
            "qty": st.column_config.NumberColumn("PO qty"),
            "product_name": st.column_config.TextColumn("Product"),
            "promised_date": st.column_config.DateColumn("Promised", format="YYYY-MM-DD"),
            "days_past_promise": st.column_config.NumberColumn(
                "Days late", help="As-of date - promised date; negative: due in that many days"
            ),
            "expected_receipt": st.column_config.DateColumn("Expected", format="YYYY-MM-DD"),
            "waiting_lines": st.column_config.NumberColumn("Lines waiting", help="Customer lines waiting"),
            "waiting_units": st.column_config.NumberColumn("Units waiting"),
            "waiting_value": st.column_config.NumberColumn("Value waiting"),
            "customers_waiting": st.column_config.NumberColumn("Customers"),
            "oldest_waiting_since": st.column_config.DateColumn("Oldest order", format="YYYY-MM-DD"),
        },
    )


def call_first(watch: pd.DataFrame, flagged: pd.DataFrame) -> None:
    """Whom to call first and why, in one sentence, from the watchlist's rank 1 and its disruptions."""
    if watch.empty:
        st.success("No open PO line is past its promise or due soon.", icon=":material/check_circle:")
        return
    top = watch.iloc[0]
    waiting = int(top["supplier_waiting_lines_past_promise"])
    late = int(top["supplier_lines_past_promise"])
    if waiting == 0:
        st.success(
            f"No customer waits on an overdue PO line. {late:,} open PO lines are past promise in all.",
            icon=":material/check_circle:",
        )
        return
    words = chase_words(late, waiting, money(top["supplier_waiting_value_past_promise"]))
    text = f"**Call {top['supplier_name']} ({top['supplier_id']}) first.** {words}."
    own = flagged[flagged["supplier_id"] == top["supplier_id"]]
    if not own.empty:
        latest = own.sort_values("period_start").iloc[-1]
        text += (
            f" Its deliveries due from {latest['period_start']:%d %b %Y} to {latest['period_end']:%d %b %Y} "
            f"ran a median {latest['median_delay_days']:.0f} days late, against its usual "
            f"{latest['baseline_delay_days']:.0f}."
        )
    st.warning(text, icon=":material/call:")


def headline(total: pd.Series, flagged: pd.DataFrame) -> None:
    columns = st.columns(5)
    columns[0].metric("PO lines received", f"{int(total['po_lines_received']):,}")
    rate = total["on_time_rate"]
    columns[1].metric("On-time rate", "-" if pd.isna(rate) else f"{rate:.0%}")
    delay = total["avg_delay_days"]
    columns[2].metric(
        "Average delay",
        "-" if pd.isna(delay) else f"{delay:.1f} days",
        help=None if pd.isna(total["p90_delay_days"]) else f"p90: {total['p90_delay_days']:.0f} days",
    )
    columns[3].metric(
        "Open PO lines past promise",
        f"{int(total['open_po_lines_past_promise']):,}",
        help=f"of {int(total['open_po_lines']):,} open at the end of the period",
    )
    columns[4].metric(
        "Suppliers disrupted",
        f"{flagged['supplier_id'].nunique():,}",
        help="with a flagged period in the date range",
    )


used = [SCORECARD, WEEKLY, DISRUPTIONS, LEAD_TIMES, WATCHLIST]
queries = page.begin(
    "suppliers",
    caption="Which suppliers make us late, by how much, since when, and what does it cost us?",
    shown=used,
)
active = filters.current()
frames = {name: cards.load(queries[name], active) for name in used if name != WATCHLIST}
callout = st.container()
score, weekly, flagged, leads = (frames[name] for name in used[:4])
empty = pd.DataFrame(columns=["supplier_id", "period_start", "period_end"])
flagged_or_empty = flagged if flagged is not None else empty
if score is not None:
    totals = score[score["supplier_id"] == ALL]
    if not totals.empty:
        headline(totals.iloc[0], flagged_or_empty)
    scorecard(queries[SCORECARD], score)
if weekly is not None:
    trends(queries[WEEKLY], weekly, flagged_or_empty, score if score is not None else empty, active)
if flagged is not None:
    disruptions(queries[DISRUPTIONS], flagged)
if leads is not None:
    lead_times(queries[LEAD_TIMES], leads)
heading(
    queries[WATCHLIST],
    "Open PO lines past or near their promise, and the customers waiting on each. Measured today "
    "(the as-of date): the FIFO ETA exists only for today.",
)
with st.columns(4)[0]:
    values = cards.widgets(queries[WATCHLIST])
watch = cards.load(queries[WATCHLIST], active, values)
if watch is not None:
    with callout:
        call_first(watch, flagged_or_empty)
    watchlist(queries[WATCHLIST], watch)
cards.page_cards("suppliers", active, skip=used)
