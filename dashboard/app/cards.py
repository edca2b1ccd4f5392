"""A query shown as a card: its widgets, chart, table, SQL and download. Pages are lists of cards."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import export
from dashboard.app import cache, vega
from dashboard.app.filters import Filters
from dashboard.present import charts, formats
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


NUMBER_FORMATS = {
    "integer": "%,.0f",
    "decimal": "%,.2f",
    "percent": "percent",
    "days": "%,.1f",
}
DATE_FORMAT = "DD MMM YYYY"  # as formats.DATE ("%d %b %Y"), so text and date cells agree
DATETIME_FORMAT = "DD MMM YYYY HH:mm"  # as formats.DATETIME
CSV_NOTE = "The CSV keeps the raw column names and values, for analysts."


def column(name: str, series: pd.Series | None, columns: Mapping[str, catalog.Column]) -> Any:
    """One column's Streamlit config from the query header (or, undeclared, from its type)."""
    fmt = formats.kind(name, series, columns)
    heading = formats.label(name, columns)
    tip = (columns.get(name) or catalog.Column()).help
    if fmt == "money":
        if series is not None and bool((series < 0).any()):  # Streamlit would print "$-3,597"
            return st.column_config.NumberColumn(
                f"{heading} ({formats.currency()})", help=tip, format="%,.0f"
            )
        return st.column_config.NumberColumn(heading, help=tip, format=f"{formats.currency()}%,.0f")
    if fmt == "days" and series is not None and pd.api.types.is_integer_dtype(series):
        return st.column_config.NumberColumn(heading, help=tip, format="%,.0f")
    if fmt in NUMBER_FORMATS:
        return st.column_config.NumberColumn(heading, help=tip, format=NUMBER_FORMATS[fmt])
    if fmt == "date":
        return st.column_config.DateColumn(heading, help=tip, format=DATE_FORMAT)
    if fmt == "datetime":
        return st.column_config.DatetimeColumn(heading, help=tip, format=DATETIME_FORMAT)
    if fmt == "bool":
        return st.column_config.CheckboxColumn(heading, help=tip)
    return st.column_config.TextColumn(heading, help=tip)


