"""One input file (CSV, gzip'd CSV, Parquet, a workbook sheet) read as it is into a temp table."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dashboard.ingest.formats import delimited, xlsx
from dashboard.ingest.problems import Problem, Report

REJECT_LIMIT = 100_000
"""Past this many malformed lines a file's own row checks are skipped: it is not the format we read."""

SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet", ".xlsx")

REJECT_WORDS: dict[str, str] = {
    "MISSING COLUMNS": "malformed line: fewer fields than the {n} in the header",
    "TOO MANY COLUMNS": "malformed line: more fields than the {n} in the header",
    "UNQUOTED VALUE": "malformed line: a quote is not closed, or text follows a closing quote",
    "INVALID ENCODING": "malformed line: not valid {encoding} text",
    "LINE SIZE OVER MAXIMUM": "malformed line: longer than DuckDB's maximum line size",
}
"""DuckDB's reject error types in plain words; any other type is reported with DuckDB's own message."""


class InputError(ValueError):
    """A file that cannot be read at all; the message completes the sentence '<file> ...'."""


@dataclass(frozen=True)
class RowMap:
    """Record index -> spreadsheet row, counting the malformed lines DuckDB set aside.

    `skips[j]` is the first surviving record index that comes after the (j+1)-th rejected line.
    A negative index is a row already in the warehouse (an append), which has no file row.
    """

    skips: tuple[int, ...] = ()

    def row(self, index: int) -> int | None:
        if index < 0:
            return None
        return index + 2 + bisect.bisect_right(self.skips, index)


@dataclass
class RawFile:
    """An input's header and how DuckDB reads it; `path` is a converted CSV for a workbook sheet."""

    label: str
    path: Path
    kind: str
    header: list[str]
    types: list[str]
    dialect: delimited.Dialect | None = None
    indexed: bool = False
    rows: RowMap = field(default_factory=RowMap)

    @property
    def index(self) -> str:
        """The column that numbers records in file order (DuckDB keeps insertion order in rowid)."""
        return "rowid" if self.kind == "csv" and not self.indexed else "_idx"


def kind_of(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".parquet"):
        return "parquet"
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith((".csv", ".csv.gz", ".tsv", ".txt", ".gz")):
        return "csv"
    return None


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
    """Detect the format and read the header; a workbook sheet is first streamed to a CSV in workdir."""
    kind = kind_of(path.name)
    try:
        if kind == "parquet":
            described = con.execute(
                "describe select * from read_parquet($path)", {"path": str(path)}
            ).fetchall()
            return RawFile(path.name, path, "parquet", [r[0] for r in described], [r[1] for r in described])
        if kind == "xlsx":
            names = xlsx.sheet_names(path)
            chosen = xlsx.choose(names, sheet, table)
            out = workdir / f"{len(list(workdir.iterdir()))}.csv"
            header = xlsx.to_csv(path, chosen, out)
            label = path.name if len(names) == 1 else f"{path.name} [{chosen}]"
            found = delimited.Dialect(",", "utf-8", False)
            return RawFile(label, out, "csv", header, ["VARCHAR"] * len(header), found, indexed=True)
        found = delimited.detect(path, delimiter, encoding)
        header = delimited.header(path, found)
        return RawFile(path.name, path, "csv", header, ["VARCHAR"] * len(header), found)
    except (delimited.DialectError, xlsx.WorkbookError) as exc:
        raise InputError(str(exc)) from exc
    except (duckdb.Error, OSError) as exc:
        raise InputError(f"could not be read: {first_line(exc)}") from exc


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    name: str,
    columns: dict[str, int],
    report: Report,
    text: bool = False,
) -> None:
    """`name` := the chosen columns (alias -> 1-based header position): text for CSV, and for
    Parquet too when `text` (a mapping reads every source column as text).

    `#n` picks a column by position, so no file-supplied name is ever written into SQL.
    """
    shift = 1 if raw.indexed else 0
    cast = "::varchar" if text and raw.kind == "parquet" else ""
    picks = [f"#{position + shift}{cast} as {alias}" for alias, position in columns.items()]
    if raw.kind == "parquet":
        con.execute(
            f"create temp table {name} as select file_row_number as _idx, {columns_sql(picks)}"
            " from read_parquet($path, file_row_number = true)",
            {"path": str(raw.path)},
        )
        return
    assert raw.dialect is not None
    if raw.indexed:
        picks.insert(0, "#1::bigint as _idx")
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    con.execute(
        f"create temp table {name} as select {columns_sql(picks)}"
        " from read_csv($path, header = true, auto_detect = false, columns = $columns,"
        " delim = $delim, quote = '\"', escape = '\"', encoding = $encoding,"
        " compression = $compression, store_rejects = true)",
        {
            "path": str(raw.path),
            "columns": {f"c{i}": "VARCHAR" for i in range(1, len(raw.header) + 1 + shift)},
            "delim": raw.dialect.delimiter,
            "encoding": raw.dialect.encoding,
            "compression": raw.dialect.compression,
        },
    )
    rejected_lines(con, raw, report)


def columns_sql(picks: list[str]) -> str:
    return ", ".join(picks) or "null as _none"


def rejected_lines(con: duckdb.DuckDBPyConnection, raw: RawFile, report: Report) -> None:
    """Structural errors DuckDB set aside: each one reported, and the row numbering corrected around them."""
    total = con.execute("select count(distinct line) from reject_errors").fetchone()[0]
    if not total:
        return
    lines = con.execute(
        "select distinct line from reject_errors order by line limit $limit", {"limit": REJECT_LIMIT}
    )
    raw.rows = RowMap(tuple(line - 1 - n for n, (line,) in enumerate(lines.fetchall(), start=1)))
    result = con.execute(
        "select line, arg_min(error_type, byte_position), arg_min(column_idx, byte_position),"
        " arg_min(csv_line, byte_position), arg_min(error_message, byte_position)"
        " from reject_errors group by line order by line",
    )
    report.add_rows(
        (reject_problem(raw, *row) for chunk in iter(lambda: result.fetchmany(10_000), []) for row in chunk),
        total,
        raw.label,
        None,
        "malformed lines",
    )
    if total > REJECT_LIMIT:
        raise TooManyRejects(raw.label)


class TooManyRejects(Exception):
    """So many malformed lines that the file is not in the format we read: its row checks are skipped."""


def reject_problem(
    raw: RawFile, line: int, error_type: str, column_idx: int | None, text: str, message: str
) -> Problem:
    header = raw.header
    column = None  # DuckDB counts column_idx from 1
    if error_type not in ("MISSING COLUMNS", "TOO MANY COLUMNS") and column_idx is not None:
        column = header[column_idx - 1].strip() if 0 < column_idx <= len(header) else None
    words = REJECT_WORDS.get(error_type, f"malformed line: {message}")
    encoding = raw.dialect.encoding.upper() if raw.dialect else "UTF-8"
    reason = words.format(n=len(header), encoding=encoding) if error_type in REJECT_WORDS else words
    # DuckDB gives an over-long line the text of the line before it: show none rather than a wrong one.
    value = None if error_type == "LINE SIZE OVER MAXIMUM" else shorten(text.strip("\r\n"))
    return Problem(raw.label, line, column, value, reason)


def shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
