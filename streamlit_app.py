"""Backorder Desk: page config, first-start warehouse, global filters and navigation."""

import streamlit as st

from dashboard.app import filters, first_start

st.set_page_config(page_title="Backorder Desk", page_icon=":material/inventory_2:", layout="wide")

first_start.ensure_warehouse()

pages = {
    "Review": [
        st.Page(
            "dashboard/app/pages/weekly_review.py",
            title="Weekly review",
            icon=":material/event_note:",
            default=True,
        ),
    ],
    "Analysis": [
        st.Page("dashboard/app/pages/backorders.py", title="Backorders", icon=":material/pending_actions:"),
        st.Page("dashboard/app/pages/suppliers.py", title="Suppliers", icon=":material/local_shipping:"),
        st.Page("dashboard/app/pages/demand_signal.py", title="Demand signal", icon=":material/trending_up:"),
        st.Page(
            "dashboard/app/pages/cancellation_risk.py",
            title="Cancellation risk",
            icon=":material/person_cancel:",
        ),
    ],
    "Data": [
        st.Page(
            "dashboard/app/pages/query_library.py", title="Query library", icon=":material/database_search:"
        ),
        st.Page("dashboard/app/pages/data.py", title="Data", icon=":material/database:"),
    ],
}
page = st.navigation(pages)
filters.sidebar()
page.run()
