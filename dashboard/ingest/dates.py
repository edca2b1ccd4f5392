"""Which date texts the loader reads without a format: strict ISO 8601, from 1900 on."""

from __future__ import annotations

ISO_DATE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?"
"""YYYY-MM-DD, optionally followed by a time and an offset: the only date text read without a format."""

ISO_LITERAL = f"'{ISO_DATE}'"
"""The pattern as a SQL string literal (it holds no quote; DuckDB reads backslashes as they are)."""

EARLIEST_YEAR = 1900


def iso_sql(value: str, pattern: str | None = None) -> str:
    """Whether `value` (SQL) is strict ISO 8601 text; `pattern` is the pattern's SQL (a bound parameter
    in a mapping's SELECT, whose braces would clash with its `{src}` placeholder), else a literal."""
    return f"regexp_full_match({value}, {pattern or ISO_LITERAL})"


def year_sql(value: str) -> str:
    """The year an ISO text reads as, so a date before 1900 is reported as implausible, not unreadable."""
    return f"case when {iso_sql(value)} then year(try_cast({value} as timestamp)) end"
