"""Demand signal: true demand, surging SKUs, lost sales, what to reorder and what to expedite."""

import pandas as pd
import streamlit as st

from dashboard.app import cache, cards, filters, page
from dashboard.present import charts, formats, missing, palette
from dashboard.query import catalog

PAGE = "demand_signal"
SHOWN = ("demand_vs_shipped", "surging_skus", "lost_sales", "reorder_suggestions", "restock_priority")

active = filters.current()
queries = page.begin(
    PAGE,
    caption=f"What unmet demand says to buy. Flows count the period {active.start:%d %b %Y} to "
    f"{active.end:%d %b %Y}; stocks (on hand, on order, open backlog) and the surge window "
    "are measured at its To date.",
    shown=SHOWN,
)
headline = st.container()


def section(query: catalog.Query) -> None:
    st.subheader(query.title)
    cards.describe(query)


def number(format_: str, label: str | None = None, help_: str | None = None) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format=format_, help=help_)


# 1. True demand vs what shipped
demand_q = queries["demand_vs_shipped"]
with st.container(border=True):
    section(demand_q)
    picked = cards.widgets(demand_q)
    demand = cards.load(demand_q, active, picked)
    if demand is not None:
        views = {}
        if not demand.empty:
            weeks = pd.to_datetime(demand["week"])
            marks = cards.annotations(weeks.min(), weeks.max() + pd.Timedelta(days=6), active)
            views = {
                "Demand and what shipped": charts.demand_parts(demand, marks),
                "Unmet by category": charts.unmet_by_category(demand, marks),
            }
        cards.show_built(
            demand_q,
            demand,
            views,
            column_config={
                "week": st.column_config.DateColumn("week", format="YYYY-MM-DD"),
                "unit_fill_rate": number("percent", "unit fill rate"),
            },
        )

# 2. Surging SKUs
surging_q = queries["surging_skus"]
with st.container(border=True):
    section(surging_q)
    st.caption(f"Last 4 weeks to **{active.end:%a %d %b %Y}** against the 12 weeks before them.")
    surging = cards.load(surging_q, active)
    if surging is not None:
        colours = {"surging, outrunning supply": palette.highlight(0), "surging": palette.highlight(2)}
        styled = (
            surging.style.apply(lambda row: [colours.get(row["status"], "")] * len(row), axis=1).format(
                {
                    "recent_weekly_mean": "{:.1f}",
                    "baseline_weekly_mean": "{:.1f}",
                    "baseline_weekly_median": "{:.1f}",
                    "ratio": "{:.2f}",
                    "robust_z": "{:.1f}",
                    "backorder_ratio": "{:.0%}",
                },
                na_rep="",
            )
            if len(surging) <= 1000
            else None
        )
        views = {"Demand ratio vs backordered share": charts.surge_map(surging)} if not surging.empty else {}
        cards.show_built(surging_q, surging, views, styled=styled, table_first=False)

# 3. Lost sales
lost_q = queries["lost_sales"]
with st.container(border=True):
    section(lost_q)
    st.markdown(
        "**Method.** Canceled backorders are *measured*: the backordered units of lines canceled in the "
        "period, at the line's price. Demand lost while out of stock is *estimated*: "
        "`stockout days x stockout-adjusted daily demand x unit price`, where a stockout day is a day "
        "whose end-of-day available stock (on hand - allocated) is zero or less, and the adjusted daily "
        "demand averages the units ordered **only over the days the SKU had stock**, so the stockout "
        "itself does not drag the average down. *Ordered while out* shows what customers still ordered "
        "(as backorders) on stockout days: where it is close to the estimate, the backorders caught "
        "most of the demand."
    )
    cards.requires("inventory_snapshots")
    lost = cards.load(lost_q, active)
    if lost is not None:
        views = {}
        if not lost.empty:
            views = {
                "Top SKUs by lost value": charts.ranked_bars(
                    lost,
                    "sku",
                    {"canceled_value": "Canceled backorders", "est_lost_value": "Estimated lost while out"},
                    top=15,
                    title="Value",
                    name="product_name",
                )
            }
        cards.show_built(
            lost_q,
            lost,
            views,
            column_config={
                "canceled_value": number("dollar", "canceled value"),
                "adjusted_daily_demand": number("%.2f", "adjusted daily demand"),
                "est_lost_units": number("%.1f", "est. lost units"),
                "est_lost_value": number("dollar", "est. lost value"),
            },
        )

