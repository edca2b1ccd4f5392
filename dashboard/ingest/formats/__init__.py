"""One module per file format; adding a format is one new module listed in FORMATS.

Each module offers the same small interface, which the loader, the Data page's uploader
and the CLI help all read from here:

- `NAME`: how help texts name it; `SUFFIXES`: file endings that name a table
  (`orders.csv`); `READS`: every ending it reads (a mapping may name any such file);
  `UPLOAD_TYPES`: extensions the Data page's uploader accepts for it;
- `open_input(con, path, workdir, *, sheet, table, delimiter, encoding) -> RawFile`:
  the header, without reading rows;
- `read(con, raw, name, columns, report, text)`: the chosen columns into temp table `name`;
- optionally `sheet_names(path)`: a file with several tables in it (a workbook).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import duckdb

from dashboard.ingest.formats import delimited, parquet, xlsx
from dashboard.ingest.formats.rawfile import InputError, RawFile, first_line
from dashboard.ingest.problems import Report

FORMATS: tuple[ModuleType, ...] = (delimited, parquet, xlsx)

SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS for s in f.SUFFIXES)
UPLOAD_TYPES: tuple[str, ...] = (*(t for f in FORMATS for t in f.UPLOAD_TYPES), "zip")
KINDS: dict[str, ModuleType] = {"csv": delimited, "parquet": parquet}
"""RawFile.kind -> the module that reads its rows (a workbook sheet is read as the CSV it became)."""


def described() -> str:
    """'CSV, .csv.gz, Parquet or .xlsx', for help texts."""
    names = [f.NAME for f in FORMATS]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def format_of(name: str) -> ModuleType | None:
    lowered = name.lower()
    for module in sorted(FORMATS, key=lambda f: f is delimited):  # '.gz' is the catch-all, so last
        if lowered.endswith(module.READS):
            return module
    return None


def sheet_names(path: Path) -> list[str] | None:
    """The tables a multi-table file (a workbook) offers by name; None for single-table formats."""
    module = format_of(path.name)
    if module is None or not hasattr(module, "sheet_names"):
        return None
    try:
        return list(module.sheet_names(path))
    except xlsx.WorkbookError:
        return []


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
    """The file's header through its format; an unknown ending is read as CSV text."""
    module = format_of(path.name) or delimited
    try:
        return module.open_input(
            con, path, workdir, sheet=sheet, table=table, delimiter=delimiter, encoding=encoding
        )
    except (delimited.DialectError, xlsx.WorkbookError) as exc:
        raise InputError(str(exc)) from exc
    except (duckdb.Error, OSError) as exc:
        raise InputError(f"could not be read: {first_line(exc)}") from exc


def read(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    name: str,
    columns: dict[str, int],
    report: Report,
    text: bool = False,
) -> None:
    KINDS[raw.kind].read(con, raw, name, columns, report, text)
