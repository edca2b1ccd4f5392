"""Weekly review (home): one week against the ones before, what changed, what to do, the report."""

import streamlit as st

from dashboard import alerts, cache, cards, filters, notes, report, review

active = filters.current()
scope = {key: value for key, value in active.values().items() if key not in ("start", "end")}
run = cache.runner()
as_of = cache.as_of()

choices = review.weeks_back(as_of)
labels = [week.label for week in choices]
default = review.default_week(as_of).label
wanted = st.query_params.get("week", default)
picked = st.selectbox(
    "Week",
    labels,
    index=labels.index(wanted) if wanted in labels else labels.index(default),
    format_func=lambda label: f"{label}  ({review.Week.parse(label).span})",
    key="review.week",
)
st.query_params["week"] = picked
week = review.Week.parse(picked)

st.title(f"Weekly review · {week.label}")
st.caption(
    f"{week.span}, against {week.previous.label}. Data as of {as_of:%a %d %b %Y}. "
    "The sidebar's category, supplier and channel apply; its dates do not (the week does)."
)

if not cards.requires("orders", "order_lines"):
    st.stop()

try:
    rules = alerts.load(alerts.DEFAULT_RULES) if alerts.DEFAULT_RULES.exists() else []
    groups = {name: cache.choices(source) for name, source in alerts.GROUP_SOURCES.items()}
    breaches = alerts.check(run, week, rules, groups, scope)
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
    lambda: report.build(run, week, as_of, scope, breaches).html,
    file_name=f"weekly-review-{week.label}.html",
    mime="text/html",
    icon=":material/summarize:",
    key="review.report",
)

st.subheader("Headline")
values = review.tiles(run, week, scope)
for row in range(0, len(values), 4):
    for column, item in zip(st.columns(4), values[row : row + 4], strict=False):
        column.metric(
            item.tile.label,
            review.fmt(item.tile.kind, item.value),
            delta=review.fmt_change(item.tile.kind, item.delta) or None,
            delta_color="normal" if item.tile.higher_is_better else "inverse",
            help=f"{item.tile.help}. Previous week: {review.fmt(item.tile.kind, item.previous)}.",
            chart_data=[v for v in item.series if v is not None] or None,
            chart_type="line",
            border=True,
        )

history = review.trend(run, week, scope)
marks = cards.annotations(history["week_start"].min(), week.end, active)
left, right = st.columns(2)
with left:
    st.markdown("**Open backorders at the end of each week**")
    st.altair_chart(review.backlog_chart(history, marks), width="stretch")
with right:
    st.markdown("**Backorder rate and unit fill rate by week**")
    st.altair_chart(review.rate_chart(history, marks), width="stretch")
with st.expander("Weekly figures (table and CSV)"):
    st.dataframe(history, width="stretch", hide_index=True)
    st.download_button("Download CSV", history.to_csv(index=False), f"kpis-{week.label}.csv", "text/csv")

st.subheader("What changed")
moved = review.movers(run, week, scope)
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
    canceled = review.cancellations(run, week, scope)
    if canceled.empty:
        st.info("No backordered line was canceled this week.")
    st.dataframe(canceled, width="stretch", hide_index=True, column_config={"value": money})

st.subheader("Notes for this week")
for note in notes.between(week.start, week.end):
    text, remove = st.columns([6, 1])
    text.markdown(f"{note.text}  \n:gray[added {note.added_at:%d %b %H:%M}]")
    if remove.button("Delete", key=f"note.delete.{note.id}"):
        notes.delete(note.id)
        st.rerun()
with st.form("note.add", clear_on_submit=True, border=False):
    written = st.text_area(
        "Add a note (shown on every time chart and in the report)", max_chars=notes.MAX_LENGTH
    )
    if st.form_submit_button("Add note") and written.strip():
        notes.add(week.start, written)
        st.rerun()
