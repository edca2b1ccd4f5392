"""Every rule a load checks, as SQL returning the offending rows, and the checker that runs them.

A check is a query over `raw_<table>` (values as read) or `rows_<table>` (what the new
warehouse will hold) returning (record index, value, *details) per bad row. Bad rows stay
in DuckDB (`bad_<table>`); only the first CAP per check become problems in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from dashboard.ingest import mapping
from dashboard.ingest.columns import TYPE_WORDS, Column, cast_sql, text_sql
from dashboard.ingest.dates import EARLIEST_YEAR, year_sql
from dashboard.ingest.formats.rawfile import RowMap
from dashboard.ingest.inputs import Source
from dashboard.ingest.problems import Problem, Report
from dashboard.query import warehouse

CAP = 1000
"""At most this many rows come back per check; the rest are counted (and all go to the rejects CSV)."""

MAX_SKIPPED = 0.05
"""With skip_bad_rows, a load that would leave out more than this share of any table's rows stops:
half the order lines gone by cascade is a broken mapping, not a few bad rows (`--max-skipped`)."""


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
    values: bool = False
    """A check of one value's form: a value that looks like a null marker gets the `missing:` hint."""


class Checker:
    """Runs checks for one build; with skip_bad_rows it leaves bad rows out and counts them."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report: Report,
        sources: dict[str, Source],
        keys: dict[str, list[str]],
        skip: bool,
        say: Callable[[str], None],
        max_skipped: float = MAX_SKIPPED,
    ) -> None:
        self.con = con
        self.report = report
        self.sources = sources
        self.keys = keys
        self.skip = skip
        self.say = say
        self.max_skipped = max_skipped
        self.fatal = 0
        self.skipped = 0
        self.read: Counter[str] = Counter()
        """Rows each table's file gave, malformed lines included: what a left-out share is a share of."""
        self.dropped: Counter[str] = Counter()
        self.causes: dict[str, Counter[str]] = {}
        """Per table, the rows each kind of problem hit: the biggest is what a person should fix first."""

    def add(self, problem: Problem, first: bool = False) -> None:
        """A problem with no row to leave out: the load cannot pass, even with skip_bad_rows."""
        self.fatal += 1
        self.report.add(problem, first)

    @property
    def failed(self) -> bool:
        return bool(self.fatal or (self.report.total and not self.skip))

    def start(self) -> None:
        """The tables that remember which referenced keys were left out, and from which record, so a
        cascade's message names the row it follows from."""
        for table in REFERENCED:
            self.con.execute(f"create temp table left_out_{table} (key varchar, idx bigint)")

    def malformed(self, table: str, count: int) -> None:
        """Lines the reader set aside: left out with skip_bad_rows, and part of the table's rows read."""
        self.skipped += count
        self.read[table] += count
        self.dropped[table] += count
        cause = "malformed lines (more or fewer fields than the header)"
        self.causes.setdefault(table, Counter())[cause] += count

    def check_values(self, source: Source, compiled: mapping.Compiled | None, columns: list[Column]) -> None:
        """Per-row checks on `raw_<table>`; with skip_bad_rows the rows that fail are left out."""
        checks = mapping_checks(source, compiled) if compiled else []
        checks += value_checks(source, columns)
        table = source.table
        self.read[table] += self.con.execute(f"select count(*) from raw_{table}").fetchone()[0]
        hits = self.run_checks(checks)
        if not hits:
            return
        if self.skip:
            key = REFERENCED.get(table)
            if key in source.types:
                self.con.execute(
                    f"insert into left_out_{table} select {text_sql(key, source.types[key])}::varchar,"
                    f" {source.index} from raw_{table} where {source.index} in (select _idx from bad_{table})"
                )
            deleted = self.con.execute(
                f"delete from raw_{table} where {source.index} in (select _idx from bad_{table})"
            ).fetchone()[0]
            self.skipped += deleted
            self.dropped[table] += deleted
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
        if self.skip:
            cause = f"{source.file} column {label}: {check.kind}" if label else f"{source.file}: {check.kind}"
            self.causes.setdefault(check.table, Counter())[cause] += count

        def problems() -> Iterable[Problem]:
            while chunk := result.fetchmany(10_000):
                for row in chunk:
                    file, line = source.locate(row[0])
                    reason = check.reason(row[2:], source.rows)
                    if check.values:
                        reason += null_hint(row[1])
                    yield Problem(file, line, label, none_or_text(row[1]), reason)

        self.report.add_rows(problems(), count, source.file, label, check.kind)
        if check.kind.endswith(" is empty"):
            rows = self.con.execute(f"select count(*) from raw_{check.table}").fetchone()[0]
            if count >= max(2, rows * EMPTY_SHARE):
                self.report.listed.append(Problem(source.file, None, label, None, ways_out(count, rows)))
        return count

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
        self.stop_when_too_many()

    def stop_when_too_many(self) -> None:
        """Leaving out more than `max_skipped` of any table's rows stops the load, naming the biggest
        cause: the figures would rest on what is left, and a success message would hide that."""
        shares = {t: self.dropped[t] / self.read[t] for t in self.dropped if self.read[t] and self.dropped[t]}
        over = {t: share for t, share in shares.items() if share > self.max_skipped}
        if not over:
            return
        table = max(over, key=lambda t: (over[t], self.dropped[t]))
        reason = (
            f"leaving out the bad rows would drop {self.dropped[table]:,} of {self.read[table]:,} {table}"
            f" rows ({over[table]:.1%}), more than the limit of {self.max_skipped:.0%} (--max-skipped, or"
            " the Data page's 'Stop above'); the biggest cause: "
            + self.biggest_cause(table)
            + ". Fix that in the file or the mapping, or raise the limit if these rows should go"
        )
        others = sorted(set(over) - {table})
        if others:
            reason += f" (also over: {', '.join(f'{t} {over[t]:.1%}' for t in others)})"
        self.add(Problem(self.sources[table].file, None, None, None, reason), first=True)

    def biggest_cause(self, table: str, seen: frozenset[str] = frozenset()) -> str:
        """The kind of problem that hit most rows; a cascade names what it follows from."""
        causes = self.causes.get(table) or Counter({"rows left out": self.dropped[table]})
        cause, count = causes.most_common(1)[0]
        text = f"{cause} ({count:,} rows)"
        target = next(
            (t for t2, c, t in FOREIGN_KEYS if t2 == table and cause.endswith(f"{c} not in {t}")), None
        )
        if target and self.dropped[target] and target not in seen:
            text += (
                f", which follows from {self.dropped[target]:,} {target} rows left out; of those, "
                + self.biggest_cause(target, seen | {table})
            )
        return text

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
                    f"insert into left_out_{table} select {REFERENCED[table]}::varchar, _idx"
                    f" from stage_{table} where _idx in (select _idx from bad_{table})"
                )
            gone = self.con.execute(
                f"delete from stage_{table} where _idx in (select _idx from bad_{table})"
            ).fetchone()[0]
            self.dropped[table] += gone
            deleted += gone
            self.con.execute(f"drop table bad_{table}")
        self.skipped += deleted
        return deleted


