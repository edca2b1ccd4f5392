"""Parquet files: typed columns read straight by DuckDB, numbered by their row in the file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dashboard.ingest.formats.rawfile import RawFile, columns_sql
from dashboard.ingest.problems import Report

NAME = "Parquet"
SUFFIXES: tuple[str, ...] = (".parquet",)
READS: tuple[str, ...] = (".parquet",)
UPLOAD_TYPES: tuple[str, ...] = ("parquet",)


def open_input(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    *,
    sheet: str | None = None,
    table: str = "",
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawFile:
    described = con.execute("describe select * from read_parquet($path)", {"path": str(path)}).fetchall()
    return RawFile(path.name, path, "parquet", [r[0] for r in described], [r[1] for r in described])


def read(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    name: str,
    columns: dict[str, int],
    report: Report,
    text: bool = False,
) -> None:
    """`name` := the chosen columns by position; as text when `text` (a mapping reads text)."""
    cast = "::varchar" if text else ""
    picks = [f"#{position}{cast} as {alias}" for alias, position in columns.items()]
    con.execute(
        f"create temp table {name} as select file_row_number as _idx, {columns_sql(picks)}"
        " from read_parquet($path, file_row_number = true)",
        {"path": str(raw.path)},
    )
