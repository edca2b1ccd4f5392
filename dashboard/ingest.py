"""CSV / Parquet files -> a new warehouse file, every rule checked in SQL, swapped in atomically."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import gzip
import io
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dashboard import warehouse

CAP = 1000
"""At most this many rows come back per check; the rest are counted, not listed."""

REJECT_LIMIT = 100_000
"""Past this many malformed lines a file's own row checks are skipped: it is not the format we read."""

SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("products", "supplier_id", "suppliers"),
    ("orders", "customer_id", "customers"),
    ("order_lines", "order_id", "orders"),
    ("order_lines", "sku", "products"),
    ("purchase_orders", "supplier_id", "suppliers"),
    ("purchase_orders", "sku", "products"),
    ("inventory_snapshots", "sku", "products"),
)
"""(table, column, referenced table); the referenced column has the same name and is its primary key."""

NON_NEGATIVE: tuple[tuple[str, str], ...] = (
    ("products", "unit_price"),
    ("products", "unit_cost"),
    ("products", "lead_time_days"),
    ("products", "safety_stock"),
    ("order_lines", "unit_price"),
    ("order_lines", "backordered_qty"),
    ("purchase_orders", "received_qty"),
    ("inventory_snapshots", "allocated"),
)

POSITIVE: tuple[tuple[str, str], ...] = (("order_lines", "qty"), ("purchase_orders", "qty"))

TEXT_CASTS: dict[str, str] = {
    "VARCHAR": "{v}",
    "INTEGER": (
        "case when try_cast({v} as double) = trunc(try_cast({v} as double)) then try_cast({v} as integer) end"
    ),
    "DOUBLE": "case when isfinite(try_cast({v} as double)) then try_cast({v} as double) end",
    "DATE": "try_cast({v} as date)",
    "TIMESTAMP": "try_cast({v} as timestamp)",
    "BOOLEAN": (
        "case lower({v}) when 'true' then true when 'yes' then true when '1' then true"
        " when 'false' then false when 'no' then false when '0' then false end"
    ),
}
"""Text -> schema type. try_cast alone would round '2.5' to an integer and accept 'nan' as a price."""

TYPE_WORDS: dict[str, str] = {
    "INTEGER": "whole number",
    "DOUBLE": "number",
    "DATE": "date (YYYY-MM-DD)",
    "TIMESTAMP": "timestamp (ISO 8601, e.g. 2024-01-31 14:05:00)",
    "BOOLEAN": "boolean (true/false, yes/no, 1/0)",
}

REJECT_WORDS: dict[str, str] = {
    "MISSING COLUMNS": "malformed line: fewer fields than the {n} in the header",
    "TOO MANY COLUMNS": "malformed line: more fields than the {n} in the header",
    "UNQUOTED VALUE": "malformed line: a quote is not closed, or text follows a closing quote",
    "INVALID ENCODING": "malformed line: not valid UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "malformed line: longer than DuckDB's maximum line size",
}
"""DuckDB's reject error types in plain words; any other type is reported with DuckDB's own message."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located the way a person finds it in a spreadsheet."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f"value '{self.value}'")
        return f"{', '.join(where)}: {self.reason}"


class LoadError(Exception):
    """Every problem found in one pass, so a person fixes the files once, not once per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{more}")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class RowMap:
    """Record index -> spreadsheet row, counting the malformed lines DuckDB set aside.

    `skips[j]` is the first surviving record index that comes after the (j+1)-th rejected line.
    """

    skips: tuple[int, ...] = ()

    def row(self, index: int) -> int:
        return index + 2 + bisect.bisect_right(self.skips, index)


@dataclass
class Source:
    """One input file read into `raw_<table>`: which canonical columns it has and how to number rows."""

    table: str
    path: Path
    types: dict[str, str] = field(default_factory=dict)
    index: str = "rowid"
    rows: RowMap = field(default_factory=RowMap)
    readable: bool = True


Reason = Callable[[tuple[Any, ...], RowMap], str]


@dataclass(frozen=True)
class Check:
    """A query returning (record index, value, *details) for each offending row of `table`."""

    table: str
    column: str | None
    kind: str
    sql: str
    reason: Reason
    needs: tuple[str, ...] = ()