def none_or_text(value: Any) -> str | None:
    return None if value is None else str(value)


def mapping_checks(source: Source, compiled: mapping.Compiled) -> list[Check]:
    """The mapping's own per-row checks: a value its map does not list, a date no format reads."""
    return [
        Check(
            source.table,
            check.column,
            check.kind,
            f"select _idx, {check.value} from raw_{source.table} where {check.where}",
            lambda _d, _r, reason=check.reason: reason,
            values=check.kind == "no format matches",
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
            text = text_sql(column.name, raw_type)
            year = year_sql(f"{text}::varchar") if column.type in ("DATE", "TIMESTAMP") else "null"
            checks.append(
                Check(
                    source.table,
                    column.name,
                    f"not a valid {words}",
                    f"select {index}, {column.name}::varchar, {year} from {raw}"
                    f" where {text} is not null"
                    f" and {cast_sql(column.name, raw_type, column.type)} is null",
                    lambda d, _r, words=words: bad_value_reason(d[0], f"not a valid {words}", ["ISO 8601"]),
                    values=True,
                )
            )
    return checks


EMPTY_SHARE = 0.05
"""A required column empty on this share of a file's rows gets the ways out, not just the rows."""


def ways_out(count: int, rows: int) -> str:
    """What a person can do about a required column that the export often leaves empty, and the cost."""
    return (
        f"is required but empty on {count:,} of {rows:,} rows. Ways out: list the placeholder texts under"
        " missing: (they become empty, so this only helps an optional column); fill it with a fallback,"
        ' sql: "coalesce("This column", "Other column")" (figures then rest on the fallback);'
        f" or load with --skip-bad-rows (the {count:,} rows, and rows that refer to them, are left out)"
    )


NULL_MARKERS = ("null", "n/a", "na", "-", "nil", "#n/a", "(null)", "nan")
"""Texts exports write for 'no value'; seen where a value was expected, they earn a hint."""


def looks_null(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in NULL_MARKERS


def null_hint(value: Any) -> str:
    """The way out when a failing value is an export's 'no value' marker."""
    if not looks_null(value):
        return ""
    return f" ('{value}' looks like a null marker: list it under missing: in a mapping to read it as empty)"


def bad_value_reason(year: int | None, reason: str, formats: list[str]) -> str:
    """A date before 1900 is not unreadable but implausible, usually a format that read the wrong part."""
    if year is not None and year < EARLIEST_YEAR:
        return f"year {year} is implausible (before {EARLIEST_YEAR}); the formats tried: {', '.join(formats)}"
    return reason


def table_checks(keys: dict[str, list[str]], sources: dict[str, Source]) -> dict[str, list[Check]]:
    """The rules across rows and tables, run over `rows_<table>`, grouped for progress."""
    return {
        "primary keys": [c for table in sources for c in key_checks(table, keys[table])],
        "foreign keys": [
            reference_check(table, column, target, sources)
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


def reference_check(table: str, column: str, target: str, sources: dict[str, Source]) -> Check:
    """A value the target does not hold; with skip_bad_rows, name the target's row that was left out,
    so a person fixes that one row rather than hunting for why this one went."""
    sql = (
        f"select s._idx, s.{column}::varchar, s.{column},"
        f" (select min(x.idx) from left_out_{target} as x where x.key = s.{column}::varchar)"
        f" from rows_{table} as s where s.{column} is not null"
        f" and not exists (select 1 from rows_{target} as t where t.{column} = s.{column})"
    )

    def reason(details: tuple[Any, ...], _rows: RowMap) -> str:
        missing = f"{column} {show(details[0])} is not in {target}"
        if details[1] is not None:
            file, row = sources[target].locate(details[1])
            return f"{missing}: its {target} row, {file} row {row}, was left out as bad"
        return missing + ("" if target in sources else f" (no {target} file)")

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
