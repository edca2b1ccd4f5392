"""Weekly review (home): one week against the ones before, what changed, what to do, the report."""

import streamlit as st

from dashboard import access, settings
from dashboard.app import actions, cache, cards, filters, page, signin, vega
from dashboard.present import formats, palette, text
from dashboard.query import catalog
from dashboard.review import alerts, notes, report, targets, weekly

active = filters.current()
scope = {key: value for key, value in active.values().items() if key not in ("start", "end")}
run = cache.runner()
scores = cache.risk_scores()
as_of = cache.as_of()

choices = weekly.weeks_back(as_of)
labels = [week.label for week in choices]
default = weekly.default_week(as_of).label
wanted = st.query_params.get("week", default)
title, picker = st.columns([3, 1], vertical_alignment="bottom")
with picker:
    picked = st.selectbox(
        "Week",
        labels,
        index=labels.index(wanted) if wanted in labels else labels.index(default),
        format_func=lambda label: f"{label}  ({weekly.Week.parse(label).span})",
        key="review.week",
    )
st.query_params["week"] = picked
week = weekly.Week.parse(picked)
with title:
    page.begin("weekly_review", title=f"Weekly review · {week.label}")

held = cards.held()
orders_missing = weekly.needs(weekly.ORDER_DATA, held)
pos_missing = weekly.needs(weekly.PO_DATA, held)
if orders_missing and pos_missing:
    cards.requires(*weekly.ORDER_DATA, *weekly.PO_DATA)
    st.stop()
if orders_missing:
    scores = None  # revenue at risk is scored on open backorders

try:
    goals = targets.load(weekly.METRICS)
except settings.SettingsError as exc:
    st.warning(f"Targets not shown: {exc}")
    goals = {}
with st.spinner("Scoring the open backorders for revenue at risk..."):
    values = weekly.tiles(run, week, scope, scores, held=held, goals=goals)
st.markdown(f"#### {weekly.verdict(values)}")
st.caption(
    f"{week.span} against {week.previous.label} · data as of {as_of:%a %d %b %Y} · the sidebar's "
    "category, supplier and channel apply, its dates do not"
    + (f" · {note}" if (note := weekly.measured_note(week, as_of)) else "")
)

TILES_PER_ROW = 6
week_filters = {"start": week.start.isoformat(), "end": week.end.isoformat(), **scope}
for row in range(0, len(values), TILES_PER_ROW):
    for column, item in zip(st.columns(TILES_PER_ROW), values[row : row + TILES_PER_ROW], strict=False):
        tile = column.container(border=True)
        colour = {True: palette.STREAMLIT_GOOD, False: palette.STREAMLIT_BAD}.get(
            item.good, palette.STREAMLIT_NEUTRAL
        )
        tile.metric(
            item.tile.heading,
            weekly.fmt(item.tile.kind, item.value, compact=True),
            delta=weekly.fmt_change(item.tile.kind, item.delta) or None,
            delta_color=colour,
            help=f"**{item.tile.label}**: {item.tile.help}. This week: "
            f"{weekly.fmt(item.tile.kind, item.value)}; previous week: "
            f"{weekly.fmt(item.tile.kind, item.previous)}.",
            chart_data=[v for v in item.series if v is not None] or None,
            chart_type="line",
        )
        if item.met is not None:
            colour, mark = (palette.STREAMLIT_GOOD, "✓") if item.met else (palette.STREAMLIT_BAD, "✗")
            tile.caption(f":{colour}[{mark} {item.target_text}]")
        explained_by = weekly.EXPLAINED_BY[item.tile.key]
        tile.page_link(
            f"dashboard/app/pages/{explained_by}.py",
            label="Explain",
            icon=":material/arrow_forward:",
            help=f"The {explained_by.replace('_', ' ')} page for this week and these filters",
            query_params={name: value for name, value in week_filters.items() if value},
        )
if orders_missing:
    st.caption(f"Backorder rate, fill rate, open backlog and its age: {orders_missing}")
elif pos_missing:
    st.caption(f"Supplier on-time rate: {pos_missing}")

try:
    rules = alerts.load(alerts.DEFAULT_RULES) if alerts.DEFAULT_RULES.exists() else []
    groups = {name: cache.choices(source) for name, source in alerts.GROUP_SOURCES.items()}
    names = {"supplier": cache.labels("suppliers.supplier_id", "suppliers.supplier_name")}
    breaches = alerts.check(run, week, rules, groups, scope, scores, names)
except alerts.RulesError as exc:
    st.warning(f"Alert rules not checked: {exc}")
    breaches = []
if breaches:
    with st.expander(f"**{len(breaches)} alert(s) this week**", icon=":material/notifications_active:"):
        st.markdown("\n".join(f"- {breach}" for breach in breaches))
        st.caption("Rules in `alerts.yaml`; targets in the settings file.")

