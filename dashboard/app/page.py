"""The preamble every page runs first: its title, and a stop with a clear message when the
warehouse lacks the tables the registry says it needs or the query files its layout shows."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from dashboard import registry
from dashboard.app import cards
from dashboard.query import catalog


def begin(
    name: str, *, caption: str | None = None, title: str | None = None, shown: Iterable[str] = ()
) -> dict[str, catalog.Query]:
    """Title the page (its registry title unless `title` says more), caption it, and stop the
    script when its tables are empty or a query file in `shown` is missing.

    Returns the page folder's queries by id, so the page picks its cards from them.
    """
    page = registry.page(name)
    st.title(title or page.title)
    if caption:
        st.caption(caption)
    if page.needs and not cards.requires(*page.needs):
        st.stop()
    found = {query.id: query for query in catalog.for_page(page.queries)} if page.queries else {}
    missing = [query_id for query_id in shown if query_id not in found]
    if missing:
        listed = ", ".join(f"{query_id}.sql" for query_id in missing)
        st.error(f"Missing query files in `queries/{page.queries}/`: {listed}")
        st.stop()
    return found
