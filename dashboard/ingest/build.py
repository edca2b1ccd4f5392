"""One build: every input read as text, mapped, typed and checked into a new warehouse file.

The data never passes through Python: only the problems do, a capped list of them for
people and, streamed, every one of them for the rejects CSV. `lifecycle` decides what
happens to the file afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.ingest import derived, formats, mapping
from dashboard.ingest.checks import EMPTY_SHARE, MAX_SKIPPED, NULL_MARKERS, Checker
from dashboard.ingest.columns import column_list, fill_stage, match_columns, primary_keys, read_schema
from dashboard.ingest.formats.rawfile import InputError, RawFile, TooManyRejects, first_line
from dashboard.ingest.inputs import Input, Source
from dashboard.ingest.problems import LoadError, Problem, Report
from dashboard.query import warehouse

PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Options:
    """How to load: through a mapping file, added to the existing warehouse, leaving bad rows out."""

    mapping: Path | None = None
    append: bool = False
    skip_bad_rows: bool = False
    rejects: Path | None = None
    max_skipped: float = MAX_SKIPPED
    """With skip_bad_rows, the largest share of any table's rows that may be left out."""


@dataclass(frozen=True)
class Outcome:
    """What a load that passed did: rows per table, and the bad rows it left out (with skip_bad_rows)."""

    counts: dict[str, int]
    skipped: int = 0
    problems: tuple[Problem, ...] = ()
    total_problems: int = 0
    rejects: Path | None = None
    preview: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """What a person should know about data that loaded, e.g. PO lines without an order date."""