def find_files(source: Path) -> dict[str, Path]:
    """Map each canonical table to its file; ambiguity or nothing to load is an error, not a guess."""
    source = Path(source)
    if not source.is_dir():
        raise LoadError([Problem(str(source), None, None, None, "is not a directory")])
    found: dict[str, list[Path]] = {}
    for path in sorted(source.iterdir()):
        table = table_of(path.name)
        if table and path.is_file():
            found.setdefault(table, []).append(path)
    problems = [
        Problem(paths[1].name, None, None, None, f"two files for table {table}: {names(paths)}")
        for table, paths in found.items()
        if len(paths) > 1
    ]
    if not found:
        expected = ", ".join(f"{table}.csv" for table in warehouse.TABLES)
        problems.append(
            Problem(str(source), None, None, None, f"no table files found (expected some of {expected})")
        )
    if problems:
        raise LoadError(problems)
    return {table: found[table][0] for table in warehouse.TABLES if table in found}


def table_of(name: str) -> str | None:
    lowered = name.lower()
    for suffix in SUFFIXES:
        stem = lowered.removesuffix(suffix)
        if stem != lowered and stem in warehouse.TABLES:
            return stem
    return None


def names(paths: Iterable[Path]) -> str:
    return " and ".join(path.name for path in paths)


