"""Data page: what is in the warehouse and how fresh it is."""

import streamlit as st

from dashboard import cards, catalog, filters

st.title("Data")
active = filters.current()
info = cards.load(catalog.find("load_info"), active)
if info is not None and not info.empty:
    row = info.iloc[0]
    left, middle, right = st.columns(3)
    left.metric("As-of date (latest event)", f"{row['as_of']:%Y-%m-%d}")
    middle.metric("Loaded", f"{row['loaded_at']:%Y-%m-%d %H:%M}")
    right.metric("Source", str(row["source"]).rsplit("/", 1)[-1] or "-", help=str(row["source"]))
cards.card(catalog.find("tables"), active)
st.caption("Load your own files with `python -m dashboard load DIR` (see the README).")
