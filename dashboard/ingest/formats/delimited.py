"""CSV files (and gzip'd CSV): how one is written, detected from its first megabyte, then read as text."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dashboard.ingest.formats.rawfile import RawFile, RowMap, TooManyRejects, columns_sql
from dashboard.ingest.problems import Problem, Report

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}
"""Names a person may write -> the encodings DuckDB's CSV reader has built in."""

SNIFF_RECORDS = 50
CONTROL = bytes(range(32)).replace(b"\t", b"").replace(b"\n", b"").replace(b"\r", b"")


class DialectError(ValueError):
    """The file is not CSV text this loader reads; the message says what it looks like instead."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    encoding: str
    gzip: bool

    @property
    def compression(self) -> str:
        return "gzip" if self.gzip else "none"


def detect(path: Path, delimiter: str | None = None, encoding: str | None = None) -> Dialect:
    """Sniff what is not given; a given value wins, so a mapping file can settle a guess."""
    with Path(path).open("rb") as handle:
        zipped = handle.read(2) == b"\x1f\x8b"
    data, complete = sample(path, zipped)
    if encoding is None:
        encoding = encoding_of(data, complete)
    elif encoding.lower() not in ENCODINGS:
        raise DialectError(f"encoding {encoding} is not supported (use one of utf-8, latin-1)")
    encoding = ENCODINGS[encoding.lower()]
    text = decode(data, encoding, complete)
    if delimiter is None:
        delimiter = delimiter_of(text, complete)
    elif delimiter in ("tab", "\\t"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise DialectError(f"delimiter {delimiter!r} must be one character (or 'tab')")
    return Dialect(delimiter, encoding, zipped)


def sample(path: Path, zipped: bool) -> tuple[bytes, bool]:
    """The first SAMPLE_BYTES of the (decompressed) text and whether that is all of it."""
    opener = gzip.open if zipped else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DialectError(f"is not a readable gzip file ({exc})") from exc
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def encoding_of(data: bytes, complete: bool) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, otherwise Latin-1; never binary."""
    kind = binary_kind(data)
    if kind:
        raise DialectError(f"is {kind}, not CSV text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def binary_kind(data: bytes) -> str | None:
    """Name what a non-text file probably is, so the message tells the person what to do."""
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive or an Excel workbook (save a workbook as .xlsx)"
    if data.startswith(b"PAR1"):
        return "a Parquet file (name it .parquet)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (save it as UTF-8 CSV)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel .xls workbook (save it as .xlsx or CSV)"
    if b"\x00" in data:
        return "binary data (it contains NUL bytes)"
    controls = sum(data.count(byte) for byte in CONTROL)
    if data and controls / len(data) > 0.01:
        return "binary data (many control characters)"
    return None


def decode(data: bytes, encoding: str, complete: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=complete)
    return text.removeprefix("\ufeff")


def records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The first records, dropping a last one the sample may have cut in half."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    found: list[list[str]] = []
    try:
        for record in reader:
            found.append(record)
            if len(found) > SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if not complete and len(found) <= SNIFF_RECORDS and len(found) > 1:
        found.pop()
    return found[:SNIFF_RECORDS]


def delimiter_of(text: str, complete: bool = True) -> str:
    """The candidate that splits the header into the most fields and the rows consistently with it."""
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        found = [r for r in records(text, delimiter, complete) if r]
        if not found or len(found[0]) < 2:
            continue
        width = len(found[0])
        body = found[1:]
        consistent = sum(len(r) == width for r in body) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


HEADER_LIMIT = 1 << 20
"""Characters a header line may hold; a longer first line is not a table's header."""


def header(path: Path, dialect: Dialect) -> list[str]:
    """Only the header is parsed in Python: it names columns, which never reach SQL as text."""
    opener = gzip.open if dialect.gzip else open
    with opener(path, "rb") as handle:
        text = io.TextIOWrapper(handle, encoding=dialect.encoding, errors="replace", newline="")
        head = text.read(HEADER_LIMIT + 1)
    if len(head) > HEADER_LIMIT and not any(mark in head for mark in ("\n", "\r")):
        raise DialectError(f"has a first line longer than {HEADER_LIMIT:,} characters: not a table's header")
    try:
        record = next(csv.reader(io.StringIO(head, newline=""), delimiter=dialect.delimiter), [])
    except csv.Error as exc:
        raise DialectError(f"has a header line that cannot be read ({exc})") from exc
    return [record[0].removeprefix("\ufeff"), *record[1:]] if record else []


NAME = "CSV, .csv.gz"
SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz")
READS: tuple[str, ...] = (".csv", ".csv.gz", ".tsv", ".txt", ".gz")
UPLOAD_TYPES: tuple[str, ...] = ("csv", "gz")

REJECT_LIMIT = 100_000
"""Past this many malformed lines a file's own row checks are skipped: it is not the format we read."""

REJECT_WORDS: dict[str, str] = {
    "MISSING COLUMNS": "malformed line: fewer fields than the {n} in the header",
    "TOO MANY COLUMNS": "malformed line: more fields than the {n} in the header",
    "UNQUOTED VALUE": "malformed line: a quote is not closed, or text follows a closing quote",
    "INVALID ENCODING": "malformed line: not valid {encoding} text",
    "LINE SIZE OVER MAXIMUM": "malformed line: longer than DuckDB's maximum line size",
}
"""DuckDB's reject error types in plain words; any other type is reported with DuckDB's own message."""


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
    found = detect(path, delimiter, encoding)
    names = header(path, found)
    return RawFile(path.name, path, "csv", names, ["VARCHAR"] * len(names), found)


def read(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    name: str,
    columns: dict[str, int],
    report: Report,
    text: bool = False,
) -> None:
    """`name` := the chosen columns (alias -> 1-based header position), as text.

    `#n` picks a column by position, so no file-supplied name is ever written into SQL.
    An indexed file (a converted workbook sheet) carries its own record index first.
    """
    assert raw.dialect is not None
    if raw.extra_fields and not raw.indexed:
        read_wide(con, raw, name, columns, report)
        return
    shift = 1 if raw.indexed else 0
    picks = [f"#{position + shift} as {alias}" for alias, position in columns.items()]
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


WIDE = 64
"""How many fields past the header `extra_fields:` takes in; a line with even more is still rejected."""


def read_wide(
    con: duckdb.DuckDBPyConnection, raw: RawFile, name: str, columns: dict[str, int], report: Report
) -> None:
    """A file whose lines may hold more fields than its header: unquoted delimiters in address text.

    The file is read WIDE columns wider, lines padded; an empty field reads as '' and a padded one as
    NULL, so a line with fewer fields than the header is still told apart and rejected."""
    assert raw.dialect is not None
    width = len(raw.header)
    fields = [f"c{i}" for i in range(1, width + WIDE + 1)]
    last = f"c{width}"
    if raw.extra_fields == "fold":
        last = f"concat_ws($delim, {', '.join(fields[width - 1 :])})"
    picks = [
        f"nullif({last if position == width else f'c{position}'}, '') as {alias}"
        for alias, position in columns.items()
    ]
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    con.execute(
        f"create temp table {name}_wide as select * from read_csv($path, header = true,"
        " auto_detect = false, columns = $columns, delim = $delim, quote = '\"', escape = '\"',"
        " encoding = $encoding, compression = $compression, store_rejects = true,"
        " null_padding = true, parallel = false, nullstr = chr(0))",
        {
            "path": str(raw.path),
            "columns": dict.fromkeys(fields, "VARCHAR"),
            "delim": raw.dialect.delimiter,
            "encoding": raw.dialect.encoding,
            "compression": raw.dialect.compression,
        },
    )
    rejected = rejected_lines(con, raw, report)
    short = [
        raw.rows.row(index)
        for (index,) in con.execute(
            f"select rowid from {name}_wide where {fields[width - 1]} is null order by rowid"
        ).fetchall()
    ]
    if short:
        reason = REJECT_WORDS["MISSING COLUMNS"].format(n=width)
        report.add_rows(
            (Problem(raw.label, line, None, None, reason) for line in short),
            len(short),
            raw.label,
            None,
            "malformed lines",
        )
        raw.rows = row_map(sorted([*rejected, *(line for line in short if line is not None)]))
    con.execute(
        f"create temp table {name} as select {columns_sql(picks)} from {name}_wide"
        f" where {fields[width - 1]} is not null order by rowid",
        {"delim": raw.dialect.delimiter} if raw.extra_fields == "fold" else {},
    )
    con.execute(f"drop table {name}_wide")


def row_map(lines: list[int]) -> RowMap:
    """Record numbering around the rejected lines (1-based file lines, the header being line 1)."""
    return RowMap(tuple(line - 1 - n for n, line in enumerate(lines, start=1)))


def rejected_lines(con: duckdb.DuckDBPyConnection, raw: RawFile, report: Report) -> list[int]:
    """Structural errors DuckDB set aside: each one reported, and the row numbering corrected around them."""
    total = con.execute("select count(distinct line) from reject_errors").fetchone()[0]
    if not total:
        return []
    lines = con.execute(
        "select distinct line from reject_errors order by line limit $limit", {"limit": REJECT_LIMIT}
    )
    found = [line for (line,) in lines.fetchall()]
    raw.rows = row_map(found)
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
    return found


def reject_problem(
    raw: RawFile, line: int, error_type: str, column_idx: int | None, text: str, message: str
) -> Problem:
    names = raw.header
    column = None  # DuckDB counts column_idx from 1
    if error_type not in ("MISSING COLUMNS", "TOO MANY COLUMNS") and column_idx is not None:
        column = names[column_idx - 1].strip() if 0 < column_idx <= len(names) else None
    words = REJECT_WORDS.get(error_type, f"malformed line: {message}")
    encoding = raw.dialect.encoding.upper() if raw.dialect else "UTF-8"
    reason = words.format(n=len(names), encoding=encoding) if error_type in REJECT_WORDS else words
    # DuckDB gives an over-long line the text of the line before it: show none rather than a wrong one.
    value = None if error_type == "LINE SIZE OVER MAXIMUM" else shorten(text.strip("\r\n"))
    return Problem(raw.label, line, column, value, reason)


def shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
