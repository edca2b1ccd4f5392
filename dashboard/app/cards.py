"""A query shown as a card: its widgets, chart, table, SQL and download. Pages are lists of cards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import export
from dashboard.app import cache
from dashboard.app.filters import Filters
from dashboard.present import charts
from dashboard.query import catalog, limits
from dashboard.review import weekly


def widgets(query: catalog.Query, prefix: str = "") -> dict[str, Any]:
    """One widget per parameter that does not follow the sidebar; keys are `{query.id}.{param}`."""
    values: dict[str, Any] = {}
    as_of = cache.as_of()
    for param in query.local_params:
        key = f"{prefix}{query.id}.{param.name}"
        label = param.label or param.name.replace("_", " ").capitalize()
        default = None if param.default is None else catalog.coerce(param, param.default, as_of)
        if param.type == "date":
            values[param.name] = st.date_input(label, value=default, key=key, help=param.help)
        elif param.type == "int":
            values[param.name] = st.number_input(label, value=default, step=1, key=key, help=param.help)
        elif param.type == "float":
            values[param.name] = st.number_input(label, value=default, key=key, help=param.help)
        elif param.type == "bool":
            values[param.name] = st.checkbox(label, value=bool(default), key=key, help=param.help)
        elif param.type == "choice":
            options = list(param.options) or cache.choices(param.source)
            if param.optional:
                options = [None, *options]
            index = options.index(default) if default in options else 0
            values[param.name] = st.selectbox(
                label,
                options,
                index=index,
                key=key,
                help=param.help,
                format_func=lambda v: "All" if v is None else str(v),
            )
        else:
            values[param.name] = st.text_input(label, value=default or "", key=key, help=param.help)
    return values


def error(query: catalog.Query, message: str) -> None:
    st.error(f"**{query.file}** could not run.\n\n{message}", icon=":material/error:")


def load(query: catalog.Query, filters: Filters, values: dict[str, Any] | None = None) -> pd.DataFrame | None:
    """The query's rows for the page's filters, or None after showing an error card."""
    if query.error:
        error(query, query.error)
        return None
    try:
        return cache.run(query, {**filters.values(), **(values or {})})
    except catalog.QueryError as exc:
        error(query, str(exc))
        return None


def annotations(start: Any, end: Any, filters: Filters | None = None) -> pd.DataFrame:
    scope = {k: v for k, v in (filters.values() if filters else {}).items() if k not in ("start", "end")}
    return weekly.annotations(cache.runner(), start, end, scope)


def chart_annotations(
    query: catalog.Query, frame: pd.DataFrame, filters: Filters | None
) -> pd.DataFrame | None:
    if not query.chart or not charts.is_temporal(query.chart) or frame.empty:
        return None
    column = pd.to_datetime(frame[charts.x_field(query.chart)])
    return annotations(column.min(), column.max(), filters)


def capped(frame: pd.DataFrame, query: catalog.Query | None = None) -> pd.DataFrame:
    """At most `queries.max_rows_shown` rows go to a browser; the CLI has the rest."""
    limit = limits.load().max_rows_shown
    if len(frame) <= limit:
        return frame
    command = f"`python -m dashboard query {query.id}`" if query else "the command line"
    st.caption(f"Showing the first {limit:,} of {len(frame):,} rows; {command} gives them all.")
    return frame.head(limit)


def csv_download(frame: pd.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
    """Text cells that a spreadsheet would run as formulas are neutralised (dashboard/export.py)."""
    st.download_button(
        label,
        export.to_csv(frame.head(limits.load().max_rows_shown)),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def show(query: catalog.Query, frame: pd.DataFrame, prefix: str = "", filters: Filters | None = None) -> None:
    """Chart first when the header asks for one; the table, SQL and CSV are one click away."""
    if frame.empty:
        st.info("No rows for the current filters.", icon=":material/filter_alt_off:")
    chart = query.chart if not frame.empty else None  # an empty chart would draw a meaningless axis
    names = (["Chart"] if chart else []) + ["Table", "SQL"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    if chart:
        with tabs["Chart"]:
            try:
                marks = chart_annotations(query, frame, filters)
                st.altair_chart(charts.from_spec(frame, query.chart, marks), width="stretch")
            except charts.TooManyRows as exc:
                st.warning(str(exc))
    with tabs["Table"]:
        shown = capped(frame, query)
        st.dataframe(shown, width="stretch", hide_index=True)
        csv_download(shown, f"{query.id}.csv", f"{prefix}{query.id}.download")
    with tabs["SQL"]:
        st.caption(query.file)
        st.code(query.text, language="sql")


def show_built(
    query: catalog.Query,
    frame: pd.DataFrame,
    views: Mapping[str, Any] | None = None,
    prefix: str = "",
    column_config: Mapping[str, Any] | None = None,
    styled: Any = None,
    table_first: bool = False,
    column_order: list[str] | None = None,
) -> None:
    """Like show(), for charts a page built itself (charts.py): one tab per named chart, then the
    table (column_config, or a pandas Styler for conditional colours) with its CSV, then the SQL."""
    if frame.empty:
        st.info("No rows for the current filters.", icon=":material/filter_alt_off:")
    built = {name: chart for name, chart in (views or {}).items() if chart is not None}
    names = list(built)
    names = ["Table", *names, "SQL"] if table_first else [*names, "Table", "SQL"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    for name, chart in built.items():
        with tabs[name]:
            st.altair_chart(chart, width="stretch")
    with tabs["Table"]:
        st.dataframe(
            frame if styled is None else styled,
            width="stretch",
            hide_index=True,
            column_config=dict(column_config) if column_config else None,
            column_order=column_order,
        )
        csv_download(frame, f"{query.id}.csv", f"{prefix}{query.id}.download")
    with tabs["SQL"]:
        st.caption(query.file)
        st.code(query.text, language="sql")


def card(query: catalog.Query, filters: Filters, prefix: str = "") -> pd.DataFrame | None:
    with st.container(border=True):
        st.markdown(f"#### {query.title}")
        if query.description:
            st.caption(query.description)
        values = widgets(query, prefix) if not query.error else {}
        frame = load(query, filters, values)
        if frame is not None:
            show(query, frame, prefix, filters)
        return frame


def held() -> set[str]:
    """The canonical tables that hold rows, so a page shows the sections its data can fill."""
    counts = cache.run(catalog.find("tables"), {})
    return {table for table, rows in zip(counts["table_name"], counts["row_count"], strict=True) if rows}


def requires(*tables: str) -> bool:
    """Tell the user which data a page needs when its tables are empty, instead of failing."""
    have = held()
    missing = [table for table in tables if table not in have]
    if missing:
        needed = ", ".join(f"`{t}`" for t in missing)
        st.info(
            f"This page needs data in {needed}, and the warehouse has none. Load it with "
            "`python -m dashboard load DIR` (see the README); the Data page shows what is loaded.",
            icon=":material/dataset:",
        )
    return not missing


def page_cards(page: str, filters: Filters, skip: Iterable[str] = ()) -> None:
    """The folder's cards a page's layout did not already show, in file-name order,
    so an analyst's new file just appears on the page."""
    shown = set(skip)
    extra = [query for query in catalog.for_page(page) if query.id not in shown]
    if extra and shown:
        st.subheader("More from this page's queries")
    for query in extra:
        card(query, filters)
