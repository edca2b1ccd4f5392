"""Backorder Desk: page config, first-start warehouse, global filters and navigation."""

import logging

import streamlit as st

from dashboard import registry
from dashboard.app import actions, filters, first_start, reruns, signin
from dashboard.present import text

st.set_page_config(page_title="Backorder Desk", page_icon=":material/inventory_2:", layout="wide")

who = signin.current()

first_start.ensure_warehouse()

pages = {
    section: [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=p.default)
        for p in registry.PAGES
        if p.section == section
    ]
    for section in registry.SECTIONS
}
page = st.navigation(pages)
signin.sidebar(who)
with reruns.timed(page.url_path or "weekly_review"):
    filters.sidebar()
    actions.show_refusal()
    try:
        page.run()
    except Exception as exc:  # a page's failure is one line for the person, the stack only in the server log
        logging.getLogger("backorder_desk").exception("page %s failed", page.title)
        st.error(f"This page could not be shown: {text.one_line(exc)}", icon=":material/error:")