# 4. Reorder suggestions
reorder_q = queries["reorder_suggestions"]
with st.container(border=True):
    section(reorder_q)
    control, note = st.columns([1, 3])
    with control:
        level = cards.widgets(reorder_q)
    with note:
        st.caption(
            "Safety stock = yours from products.safety_stock where the file gives one (the computed one "
            "beside it), else z x sqrt(LT x sigma_D^2 + D^2 x sigma_LT^2); reorder point = D x LT + safety "
            "stock; suggested order = reorder point + 7 days of demand - (on hand + on order - open "
            "backlog). Rows whose days of supply are shorter than the lead time are shaded."
        )
    reorder = cards.load(reorder_q, active, level)
    if reorder is not None:
        short = reorder["days_of_supply"].fillna(0) < reorder["lead_time_days"].fillna(0)
        styled = (
            reorder.style.apply(
                lambda column: [palette.highlight(0) if flag else "" for flag in short], axis=0
            ).format(
                {
                    "unit_price": "{:,.2f}",
                    "daily_demand": "{:.2f}",
                    "daily_demand_sd": "{:.2f}",
                    "lead_time_days": "{:.1f}",
                    "lead_time_sd_days": "{:.1f}",
                    "days_of_supply": "{:.1f}",
                    "z": "{:.3f}",
                    "safety_stock": "{:.1f}",
                    "computed_safety_stock": "{:.1f}",
                    "reorder_point": "{:.1f}",
                    "order_up_to": "{:.1f}",
                    "suggested_cost": "{:,.2f}",
                    "revenue_at_stake": "{:,.2f}",
                },
                na_rep="",
            )
            if len(reorder) <= 1000
            else None
        )
        views = {}
        if not reorder.empty and reorder["revenue_at_stake"].gt(0).any():
            views = {
                "Revenue at stake": charts.ranked_bars(
                    reorder[reorder["revenue_at_stake"] > 0],
                    "sku",
                    {"revenue_at_stake": "Revenue at stake"},
                    title="Revenue at stake (unit price x units short of the reorder point)",
                    name="product_name",
                    color="category",
                )
            }
        cards.show_built(reorder_q, reorder, views, styled=styled, table_first=True)

# 5. Restock priority
restock_q = queries["restock_priority"]
with st.container(border=True):
    section(restock_q)
    restock = cards.load(restock_q, active)
    if restock is not None:
        views = {}
        if not restock.empty:
            end = min(active.end, cache.as_of())
            restock = cache.risk_scores().rerank_restock(restock, end, active.values())
            by_risk = restock["revenue_at_risk"].notna().all()
            st.caption(
                "Ranked by waiting customers, **revenue at risk** (value x cancellation risk, from the "
                "Cancellation risk page's model) and oldest age."
                if by_risk
                else "Ranked by waiting customers, open value and oldest age: the warehouse has too little "
                "history to fit the cancellation-risk model."
            )
            measure = "revenue_at_risk" if by_risk else "open_value"
            views = {
                "Expedite first": charts.ranked_bars(
                    restock,
                    "sku",
                    {measure: "Revenue at risk" if by_risk else "Open backorder value"},
                    title="Revenue at risk of the highest-priority SKUs, in priority order"
                    if by_risk
                    else "Open backorder value of the highest-priority SKUs, in priority order",
                    tooltip=("waiting_customers", "open_value", "oldest_age_days"),
                    name="product_name",
                    color="supplier_name",
                )
            }
        cards.show_built(
            restock_q,
            restock,
            views,
            column_config={
                "open_value": number("dollar", "open value"),
                "avg_age_days": number("%.1f", "avg age (days)"),
                "revenue_at_risk": number("dollar", "revenue at risk"),
                "priority": st.column_config.ProgressColumn(
                    "priority", min_value=0.0, max_value=1.0, format="%.2f"
                ),
                "next_eta": st.column_config.DateColumn("next ETA", format="YYYY-MM-DD"),
            },
        )

with headline:
    tiles = st.columns(5)
    if demand is not None and not demand.empty:
        tiles[0].metric(
            "Demand (units)",
            f"{demand['demand_units'].sum():,}",
            border=True,
            help="All units ordered in the period, fulfilled or not (True demand card).",
        )
        tiles[1].metric(
            "Unmet (units)",
            f"{demand['unmet_units'].sum():,}",
            border=True,
            help="Backordered units ordered in the period, lost ones included.",
        )
        tiles[2].metric(
            "Lost (canceled units)",
            f"{demand['lost_units'].sum():,}",
            border=True,
            help="Backordered units of lines ordered in the period and canceled by its To date.",
        )
    if surging is not None:
        tiles[3].metric(
            "Surging SKUs",
            f"{int(surging['surging'].sum()):,}",
            border=True,
            help="SKUs flagged surging in the 4 weeks to the To date (Surging SKUs card).",
        )
    if reorder is not None:
        cost, basis = missing.suggested_buy(reorder)
        tiles[4].metric(
            "Suggested buy (cost)",
            "n/a" if cost is None else formats.value("money", cost),
            border=True,
            help="Sum of suggested order quantity x unit cost at the chosen service level.",
        )
        st.caption(f"Suggested buy: {basis}.")

cards.page_cards(PAGE, active, skip=SHOWN)
