"""Files -> a new warehouse file: mapped, every rule checked in SQL, swapped in atomically.

A load reads each input as text into DuckDB, turns it into the canonical columns (by
name, or through a mapping file), checks every value and every rule there, and writes a
new warehouse file beside the old one. Only when nothing is wrong (or, with
`skip_bad_rows`, when nothing but bad rows is wrong) does `os.replace` swap it in. The
data never passes through Python: only the problems do, a capped list of them for
people and, streamed, every one of them for the rejects CSV.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.ingest import mapping
from dashboard.ingest.formats import rawfile, xlsx
from dashboard.ingest.formats.rawfile import RawFile, RowMap
from dashboard.ingest.problems import LoadError, Problem, Rejects, Report
from dashboard.query import warehouse

__all__ = ["LoadError", "Options", "Outcome", "Prepared", "Problem", "commit", "discard", "load", "prepare"]

CAP = 1000
"""At most this many rows come back per check; the rest are counted (and all go to the rejects CSV)."""

PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
PREVIEW_ROWS = 20
STALE_SECONDS = 3600
"""Pending warehouses, half-written rejects and upload folders older than this are swept."""
ZIP_LIMIT_GB = 20
"""Uncompressed gigabytes a zip may unpack to (settings: uploads.max_unpacked_gb); past it the
archive is refused, not unpacked."""
UPLOAD_PREFIX = "backorder-upload-"

FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("products", "supplier_id", "suppliers"),
    ("orders", "customer_id", "customers"),
    ("order_lines", "order_id", "orders"),
    ("order_lines", "sku", "products"),
    ("purchase_orders", "supplier_id", "suppliers"),
    ("purchase_orders", "sku", "products"),
    ("inventory_snapshots", "sku", "products"),
    ("events", "supplier_id", "suppliers"),
    ("events", "sku", "products"),
)
"""(table, column, referenced table); the referenced column has the same name and is its primary key."""

REFERENCED: dict[str, str] = {target: column for _table, column, target in FOREIGN_KEYS}

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


@dataclass(frozen=True)
class Options:
    """How to load: through a mapping file, added to the existing warehouse, leaving bad rows out."""

    mapping: Path | None = None
    append: bool = False
    skip_bad_rows: bool = False
    rejects: Path | None = None


@dataclass(frozen=True)
class Outcome:
    """What a load that passed did: rows per table, and the bad rows it left out (with skip_bad_rows)."""

    counts: dict[str, int]
    skipped: int = 0
    problems: tuple[Problem, ...] = ()
    total_problems: int = 0
    rejects: Path | None = None
    preview: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """A checked warehouse built beside `target`, waiting for `commit` (or `discard`)."""

    temp: Path
    target: Path
    base_version: int
    outcome: Outcome


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class Input:
    """Where one canonical table's rows come from: a file (a sheet of it), and its mapping rule."""

    table: str
    path: Path
    sheet: str | None = None
    rule: mapping.TableRule | None = None


@dataclass
class Source:
    """A table's rows being loaded: `raw_<table>` (new rows as read) and how problems name them."""

    table: str
    file: str
    types: dict[str, str] = field(default_factory=dict)
    index: str = "_idx"
    rows: RowMap = field(default_factory=RowMap)
    readable: bool = True
    texts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    existing: str = ""

    def label(self, column: str | None) -> str | None:
        """A mapped column is named as the file names it, so the person knows what to fix."""
        if column is None:
            return None
        return ", ".join(self.labels.get(part, part) for part in column.split(", "))

    def locate(self, index: int) -> tuple[str, int | None]:
        if index < 0:
            return self.existing, None
        return self.file, self.rows.row(index)


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


def table_of(name: str) -> str | None:
    lowered = name.lower()
    for suffix in rawfile.SUFFIXES:
        stem = lowered.removesuffix(suffix)
        if stem != lowered and stem in warehouse.TABLES:
            return stem
    return None


def names(paths: Iterable[Path]) -> str:
    return " and ".join(path.name for path in paths)


