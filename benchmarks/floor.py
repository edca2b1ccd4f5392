"""DuckDB's floor for a page: the time to read, once, every stored column its queries read.

The columns come from the queries' own plans (EXPLAIN): each table scan's projected columns
and the columns of the filters pushed into it. The floor query is one aggregate per table over
those columns (sum of numbers, max of anything else), so every value is read and decoded and
nothing else is done; no page can be faster than reading its inputs once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from benchmarks import measure

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def _plans(node: Any) -> Iterable[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _plans(item)
    elif isinstance(node, dict):
        yield node
        for child in node.get("children", []):
            yield from _plans(child)


def _names(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_names(v) for v in value)) if value else set()
    return set(WORD.findall(str(value or "")))


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every stored table's columns and their types."""
    cursor = con.cursor()
    try:
        rows = cursor.execute(
            "select table_name, column_name, data_type from duckdb_columns() where internal = false"
        ).fetchall()
    finally:
        cursor.close()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def scanned(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> dict[str, set[str]]:
    """The stored columns one query's plan reads, per table."""
    stored = table_columns(con)
    cursor = con.cursor()
    try:
        rows = cursor.execute("explain (format json) " + sql, dict(params)).fetchall()
    finally:
        cursor.close()
    found: dict[str, set[str]] = {}
    for _, plan in rows:
        for node in _plans(json.loads(plan)):
            info = node.get("extra_info") or {}
            table = str(info.get("Table", "")).rsplit(".", 1)[-1]
            if table not in stored:
                continue
            wanted = _names(info.get("Projections")) | _names(info.get("Filters"))
            found.setdefault(table, set()).update(wanted & set(stored[table]))
    return found


def merge(parts: Iterable[Mapping[str, set[str]]]) -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for part in parts:
        for table, columns in part.items():
            merged.setdefault(table, set()).update(columns)
    return merged


def statements(con: duckdb.DuckDBPyConnection, columns: Mapping[str, set[str]]) -> list[str]:
    """One aggregate query per table that reads every listed column."""
    stored = table_columns(con)
    out = []
    for table in sorted(columns):
        reads = []
        for column in sorted(columns[table]):
            kind = stored[table][column]
            function = "sum" if kind.startswith(NUMERIC) else "max"
            reads.append(f'{function}("{column}")')
        out.append(f"select {', '.join(reads) or 'count(*)'} from {table}")
    return out


def scan(con: duckdb.DuckDBPyConnection, sqls: list[str]) -> float:
    """Run the floor queries once; their total seconds."""

    def work() -> None:
        for sql in sqls:
            cursor = con.cursor()
            try:
                cursor.execute(sql).fetchall()
            finally:
                cursor.close()

    return measure.timed(work)[0]
