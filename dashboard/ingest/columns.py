"""The canonical columns, matching a file's header to them, and casting text into their types."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dashboard.ingest.dates import EARLIEST_YEAR, iso_sql
from dashboard.ingest.formats.rawfile import RawFile
from dashboard.ingest.inputs import Source
from dashboard.ingest.problems import Problem
from dashboard.query import warehouse

TEXT_CASTS: dict[str, str] = {
    "VARCHAR": "{v}",
    "INTEGER": (
        "case when try_cast({v} as double) = trunc(try_cast({v} as double)) then try_cast({v} as integer) end"
    ),
    "DOUBLE": "case when isfinite(try_cast({v} as double)) then try_cast({v} as double) end",
    "DATE": "case when {iso} and try_cast({v} as date) >= {earliest}::date then try_cast({v} as date) end",
    "TIMESTAMP": (
        "case when {iso} and try_cast({v} as timestamp) >= {earliest}::timestamp"
        " then try_cast({v} as timestamp) end"
    ),
    "BOOLEAN": (
        "case lower({v}) when 'true' then true when 'yes' then true when '1' then true"
        " when 'false' then false when 'no' then false when '0' then false end"
    ),
}
"""Text -> schema type. try_cast alone would round '2.5' to an integer, accept 'nan' as a price and
read '4/1/11' as the year 4: a date is strict ISO 8601 from 1900 on, anything else is a bad value."""


TYPE_WORDS: dict[str, str] = {
    "INTEGER": "whole number",
    "DOUBLE": "number",
    "DATE": "date (YYYY-MM-DD)",
    "TIMESTAMP": "timestamp (ISO 8601, e.g. 2024-01-31 14:05:00)",
    "BOOLEAN": "boolean (true/false, yes/no, 1/0)",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    default: str | None


def read_schema(con: duckdb.DuckDBPyConnection) -> dict[str, list[Column]]:
    """The canonical columns with their defaults, which decide whether a missing column is an error."""
    defaults = dict(
        ((table, column), default)
        for table, column, default in con.execute(
            "select table_name, column_name, column_default from duckdb_columns()"
            " where schema_name = 'main' and column_default is not null"
        ).fetchall()
    )
    schema: dict[str, list[Column]] = {}
    for table, columns in warehouse.table_columns().items():
        for name, _type, _required in columns:
            if not warehouse.IDENTIFIER.match(name):
                raise ValueError(f"schema column {table}.{name} is not a plain identifier")
        schema[table] = [
            Column(name, data_type, required and (table, name) not in defaults, defaults.get((table, name)))
            for name, data_type, required in columns
        ]
    return schema


def primary_keys(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each canonical table's key columns as the schema declares them (empty when it has none)."""
    rows = con.execute(
        "select table_name, constraint_column_names from duckdb_constraints()"
        " where schema_name = 'main' and constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    keys = {table: list(columns) for table, columns in rows}
    return {table: keys.get(table, []) for table in warehouse.TABLES}


def column_list(columns: list[Column], types: bool = False) -> str:
    return ", ".join(f"{c.name} {c.type}" if types else c.name for c in columns)


def match_columns(raw: RawFile, columns: list[Column]) -> tuple[dict[str, int], list[Problem]]:
    """Canonical column -> 1-based position in the file; names match ignoring case and spaces."""
    wanted = {c.name for c in columns}
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for position, name in enumerate(raw.header, start=1):
        key = name.strip().lower()
        if key not in wanted:
            continue
        if key in positions:
            problems.append(Problem(raw.label, 1, key, name, f"column {key} appears twice in the header"))
            continue
        positions[key] = position
    if not any(name.strip() for name in raw.header):
        return {}, [Problem(raw.label, None, None, None, "the file is empty: no header row")]
    for column in columns:
        if column.required and column.name not in positions:
            problems.append(
                Problem(raw.label, None, column.name, None, f"required column {column.name} is missing")
            )
    return positions, problems


def text_sql(name: str, raw_type: str) -> str:
    """Empty text is null, and stray spaces around a value are not part of it."""
    return f"nullif(trim({name}), '')" if raw_type == "VARCHAR" else name


def cast_sql(name: str, raw_type: str, target: str) -> str:
    value = text_sql(name, raw_type)
    if raw_type == target:
        return value
    if raw_type != "VARCHAR":
        value = f"{value}::varchar"
    return TEXT_CASTS.get(target, "try_cast({v} as " + target + ")").format(
        v=value, iso=iso_sql(value), earliest=f"'{EARLIEST_YEAR}-01-01'"
    )


def fill_stage(con: duckdb.DuckDBPyConnection, source: Source, columns: list[Column]) -> None:
    """Typed rows in file order; a missing optional column is null, a missing defaulted one its default."""
    values = []
    for column in columns:
        raw_type = source.types.get(column.name)
        value = "null" if raw_type is None else cast_sql(column.name, raw_type, column.type)
        if column.default is not None:
            value = f"coalesce({value}, {column.default})"
        values.append(f"{value} as {column.name}")
    con.execute(
        f"insert into stage_{source.table} select {source.index}, {', '.join(values)} from raw_{source.table}"
    )
    con.execute(f"drop table raw_{source.table}")
