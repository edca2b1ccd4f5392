"""Outlook: which SKUs will go on backorder in the next weeks, the backlog ahead, and how often the
projection was right."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.app import cache, cards, filters, page
from dashboard.present import charts
from dashboard.query import catalog

PAGE = "outlook"
SHOWN = (
    "projected_stockouts",
    "projected_backlog",
    "sku_projection",
    "supplier_outlook",
    "supplier_trend",
    "backtest",
)
MEASURES = {"Units": "units", "Lines": "lines", "Value": "value"}
DEFAULT_CUTOFF_WEEKS = 8

active = filters.current()
as_of = cache.as_of()

found = page.begin(
    PAGE,
    caption=(
        f"What the next weeks hold, projected from the As-of date **{as_of:%a %d %b %Y}**: stock on hand, "
        "the open backlog, open purchase orders on their expected day and forecast demand. The sidebar's "
        "category and supplier narrow it; its dates and channel do not apply (stock is not per channel)."
    ),
    shown=SHOWN,
)


def number(format_: str, label: str | None = None, help_: str | None = None) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format=format_, help=help_)


horizon = st.select_slider(
    "Weeks ahead",
    options=list(range(1, 9)),
    value=4,
    key=f"{PAGE}.horizon",
    help="How far the projection looks: 1 to 8 weeks after the As-of date",
)
ahead = {"horizon": horizon}
through = as_of + dt.timedelta(weeks=horizon)
headline = st.container()

# 1. SKUs projected to go on backorder
stockouts_q = found["projected_stockouts"]
stockouts = cards.load(stockouts_q, active, ahead)
with st.container(border=True):
    st.subheader(f"SKUs projected to go on backorder by {through:%a %d %b %Y}")
    st.caption(
        "Soonest first. Expedite the PO line shown by the days given, or order the quantity that "
        "covers the horizon. The CSV has every column, for buyers."
    )
    if stockouts is not None:
        cards.show_built(
            stockouts_q,
            stockouts,
            column_config={
                "stockout_date": st.column_config.DateColumn("stock-out", format="YYYY-MM-DD"),
                "days_to_stockout": number("%d", "in days"),
                "units_short": number("%d", "units short", "Largest projected shortfall within the horizon"),
                "value_short": number("dollar", "value short"),
                "available_now": number("%d", "available now", "on hand - allocated at the As-of date"),
                "backlog_units": number("%d", "open backlog"),
                "forecast_units": number("%.1f", "forecast demand"),
                "expedite_po_id": st.column_config.TextColumn("PO to expedite"),
                "expedite_po_line": number("%d", "line"),
                "expected_receipt": st.column_config.DateColumn("expected", format="YYYY-MM-DD"),
                "days_earlier": number("%d", "days earlier", "How much earlier it must arrive"),
                "covers_shortfall": st.column_config.CheckboxColumn("covers it"),
                "order_qty": number("%d", "order qty", "Units that cover the horizon above safety stock"),
                **{
                    f"short_week_{week}": number("%d", f"short wk {week}", f"Short at the end of week {week}")
                    for week in range(1, 9)
                },
            },
            column_order=[
                "sku",
                "product_name",
                "supplier_name",
                "stockout_date",
                "days_to_stockout",
                "units_short",
                "value_short",
                "expedite_po_id",
                "expedite_po_line",
                "expected_receipt",
                "days_earlier",
                "covers_shortfall",
                "order_qty",
                *(f"short_week_{week}" for week in range(1, horizon + 1)),
                "available_now",
                "backlog_units",
                "forecast_units",
                "category",
            ],
            table_first=True,
        )

# 2. Projected backlog, continuing the Backorders page's chart
backlog_q = found["projected_backlog"]
projected = cards.load(backlog_q, active, ahead)
with st.container(border=True):
    st.subheader("The backlog ahead")
    st.caption(
        "The Backorders page's backlog over the last 8 weeks (blue), continued by the projected backlog "
        "(orange, dashed) in the band between its demand's 10th and 90th percentiles."
    )
    label = st.segmented_control(
        "Measure", list(MEASURES), default="Units", key=f"{PAGE}.measure", required=True
    )
    measure = MEASURES[label or "Units"]
    trend_q = catalog.find("backlog_trend")
    history = cards.load(
        trend_q,
        active,
        {"start": as_of - dt.timedelta(weeks=8), "end": as_of, "grain": "day", "channel": None},
    )
    if projected is not None and history is not None:
        fmt = ",.0f"
        chart = charts.backlog_outlook(history, projected, measure, f"Open backorder {measure}", fmt)
        cards.show_built(backlog_q, projected, {"Chart": chart})

# 3. One SKU's projection
sku_q = found["sku_projection"]
with st.container(border=True):
    st.subheader(sku_q.title)
    st.caption(sku_q.description)
    choices = list(stockouts["sku"]) if stockouts is not None and not stockouts.empty else []
    sku = st.selectbox(
        "SKU",
        choices or cache.choices("products.sku"),
        key=f"{PAGE}.sku",
        help="The SKUs projected to go on backorder come first",
    )
    if sku:
        frame = cards.load(sku_q, active, {**ahead, "sku": sku})
        if frame is not None:
            cards.show_built(sku_q, frame, {"Chart": charts.stock_projection(frame)})

# 4. Per supplier
supplier_q, supplier_trend_q = found["supplier_outlook"], found["supplier_trend"]
with st.container(border=True):
    st.subheader(supplier_q.title)
    st.caption(supplier_q.description)
    per_supplier = cards.load(supplier_q, active, ahead)
    if per_supplier is not None:
        cards.show(supplier_q, per_supplier, filters=active)
    st.markdown(f"**{supplier_trend_q.title}**")
    st.caption(supplier_trend_q.description)
    trend = cards.load(supplier_trend_q, active)
    if trend is not None:
        cards.show(supplier_trend_q, trend, prefix="trend.", filters=active)

# 5. Backtest
backtest_q = found["backtest"]
with st.container(border=True):
    st.subheader("How often the projection was right: backtest")
    results = cards.load(backtest_q, active)
    if results is not None and not results[results["weeks_back"].notna()].empty:
        per_cutoff = results[results["weeks_back"].notna()]
        pooled = results[results["weeks_back"].isna()].iloc[0]
        weeks = [int(w) for w in per_cutoff["weeks_back"]]
        k = st.select_slider(
            "Cut-off, weeks before the As-of date",
            options=weeks,
            value=DEFAULT_CUTOFF_WEEKS if DEFAULT_CUTOFF_WEEKS in weeks else weeks[0],
            key=f"{PAGE}.cutoff",
            help="The projection made on that day from only what was known then, against the 4 weeks after",
        )
        row = per_cutoff[per_cutoff["weeks_back"] == k].iloc[0]
        st.caption(
            f"Projected on **{pd.Timestamp(row['cutoff']):%a %d %b %Y}** from only what was known then, "
            "compared with the 4 weeks that followed. The last line of the table pools every cut-off."
        )
        figures = st.columns(4)

        def figure(value: float | None, pattern: str) -> str:
            return "n/a" if value is None or pd.isna(value) else pattern.format(value)

        figures[0].metric(
            "Precision",
            figure(row["precision"], "{:.0%}"),
            help=f"{row['right_calls']:,} of the {row['projected']:,} SKUs projected to go on backorder did",
        )
        figures[1].metric(
            "Recall",
            figure(row["recall"], "{:.0%}"),
            help=f"{row['right_calls']:,} of the {row['went_on_backorder']:,} SKUs that went on backorder "
            f"were projected to (of {row['skus']:,} SKUs)",
        )
        figures[2].metric(
            "ROC AUC",
            figure(row["roc_auc"], "{:.3f}"),
            help="Chance that a SKU that went on backorder had a sooner projected stock-out than one that "
            "did not (0.5 = guessing)",
        )
        figures[3].metric(
            "MASE",
            figure(row["mase"], "{:.2f}"),
            help=f"Weekly demand error scaled by the in-sample seasonal-naive error; the seasonal-naive "
            f"forecast itself scores {figure(row['naive_mase'], '{:.2f}')} (lower is better)",
        )
        short = []
        if pd.isna(pooled["roc_auc"]) or pooled["roc_auc"] < 0.85:
            short.append(f"ROC AUC {figure(pooled['roc_auc'], '{:.3f}')} (target 0.85)")
        if pd.isna(pooled["mase"]) or pooled["mase"] >= 1:
            short.append(f"MASE {figure(pooled['mase'], '{:.2f}')} (target below 1)")
        if short:
            st.warning(
                "Over every cut-off together the projection falls short of its targets: "
                + ", ".join(short)
                + ". It knows only the purchase orders already placed, so a stock-out that a PO ordered "
                "next week will prevent is still projected (precision suffers most for stock-outs 2 to 4 "
                "weeks out). Read the list as what happens if nobody orders more.",
                icon=":material/info:",
            )
        cards.show_built(
            backtest_q,
            results,
            column_config={
                "precision": number("percent"),
                "recall": number("percent"),
                "roc_auc": number("%.3f", "ROC AUC"),
                "mase": number("%.2f", "MASE"),
                "naive_mase": number("%.2f", "naive MASE"),
                "cutoff": st.column_config.DateColumn("cut-off", format="YYYY-MM-DD"),
            },
            table_first=True,
        )
    elif results is not None:
        st.info("Not enough history for a backtest: it needs at least 4 weeks after a cut-off.")

with st.expander("How this is computed"):
    st.markdown(
        f"""