class Build:
    """One load into `temp`: its connection, schema, report, sources, and the checker over them."""

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
        self.folder = folder
        self.db_path = db_path
        self.options = options
        self.report = report
        self.work = work
        self.say = say
        self.sources: dict[str, Source] = {}
        self.headers: dict[str, tuple[mapping.Header, tuple[Path, str | None]]] = {}
        self.con = warehouse.open_build(temp)
        try:
            warehouse.create_tables(self.con)
            self.schema = read_schema(self.con)
            self.keys = primary_keys(self.con)
        except BaseException:
            self.con.close()
            raise
        self.checker = Checker(
            self.con, report, self.sources, self.keys, options.skip_bad_rows, say, options.max_skipped
        )

    def run(self, source: Path, inputs: dict[str, Input], rules: mapping.Mapping | None) -> Outcome:
        """Stage, check and write every table; raises LoadError (listing all problems) when it cannot pass."""
        try:
            self.stage(inputs, rules)
            self.merge_existing()
            self.checker.check_tables()
            if self.checker.failed:
                raise self.report.error()
            preview = {table: self.preview(table) for table in inputs}
            counts = self.insert(inputs)
            notes = self.notes(counts)
            self.say("building views")
            origin = str(source) + (" (appended)" if self.options.append else "")
            warehouse.finish(self.con, source=origin)
            notes += derived.prepare(self.con, self.say)
        finally:
            self.con.close()
        listed = tuple(self.report.listed)
        return Outcome(counts, self.checker.skipped, listed, self.report.total, None, preview, notes)

    def notes(self, counts: dict[str, int]) -> tuple[str, ...]:
        """What loaded but deserves a word: PO lines without ordered_at (no lead time), null markers."""
        notes = []
        undated = self.con.execute(
            "select count(*) from main.purchase_orders where ordered_at is null"
        ).fetchone()[0]
        if undated:
            total = counts["purchase_orders"]
            notes.append(
                f"purchase_orders: {undated:,} of {total:,} lines have no ordered_at; they count in on-time"
                " rate, delay and ETAs, not in lead times"
            )
        return tuple(notes) + self.null_markers(counts)

    def null_markers(self, counts: dict[str, int]) -> tuple[str, ...]:
        """Text columns where 'NULL', 'N/A' or '-' fill many rows: stored as text, they read as a value."""
        found = []
        for table, columns in self.schema.items():
            for column in columns:
                if column.type != "VARCHAR" or column.name in self.keys[table] or not counts.get(table):
                    continue
                row = self.con.execute(
                    f"select {column.name}, count(*) from main.{table}"
                    f" where list_contains($markers, lower(trim({column.name})))"
                    " group by 1 order by 2 desc limit 1",
                    {"markers": list(NULL_MARKERS)},
                ).fetchone()
                if row and row[1] >= max(2, counts[table] * EMPTY_SHARE):
                    found.append(
                        f"{table}.{column.name}: {row[1]:,} of {counts[table]:,} rows hold '{row[0]}', which"
                        " looks like a null marker: list it under missing: in a mapping to read it as empty"
                    )
        return tuple(found)

    def stage(self, inputs: dict[str, Input], rules: mapping.Mapping | None) -> None:
        """Every input read as it is, mapped into `raw_<table>`, value-checked, typed into `stage_<table>`."""
        for table in warehouse.TABLES:
            columns = column_list(self.schema[table], types=True)
            self.con.execute(f"create temp table stage_{table} (_idx bigint, {columns})")
        self.checker.start()
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
                plan = compiled.get(table)
                self.checker.check_values(source, plan[0] if plan else None, self.schema[table])
                fill_stage(self.con, source, self.schema[table])
        for name in read.values():
            self.con.execute(f"drop table if exists {name}")

    def open(self, item: Input) -> RawFile | None:
        rule = item.rule
        try:
            raw = formats.open_input(
                self.con,
                item.path,
                self.work,
                sheet=item.sheet,
                table=item.table,
                delimiter=rule.delimiter if rule else None,
                encoding=rule.encoding if rule else None,
            )
        except InputError as exc:
            self.checker.add(Problem(item.path.name, None, None, None, str(exc)))
            return None
        raw.extra_fields = rule.extra_fields if rule else None
        return raw

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
            for problem in mapping.hint_comments(problems, rules.path):
                self.checker.add(problem)
            if compiled is not None:
                out[table] = (compiled, header)
                self.headers[table] = (header, (item.path, item.sheet))
        return out

    def read_canonical(self, table: str, raw: RawFile) -> Source:
        source = Source(table, raw.label, existing=self.existing_label(table))
        positions, problems = match_columns(raw, self.schema[table])
        for problem in problems:
            self.checker.add(problem)
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
            formats.read(self.con, raw, name, positions, self.report, text)
        except TooManyRejects:
            reason = "too many malformed lines: its other checks were skipped"
            self.checker.add(Problem(raw.label, None, None, None, reason))
            source.readable = False
        except duckdb.Error as exc:
            self.checker.add(Problem(raw.label, None, None, None, f"could not be read: {first_line(exc)}"))
            source.readable = False
        if self.options.skip_bad_rows and source.readable:
            self.checker.malformed(source.table, self.report.total - before)
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
        lookups = self.read_lookups(table, plan, item)
        if lookups is None:
            source.readable = False
            return source
        try:
            self.con.execute(
                f"create temp table raw_{table} as {plan.sql.format(src=read[key], **lookups)}", plan.params
            )
        except duckdb.Error as exc:
            self.checker.add(self.expression_problem(table, plan, read[key], exc, item))
            source.readable = False
            return source
        source.types = dict(plan.types)
        source.texts = dict(plan.texts)
        source.labels = dict(plan.labels)
        source.rows = raw.rows
        return source

    def read_lookups(self, table: str, plan: mapping.Compiled, item: Input) -> dict[str, str] | None:
        """Each lookup's file as a table of (k, v): the first row of each key, keys and values trimmed."""
        names: dict[str, str] = {}
        for alias, spec in plan.lookups:
            look = spec.lookup
            assert look is not None
            where = f"tables.{table}.columns.{spec.name}.lookup"
            found = mapping.files_for_name(look.file, self.folder)
            if len(found) != 1:
                reason = f"file matches {len(found)} files" if found else "file matches no file in the folder"
                self.checker.add(Problem(self.mapping_file, spec.line, where, look.file, reason))
                return None
            try:
                raw = formats.open_input(self.con, found[0], self.work)
            except InputError as exc:
                self.checker.add(Problem(found[0].name, None, None, None, str(exc)))
                return None
            header = mapping.Header(raw.header)
            positions = {}
            for part, name in (("k", look.key_in_file), ("v", look.column)):
                internal = header.find(name)
                if internal is None:
                    reason = f"{header.explain(name)} {found[0].name}".replace("not in the file ", "not in ")
                    self.checker.add(Problem(self.mapping_file, spec.line, where, name, reason))
                    return None
                positions[part] = int(internal[1:])
            name = f"lk_{table}_{alias}"
            holder = Source(table, raw.label)
            if not self.read_file(raw, f"{name}_raw", positions, holder, text=True):
                return None
            self.con.execute(
                f"create temp table {name} as select nullif(trim(k), '') as k,"
                f" arg_min(nullif(trim(v), ''), {raw.index}) as v from {name}_raw"
                " where nullif(trim(k), '') is not null group by 1"
            )
            self.con.execute(f"drop table {name}_raw")
            names[alias] = name
        return names

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
                reason = f"sql failed on {item.path.name}: {first_line(inner)}"
                reason += " (try_cast turns a bad value into an empty one, reported per row if required)"
                return Problem(self.mapping_file, line, f"tables.{table}.columns.{name}", None, reason)
        reason = f"could not be applied to {item.path.name}: {first_line(exc)}"
        return Problem(self.mapping_file, rule.line, f"tables.{table}", None, reason)

    @property
    def mapping_file(self) -> str:
        return self.options.mapping.name if self.options.mapping else ""

    def existing_label(self, table: str) -> str:
        return f"{self.db_path.name} ({table} already loaded)"

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
                reason = f"rejected by the warehouse: {first_line(exc)}"
                raise LoadError([Problem(file, None, None, None, reason)]) from exc
            counts[table] = self.con.execute(f"select count(*) from main.{table}").fetchone()[0]
        for table in warehouse.TABLES:
            self.con.execute(f"drop view rows_{table}")
            self.con.execute(f"drop table stage_{table}")
        if self.options.append:
            self.con.execute("detach old")
        return counts
