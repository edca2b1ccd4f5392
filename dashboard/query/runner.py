"""The one way to run a query file by id: found in queries/, bound against the as-of date, run by DuckDB.

The command line, the weekly review, the report, the risk model and the app all run queries through
`on(...)`; the app passes a caching `execute` (dashboard/app/cache.py), so every caller binds the
same values the same way and only the app remembers results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
import pandas as pd

from dashboard.query import catalog

# A query by id (or file), or one already found, e.g. a page's card.
Runner = Callable[[str | catalog.Query, Mapping[str, Any]], pd.DataFrame]
Execute = Callable[[catalog.Query, Mapping[str, Any]], pd.DataFrame]


def on(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date | None = None,
    execute: Execute | None = None,
    queries: list[catalog.Query] | None = None,
) -> Runner:
    """A runner over one warehouse: query id (or file) and values in, rows out.

    `execute` runs a found query with its bound parameters (default: straight on `con`);
    the files are listed once, when an id is first asked for, so a runner reused across a page does
    not rescan queries/ for every card."""
    day = as_of or catalog.as_of(con)
    listed: dict[str, catalog.Query] = {}

    def find(query_id: str) -> catalog.Query:
        if not listed:
            found = catalog.discover() if queries is None else queries
            listed.update((q.id, q) for q in found if not q.error)
        return listed.get(query_id) or catalog.find(query_id)

    def run_plain(query: catalog.Query, params: Mapping[str, Any]) -> pd.DataFrame:
        return catalog.run(con, query, params)

    perform = execute or run_plain

    def run(wanted: str | catalog.Query, values: Mapping[str, Any]) -> pd.DataFrame:
        query = wanted if isinstance(wanted, catalog.Query) else find(wanted)
        if query.error:
            raise catalog.QueryError(query.error)
        return perform(query, catalog.bind(query, values, day))

    return run