def find_inputs(folder: Path, rules: mapping.Mapping | None) -> dict[str, Input]:
    """Each table's input: the mapping's file for a mapped table, `<table>.<ext>` (or a sheet) otherwise.

    Ambiguity (two files for a table, a glob matching several) or nothing to load is an
    error, never a guess.
    """
    if not folder.is_dir():
        raise LoadError([Problem(str(folder), None, None, None, "is not a directory (or a .zip of one)")])
    problems: list[Problem] = []
    inputs: dict[str, Input] = {}
    used: set[Path] = set()
    file = rules.file if rules else ""
    for rule in rules.tables if rules else ():
        found = mapping.files_for(rule, folder)
        where = f"tables.{rule.table}.file"
        if len(found) == 1:
            inputs[rule.table] = Input(rule.table, found[0], rule.sheet, rule)
            used.add(found[0])
            continue
        if found:
            reason = f"matches {len(found)} files: {names(found)}"
        else:
            present = ", ".join(sorted(p.name for p in folder.iterdir() if p.is_file())[:12]) or "none"
            reason = f"matches no file in the folder (its files: {present})"
        problems.append(Problem(file, rule.line, where, rule.file, reason))
    found_files: dict[str, list[Input]] = {}
    for path in sorted(folder.iterdir()):
        if path in used or not path.is_file():
            continue
        for item in canonical_inputs(path):
            if item.table not in inputs:
                found_files.setdefault(item.table, []).append(item)
    for table, items in found_files.items():
        if len(items) > 1:
            shown = " and ".join(f"{i.path.name} [{i.sheet}]" if i.sheet else i.path.name for i in items)
            problems.append(
                Problem(items[1].path.name, None, None, None, f"two files for table {table}: {shown}")
            )
        inputs[table] = items[0]
    if not inputs and not problems:
        expected = ", ".join(f"{table}.csv" for table in warehouse.TABLES)
        problems.append(
            Problem(str(folder), None, None, None, f"no table files found (expected some of {expected})")
        )
    if problems:
        raise LoadError(problems)
    return {table: inputs[table] for table in warehouse.TABLES if table in inputs}


def canonical_inputs(path: Path) -> list[Input]:
    """`orders.csv` is the orders table; a workbook not named after a table offers its sheets that are."""
    table = table_of(path.name)
    if table:
        return [Input(table, path)]
    if not path.name.lower().endswith(".xlsx"):
        return []

    try:
        sheets = xlsx.sheet_names(path)
    except xlsx.WorkbookError:
        return []
    return [Input(s.strip().lower(), path, s) for s in sheets if s.strip().lower() in warehouse.TABLES]


def load(
    source: Path,
    db_path: Path,
    progress: Callable[[str], None] | None = None,
    options: Options | None = None,
) -> dict[str, int]:
    """Build a new warehouse beside `db_path` and swap it in only when every check passed."""
    prepared = prepare(source, db_path, options or Options(), progress)
    commit(prepared)
    (progress or (lambda _m: None))(f"loaded {sum(prepared.outcome.counts.values()):,} rows into {db_path}")
    return prepared.outcome.counts


def prepare(
    source: Path,
    db_path: Path,
    options: Options | None = None,
    progress: Callable[[str], None] | None = None,
) -> Prepared:
    """Read, map and check everything into a new file beside `db_path`; the live warehouse is untouched.

    Raises LoadError listing every problem; the rejects CSV (if asked for) then lists them all.
    """
    options = options or Options()
    say = progress or (lambda _message: None)
    source, db_path = Path(source), Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    sweep(db_path)
    temp = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    base_version = warehouse.version(db_path)
    rejects = Rejects(options.rejects)
    report = Report(rejects, CAP)
    try:
        with tempfile.TemporaryDirectory(prefix="backorder-load-") as work:
            folder = unpack(source, Path(work))
            outcome = Build(temp, folder, db_path, options, report, Path(work), say).run(source)
    except LoadError:
        remove(temp)
        rejects.close(keep=True)
        raise
    except BaseException:
        remove(temp)
        rejects.close(keep=False)
        raise
    return Prepared(temp, db_path, base_version, replace(outcome, rejects=rejects.close(keep=True)))


def commit(prepared: Prepared) -> None:
    """Swap the checked file in, unless the warehouse changed since it was built from it."""
    if warehouse.version(prepared.target) != prepared.base_version:
        discard(prepared)
        reason = "changed since these files were checked (another load?): check them again"
        raise LoadError([Problem(str(prepared.target), None, None, None, reason)])
    os.replace(prepared.temp, prepared.target)


