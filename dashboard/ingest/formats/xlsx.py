"""Excel workbooks (.xlsx), read with openpyxl row by row: one sheet becomes a CSV DuckDB reads."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl

from dashboard.ingest.formats import delimited
from dashboard.ingest.formats.rawfile import RawFile

NAME = ".xlsx"
SUFFIXES: tuple[str, ...] = (".xlsx",)
READS: tuple[str, ...] = (".xlsx",)
UPLOAD_TYPES: tuple[str, ...] = ("xlsx",)
INDEX = "_idx"
HEADER_SEARCH = 20
"""Rows searched for the header, so a title or an export date above it is skipped."""


class WorkbookError(ValueError):
    """A workbook or sheet that cannot be read, in words a spreadsheet user recognises."""


def sheet_names(path: Path) -> list[str]:
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged file
        raise WorkbookError(f"is not a readable .xlsx workbook ({exc})") from exc
    try:
        return list(book.sheetnames)
    finally:
        book.close()


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
    """The chosen sheet streamed to a CSV in workdir, each row carrying its sheet row number."""
    names = sheet_names(path)
    chosen = choose(names, sheet, table)
    out = workdir / f"{len(list(workdir.iterdir()))}.csv"
    header = to_csv(path, chosen, out)
    label = path.name if len(names) == 1 else f"{path.name} [{chosen}]"
    found = delimited.Dialect(",", "utf-8", False)
    return RawFile(label, out, "csv", header, ["VARCHAR"] * len(header), found, indexed=True)


read = delimited.read
"""A converted sheet is a CSV with its own row index."""


def choose(names: list[str], wanted: str | None, table: str) -> str:
    """The named sheet; else the only one; else the one named like the table."""
    if wanted is not None:
        if wanted in names:
            return wanted
        folded = {name.strip().lower(): name for name in names}
        if wanted.strip().lower() in folded:
            return folded[wanted.strip().lower()]
        raise WorkbookError(f"has no sheet named '{wanted}' (its sheets: {', '.join(names)})")
    if len(names) == 1:
        return names[0]
    for name in names:
        if name.strip().lower() == table:
            return name
    raise WorkbookError(f"has several sheets ({', '.join(names)}): name the sheet for {table} in a mapping")


def cell_text(value: Any) -> str:
    """What the cell shows, in the text forms the loader reads: ISO dates, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def to_csv(path: Path, sheet: str, out: Path) -> list[str]:
    """Stream the sheet into `out` with a leading column of row indexes; return the sheet's header.

    Empty rows are left out, and each written row carries its own index (sheet row - 2),
    so problems still name the row Excel shows.
    """
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise WorkbookError(f"is not a readable .xlsx workbook ({exc})") from exc
    try:
        rows = filled(book[sheet].iter_rows(values_only=True))
        head = list(itertools.islice(rows, HEADER_SEARCH))
        at = header_at(head)
        header = head[at][1] if head else []
        while header and not header[-1].strip():
            header.pop()
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([INDEX, *header])
            for number, texts in itertools.chain(head[at + 1 :], rows):
                writer.writerow([number - 2, *(texts + [""] * len(header))[: len(header)]])
        return header
    except Exception as exc:  # an XML entity bomb, a damaged sheet: openpyxl raises many types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise WorkbookError(f"sheet '{sheet}' cannot be read ({type(exc).__name__}: {first})") from exc
    finally:
        book.close()


def filled(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) of every row with something in it."""
    for number, values in enumerate(rows, start=1):
        texts = [cell_text(v) for v in values]
        if any(t.strip() for t in texts):
            yield number, texts


def header_at(head: list[tuple[int, list[str]]]) -> int:
    """The header is the first of the top rows that fills the most cells, below any title rows."""
    counts = [sum(1 for t in texts if t.strip()) for _number, texts in head]
    return counts.index(max(counts)) if counts else 0