def load(source: Path, db_path: Path, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Build a new warehouse beside `db_path` and swap it in only when every check passed."""
    say = progress or (lambda _message: None)
    source, db_path = Path(source), Path(db_path)
    files = find_files(source)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temp = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}")
    remove(temp)
    try:
        counts = build(temp, source, files, say)
        os.replace(temp, db_path)
    except BaseException:
        remove(temp)
        raise
    say(f"loaded {sum(counts.values()):,} rows into {db_path}")
    return counts


def remove(temp: Path) -> None:
    """A failed build leaves nothing behind: the file, its WAL and DuckDB's spill folder."""
    for path in (temp, temp.with_name(temp.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(temp.with_name(temp.name + ".tmp"), ignore_errors=True)


def build(temp: Path, source: Path, files: dict[str, Path], say: Callable[[str], None]) -> dict[str, int]:
    con = duckdb.connect(str(temp))
    try:
        warehouse.create_tables(con)
        schema = read_schema(con)
        problems, sources = stage(con, schema, files, say)
        for name, checks in table_checks(primary_keys(con), sources).items():
            say(f"checking {name}")
            problems += run_checks(con, checks, sources)
        if problems:
            raise LoadError(problems)
        counts = insert(con, schema, files, say)
        say("building views")
        warehouse.finish(con, source=str(source))
    finally:
        con.close()
    return counts


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


def stage(
    con: duckdb.DuckDBPyConnection,
    schema: dict[str, list[Column]],
    files: dict[str, Path],
    say: Callable[[str], None],
) -> tuple[list[Problem], dict[str, Source]]:
    """Read each file as it is, check every value against its column type, keep the typed rows."""
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    for table in warehouse.TABLES:
        columns = schema[table]
        con.execute(f"create temp table stage_{table} (_idx bigint, {column_list(columns, types=True)})")
        if table not in files:
            continue
        say(f"reading {files[table].name}")
        source, found = read(con, table, files[table], columns)
        sources[table] = source
        problems += found
        if not source.readable:
            continue
        say(f"checking values in {files[table].name}")
        problems += run_checks(con, value_checks(source, columns), sources)
        fill_stage(con, source, columns)
    return problems, sources


def column_list(columns: list[Column], types: bool = False) -> str:
    return ", ".join(f"{c.name} {c.type}" if types else c.name for c in columns)


def read(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, columns: list[Column]
) -> tuple[Source, list[Problem]]:
    source = Source(table, path)
    try:
        if path.name.lower().endswith(".parquet"):
            return source, read_parquet(con, source, columns)
        return source, read_csv(con, source, columns)
    except (duckdb.Error, OSError, UnicodeDecodeError, csv.Error, EOFError) as exc:
        source.readable = False
        return source, [Problem(path.name, None, None, None, f"could not be read: {first_line(exc)}")]


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_header(path: Path) -> list[str]:
    """Only the header is read in Python: it names the columns, which must never reach SQL as text."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        line = handle.readline().decode("utf-8-sig")
    return next(csv.reader(io.StringIO(line)), [])


def match_columns(
    source: Source, header: list[str], columns: list[Column]
) -> tuple[dict[str, int], list[Problem]]:
    """Canonical column -> 1-based position in the file; names match ignoring case and spaces."""
    wanted = {c.name for c in columns}
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for position, name in enumerate(header, start=1):
        key = name.strip().lower()
        if key not in wanted:
            continue
        if key in positions:
            problems.append(
                Problem(source.path.name, 1, key, name, f"column {key} appears twice in the header")
            )
            continue
        positions[key] = position
    for column in columns:
        if column.required and column.name not in positions:
            problems.append(
                Problem(
                    source.path.name, None, column.name, None, f"required column {column.name} is missing"
                )
            )
    if problems:
        source.readable = False
    return positions, problems


def select_positions(positions: dict[str, int]) -> str:
    """`#n` picks the n-th column by position, so no file-supplied name is ever written into SQL."""
    return ", ".join(f"#{position} as {name}" for name, position in positions.items())


def read_csv(con: duckdb.DuckDBPyConnection, source: Source, columns: list[Column]) -> list[Problem]:
    """All fields as text under explicit columns: no sniffer guesses, no bad value turns a column to text."""
    header = read_header(source.path)
    if not any(name.strip() for name in header):
        source.readable = False
        return [Problem(source.path.name, None, None, None, "the file is empty: no header row")]
    positions, problems = match_columns(source, header, columns)
    if problems:
        return problems
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    con.execute(
        f"create temp table raw_{source.table} as select {select_positions(positions)}"
        " from read_csv($path, header = true, auto_detect = false, columns = $columns,"
        " delim = ',', quote = '\"', escape = '\"', compression = $compression, store_rejects = true)",
        {
            "path": str(source.path),
            "columns": {f"c{i}": "VARCHAR" for i in range(1, len(header) + 1)},
            "compression": "gzip" if source.path.name.lower().endswith(".gz") else "none",
        },
    )
    source.types = {name: "VARCHAR" for name in positions}
    return rejected_lines(con, source, header)


def rejected_lines(con: duckdb.DuckDBPyConnection, source: Source, header: list[str]) -> list[Problem]:
    """Structural errors DuckDB set aside: each one reported, and the row numbering corrected around them."""
    total = con.execute("select count(distinct line) from reject_errors").fetchone()[0]
    if not total:
        return []
    rows = con.execute(
        "select line, arg_min(error_type, byte_position), arg_min(column_idx, byte_position),"
        " arg_min(csv_line, byte_position), arg_min(error_message, byte_position)"
        " from reject_errors group by line order by line limit $cap",
        {"cap": CAP},
    ).fetchall()
    problems = [reject_problem(source.path.name, header, *row) for row in rows]
    if total > len(rows):
        problems.append(more(source.path.name, None, total - len(rows), "malformed lines"))
    if total > REJECT_LIMIT:
        source.readable = False
        problems.append(
            Problem(
                source.path.name, None, None, None, "too many malformed lines: its other checks were skipped"
            )
        )
        return problems
    lines = con.execute("select distinct line from reject_errors order by line").fetchall()
    source.rows = RowMap(tuple(line - 1 - n for n, (line,) in enumerate(lines, start=1)))
    return problems


def reject_problem(
    file: str, header: list[str], line: int, error_type: str, column_idx: int | None, text: str, message: str
) -> Problem:
    column = None  # DuckDB counts column_idx from 1
    if error_type not in ("MISSING COLUMNS", "TOO MANY COLUMNS") and column_idx is not None:
        column = header[column_idx - 1].strip() if 0 < column_idx <= len(header) else None
    words = REJECT_WORDS.get(error_type, f"malformed line: {message}")
    reason = words.format(n=len(header)) if error_type in REJECT_WORDS else words
    return Problem(file, line, column, shorten(text.strip("\r\n")), reason)


def shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_parquet(con: duckdb.DuckDBPyConnection, source: Source, columns: list[Column]) -> list[Problem]:
    described = con.execute(
        "describe select * from read_parquet($path)", {"path": str(source.path)}
    ).fetchall()
    header = [row[0] for row in described]
    positions, problems = match_columns(source, header, columns)
    if problems:
        return problems
    con.execute(
        f"create temp table raw_{source.table} as select file_row_number as _idx,"
        f" {select_positions(positions)} from read_parquet($path, file_row_number = true)",
        {"path": str(source.path)},
    )
    source.types = {name: described[position - 1][1] for name, position in positions.items()}
    source.index = "_idx"
    return []


def text_sql(name: str, raw_type: str) -> str:
    """Empty text is null, and stray spaces around a value are not part of it."""
    return f"nullif(trim({name}), '')" if raw_type == "VARCHAR" else name


def cast_sql(name: str, raw_type: str, target: str) -> str:
    value = text_sql(name, raw_type)
    if raw_type == target:
        return value
    if raw_type != "VARCHAR":
        value = f"{value}::varchar"
    return TEXT_CASTS.get(target, "try_cast({v} as " + target + ")").format(v=value)


def value_checks(source: Source, columns: list[Column]) -> list[Check]:
    """Per column of `raw_<table>`: a required value is there, and every value fits the column's type."""
    checks: list[Check] = []
    raw, index = f"raw_{source.table}", source.index
    for column in columns:
        raw_type = source.types.get(column.name)
        if raw_type is None:
            continue
        text = text_sql(column.name, raw_type)
        if column.required:
            checks.append(
                Check(
                    source.table,
                    column.name,
                    f"{column.name} is empty",
                    f"select {index}, null from {raw} where {text} is null",
                    lambda _d, _r, name=column.name: f"{name} is required but empty",
                )
            )
        if raw_type != column.type and column.type != "VARCHAR":
            words = TYPE_WORDS.get(column.type, column.type)
            checks.append(
                Check(
                    source.table,
                    column.name,
                    f"not a valid {words}",
                    f"select {index}, {column.name}::varchar from {raw}"
                    f" where {text} is not null and {cast_sql(column.name, raw_type, column.type)} is null",
                    lambda _d, _r, words=words: f"not a valid {words}",
                )
            )
    return checks


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


def table_checks(keys: dict[str, list[str]], sources: dict[str, Source]) -> dict[str, list[Check]]:
    """The rules across rows and tables, run over the typed staging tables, grouped for progress."""
    return {
        "primary keys": [c for table in sources for c in key_checks(table, keys[table])],
        "foreign keys": [
            reference_check(table, column, target, target in sources)
            for table, column, target in FOREIGN_KEYS
            if table in sources
        ],
        "rules": [check for check in rule_checks() if check.table in sources],
    }


def key_checks(table: str, key: list[str]) -> list[Check]:
    """Every repeat of a primary key, pointing at the row where the key first appeared."""
    if not key:
        return []
    cols = ", ".join(key)
    present = " and ".join(f"{name} is not null" for name in key)
    value = "concat_ws(', ', " + ", ".join(f"{name}::varchar" for name in key) + ")"
    sql = (
        f"with dup as (select {cols}, min(_idx) as first_idx from stage_{table} where {present}"
        f" group by all having count(*) > 1)"
        f" select s._idx, {value}, {', '.join(f's.{name}' for name in key)}, dup.first_idx"
        f" from stage_{table} as s join dup using ({cols}) where s._idx > dup.first_idx"
    )

    def reason(details: tuple[Any, ...], rows: RowMap) -> str:
        shown = ", ".join(show(v) for v in details[:-1])
        return f"duplicate primary key ({cols}) = ({shown}), also on row {rows.row(details[-1])}"

    return [Check(table, cols, "duplicate primary key", sql, reason)]


def reference_check(table: str, column: str, target: str, given: bool) -> Check:
    sql = (
        f"select s._idx, s.{column}::varchar, s.{column} from stage_{table} as s"
        f" where s.{column} is not null"
        f" and not exists (select 1 from stage_{target} as t where t.{column} = s.{column})"
    )
    return Check(
        table,
        column,
        f"{column} not in {target}",
        sql,
        lambda d, _r: f"{column} {show(d[0])} is not in {target}" + ("" if given else f" (no {target} file)"),
        needs=(target,),
    )


def rule(table: str, column: str, kind: str, where: str, details: str, reason: Reason) -> Check:
    sql = f"select _idx, {column}::varchar, {details} from stage_{table} where {where}"
    return Check(table, column, kind, sql, reason)


def rule_checks() -> list[Check]:
    """The business rules of DESIGN.md that the CHECK constraints would otherwise stop at the first row."""
    checks = [
        rule(
            t,
            c,
            f"{c} is not more than 0",
            f"{c} <= 0",
            c,
            lambda d, _r, c=c: f"{c} {show(d[0])} is not more than 0",
        )
        for t, c in POSITIVE
    ]
    checks += [
        rule(t, c, f"{c} is negative", f"{c} < 0", c, lambda d, _r, c=c: f"{c} {show(d[0])} is negative")
        for t, c in NON_NEGATIVE
    ]
    checks += [
        rule(
            "order_lines",
            "backordered_qty",
            "backordered_qty is more than qty",
            "backordered_qty > qty",
            "backordered_qty, qty",
            lambda d, _r: f"backordered_qty {show(d[0])} is more than qty {show(d[1])}",
        ),
        rule(
            "order_lines",
            "canceled_at",
            "both shipped and canceled",
            "shipped_at is not null and canceled_at is not null",
            "shipped_at",
            lambda d, _r: (
                f"the line also has shipped_at {show(d[0])}; it is either shipped or canceled, not both"
            ),
        ),
        rule(
            "purchase_orders",
            "promised_date",
            "promised before ordered",
            "promised_date < ordered_at",
            "promised_date, ordered_at",
            lambda d, _r: f"promised_date {show(d[0])} is before ordered_at {show(d[1])}",
        ),
        rule(
            "purchase_orders",
            "received_at",
            "received before ordered",
            "received_at < ordered_at",
            "received_at, ordered_at",
            lambda d, _r: f"received_at {show(d[0])} is before ordered_at {show(d[1])}",
        ),
    ]
    checks += [line_before_order(column) for column in ("shipped_at", "canceled_at")]
    return checks


def line_before_order(column: str) -> Check:
    """Compared by calendar day: date-only values are valid timestamps, and a day is what pages count."""
    sql = (
        f"select l._idx, l.{column}::varchar, l.{column}, o.ordered_at from stage_order_lines as l"
        " join (select order_id, min(ordered_at) as ordered_at from stage_orders group by order_id) as o"
        f" using (order_id) where l.{column}::date < o.ordered_at::date"
    )
    return Check(
        "order_lines",
        column,
        f"{column} before the order's ordered_at",
        sql,
        lambda d, _r: f"{column} {show(d[0])} is before the order's ordered_at {show(d[1])}",
        needs=("orders",),
    )


def show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_checks(
    con: duckdb.DuckDBPyConnection, checks: list[Check], sources: dict[str, Source]
) -> list[Problem]:
    """Skips what a broken file would only drown in noise: its own rows, and references into it."""
    unusable = {table for table, source in sources.items() if not source.readable or source.rows.skips}
    problems: list[Problem] = []
    for check in checks:
        if sources[check.table].readable and not unusable.intersection(check.needs):
            problems += run_check(con, check, sources[check.table])
    return problems


def run_check(con: duckdb.DuckDBPyConnection, check: Check, source: Source) -> list[Problem]:
    """Only offending rows leave DuckDB, at most CAP per check, with the full count kept."""
    rows = con.execute(
        f"select *, count(*) over () from ({check.sql}) order by 1 limit $cap", {"cap": CAP}
    ).fetchall()
    file = source.path.name
    problems = [
        Problem(file, source.rows.row(row[0]), check.column, row[1], check.reason(row[2:-1], source.rows))
        for row in rows
    ]
    if rows and rows[0][-1] > len(rows):
        problems.append(more(file, check.column, rows[0][-1] - len(rows), check.kind))
    return problems


def more(file: str, column: str | None, count: int, kind: str) -> Problem:
    return Problem(file, None, column, None, f"and {count:,} more rows like this ({kind})")


def insert(
    con: duckdb.DuckDBPyConnection,
    schema: dict[str, list[Column]],
    files: dict[str, Path],
    say: Callable[[str], None],
) -> dict[str, int]:
    """Into the canonical tables; their constraints are a second net that reports, never tracebacks."""
    counts: dict[str, int] = {}
    for table in warehouse.TABLES:
        say(f"writing {table}")
        cols = column_list(schema[table])
        try:
            con.execute(f"insert into main.{table} ({cols}) select {cols} from stage_{table}")
        except duckdb.ConstraintException as exc:
            file = files[table].name if table in files else table
            raise LoadError(
                [Problem(file, None, None, None, f"rejected by the warehouse: {first_line(exc)}")]
            ) from exc
        con.execute(f"drop table stage_{table}")
        counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
    return counts
