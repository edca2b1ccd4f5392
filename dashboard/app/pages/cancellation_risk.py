"""Cancellation risk: who is about to cancel, the revenue at risk, whom to notify, what to offer."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.app import cache, cards, filters, page, vega
from dashboard.model import outputs, risk
from dashboard.present import charts, formats
from dashboard.query import catalog

PAGE = "cancellation_risk"
SHOWN = ("risk_features", "delay_notices", "offer_alternatives", "cancel_curves", "cancel_hazard")
AT_RISK_COLUMNS = (
    "customer_id",
    "order_id",
    "line_no",
    "sku",
    "product_name",
    "risk",
    "expected_loss",
    "factor_1",
    "factor_2",
    "factor_3",
    "value",
    "days_waited",
    "promised_date",
    "eta",
    "channel",
    "segment",
    "backordered_qty",
)

active = filters.current()
as_of = cache.as_of()
end = min(active.end, as_of)
scope = {name: active.values()[name] for name in risk.SCOPE}
con = cache.connection()

found = page.begin(
    PAGE,
    caption=f"Backordered lines open at the end of **{end:%a %d %b %Y}**, each scored with the probability "
    "that its customer cancels before it ships, learnt from the warehouse's own closed backorders.",
    shown=SHOWN,
)


LINE_COLUMNS = {
    "risk": st.column_config.NumberColumn(
        "Risk", format="percent", help="Probability the line is canceled before it ships"
    ),
    "expected_loss": st.column_config.NumberColumn(
        "Expected loss", format=f"{formats.currency()}%,.0f", help="Value x risk"
    ),
    "backordered_qty": st.column_config.NumberColumn("Units"),
    "factor_1": st.column_config.TextColumn("Raises the risk most"),
    "factor_2": st.column_config.TextColumn("Then"),
    "factor_3": st.column_config.TextColumn("Then"),
}

headline = st.container()
scored: pd.DataFrame | None = None
try:
    scored = outputs.open_lines(con, end, scope, cache.on_demand)
except risk.NotEnoughHistory as exc:
    st.info(f"No risk score: {exc}.", icon=":material/model_training:")
except catalog.QueryError as exc:
    cards.error(found["risk_features"], str(exc))

notices_q = found["delay_notices"]
notices = cards.load(notices_q, active)

with headline:
    columns = st.columns(4)
    if scored is not None:
        columns[0].metric(
            "Revenue at risk",
            formats.value("money", scored["expected_loss"].sum()),
            help="Sum over the open backordered lines of value x risk",
            border=True,
        )
        columns[1].metric(
            f"Expected cancellations of {len(scored):,} lines",
            f"{scored['risk'].sum():,.0f}",
            help="Sum of the lines' risks: how many of the open lines the model expects to be canceled",
            border=True,
        )
        columns[2].metric("Open backorder value", formats.value("money", scored["value"].sum()), border=True)
    if notices is not None:
        columns[3].metric(
            "Delay notices due",
            f"{len(notices):,} orders",
            help=f"{notices['customer_id'].nunique():,} customers, at the as-of date {as_of:%d %b %Y}",
            border=True,
        )

# 1. At-risk list
with st.container(border=True):
    st.subheader("Who is about to cancel")
    if scored is not None:
        st.caption(
            "Open lines ranked by expected loss (value x risk). The factors are what raises each line's "
            "risk most compared with a typical waiting line, in percentage points."
        )
        if scored.empty:
            st.info("No backordered line is open for the current filters.", icon=":material/filter_alt_off:")
        at_risk = scored[list(AT_RISK_COLUMNS)]
        cards.dataframe(at_risk.head(500), found["risk_features"], LINE_COLUMNS)
        if len(at_risk) > 500:
            st.caption(f"The first 500 of {len(at_risk):,} lines; the CSV has them all.")
        cards.csv_download(
            at_risk,
            f"at-risk-lines-{end:%Y-%m-%d}.csv",
            f"{PAGE}.at-risk-lines.download",
            "Download the call list (CSV)",
        )
        with st.expander("How the score is made"):
            st.markdown(
                f"""