def discard(prepared: Prepared) -> None:
    remove(prepared.temp)


def remove(temp: Path) -> None:
    """A failed build leaves nothing behind: the file, its WAL and DuckDB's spill folder."""
    for path in (temp, temp.with_name(temp.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(temp.with_name(temp.name + ".tmp"), ignore_errors=True)


def zip_limit() -> int:
    """Bytes a zip may unpack to, from the `uploads:` settings section."""
    from dashboard import settings

    gigabytes = settings.section("uploads").get("max_unpacked_gb", ZIP_LIMIT_GB)
    if isinstance(gigabytes, bool) or not isinstance(gigabytes, int | float) or gigabytes <= 0:
        raise settings.SettingsError("uploads.max_unpacked_gb must be a positive number")
    return int(gigabytes * 1024**3)


def sweep(db_path: Path, older_than: float = STALE_SECONDS) -> None:
    """What a crashed process (kill -9) or an abandoned upload left behind, once an hour old:
    pending warehouses, half-written rejects files and upload folders. Run at every load and when
    the app starts."""
    cutoff = time.time() - older_than
    left = [
        *db_path.parent.glob(f".{db_path.name}.loading-*"),
        *db_path.parent.glob(".*.csv.writing-*"),
        *Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"),
    ]
    for path in left:
        try:
            if path.stat().st_mtime < cutoff:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        except OSError:
            continue


def unpack(source: Path, work: Path) -> Path:
    """A folder as it is; a .zip unpacked (into its single top folder, if it has one)."""
    if not source.is_file() or not source.name.lower().endswith(".zip"):
        return source
    target = work / "unzipped"
    target.mkdir()
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.infolist() if wanted(m)]
            names = [m.filename for m in members]
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                reason = f"holds '{twice[0]}' twice; which one is meant? Remove one and zip again"
                raise LoadError([Problem(source.name, None, None, None, reason)])
            limit = zip_limit()
            if sum(m.file_size for m in members) > limit:
                reason = f"unpacks to more than {limit / 1024**3:.3g} GB (settings: uploads.max_unpacked_gb)"
                raise LoadError([Problem(source.name, None, None, None, reason)])
            for member in members:
                out = target.joinpath(*Path(member.filename).parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as data, out.open("wb") as handle:
                    shutil.copyfileobj(data, handle, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise LoadError([Problem(source.name, None, None, None, f"is not a readable zip ({exc})")]) from exc
    except OSError as exc:  # e.g. both `x.csv` and `x.csv/y.csv`: a name is a file and a folder
        reason = f"cannot be unpacked: {exc.strerror or exc} ({Path(exc.filename or '').name})"
        raise LoadError([Problem(source.name, None, None, None, reason)]) from exc
    entries = [p for p in target.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def wanted(member: zipfile.ZipInfo) -> bool:
    """Table files only (nothing else is ever read, so nothing else is unpacked), never outside the
    folder, without macOS resource forks."""
    parts = Path(member.filename).parts
    if member.is_dir() or not parts or member.filename.startswith(("/", "\\")) or ".." in parts:
        return False
    if rawfile.kind_of(parts[-1]) is None:
        return False
    return parts[0] != "__MACOSX" and not parts[-1].startswith("._")


class Build:
    """One load into `temp`: the connection, the report, and the rows it has left out so far."""

    def __init__(
        self,
        temp: Path,
        folder: Path,
        db_path: Path,
        options: Options,
        report: Report,
        work: Path,
        say: Callable[[str], None],
    ) -> None:
        self.temp = temp
        self.folder = folder
        self.db_path = db_path
        self.options = options
        self.report = report
        self.work = work
        self.say = say
        self.fatal = 0
        self.skipped = 0
        self.sources: dict[str, Source] = {}
        self.headers: dict[str, tuple[mapping.Header, tuple[Path, str | None]]] = {}

    @property
    def skip(self) -> bool:
        return self.options.skip_bad_rows

    def run(self, source: Path) -> Outcome:
        rules = mapping.read(self.options.mapping) if self.options.mapping else None
        inputs = find_inputs(self.folder, rules)
        if self.options.append and not self.db_path.exists():
            reason = "has no warehouse to append to: load without --append first"
            raise LoadError([Problem(str(self.db_path), None, None, None, reason)])
        con = duckdb.connect(str(self.temp))
        try:
            warehouse.create_tables(con)
            self.con = con
            self.schema = read_schema(con)
            self.keys = primary_keys(con)
            self.stage(inputs, rules)
            self.merge_existing()
            self.check_tables()
            if self.fatal or (self.report.total and not self.skip):
                raise self.report.error()
            preview = {table: self.preview(table) for table in inputs}
            counts = self.insert(inputs)
            self.say("building views")
            origin = str(source) + (" (appended)" if self.options.append else "")
            warehouse.finish(con, source=origin)
        finally:
            con.close()
        return Outcome(counts, self.skipped, tuple(self.report.listed), self.report.total, None, preview)

    def add(self, problem: Problem) -> None:
        """A problem with no row to leave out: the load cannot pass, even with skip_bad_rows."""
        self.fatal += 1
        self.report.add(problem)

    def stage(self, inputs: dict[str, Input], rules: mapping.Mapping | None) -> None:
        """Every input read as it is, mapped into `raw_<table>`, value-checked, typed into `stage_<table>`."""
        for table in warehouse.TABLES:
            columns = column_list(self.schema[table], types=True)
            self.con.execute(f"create temp table stage_{table} (_idx bigint, {columns})")
            if table in REFERENCED:
                self.con.execute(f"create temp table left_out_{table} (key varchar)")
        files: dict[tuple[Path, str | None], RawFile | None] = {}
        for item in inputs.values():
            if (item.path, item.sheet) not in files:
                files[(item.path, item.sheet)] = self.open(item)
        mapped = {t: i for t, i in inputs.items() if i.rule is not None}
        compiled = self.compile(mapped, files, rules)
        read: dict[tuple[Path, str | None], str] = {}
        for table, item in inputs.items():
            raw = files[(item.path, item.sheet)]
            if raw is None:
                self.sources[table] = Source(table, item.path.name, readable=False)
                continue
            self.say(f"reading {raw.label}" if item.rule is None else f"mapping {table} from {raw.label}")
            if item.rule is None:
                source = self.read_canonical(table, raw)
            else:
                source = self.read_mapped(table, raw, compiled.get(table), read, item)
            self.sources[table] = source
            if source.readable:
                self.say(f"checking values in {raw.label}")
                self.check_values(source, compiled.get(table))
                fill_stage(self.con, source, self.schema[table])
        for name in read.values():
            self.con.execute(f"drop table if exists {name}")

    def open(self, item: Input) -> RawFile | None:
        rule = item.rule
        try:
            return rawfile.open_input(
                self.con,
                item.path,
                self.work,
                sheet=item.sheet,
                table=item.table,
                delimiter=rule.delimiter if rule else None,
                encoding=rule.encoding if rule else None,
            )
        except rawfile.InputError as exc:
            self.add(Problem(item.path.name, None, None, None, str(exc)))
            return None

    def compile(
        self,
        mapped: dict[str, Input],
        files: dict[tuple[Path, str | None], RawFile | None],
        rules: mapping.Mapping | None,
    ) -> dict[str, tuple[mapping.Compiled, mapping.Header]]:
        """Mapping rules against each file's real header, before any row is read."""
        out: dict[str, tuple[mapping.Compiled, mapping.Header]] = {}
        for table, item in mapped.items():
            raw = files[(item.path, item.sheet)]
            if raw is None or item.rule is None or rules is None:
                continue
            header = mapping.Header(raw.header)
            compiled, problems = mapping.compile_table(
                item.rule, header, self.schema[table], self.keys[table], rules.file, raw.index
            )
            for problem in problems:
                self.add(problem)
            if compiled is not None:
                out[table] = (compiled, header)
                self.headers[table] = (header, (item.path, item.sheet))
        return out

    def read_canonical(self, table: str, raw: RawFile) -> Source:
        source = Source(table, raw.label, existing=self.existing_label(table))
        positions, problems = match_columns(raw, self.schema[table])
        for problem in problems:
            self.add(problem)
        if problems:
            source.readable = False
            return source
        if not self.read_file(raw, f"raw_{table}", positions, source):
            return source
        source.types = {name: raw.types[position - 1] for name, position in positions.items()}
        source.index = raw.index
        source.rows = raw.rows
        return source

    def read_file(
        self, raw: RawFile, name: str, positions: dict[str, int], source: Source, text: bool = False
    ) -> bool:
        """Read into `name`; a file that cannot be read, or is mostly malformed lines, is left out."""
        before = self.report.total
        try:
            rawfile.read(self.con, raw, name, positions, self.report, text)
        except rawfile.TooManyRejects:
            reason = "too many malformed lines: its other checks were skipped"
            self.add(Problem(raw.label, None, None, None, reason))
            source.readable = False
        except duckdb.Error as exc:
            self.add(Problem(raw.label, None, None, None, f"could not be read: {rawfile.first_line(exc)}"))
            source.readable = False
        if self.skip and source.readable:
            self.skipped += self.report.total - before
        return source.readable

    def read_mapped(
        self,
        table: str,
        raw: RawFile,
        compiled: tuple[mapping.Compiled, mapping.Header] | None,
        read: dict[tuple[Path, str | None], str],
        item: Input,
    ) -> Source:
        source = Source(table, raw.label, existing=self.existing_label(table))
        if compiled is None:
            source.readable = False
            return source
        plan, _header = compiled
        key = (item.path, item.sheet)
        if key not in read:
            read[key] = f"src_{len(read)}"
            used = self.columns_used(key)
            if not self.read_file(raw, read[key], {f"c{p}": p for p in sorted(used)}, source, text=True):
                read[key] = ""
                return source
        if not read[key]:
            source.readable = False
            return source
        try:
            self.con.execute(
                f"create temp table raw_{table} as {plan.sql.format(src=read[key])}", plan.params
            )
        except duckdb.Error as exc:
            self.add(self.expression_problem(table, plan, read[key], exc, item))
            source.readable = False
            return source
        source.types = dict(plan.types)
        source.texts = dict(plan.texts)
        source.labels = dict(plan.labels)
        source.rows = raw.rows
        return source

    def columns_used(self, key: tuple[Path, str | None]) -> set[int]:
        """The union of the columns every table mapped from this file reads, so it is read once."""
        return {p for header, file_key in self.headers.values() if file_key == key for p in header.used}

    def expression_problem(
        self, table: str, plan: mapping.Compiled, src: str, exc: duckdb.Error, item: Input
    ) -> Problem:
        """Find which derived column failed, so the message names its line in the mapping."""
        rule = item.rule
        assert rule is not None
        for name, sql in plan.expressions.items():
            named = set(PARAMETER.findall(sql))
            used = {name: value for name, value in plan.params.items() if name in named}
            try:
                self.con.execute(f"select count({sql}) from {src}", used).fetchall()
            except duckdb.Error as inner:
                line = next((c.line for c in rule.columns if c.name == name), rule.line)
                reason = f"sql failed on {item.path.name}: {rawfile.first_line(inner)}"
                reason += " (try_cast turns a bad value into an empty one, reported per row if required)"
                return Problem(self.mapping_file, line, f"tables.{table}.columns.{name}", None, reason)
        reason = f"could not be applied to {item.path.name}: {rawfile.first_line(exc)}"
        return Problem(self.mapping_file, rule.line, f"tables.{table}", None, reason)

    @property
    def mapping_file(self) -> str:
        return self.options.mapping.name if self.options.mapping else ""

    def existing_label(self, table: str) -> str:
        return f"{self.db_path.name} ({table} already loaded)"

    def check_values(self, source: Source, compiled: tuple[mapping.Compiled, mapping.Header] | None) -> None:
        """Per-row checks on `raw_<table>`; with skip_bad_rows the rows that fail are left out."""
        checks = mapping_checks(source, compiled[0]) if compiled else []
        checks += value_checks(source, self.schema[source.table])
        hits = self.run_checks(checks)
        if not hits:
            return
        table = source.table
        if self.skip:
            key = REFERENCED.get(table)
            if key in source.types:
                self.con.execute(
                    f"insert into left_out_{table} select {text_sql(key, source.types[key])}::varchar"
                    f" from raw_{table} where {source.index} in (select _idx from bad_{table})"
                )
            self.skipped += self.con.execute(
                f"delete from raw_{table} where {source.index} in (select _idx from bad_{table})"
            ).fetchone()[0]
        self.con.execute(f"drop table bad_{table}")

    def run_checks(self, checks: list[Check]) -> int:
        """Skips what a broken file would only drown in noise: its own rows, and references into it."""
        broken = {t for t, s in self.sources.items() if not s.readable or (s.rows.skips and not self.skip)}
        hits = 0
        for check in checks:
            source = self.sources.get(check.table)
            if source is None or not source.readable or broken.intersection(check.needs):
                continue
            hits += self.run_check(check, source)
        return hits

    def run_check(self, check: Check, source: Source) -> int:
        """Bad rows stay in DuckDB; only the first CAP become problems, unless a rejects file wants all."""
        self.con.execute(f"create or replace temp table hits as {check.sql}")
        count = self.con.execute("select count(*) from hits").fetchone()[0]
        if not count:
            return 0
        self.con.execute(f"create temp table if not exists bad_{check.table} (_idx bigint)")
        self.con.execute(f"insert into bad_{check.table} select #1 from hits")
        if self.con.execute("select count(*) from hits where #1 < 0").fetchone()[0]:
            self.fatal += 1  # a row already in the warehouse cannot be left out
        result = self.con.execute("select * from hits order by 1")
        label = source.label(check.column)

        def problems() -> Iterable[Problem]:
            while chunk := result.fetchmany(10_000):
                for row in chunk:
                    file, line = source.locate(row[0])
                    yield Problem(file, line, label, none_or_text(row[1]), check.reason(row[2:], source.rows))

        self.report.add_rows(problems(), count, source.file, label, check.kind)
        return count

    def merge_existing(self) -> None:
        """`rows_<table>`: what the new warehouse will hold; with append, old rows not replaced by key."""
        if self.options.append:
            self.con.execute("attach $path as old (read_only)", {"path": str(self.db_path)})
        for table in warehouse.TABLES:
            cols = column_list(self.schema[table])
            sql = f"select _idx, {cols} from stage_{table}"
            if self.options.append:
                key = self.keys[table]
                match = " and ".join(f"s.{k} is not distinct from o.{k}" for k in key) or "false"
                old = ", ".join(f"o.{c.name}" for c in self.schema[table])
                sql += (
                    f" union all select -1 - o.rowid as _idx, {old} from old.main.{table} as o"
                    f" where not exists (select 1 from stage_{table} as s where {match})"
                )
                label = self.existing_label(table)
                self.sources.setdefault(table, Source(table, label, existing=label))
            self.con.execute(f"create temp view rows_{table} as {sql}")

    def check_tables(self) -> None:
        """Keys, references and rules over every row; leaving a row out can orphan others, so repeat."""
        groups = table_checks(self.keys, self.sources)
        for name, checks in groups.items():
            self.say(f"checking {name}")
            self.run_checks(checks)
        if not self.skip:
            return
        while self.delete_bad():
            self.say("checking references to the rows left out")
            if not self.run_checks(groups["foreign keys"]):
                break
        self.delete_bad()

    def delete_bad(self) -> int:
        deleted = 0
        for table in warehouse.TABLES:
            exists = self.con.execute(
                "select count(*) from duckdb_tables() where table_name = $name and temporary",
                {"name": f"bad_{table}"},
            ).fetchone()[0]
            if not exists:
                continue
            if table in REFERENCED:
                self.con.execute(
                    f"insert into left_out_{table} select {REFERENCED[table]}::varchar from stage_{table}"
                    f" where _idx in (select _idx from bad_{table})"
                )
            deleted += self.con.execute(
                f"delete from stage_{table} where _idx in (select _idx from bad_{table})"
            ).fetchone()[0]
            self.con.execute(f"drop table bad_{table}")
        self.skipped += deleted
        return deleted

    def preview(self, table: str) -> pd.DataFrame:
        """The first rows as they will be stored, in file order, for a person to eyeball the mapping."""
        cols = column_list(self.schema[table])
        return self.con.execute(
            f"select {cols} from rows_{table} where _idx >= 0 order by _idx limit {PREVIEW_ROWS}"
        ).df()

    def insert(self, inputs: dict[str, Input]) -> dict[str, int]:
        """Into the canonical tables; their constraints are a second net that reports, never tracebacks."""
        counts: dict[str, int] = {}
        for table in warehouse.TABLES:
            self.say(f"writing {table}")
            cols = column_list(self.schema[table])
            try:
                self.con.execute(f"insert into main.{table} ({cols}) select {cols} from rows_{table}")
            except duckdb.ConstraintException as exc:
                file = inputs[table].path.name if table in inputs else table
                reason = f"rejected by the warehouse: {rawfile.first_line(exc)}"
                raise LoadError([Problem(file, None, None, None, reason)]) from exc
            counts[table] = self.con.execute(f"select count(*) from main.{table}").fetchone()[0]
        for table in warehouse.TABLES:
            self.con.execute(f"drop view rows_{table}")
            self.con.execute(f"drop table stage_{table}")
        if self.options.append:
            self.con.execute("detach old")
        return counts


def none_or_text(value: Any) -> str | None:
    return None if value is None else str(value)


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
    return TEXT_CASTS.get(target, "try_cast({v} as " + target + ")").format(v=value)


def mapping_checks(source: Source, compiled: mapping.Compiled) -> list[Check]:
    """The mapping's own per-row checks: a value its map does not list, a date no format reads."""
    return [
        Check(
            source.table,
            check.column,
            check.kind,
            f"select _idx, {check.value} from raw_{source.table} where {check.where}",
            lambda _d, _r, reason=check.reason: reason,
        )
        for check in compiled.checks
    ]


def value_checks(source: Source, columns: list[Column]) -> list[Check]:
    """Per column of `raw_<table>`: a required value is there, and every value fits the column's type."""
    checks: list[Check] = []
    raw, index = f"raw_{source.table}", source.index
    for column in columns:
        raw_type = source.types.get(column.name)
        if raw_type is None:
            continue
        if column.required:
            present = source.texts.get(column.name, column.name)
            text = text_sql(present, "VARCHAR" if present != column.name else raw_type)
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
                    f" where {text_sql(column.name, raw_type)} is not null"
                    f" and {cast_sql(column.name, raw_type, column.type)} is null",
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
    """The rules across rows and tables, run over `rows_<table>`, grouped for progress."""
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
        f"with dup as (select {cols}, min(_idx) as first_idx from rows_{table} where {present}"
        f" group by all having count(*) > 1)"
        f" select s._idx, {value}, {', '.join(f's.{name}' for name in key)}, dup.first_idx"
        f" from rows_{table} as s join dup using ({cols}) where s._idx > dup.first_idx"
    )

    def reason(details: tuple[Any, ...], rows: RowMap) -> str:
        shown = ", ".join(show(v) for v in details[:-1])
        return f"duplicate primary key ({cols}) = ({shown}), also on row {rows.row(details[-1])}"

    return [Check(table, cols, "duplicate primary key", sql, reason)]


def reference_check(table: str, column: str, target: str, given: bool) -> Check:
    """A value the target does not hold; with skip_bad_rows, say so when its row there was left out."""
    sql = (
        f"select s._idx, s.{column}::varchar, s.{column},"
        f" s.{column}::varchar in (select key from left_out_{target}) from rows_{table} as s"
        f" where s.{column} is not null"
        f" and not exists (select 1 from rows_{target} as t where t.{column} = s.{column})"
    )

    def reason(details: tuple[Any, ...], _rows: RowMap) -> str:
        missing = f"{column} {show(details[0])} is not in {target}"
        if details[1]:
            return f"{missing}: its row there was left out as bad"
        return missing + ("" if given else f" (no {target} file)")

    return Check(table, column, f"{column} not in {target}", sql, reason, needs=(target,))


def rule(table: str, column: str, kind: str, where: str, details: str, reason: Reason) -> Check:
    sql = f"select _idx, {column}::varchar, {details} from rows_{table} where {where}"
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
        f"select l._idx, l.{column}::varchar, l.{column}, o.ordered_at from rows_order_lines as l"
        " join (select order_id, min(ordered_at) as ordered_at from rows_orders group by order_id) as o"
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
