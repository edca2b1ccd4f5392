"""Query library: every query file, runnable with its own parameters."""

import pandas as pd
import streamlit as st

from dashboard.app import cards, filters, page
from dashboard.query import catalog

page.begin(
    "query_library",
    caption="Every `.sql` file under `queries/`. Save a new file there and it appears here on the next "
    "rerun; files in a page's folder are also cards on that page.",
)
queries = catalog.discover()
broken = [q for q in queries if q.error]
for query in broken:
    cards.error(query, query.error)

listing = pd.DataFrame(
    {
        "file": [q.file for q in queries],
        "title": [q.title for q in queries],
        "page": [q.page or "library" for q in queries],
        "description": [q.description for q in queries],
        "status": ["error" if q.error else "ok" for q in queries],
    }
)
cards.dataframe(listing)

runnable = [q for q in queries if not q.error]
by_id = {q.id: q for q in runnable}
wanted = st.query_params.get("q")
ids = list(by_id)
if ids:
    chosen = st.selectbox(
        "Run a query",
        ids,
        index=ids.index(wanted) if wanted in by_id else 0,
        format_func=lambda i: f"{by_id[i].title}  ({by_id[i].file})",
        key="library.query",
    )
    st.query_params["q"] = chosen
    cards.card(by_id[chosen], filters.current(), prefix="library.")
