"""Global sidebar filters, shared by every page and kept in the URL so a link reproduces the view."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from dashboard.app import cache
from dashboard.query import catalog

STATE = "filters"
ALL = "All"
CHOICE_SOURCES = {
    "category": "products.category",
    "supplier": "suppliers.supplier_id",
    "channel": "orders.channel",
}


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    category: str | None = None
    supplier: str | None = None
    channel: str | None = None

    def values(self) -> dict[str, Any]:
        return asdict(self)


def defaults(as_of: dt.date) -> Filters:
    return Filters(
        start=catalog.relative_date(catalog.GLOBAL_DEFAULTS["start"], as_of),
        end=catalog.relative_date(catalog.GLOBAL_DEFAULTS["end"], as_of),
    )


def _key(name: str) -> str:
    return f"filter.{name}"


def _parse(name: str, raw: str | None, options: dict[str, list[Any]]) -> Any:
    """A URL value for a filter, or None when it does not parse or is not an option."""
    if raw is None:
        return None
    if name in ("start", "end"):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return None
    return raw if raw in options.get(name, ()) else None


def _from_url(base: Filters, options: dict[str, list[Any]]) -> None:
    """Seed the widgets from the URL on a session's first run, and later whenever the URL holds a
    value the app did not write itself (a link from another page, an edited address). A page switch
    clears the URL; absent values change nothing."""
    first = not st.session_state.get("filter.seeded")
    st.session_state["filter.seeded"] = True
    written = st.session_state.get("filter.written", {})
    for name in ("start", "end", *options):
        raw = st.query_params.get(name)
        if not first and (raw is None or raw == written.get(name)):
            continue
        value = _parse(name, raw, options)
        if value is None and not first:
            continue
        fallback = getattr(base, name)
        st.session_state[_key(name)] = value if value is not None else (ALL if fallback is None else fallback)


def _to_url(current: Filters, base: Filters) -> None:
    """Only what differs from the defaults goes in the URL, so a default link stays short."""
    written = {}
    for name, value in current.values().items():
        if value is None or value == getattr(base, name):
            st.query_params.pop(name, None)
        else:
            written[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
            st.query_params[name] = written[name]
    st.session_state["filter.written"] = written


def _reset(base: Filters) -> None:
    """A callback, because widget state can only be set before the widgets are drawn."""
    for name, value in base.values().items():
        st.session_state[_key(name)] = ALL if value is None else value


def sidebar() -> Filters:
    as_of = cache.as_of()
    base = defaults(as_of)
    options = {name: cache.choices(source) for name, source in CHOICE_SOURCES.items()}
    names = cache.labels("suppliers.supplier_id", "suppliers.supplier_name")
    _from_url(base, options)
    with st.sidebar:
        st.caption(f"Data as of **{as_of:%a %d %b %Y}**")
        start = st.date_input("From", key=_key("start"), format="YYYY-MM-DD")
        end = st.date_input("To", key=_key("end"), format="YYYY-MM-DD")
        if start > end:
            st.warning("'From' is after 'To': the period is empty.")
        picked = {
            name: st.selectbox(
                name.capitalize(),
                [ALL, *values],
                key=_key(name),
                format_func=lambda v, n=name: names.get(v, v) if n == "supplier" else v,
            )
            for name, values in options.items()
        }
        st.button("Reset filters", width="stretch", on_click=_reset, args=(base,))
    chosen = {name: None if value == ALL else value for name, value in picked.items()}
    current = Filters(start=start, end=end, **chosen)
    _to_url(current, base)
    st.session_state[STATE] = current
    return current


def current() -> Filters:
    """The filters the sidebar set on this run; the defaults where a page runs without it (tests)."""
    found = st.session_state.get(STATE)
    return found if isinstance(found, Filters) else defaults(cache.as_of())