def table_config(
    query: catalog.Query | None, frame: pd.DataFrame, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Labels and formats for every column of a table: the query's `columns:` header, then what a
    page sets for its own layout (width, progress bars) on top."""
    declared = query.columns if query else {}
    config = {name: column(name, frame[name], declared) for name in frame.columns}
    for name, extra in (overrides or {}).items():
        config[name] = _merge(config.get(name), extra)
    for name in gaps(frame):  # shown as text by readable(): keep the page's label and width
        if isinstance(config.get(name), dict):
            text = _text_column(name, frame, declared)
            config[name] = {
                **config[name],
                "type_config": text["type_config"],
                "alignment": text["alignment"],
            }
    return config


def _merge(base: Any, extra: Any) -> Any:
    """A page's setting on top of the header's: what the page leaves unset (None) is kept, so a
    page that only sets a width still gets the label and format; a string is just a label."""
    if isinstance(extra, str) and isinstance(base, dict):
        return {**base, "label": extra}
    if not (isinstance(base, dict) and isinstance(extra, dict)):
        return extra
    merged = {**base, **{k: v for k, v in extra.items() if v is not None and k != "type_config"}}
    mine, theirs = base.get("type_config") or {}, extra.get("type_config") or {}
    if theirs.get("type") == mine.get("type"):
        theirs = {**mine, **{k: v for k, v in theirs.items() if v is not None}}
    merged["type_config"] = theirs or mine
    return merged


def gaps(frame: pd.DataFrame) -> list[str]:
    """Number and date columns with missing values, which Streamlit would draw as "None"."""
    return [name for name in frame.columns if frame[name].dtype != object and frame[name].isna().any()]


def readable(frame: pd.DataFrame, query: catalog.Query | None = None, styler: Any = None) -> Any:
    """The table as Streamlit should draw it: an empty value is an empty cell, never None, NaT or
    nan. Streamlit draws every missing value as "None", so a number or date column with gaps is
    shown as its formatted text instead (the CSV keeps the values); a page's Styler keeps its
    colours, computed on the values. A Styler built on more rows than `frame` (the page's table
    before `capped` cut it) keeps the colours of the rows shown, and never sends the others."""
    holes = gaps(frame)
    text = [name for name in frame.columns if frame[name].dtype == object and frame[name].isna().any()]
    cut = styler is not None and len(styler.data) != len(frame)
    if not holes and not text and not cut:
        return frame if styler is None else styler
    declared = query.columns if query else {}
    money = formats.currency()
    shown = frame.assign(
        **{name: frame[name].astype("string").fillna("") for name in text},
        **{name: _as_text(frame[name], formats.kind(name, frame[name], declared), money) for name in holes},
    )
    if styler is None:
        return shown
    try:  # the page's colours, computed on the values, laid over the text
        styler._compute()
        css = pd.DataFrame("", index=range(len(frame)), columns=range(len(frame.columns)))
        for (row, column), props in styler.ctx.items():
            if row < len(frame):
                css.iat[row, column] = "; ".join(f"{key}: {value}" for key, value in props)
        css.index, css.columns = shown.index, shown.columns
        return shown.style.apply(lambda _: css, axis=None)
    except (AttributeError, IndexError, ValueError):
        return shown if cut else styler


def _as_text(series: pd.Series, fmt: str | None, money: str) -> list[str]:
    """A column's values as formatted text, its format read once rather than for every cell."""
    return [formats.value(fmt, v, money) for v in series.tolist()]


def _text_column(name: str, frame: pd.DataFrame, declared: Mapping[str, catalog.Column]) -> Any:
    """The config of a column `readable` turned into text: its label, right-aligned if a number."""
    fmt = formats.kind(name, frame[name], declared)
    tip = (declared.get(name) or catalog.Column()).help
    align = "right" if formats.is_numeric(fmt) else None
    return st.column_config.TextColumn(formats.label(name, declared), help=tip, alignment=align)


def dataframe(
    frame: pd.DataFrame,
    query: catalog.Query | None = None,
    overrides: Mapping[str, Any] | None = None,
    **options: Any,
) -> None:
    """A table with business labels and formats; every page's tables go through here, at most
    `max_rows_shown` of its rows (capped)."""
    frame = capped(frame, query)
    st.dataframe(
        readable(frame, query),
        width="stretch",
        hide_index=True,
        column_config=table_config(query, frame, overrides),
        **options,
    )


CAPTION_LIMIT = 160  # characters of caption a card keeps; the whole text is in the expander


def first_sentence(text: str) -> str:
    """A description's first sentence, cut short at a word if long: the caption a card keeps."""
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    if len(sentence) <= CAPTION_LIMIT:
        return sentence
    return sentence[:CAPTION_LIMIT].rsplit(" ", 1)[0].rstrip(",;:(") + "…"


def describe(query: catalog.Query, note: str = "") -> None:
    """One sentence of caption, then the whole description (method, formulas, thresholds) folded
    into a "How this is computed" expander, so a page reads as answers rather than a manual."""
    if query.description:
        st.caption(" ".join(part for part in (first_sentence(query.description), note) if part))
        with st.expander("How this is computed", icon=":material/functions:"):
            st.markdown(query.description)
    elif note:
        st.caption(note)


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
    """Text cells that a spreadsheet would run as formulas are neutralised (dashboard/export.py).

    The CSV is made when the button is clicked, not on every rerun for every table of the page."""
    rows = frame.head(limits.load().max_rows_shown)
    st.download_button(
        label,
        lambda: export.to_csv(rows),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        help=CSV_NOTE,
    )


# The tables whose rows a result is made of; the others (customers, suppliers, products, events) name
# or annotate those rows, so their absence does not empty a result.
ROW_TABLES = frozenset({"orders", "order_lines", "purchase_orders", "inventory_snapshots"})


def no_rows(query: catalog.Query) -> None:
    """An empty result: the data it reads is missing (say which), or the filters leave nothing."""
    note = weekly.needs(tuple(sorted(catalog.tables_read(query.text) & ROW_TABLES)), held())
    if note:
        st.info(note, icon=":material/dataset:")
    else:
        st.info("No rows for the current filters.", icon=":material/filter_alt_off:")


def show(query: catalog.Query, frame: pd.DataFrame, prefix: str = "", filters: Filters | None = None) -> None:
    """Chart first when the header asks for one; the table, SQL and CSV are one click away."""
    if frame.empty:
        no_rows(query)
    chart = query.chart if not frame.empty else None  # an empty chart would draw a meaningless axis
    names = (["Chart"] if chart else []) + ["Table", "SQL"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    if chart:
        with tabs["Chart"]:
            try:
                marks = chart_annotations(query, frame, filters)
                chart = charts.from_spec(frame, query.chart, marks, columns=query.columns)
                vega.show(chart)
            except charts.TooManyRows as exc:
                st.warning(str(exc))
    with tabs["Table"]:
        dataframe(frame, query)
        csv_download(frame, f"{query.id}.csv", f"{prefix}{query.id}.download")
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
        no_rows(query)
    # No rows, no chart: an empty one would draw axes over nothing under the note that says why.
    built = {name: chart for name, chart in (views or {}).items() if chart is not None and not frame.empty}
    names = list(built)
    names = ["Table", *names, "SQL"] if table_first else [*names, "Table", "SQL"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    for name, chart in built.items():
        with tabs[name]:
            vega.show(chart)
    with tabs["Table"]:
        shown = capped(frame, query)
        st.dataframe(
            readable(shown, query, styled),
            width="stretch",
            hide_index=True,
            column_config=table_config(query, shown, column_config),
            column_order=column_order,
        )
        csv_download(frame, f"{query.id}.csv", f"{prefix}{query.id}.download")
    with tabs["SQL"]:
        st.caption(query.file)
        st.code(query.text, language="sql")


def card(query: catalog.Query, filters: Filters, prefix: str = "") -> pd.DataFrame | None:
    with st.container(border=True):
        st.markdown(f"#### {query.title}")
        describe(query)
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


def link_list(
    title: str,
    note: str,
    missing: str | None,
    rows: Callable[[], pd.DataFrame | None],
    empty: str,
    link: Callable[[Any], Mapping[str, Any]],
    absent: str | None = None,
) -> None:
    """One of the home page's to-do lists: a link per row to the page that explains it. When the
    warehouse lacks the data, one line names what would fill it (`missing`), so a POs-only or an
    orders-only shop still reads a whole page; `absent` is said when `rows` has nothing to give."""
    if missing:
        st.caption(f"{title}: {missing}")
        return
    st.markdown(f"**{title}** ({note})")
    frame = rows()
    if frame is None or frame.empty:
        st.info(absent if frame is None and absent else empty)
        return
    for row in frame.itertuples():
        st.page_link(**link(row))