**Projected available stock**, per SKU and day after the As-of date
(`queries/views/outlook_projection.sql`, made when the warehouse is loaded): on hand - allocated at the
As-of date, minus the open backlog (served first, oldest order first, so new demand gets only what is
left), plus each open PO line's quantity on its expected receipt day — the backorder ETA's rule, the
promised date shifted later by the supplier's median delay, and the day after the As-of date for lines
already due (`outlook_po_lines.sql`) — minus the forecast demand. The first day it goes below zero is the
projected stock-out; below zero, the shortfall is the projected backlog.

**Forecast demand** (`outlook_demand.sql`, `outlook_weekdays.sql`): the stock-out adjusted daily demand
of the last 8 weeks — units ordered on in-stock days / in-stock days, as the Demand signal page's lost
sales estimate counts it, so a stock-out does not hide demand — times a weekday factor (7 x the weekday's
share of all units in those 8 weeks). A SKU the surging-SKU rule flags (4 recent weeks against the 12
before: ratio ≥ 1.5, robust z ≥ 3, ≥ 10 units) takes the rate of its last 4 weeks instead. The band is
the 10th to 90th percentile of demand, +/- 1.2816 x the daily standard deviation x sqrt(days).

**Backtest** (`outlook_backtest.sql`): the same projection made at each cut-off {DEFAULT_CUTOFF_WEEKS}
weeks back by default (4 to 26) from only what was known then — the snapshot of that day, the lines
backordered and the PO lines ordered by then, the supplier delays received by then. A SKU *went on
backorder* when one of its lines was backordered in the next 4 weeks on a day it ended out of stock
(an oversold listing, backordered while stock showed, is not a stock-out a projection can see). The
score for ROC AUC is the days to the projected stock-out. MASE divides the weekly demand error by the
in-sample seasonal-naive error (week-to-week change over the 12 weeks before the cut-off).
"""
    )

if stockouts is not None:
    with headline:
        columns = st.columns(3)
        columns[0].metric(
            f"SKUs projected to go on backorder in {horizon} week{'s' if horizon > 1 else ''}",
            f"{len(stockouts):,}",
            border=True,
        )
        columns[1].metric("Projected units short", f"{stockouts['units_short'].sum():,.0f}", border=True)
        columns[2].metric("Projected value short", f"${stockouts['value_short'].sum():,.0f}", border=True)

cards.page_cards(PAGE, active, skip=SHOWN)
