"""How much one query may take: time, memory, and rows sent to a browser. From `queries:` settings.

A runaway analyst query must not hang `check` (and CI), keep a page spinning forever, or burn a
core after its tab closed: each query runs under a time limit enforced by interrupting its
connection, the database under a memory limit, and a page shows at most so many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard import settings

KEYS = ("time_limit_seconds", "memory_limit", "max_rows_shown")


@dataclass(frozen=True)
class Limits:
    time_limit_seconds: float = 30.0
    memory_limit: str = "4GB"
    max_rows_shown: int = 50_000


def parse(section: dict[str, Any]) -> Limits:
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise settings.SettingsError(f"queries: unknown key '{unknown[0]}'; use {', '.join(KEYS)}")
    defaults = Limits()
    seconds = section.get("time_limit_seconds", defaults.time_limit_seconds)
    rows = section.get("max_rows_shown", defaults.max_rows_shown)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        raise settings.SettingsError("queries.time_limit_seconds must be a positive number of seconds")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise settings.SettingsError("queries.max_rows_shown must be a positive whole number")
    return Limits(float(seconds), str(section.get("memory_limit", defaults.memory_limit)), rows)


def load() -> Limits:
    return parse(settings.section("queries"))