A gradient-boosted classifier (scikit-learn's `HistGradientBoostingClassifier`) learns from every
backordered line closed by **{end:%d %b %Y}**, once per day it was open, whether it was finally
canceled. Its inputs are computed in `queries/cancellation_risk/risk_features.sql` as they stood
on that evening: days waited, days to or past the promised date (no promise is its own state), the
expected remaining wait from the FIFO ETA (no ETA is its own state), how overdue the supplier's open
PO is, the free stock, channel, segment, category, made-to-order, the line's value and the
customer's earlier cancellations. A load fits the model for its as-of date, for the end of each of
the last 26 weeks (To dates on a Sunday) and for the backtest below, and stores the scores;
another To date is fitted when first asked for.

**Factors.** For each line and factor, the risk minus the risk with that factor's inputs set to a
typical waiting line's (the median or most common value in the training rows). Factors interact,
so the effects do not add up to the risk exactly. The backtest below shows how far to trust the
score.
"""
            )

# 2. Delay notices
with st.container(border=True):
    st.subheader(notices_q.title)
    cards.describe(notices_q)
    if notices is not None:
        cards.show_built(
            notices_q,
            notices,
        )

# 3. Alternatives
alternatives_q = found["offer_alternatives"]
with st.container(border=True):
    st.subheader(alternatives_q.title)
    cards.describe(alternatives_q)
    band, top = st.columns(2)
    with band:
        picked = cards.widgets(alternatives_q)
    with top:
        covered = st.number_input(
            "At-risk lines to list", min_value=1, max_value=1000, value=25, step=5, key=f"{PAGE}.covered"
        )
    offers = cards.load(alternatives_q, active, {**picked, "end": end})
    if offers is not None:
        if scored is not None:
            ranked = scored[["order_id", "line_no", "risk", "expected_loss"]]
            offers = ranked.merge(offers, on=["order_id", "line_no"], how="inner")
            with_alternative = offers[["order_id", "line_no"]].drop_duplicates()
            keys = with_alternative.head(int(covered))
            offers = keys.merge(offers, on=["order_id", "line_no"])
            without = len(ranked) - len(with_alternative)
            st.caption(
                f"The {len(keys):,} open lines with the highest expected loss that have an alternative. "
                f"{without:,} of the {len(ranked):,} open lines have no in-stock SKU of their category in "
                "the price band (made-to-order furniture, say)."
            )
        cards.show_built(
            alternatives_q,
            offers,
            column_config={
                "risk": LINE_COLUMNS["risk"],
                "expected_loss": LINE_COLUMNS["expected_loss"],
            },
        )

# 4. Cancellation curves
with st.container(border=True):
    st.subheader("When customers cancel")
    curves_q, hazard_q = found["cancel_curves"], found["cancel_hazard"]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{curves_q.title}**")
        cards.describe(curves_q)
        curves = cards.load(curves_q, active, cards.widgets(curves_q))
        if curves is not None:
            cards.show(curves_q, curves, filters=active)
    with right:
        st.markdown(f"**{hazard_q.title}**")
        cards.describe(hazard_q)
        hazard = cards.load(hazard_q, active, cards.widgets(hazard_q))
        if hazard is not None:
            cards.show(hazard_q, hazard, filters=active)

# 5. Backtest
with st.container(border=True):
    st.subheader("How far to trust the score: backtest")
    default_cutoff, _ = outputs.backtest_window(as_of)
    control, horizon_control = st.columns(2)
    cutoff = control.date_input(
        "Cut-off",
        value=default_cutoff,
        max_value=as_of,
        key=f"{PAGE}.cutoff",
        help="Fit on the lines closed by this day, then score the lines open at it",
    )
    horizon = horizon_control.number_input(
        "Weeks scored after the cut-off",
        min_value=0,
        max_value=26,
        value=risk.BACKTEST_HORIZON_DAYS // 7,
        key=f"{PAGE}.horizon",
        help="Lines backordered in these weeks are scored too, on their first evening",
    )
    through = min(cutoff + dt.timedelta(weeks=int(horizon)), as_of)
    st.caption(
        f"The model is fitted only on lines closed by **{cutoff:%d %b %Y}**; each line open at the cut-off "
        f"or backordered up to **{through:%d %b %Y}** is scored once, on the first evening it was open, "
        "and compared with how it ended. Lines still open today have no outcome yet and are left out."
    )
    try:
        result = outputs.backtest(con, cutoff, through, scope, cache.on_demand)
    except risk.NotEnoughHistory as exc:
        st.info(f"No backtest: {exc}.", icon=":material/model_training:")
    except catalog.QueryError as exc:
        cards.error(found["risk_features"], str(exc))
    else:
        figures = st.columns(4)
        figures[0].metric(
            "ROC AUC",
            "n/a" if result.auc is None else f"{result.auc:.3f}",
            help="Chance that a canceled line was scored above a shipped one (0.5 = guessing, 1 = perfect)",
        )
        figures[1].metric(
            "Brier score",
            "n/a" if result.brier is None else f"{result.brier:.3f}",
            help="Mean squared gap between risk and outcome (lower is better)",
        )
        figures[2].metric(
            "Calibration error",
            "n/a" if result.calibration_error is None else f"{result.calibration_error:.1%}",
            help="Mean absolute gap between predicted and observed rate across the ten deciles",
        )
        figures[3].metric(
            "Lines scored",
            f"{result.scored_lines:,}",
            help=f"{result.canceled:,} canceled; {result.still_open:,} still open left out",
        )
        if not result.calibration.empty:
            vega.show(charts.calibration(result.calibration))

cards.page_cards(PAGE, active, skip=SHOWN)
