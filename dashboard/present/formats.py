"""Business formatting of query results: labels, thousands separators, the one currency, dates.

A query file's `columns:` header says how each output column reads (catalog.Column); this module
turns that into text for the report and into the few settings every table and axis share. The
currency is set once, in the settings file's `display:` section. Columns the header does not
describe are formatted by their type, and their name is shown with spaces, never as code.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from dashboard import settings


class Column(Protocol):
    """What a query header's `columns:` entry holds (the query layer's catalog.Column), read here
    without importing the layer above."""

    label: str | None
    format: str | None
    help: str | None


DEFAULT_CURRENCY = "$"
DATE = "%d %b %Y"
DATETIME = "%d %b %Y %H:%M"
# d3-format / d3-time-format strings for chart axes and tooltips, per column format.
AXIS = {
    "integer": ",.0f",
    "decimal": ",.2f",
    "percent": ".0%",
    "money": ",.0f",
    "days": ",.0f",
    "date": "%d %b %Y",
    "datetime": "%d %b %Y %H:%M",
}


def currency() -> str:
    """The symbol money is shown with (`display: {currency: "€"}`); "$" with no settings file."""
    found = settings.section("display").get("currency", DEFAULT_CURRENCY)
    return "" if found is None else str(found)


def label(name: str, columns: Mapping[str, Column] | None = None) -> str:
    """The column's declared label, else its name in words ("open_units" -> "Open units")."""
    declared = (columns or {}).get(name)
    if declared and declared.label:
        return declared.label
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def kind(name: str, series: pd.Series | None, columns: Mapping[str, Column] | None = None) -> str | None:
    """The declared format, else one read from the values' type (None for text)."""
    declared = (columns or {}).get(name)
    if declared and declared.format:
        return declared.format
    if series is None:
        return None
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series.dropna()
        return "date" if stamps.empty or bool((stamps == stamps.dt.normalize()).all()) else "datetime"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        return "integer" if not whole.empty and bool((whole == whole.round()).all()) else "decimal"
    return None


def is_empty(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def value(fmt: str | None, raw: Any, money: str | None = None) -> str:
    """One value as a manager reads it; empty stays empty, never None, NaT or nan."""
    if is_empty(raw):
        return ""
    if fmt == "bool" or isinstance(raw, bool):
        return "Yes" if raw else "No"
    if fmt in ("date", "datetime"):
        stamp = pd.Timestamp(raw)
        if pd.isna(stamp):
            return ""
        return f"{stamp:{DATETIME if fmt == 'datetime' else DATE}}"
    if isinstance(raw, dt.date):
        return f"{raw:{DATE}}"
    if fmt is None and not isinstance(raw, int | float):
        return str(raw)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    if fmt == "percent":
        return f"{number:.1%}"
    if fmt == "money":
        symbol = currency() if money is None else money
        return f"-{symbol}{-number:,.0f}" if number < 0 else f"{symbol}{number:,.0f}"
    if fmt == "days":
        return f"{number:,.0f}" if number == round(number) else f"{number:,.1f}"
    if fmt == "decimal":
        return f"{number:,.2f}"
    if fmt == "integer" or number == round(number):
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def table(frame: pd.DataFrame, columns: Mapping[str, Column] | None = None) -> pd.DataFrame:
    """Every value as text and every heading as its label: what the report prints."""
    money = currency()
    shown = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        fmt = kind(name, frame[name], columns)
        shown[label(name, columns)] = [value(fmt, raw, money) for raw in frame[name].tolist()]
    return shown


def is_numeric(fmt: str | None) -> bool:
    return fmt in ("integer", "decimal", "percent", "money", "days")


def axis_format(fmt: str | None) -> str | None:
    """The d3 format for a chart axis or tooltip of this column format."""
    return AXIS.get(fmt or "")


def axis_title(
    name: str, columns: Mapping[str, Column] | None = None, series: pd.Series | None = None
) -> str:
    """A chart axis's title: the label, with the currency after money ("Open value ($)")."""
    text = label(name, columns)
    if kind(name, series, columns) == "money" and currency():
        return f"{text} ({currency()})"
    return text


def compact_money(raw: Any) -> str:
    """An amount short enough for a headline tile a sixth of the page wide ($193.4k, $1.25M);
    tables and the tile's help keep the exact figure."""
    if is_empty(raw):
        return ""
    number = float(raw)
    size = abs(number)
    if size < 10_000:
        return value("money", number)
    sign = "-" if number < 0 else ""
    shown = f"{size / 1e6:.2f}M" if size >= 1e6 else f"{size / 1e3:.1f}k"
    return f"{sign}{currency()}{shown}"
