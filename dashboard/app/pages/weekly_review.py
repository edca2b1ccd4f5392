"""Weekly review (home): one week against the ones before, what changed, what to do, the report."""

import streamlit as st

from dashboard import access, export
from dashboard.app import actions, cache, cards, filters, page, signin
from dashboard.present import text
from dashboard.review import alerts, notes, report, weekly

active = filters.current()
scope = {key: value for key, value in active.values().items() if key not in ("start", "end")}
run = cache.runner()
scores = cache.risk_scores()
as_of = cache.as_of()

choices = weekly.weeks_back(as_of)
labels = [week.label for week in choices]
default = weekly.default_week(as_of).label
wanted = st.query_params.get("week", default)
picked = st.selectbox(
    "Week",
    labels,
    index=labels.index(wanted) if wanted in labels else labels.index(default),
    format_func=lambda label: f"{label}  ({weekly.Week.parse(label).span})",
    key="review.week",
)
st.query_params["week"] = picked
week = weekly.Week.parse(picked)

page.begin(
    "weekly_review",
    title=f"Weekly review · {week.label}",
    caption=f"{week.span}, against {week.previous.label}. Data as of {as_of:%a %d %b %Y}. "
    "The sidebar's category, supplier and channel apply; its dates do not (the week does).",
)

held = cards.held()
orders_missing = weekly.needs(weekly.ORDER_DATA, held)
pos_missing = weekly.needs(weekly.PO_DATA, held)
if orders_missing and pos_missing:
    cards.requires(*weekly.ORDER_DATA, *weekly.PO_DATA)
    st.stop()
if orders_missing:
    scores = None  # revenue at risk is scored on open backorders

try:
    rules = alerts.load(alerts.DEFAULT_RULES) if alerts.DEFAULT_RULES.exists() else []
    groups = {name: cache.choices(source) for name, source in alerts.GROUP_SOURCES.items()}
    breaches = alerts.check(run, week, rules, groups, scope, scores)
except alerts.RulesError as exc:
    st.warning(f"Alert rules not checked: {exc}")
    breaches = []
if breaches:
    listed = "\n".join(f"- {breach}" for breach in breaches)
    st.warning(
        f"**{len(breaches)} alert(s) this week** (rules in `alerts.yaml`)\n\n{listed}",
        icon=":material/notifications_active:",
    )

st.download_button(
    "Download the meeting report (HTML)",
    lambda: report.build(run, week, as_of, scope, breaches, scores).html,
    file_name=f"weekly-review-{week.label}.html",
    mime="text/html",
    icon=":material/summarize:",
    key="review.report",
)

st.subheader("Headline")
values = weekly.tiles(run, week, scope, scores, held)
for row in range(0, len(values), 3):
    for column, item in zip(st.columns(3), values[row : row + 3], strict=False):
        column.metric(
            item.tile.label,
            weekly.fmt(item.tile.kind, item.value),
            delta=weekly.fmt_change(item.tile.kind, item.delta) or None,
            delta_color="normal" if item.tile.higher_is_better else "inverse",
            help=f"{item.tile.help}. Previous week: {weekly.fmt(item.tile.kind, item.previous)}.",
            chart_data=[v for v in item.series if v is not None] or None,
            chart_type="line",
            border=True,
        )
if orders_missing:
    st.caption(f"Backorder rate, fill rate, open backlog and its age: {orders_missing}")
elif pos_missing:
    st.caption(f"Supplier on-time rate: {pos_missing}")

if orders_missing:
    st.caption(f"Backlog charts and what changed: {orders_missing}")
else:
    history = weekly.trend(run, week, scope)
    marks = cards.annotations(history["week_start"].min(), week.end, active)
    left, right = st.columns(2)
    with left:
        st.markdown("**Open backorders at the end of each week**")
        st.altair_chart(weekly.backlog_chart(history, marks), width="stretch")
    with right:
        st.markdown("**Backorder rate and unit fill rate by week**")
        st.altair_chart(weekly.rate_chart(history, marks), width="stretch")
    with st.expander("Weekly figures (table and CSV)"):
        st.dataframe(history, width="stretch", hide_index=True)
        st.download_button("Download CSV", export.to_csv(history), f"kpis-{week.label}.csv", "text/csv")

    st.subheader("What changed")
    moved = weekly.movers(run, week, scope)
    money = st.column_config.NumberColumn(format="%,.0f")
    tabs = st.tabs(["Categories", "Suppliers", "SKUs", "Biggest cancellations"])
    for tab, dimension in zip(tabs, ("category", "supplier", "sku"), strict=False):
        with tab:
            frame = moved[dimension]
            if frame.empty:
                st.info("No change in the open backlog week over week.")
            st.dataframe(
                frame,
                width="stretch",
                hide_index=True,
                column_config={c: money for c in ("open_value_now", "open_value_before", "change_value")},
            )
    with tabs[3]:
        canceled = weekly.cancellations(run, week, scope)
        if canceled.empty:
            st.info("No backordered line was canceled this week.")
        st.dataframe(canceled, width="stretch", hide_index=True, column_config={"value": money})

