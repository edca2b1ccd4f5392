"""What an analysis page shows until its issue lands: its question, and any cards already in its folder."""

import streamlit as st

from dashboard import cards, catalog, filters


def page(folder: str, title: str, question: str) -> None:
    st.title(title)
    st.caption(question)
    st.info(
        f"This page is not built yet. Any query saved in `queries/{folder}/` appears here as a card.",
        icon=":material/construction:",
    )
    active = filters.current()
    for query in catalog.for_page(folder):
        cards.card(query, active)
