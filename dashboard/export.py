"""Tables leaving the app as CSV or Excel, made safe for the spreadsheet that opens them.

A text cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel and
LibreOffice (`=HYPERLINK(...)` in a supplier name would run when the call list is opened). As
OWASP's CSV-injection advice says, such text cells get a leading apostrophe; numeric columns stay
numbers, so sums and charts in the spreadsheet still work.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a formula; other columns are left as they are."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            safe[column] = series.map(cell, na_action="ignore")
    safe.columns = [cell(str(name)) for name in safe.columns]
    return safe


def to_csv(frame: pd.DataFrame, **options: Any) -> str:
    """The frame as CSV text, neutralised; every CSV the app or CLI writes goes through here."""
    return neutralise(frame).to_csv(index=False, **options)