st.markdown("**Newly flagged this week**")
flagged_left, flagged_right = st.columns(2)
with flagged_left:
    if pos_missing:
        st.caption(f"Supplier disruptions: {pos_missing}")
    else:
        disruptions = weekly.new_disruptions(run, week, scope)
        st.caption("Supplier disruptions (delays far above the supplier's own history)")
        if disruptions.empty:
            st.info("No new supplier disruption.")
        for row in disruptions.itertuples():
            st.page_link(
                "dashboard/app/pages/suppliers.py",
                label=f"{row.supplier_name}: late since {row.period_start:%d %b}, "
                f"{row.median_delay_days:.0f} days median",
                icon=":material/local_shipping:",
                query_params={"supplier": row.supplier_id},
            )

with flagged_right:
    if orders_missing:
        st.caption(f"Demand spikes: {orders_missing}")
    else:
        spikes = weekly.new_spikes(run, week, scope)
        st.caption("Demand spikes (last 4 weeks far above the SKU's 12-week baseline)")
        if spikes.empty:
            st.info("No new demand spike.")
        for row in spikes.itertuples():
            st.page_link(
                "dashboard/app/pages/demand_signal.py",
                label=f"{row.sku} {row.product_name}: demand x{row.ratio:.1f}, "
                f"{row.backorder_ratio:.0%} backordered",
                icon=":material/trending_up:",
                query_params={"category": row.category},
            )

st.subheader("Actions for the week")
chase, expedite = st.columns(2)
with chase:
    if pos_missing:
        st.caption(f"Suppliers to chase: {pos_missing}")
    else:
        st.markdown("**Suppliers to chase** (open PO lines past promise holding up backorders, as of today)")
        chased = weekly.suppliers_to_chase(run, scope)
        if chased.empty:
            st.info("No open PO line is holding up a backorder.")
        for row in chased.itertuples():
            st.page_link(
                "dashboard/app/pages/suppliers.py",
                label=f"{row.call_rank}. {row.supplier_name}: {row.po_lines_past_promise} POs late, "
                f"{row.waiting_lines} lines waiting ({row.waiting_value:,.0f})",
                help=f"{row.po_lines_past_promise} open PO lines past their promised date; "
                f"{row.waiting_lines} customer lines worth {row.waiting_value:,.0f} wait on this "
                "supplier's open PO lines",
                query_params={"supplier": row.supplier_id},
            )

with expedite:
    if orders_missing:
        st.caption(f"SKUs to expedite: {orders_missing}")
    else:
        st.markdown(
            "**SKUs to expedite or reorder** (restock priority by revenue at risk at the end of the week)"
        )
        ranked = weekly.skus_to_expedite(run, week, scope, scores=scores)
        if ranked.empty:
            st.info("No backordered SKU at the end of the week.")
        for row in ranked.itertuples():
            st.page_link(
                "dashboard/app/pages/demand_signal.py",
                label=f"{row.sku} {row.product_name}: {row.waiting_customers} customers waiting",
                query_params={"category": row.category},
            )

if orders_missing:
    st.caption(f"Projected stock-outs: {orders_missing}")
else:
    st.markdown(f"**{weekly.PROJECTED_STOCKOUTS.label}** (projected at the end of the week, soonest first)")
    projected = weekly.projected_stockouts(run, week, scope)
    if projected is None or projected.empty:
        st.info("No projection for this week." if projected is None else "No SKU is projected to go short.")
    else:
        for row in projected.itertuples():
            st.page_link(
                "dashboard/app/pages/outlook.py",
                label=f"{row.sku} {row.product_name}: short from {row.stockout_date:%a %d %b}, "
                f"{row.units_short:,} units ({row.value_short:,.0f})",
                icon=":material/query_stats:",
                query_params={"supplier": row.supplier_id},
            )

if orders_missing:
    st.caption(f"Customers to notify: {orders_missing}")
else:
    st.markdown("**Customers to notify** (delay notices due, as of today)")
    notices = weekly.customers_to_notify(run, scope)
    if notices.empty:
        st.info("No delay notice is due.")
    else:
        late = int(notices["days_late"].notna().sum())
        st.page_link(
            "dashboard/app/pages/cancellation_risk.py",
            label=f"{len(notices):,} orders of {notices['customer_id'].nunique():,} customers are due a "
            f"delay notice: {late:,} with a new ETA past the promise, "
            f"{len(notices) - late:,} with no confirmed date",
            icon=":material/mail:",
            query_params={name: value for name, value in scope.items() if value},
        )

st.subheader("Notes for this week")
who = signin.identity()
writer = who.may(access.Action.NOTE)
for note in notes.between(week.start, week.end):
    shown, remove = st.columns([6, 1])
    by = f" by {text.plain(note.author)}" if note.author else ""
    shown.markdown(f"{text.plain(note.text)}  \n:gray[added {note.added_at:%d %b %H:%M}{by}]")
    if writer and remove.button("Delete", key=f"note.delete.{note.id}"):
        actions.delete_note(note, who)
        st.rerun()
if writer:
    with st.form("note.add", clear_on_submit=True, border=False):
        written = st.text_area(
            "Add a note (shown on every time chart and in the report)", max_chars=notes.MAX_LENGTH
        )
        if st.form_submit_button("Add note") and written.strip():
            actions.add_note(week.start, written, who)
            st.rerun()
