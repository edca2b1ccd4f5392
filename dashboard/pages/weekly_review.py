"""Weekly review (home) page."""

import streamlit as st

from dashboard import cards, catalog, filters

st.title("Weekly review")
st.info(
    "The weekly review (week picker, tiles with week-over-week change, what changed, actions, report) "
    "is not built yet. Meanwhile, the headline KPIs for the sidebar's period:",
    icon=":material/construction:",
)
cards.card(catalog.find("kpis"), filters.current())