st.download_button(
    "Download the meeting report (HTML)",
    lambda: report.build(run, week, as_of, scope, breaches, scores, goals).html,
    file_name=f"weekly-review-{week.label}.html",
    mime="text/html",
    icon=":material/summarize:",
    key="review.report",
)

if orders_missing:
    st.caption(f"Backlog charts and what changed: {orders_missing}")
else:
    history = weekly.trend(run, week, scope)
    marks = cards.annotations(history["week_start"].min(), week.end, active)
    trend_query = catalog.find("kpi_trend")
    left, right = st.columns(2)
    with left:
        st.markdown("**Open backorders at the end of each week**")
        vega.show(weekly.backlog_chart(history, marks, columns=trend_query.columns))
    with right:
        st.markdown("**Backorder rate and unit fill rate by week**")
        vega.show(weekly.rate_chart(history, marks))
    with st.expander("Weekly figures (table and CSV)"):
        cards.dataframe(history, trend_query)
        cards.csv_download(history, f"kpis-{week.label}.csv", "review.trend.download")

    st.subheader("What changed")
    moved = weekly.movers(run, week, scope)
    movers_query = catalog.find("backlog_movers")
    tabs = st.tabs(["Categories", "Suppliers", "SKUs", "Biggest cancellations"])
    for tab, dimension in zip(tabs, ("category", "supplier", "sku"), strict=False):
        with tab:
            frame = moved[dimension]
            if frame.empty:
                st.info("No change in the open backlog week over week.")
            cards.dataframe(frame, movers_query)
    with tabs[3]:
        canceled = weekly.cancellations(run, week, scope)
        if canceled.empty:
            st.info("No backordered line was canceled this week.")
        cards.dataframe(canceled, catalog.find("cancellations"))

st.markdown("**Newly flagged this week**")
flagged_left, flagged_right = st.columns(2)
with flagged_left:
    cards.link_list(
        "Supplier disruptions",
        "delays far above the supplier's own history",
        pos_missing,
        lambda: weekly.new_disruptions(run, week, scope),
        "No new supplier disruption.",
        lambda row: {
            "page": "dashboard/app/pages/suppliers.py",
            "label": f"{row.supplier_name}: late since {row.period_start:%d %b}, "
            f"{row.median_delay_days:.0f} days median",
            "icon": ":material/local_shipping:",
            "query_params": {"supplier": row.supplier_id},
        },
    )
with flagged_right:
    cards.link_list(
        "Demand spikes",
        "last 4 weeks far above the SKU's 12-week baseline",
        orders_missing,
        lambda: weekly.new_spikes(run, week, scope),
        "No new demand spike.",
        lambda row: {
            "page": "dashboard/app/pages/demand_signal.py",
            "label": f"{row.sku} {row.product_name}: demand x{row.ratio:.1f}, "
            f"{row.backorder_ratio:.0%} backordered",
            "icon": ":material/trending_up:",
            "query_params": {"category": row.category},
        },
    )

st.subheader("Actions for the week")
chase, expedite = st.columns(2)
with chase:
    cards.link_list(
        "Suppliers to chase",
        "open PO lines past promise holding up backorders, as of today",
        pos_missing,
        lambda: weekly.suppliers_to_chase(run, scope),
        "No open PO line is past its promise.",
        lambda row: {
            "page": "dashboard/app/pages/suppliers.py",
            "label": f"{row.call_rank}. {row.supplier_name}: "
            + weekly.chase_words(
                row.supplier_lines_past_promise,
                row.supplier_waiting_lines_past_promise,
                formats.value("money", row.supplier_waiting_value_past_promise),
            ),
            "help": "Lines waiting on this supplier's PO lines that are not due yet are not counted.",
            "query_params": {"supplier": row.supplier_id},
        },
    )
with expedite:
    cards.link_list(
        "SKUs to expedite or reorder",
        "restock priority by revenue at risk at the end of the week",
        orders_missing,
        lambda: weekly.skus_to_expedite(run, week, scope, scores=scores),
        "No backordered SKU at the end of the week.",
        lambda row: {
            "page": "dashboard/app/pages/demand_signal.py",
            "label": f"{row.sku} {row.product_name}: {row.waiting_customers} customers waiting",
            "query_params": {"category": row.category},
        },
    )

cards.link_list(
    weekly.PROJECTED_STOCKOUTS.label,
    "projected at the end of the week, soonest first",
    orders_missing,
    lambda: weekly.projected_stockouts(run, week, scope),
    "No SKU is projected to go short.",
    lambda row: {
        "page": "dashboard/app/pages/outlook.py",
        "label": f"{row.sku} {row.product_name}: short from {row.stockout_date:%a %d %b}, "
        f"{row.units_short:,} units ({formats.value('money', row.value_short)})",
        "icon": ":material/query_stats:",
        "query_params": {"supplier": row.supplier_id},
    },
    absent="No projection for this week.",
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
