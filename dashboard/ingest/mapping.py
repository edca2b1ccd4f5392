"""Mapping files: YAML that says how someone's export becomes the canonical tables.

A mapping is parsed into frozen rules here and compiled, per table, into one DuckDB
SELECT over the source file's text columns. Identifiers in that SELECT are the
canonical names (checked against the schema) and internal names for the file's
columns; every value the person wrote (constants, missing markers, maps, formats,
literals inside expressions) is a bound parameter.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dashboard import safeyaml
from dashboard.ingest import sqlexpr
from dashboard.ingest.dates import EARLIEST_YEAR, ISO_DATE, iso_sql
from dashboard.ingest.formats.rawfile import EXTRA_FIELDS
from dashboard.ingest.problems import LoadError, Problem
from dashboard.query import warehouse

TOP_KEYS = ("name", "description", "missing", "formats", "tables")
TABLE_KEYS = (
    "file",
    "sheet",
    "delimiter",
    "encoding",
    "extra_fields",
    "distinct",
    "missing",
    "formats",
    "columns",
)
COLUMN_KEYS = (
    "from",
    "value",
    "sql",
    "number_within",
    "lookup",
    "missing",
    "formats",
    "when",
    "map",
    "otherwise",
)
SOURCES = ("from", "value", "sql", "number_within", "lookup")
LOOKUP_KEYS = ("file", "key", "column", "key_in_file")
WHEN_KEYS = ("column", "in", "not_in")
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0", "")
DATE_TYPES = ("DATE", "TIMESTAMP")


class Node(dict):
    """A YAML mapping that remembers the line of each key, so an error names the line to fix."""

    line: int = 0
    lines: dict[str, int]


class _Loader(safeyaml.GuardedComposer, yaml.BaseLoader):
    """Every scalar stays text: `N/A`, `-99`, `Yes` and `01` mean what the export wrote."""

    check_duplicates = False  # _mapping reports them with the key's line


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    out = Node()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(None, None, "a key must be text", key_node.start_mark)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@dataclass(frozen=True)
class When:
    column: str
    values: tuple[str, ...]
    negate: bool


@dataclass(frozen=True)
class Lookup:
    """A value taken from another file: the row of `file` whose `key_in_file` equals this row's `key`."""

    file: str
    key: str
    column: str
    key_in_file: str


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is filled; exactly one of source, value, sql, number_within."""

    name: str
    line: int
    source: str | None = None
    value: str | None = None
    sql: str | None = None
    number_within: tuple[str, ...] = ()
    lookup: Lookup | None = None
    missing: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    when: When | None = None
    map: tuple[tuple[str, str], ...] = ()
    otherwise: str | None = None


@dataclass(frozen=True)
class TableRule:
    table: str
    line: int
    file: str
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    distinct: bool = False
    missing: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    columns: tuple[ColumnRule, ...] = ()
    extra_fields: str | None = None


@dataclass(frozen=True)
class Mapping:
    path: Path
    name: str
    tables: tuple[TableRule, ...]

    @property
    def file(self) -> str:
        return self.path.name


class _Errors:
    """Collects every mistake in the mapping file before anything is read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int | None, where: str, reason: str, value: str | None = None) -> None:
        self.problems.append(Problem(self.file, line, where, value, reason))


def read(path: Path) -> Mapping:
    """Parse and check a mapping file against the schema; every mistake is reported at once."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except OSError as exc:
        raise LoadError([Problem(path.name, None, None, None, f"cannot be read: {exc}")]) from exc
    except UnicodeDecodeError as exc:
        reason = f"is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise LoadError([Problem(path.name, None, None, None, reason)]) from exc
    except (safeyaml.YamlError, RecursionError) as exc:
        reason = f"cannot be used: {exc or 'nested too deep'}"
        raise LoadError([Problem(path.name, None, None, None, reason)]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        reason = f"is not valid YAML: {getattr(exc, 'problem', None) or exc}"
        raise LoadError([Problem(path.name, line, None, None, reason)]) from exc
    errors = _Errors(path.name)
    mapping = parse(data, path, errors)
    if errors.problems:
        raise LoadError(errors.problems)
    return mapping


def parse(data: Any, path: Path, errors: _Errors) -> Mapping:
    if not isinstance(data, Node):
        errors.add(1, "", "must be a YAML mapping with a 'tables' key")
        return Mapping(path, path.stem, ())
    known(data, TOP_KEYS, "", errors)
    missing = texts(data, "missing", "", errors)
    formats = texts(data, "formats", "", errors)
    tables = data.get("tables")
    if not isinstance(tables, Node) or not tables:
        errors.add(
            data.lines.get("tables", data.line), "tables", "needs at least one table: tables: {orders: ...}"
        )
        return Mapping(path, str(data.get("name") or path.stem), ())
    schema = warehouse.table_columns()
    rules = []
    for table, spec in tables.items():
        where = f"tables.{table}"
        if table not in schema:
            errors.add(tables.lines[table], where, f"unknown table '{table}'{suggest(table, schema)}")
            continue
        if not isinstance(spec, Node):
            errors.add(tables.lines[table], where, "must be a mapping with at least a 'file' key")
            continue
        rules.append(table_rule(table, spec, schema[table], missing, formats, where, errors))
    return Mapping(path, str(data.get("name") or path.stem), tuple(rules))


def table_rule(
    table: str,
    spec: Node,
    columns: list[tuple[str, str, bool]],
    missing: tuple[str, ...],
    formats: tuple[str, ...],
    where: str,
    errors: _Errors,
) -> TableRule:
    known(spec, TABLE_KEYS, where, errors)
    file = spec.get("file")
    if not isinstance(file, str) or not file.strip():
        errors.add(spec.line, f"{where}.file", "is required: the file (or a glob like orders-*.csv) to read")
        file = ""
    distinct = flag(spec, "distinct", where, errors)
    missing = missing + texts(spec, "missing", where, errors)
    formats = texts(spec, "formats", where, errors) or formats
    names = {name for name, _type, _required in columns}
    rules = []
    given = spec.get("columns", Node())
    if not isinstance(given, Node):
        errors.add(
            spec.lines.get("columns", spec.line), f"{where}.columns", "must map canonical columns to rules"
        )
        given = Node()
        given.lines = {}
    for name, rule in given.items():
        at = f"{where}.columns.{name}"
        if name not in names:
            errors.add(given.lines[name], at, f"{table} has no column '{name}'{suggest(name, names)}")
            continue
        rules.append(column_rule(name, rule, given.lines[name], missing, formats, at, errors))
    return TableRule(
        table,
        spec.line,
        file.strip(),
        optional_text(spec, "sheet", where, errors),
        optional_text(spec, "delimiter", where, errors),
        optional_text(spec, "encoding", where, errors),
        distinct,
        missing,
        formats,
        tuple(rules),
        extra_fields(spec, where, errors),
    )


def column_rule(
    name: str,
    rule: Any,
    line: int,
    missing: tuple[str, ...],
    formats: tuple[str, ...],
    at: str,
    errors: _Errors,
) -> ColumnRule:
    if isinstance(rule, str):
        return ColumnRule(name, line, source=rule, missing=missing, formats=formats)
    if not isinstance(rule, Node):
        errors.add(line, at, "must be a source column name or a mapping of from/value/sql/...")
        return ColumnRule(name, line)
    known(rule, COLUMN_KEYS, at, errors)
    given = [key for key in SOURCES if key in rule]
    if len(given) != 1:
        errors.add(
            line,
            at,
            "needs exactly one of from, value, sql, number_within, lookup"
            + (f" (has {', '.join(given)})" if given else ""),
        )
    within = rule.get("number_within")
    return ColumnRule(
        name,
        line,
        source=optional_text(rule, "from", at, errors),
        value=optional_text(rule, "value", at, errors),
        sql=optional_text(rule, "sql", at, errors),
        number_within=(within,) if isinstance(within, str) else texts(rule, "number_within", at, errors),
        lookup=lookup_rule(rule, at, errors),
        missing=missing + texts(rule, "missing", at, errors),
        formats=texts(rule, "formats", at, errors) or formats,
        when=when_rule(rule, at, errors),
        map=value_map(rule, at, errors),
        otherwise=optional_text(rule, "otherwise", at, errors),
    )


def lookup_rule(rule: Node, at: str, errors: _Errors) -> Lookup | None:
    spec = rule.get("lookup")
    if spec is None:
        return None
    line = rule.lines["lookup"]
    shape = (
        "must be {file: orders.csv, key: <column here>, column: <column there>}"
        " (and key_in_file if the key is named differently there)"
    )
    if not isinstance(spec, Node):
        errors.add(line, f"{at}.lookup", shape)
        return None
    known(spec, LOOKUP_KEYS, f"{at}.lookup", errors)
    values = {key: optional_text(spec, key, f"{at}.lookup", errors) for key in LOOKUP_KEYS}
    file, key, column = values["file"], values["key"], values["column"]
    if not (file and key and column):
        errors.add(line, f"{at}.lookup", shape)
        return None
    return Lookup(file.strip(), key, column, values["key_in_file"] or key)


def when_rule(rule: Node, at: str, errors: _Errors) -> When | None:
    spec = rule.get("when")
    if spec is None:
        return None
    line = rule.lines["when"]
    if not isinstance(spec, Node):
        errors.add(line, f"{at}.when", "must be {column: ..., in: [...]} or {column: ..., not_in: [...]}")
        return None
    known(spec, WHEN_KEYS, f"{at}.when", errors)
    column = spec.get("column")
    lists = [key for key in ("in", "not_in") if key in spec]
    if not isinstance(column, str) or len(lists) != 1:
        errors.add(line, f"{at}.when", "needs a column and exactly one of in, not_in")
        return None
    return When(column, texts(spec, lists[0], f"{at}.when", errors), lists[0] == "not_in")


def value_map(rule: Node, at: str, errors: _Errors) -> tuple[tuple[str, str], ...]:
    spec = rule.get("map")
    if spec is None:
        return ()
    if not isinstance(spec, Node) or not spec or not all(isinstance(v, str) for v in spec.values()):
        errors.add(rule.lines["map"], f"{at}.map", "must map source texts to values: {CANCELED: canceled}")
        return ()
    return tuple(spec.items())


def known(node: Node, keys: Sequence[str], where: str, errors: _Errors) -> None:
    for key in node:
        if key not in keys:
            errors.add(
                node.lines[key], f"{where}.{key}".lstrip("."), f"unknown key '{key}'{suggest(key, keys)}"
            )


def texts(node: Node, key: str, where: str, errors: _Errors) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    errors.add(node.lines[key], f"{where}.{key}".lstrip("."), "must be a text or a list of texts")
    return ()


def optional_text(node: Node, key: str, where: str, errors: _Errors) -> str | None:
    value = node.get(key)
    if value is None or isinstance(value, str):
        return value
    errors.add(node.lines[key], f"{where}.{key}", "must be a text")
    return None


def extra_fields(node: Node, where: str, errors: _Errors) -> str | None:
    """How a CSV line with more fields than the header reads: rejected (unset), 'fold' or 'drop'."""
    value = optional_text(node, "extra_fields", where, errors)
    if value is None or value in EXTRA_FIELDS:
        return value
    errors.add(
        node.lines["extra_fields"],
        f"{where}.extra_fields",
        "must be fold (join the extra fields onto the last column) or drop (read the header's columns)",
        value,
    )
    return None


def flag(node: Node, key: str, where: str, errors: _Errors) -> bool:
    value = node.get(key, "false")
    if isinstance(value, str) and value.lower() in TRUE + FALSE:
        return value.lower() in TRUE
    errors.add(node.lines.get(key, node.line), f"{where}.{key}", "must be true or false")
    return False


def suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


COMMENT_HINT = (
    "; its line holds ' #', which starts a YAML comment: quote a column name that has # in it (\"Item #\")"
)


def hint_comments(problems: list[Problem], path: Path) -> list[Problem]:
    """A column name cut short at ' #' (`sku: Item #` reads as `Item`) gets the quoting hint."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return problems
    out = []
    for problem in problems:
        row = problem.row or 0
        if "is not in the file" in problem.reason and 0 < row <= len(lines) and " #" in lines[row - 1]:
            problem = replace(problem, reason=problem.reason + COMMENT_HINT)
        out.append(problem)
    return out


def files_for(rule: TableRule, folder: Path) -> list[Path]:
    """The files in `folder` the rule's `file` names, a glob matched case-insensitively."""
    return files_for_name(rule.file, folder)


def files_for_name(file: str, folder: Path) -> list[Path]:
    pattern = file.lower()
    return sorted(p for p in folder.iterdir() if p.is_file() and fnmatch.fnmatchcase(p.name.lower(), pattern))


@dataclass(frozen=True)
class RowCheck:
    """A per-row check the mapping adds: rows of `raw_<table>` where `where` holds are bad."""

    column: str
    kind: str
    value: str
    where: str
    reason: str


@dataclass
class Compiled:
    """One table's SELECT over its source file, and what the loader needs to check its rows.

    `types`: the type of each canonical column in the result (text unless a date format
    parsed it); `texts`: the column holding each one's text, for "required but empty";
    `extra`: companion columns the checks read; `labels`: how problems name each column.
    """

    sql: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    checks: list[RowCheck] = field(default_factory=list)
    expressions: dict[str, str] = field(default_factory=dict)
    lookups: list[tuple[str, ColumnRule]] = field(default_factory=list)
    """(placeholder, rule) per lookup: the loader reads each into a table the SQL names `{placeholder}`."""
    joins: list[str] = field(default_factory=list)

    def bind(self, value: Any) -> str:
        """Every value from the mapping file reaches DuckDB as a parameter."""
        for name, bound in self.params.items():
            if bound == value and type(bound) is type(value):
                return f"${name}"
        name = f"p{len(self.params) + 1}"
        self.params[name] = value
        return f"${name}"


class Header:
    """The source file's columns: names as a person wrote them -> internal names `c<position>`."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.used: set[int] = set()

    def find(self, name: str, quoted: bool = True) -> str | None:
        """Exact name first, then ignoring case and repeated spaces; ambiguity finds nothing."""
        exact = [i for i, n in enumerate(self.names, start=1) if n.strip() == name.strip()]
        folded = [i for i, n in enumerate(self.names, start=1) if fold(n) == fold(name)]
        found = exact if len(exact) == 1 else folded if len(folded) == 1 else []
        if not found:
            return None
        self.used.add(found[0])
        return f"c{found[0]}"

    def cleaned(self, name: str, quoted: bool = True) -> str | None:
        """In an expression a column reads as its trimmed text, empty text being null."""
        internal = self.find(name, quoted)
        return None if internal is None else f"nullif(trim({internal}), '')"

    def explain(self, name: str) -> str:
        folded = [n for n in self.names if fold(n) == fold(name)]
        if len(folded) > 1:
            return f"column '{name}' appears {len(folded)} times in the header"
        hint = suggest(name, [n.strip() for n in self.names])
        return f"column '{name}' is not in the file{hint}"


def fold(name: str) -> str:
    return " ".join(name.lower().split())


def compile_table(
    rule: TableRule,
    header: Header,
    columns: Sequence[Any],
    key: Sequence[str],
    mapping_file: str,
    index: str,
) -> tuple[Compiled | None, list[Problem]]:
    """The SELECT (over `{src}`, the file's columns as text) that yields the table's columns.

    Layers: `base` takes each value (trimmed, empty being null) and evaluates `when`,
    `clean` blanks the missing markers, `mapped` applies map and date formats, and a
    `distinct` table keeps the first row of each primary key (so a problem's row is the
    row its value came from). A canonical column without a rule is
    taken from the file's column of the same name, if it has one.
    """
    problems: list[Problem] = []
    rules = {r.name: r for r in rule.columns}
    index = f"s.{index}"  # the source is aliased `s`, beside any lookup tables joined to it
    base: list[str] = [f"{index} as _idx"]
    clean: list[str] = []
    final: list[str] = ["_idx"]
    out = Compiled()

    def fail(spec: ColumnRule, reason: str, value: str | None = None) -> None:
        where = f"tables.{rule.table}.columns.{spec.name}"
        problems.append(Problem(mapping_file, spec.line, where, value, reason))

    for column in columns:
        spec = rules.get(column.name) or implicit(rule, header, column)
        if spec is None:
            if column.required:
                reason = f"required column {column.name} has no rule, and the file has no column of that name"
                problems.append(
                    Problem(mapping_file, rule.line, f"tables.{rule.table}.columns", None, reason)
                )
            continue
        text = source_text(spec, header, out, fail, index)
        if text is None:
            continue
        if spec.lookup is not None:
            key = header.cleaned(spec.lookup.key) or "null"
            alias = text.split(".")[0]
            unmatched = f"m_{column.name}"
            base.append(f"case when {key} is not null and {alias}.k is null then {key} end as {unmatched}")
            final.append(unmatched)
            out.extra.append(unmatched)
            reason = (
                f"has no row in {spec.lookup.file} (no {spec.lookup.key_in_file} there equals it),"
                f" so {column.name} cannot be looked up"
            )
            out.checks.append(
                RowCheck(column.name, "no match in lookup", unmatched, f"{unmatched} is not null", reason)
            )
        if spec.sql is not None:
            out.expressions[column.name] = text
        base.append(f"{text} as v_{column.name}")
        if spec.missing and (spec.source or spec.sql or spec.lookup):
            value = f"v_{column.name}"
            clean.append(
                f"if(list_contains({out.bind(list(spec.missing))}, {value}), null, {value}) as {value}"
            )
        condition = when_sql(spec, header, out, fail)
        if condition:
            base.append(f"{condition} as w_{column.name}")
        final += mapped_sql(spec, column.type, column.name, condition is not None, out)
        if spec.lookup is not None:
            out.labels[column.name] = f"{spec.lookup.key} (lookup in {spec.lookup.file})"
        else:
            out.labels[column.name] = spec.source.strip() if spec.source else f"{column.name} (mapped)"
    if problems:
        return None, problems
    shared = [label for label in out.labels.values() if list(out.labels.values()).count(label) > 1]
    for name, label in out.labels.items():
        if label in shared:
            out.labels[name] = f"{label} (as {name})"
    names = ["_idx", *out.types, *out.extra]
    replaced = f" replace ({', '.join(clean)})" if clean else ""
    sql = f"with base as (select {', '.join(base)} from {{src}} as s{''.join(out.joins)}),"
    sql += f" clean as (select *{replaced} from base),"
    sql += f" mapped as (select {', '.join(final)} from clean)"
    if rule.distinct:
        if not key:
            reason = f"distinct keeps one row per primary key, and {rule.table} has none"
            return None, [Problem(mapping_file, rule.line, f"tables.{rule.table}.distinct", None, reason)]
        if any(k not in out.types for k in key):
            reason = f"distinct keeps one row per {', '.join(key)}, which this table does not fill"
            return None, [Problem(mapping_file, rule.line, f"tables.{rule.table}.distinct", None, reason)]
        present = " and ".join(f"{k} is not null" for k in key)
        sql += (
            f" select {', '.join(names)} from mapped where {present}"
            f" qualify row_number() over (partition by {', '.join(key)} order by _idx) = 1"
        )
    else:
        sql += f" select {', '.join(names)} from mapped"
    out.sql = sql
    return out, problems


def implicit(rule: TableRule, header: Header, column: Any) -> ColumnRule | None:
    """An unlisted column read from the file's column of the same name, with the table's defaults."""
    if header.find(column.name) is None:
        return None
    formats = rule.formats if column.type in DATE_TYPES else ()
    return ColumnRule(column.name, rule.line, source=column.name, missing=rule.missing, formats=formats)


def source_text(spec: ColumnRule, header: Header, out: Compiled, fail: Any, index: str) -> str | None:
    """The value before when/map/formats: trimmed text, empty text being null."""
    if spec.value is not None:
        return out.bind(spec.value.strip()) if spec.value.strip() else "null::varchar"
    if spec.source is not None:
        internal = header.find(spec.source)
        if internal is None:
            fail(spec, header.explain(spec.source), spec.source)
            return None
        return f"nullif(trim({internal}), '')"
    if spec.number_within:
        found = [header.find(name) for name in spec.number_within]
        for name, internal in zip(spec.number_within, found, strict=True):
            if internal is None:
                fail(spec, header.explain(name), name)
        if None in found:
            return None
        within = ", ".join(f for f in found if f)
        return f"(row_number() over (partition by {within} order by {index}))::varchar"
    if spec.lookup is not None:
        key = header.cleaned(spec.lookup.key)
        if key is None:
            fail(spec, f"lookup key: {header.explain(spec.lookup.key)}", spec.lookup.key)
            return None
        alias = f"lk{len(out.lookups)}"
        out.lookups.append((alias, spec))
        out.joins.append(f" left join {{{alias}}} as {alias} on {alias}.k = {key}")
        return f"{alias}.v"
    if spec.sql is not None:
        try:
            expression = sqlexpr.compile_expression(spec.sql, header.cleaned, f"e{len(out.params) + 1}_")
        except sqlexpr.ExpressionError as exc:
            fail(spec, f"sql {exc}", spec.sql)
            return None
        out.params.update(expression.params)
        return f"nullif(trim(({expression.sql})::varchar), '')"
    return None


def when_sql(spec: ColumnRule, header: Header, out: Compiled, fail: Any) -> str | None:
    """Whether the row's value (trimmed; "" when empty) is in the list, so `not_in: [""]` means filled."""
    if spec.when is None:
        return None
    internal = header.find(spec.when.column)
    if internal is None:
        fail(spec, f"when: {header.explain(spec.when.column)}", spec.when.column)
        return None
    found = f"list_contains({out.bind(list(spec.when.values))}, coalesce(trim({internal}), ''))"
    return f"not {found}" if spec.when.negate else found


def mapped_sql(spec: ColumnRule, data_type: str, name: str, has_when: bool, out: Compiled) -> list[str]:
    """map, then when, then date formats, each a CASE over the base value `v_<name>`."""
    value = f"v_{name}"
    otherwise = "null::varchar" if spec.otherwise is None else out.bind(spec.otherwise)
    selects: list[str] = []
    if spec.map:
        keys = out.bind([k for k, _v in spec.map])
        values = out.bind([v for _k, v in spec.map])
        position = f"list_position({keys}, {value})"
        if spec.otherwise is None:
            unmapped = f"case when {value} is not null and {position} is null then {value} end"
            if has_when:
                unmapped = f"case when w_{name} then {unmapped} end"
            selects.append(f"{unmapped} as u_{name}")
            out.extra.append(f"u_{name}")
            listed = ", ".join(k for k, _v in spec.map[:12]) + (", ..." if len(spec.map) > 12 else "")
            reason = f"is not in the map for {name} (it lists {listed})"
            out.checks.append(RowCheck(name, "not in the map", f"u_{name}", f"u_{name} is not null", reason))
        value = (
            f"case when {value} is null then null"
            f" when {position} is not null then {values}[{position}] else {otherwise} end"
        )
    if has_when:
        value = f"case when w_{name} then {value} else {otherwise} end"
    if data_type in DATE_TYPES and spec.formats:
        iso = f"case when {iso_sql(value, out.bind(ISO_DATE))} then try_cast({value} as timestamp) end"
        parsed = f"coalesce(try_strptime({value}, {out.bind(list(spec.formats))}), {iso})"
        plausible = f"case when {parsed} >= timestamp '{EARLIEST_YEAR}-01-01' then {parsed} end"
        if data_type == "DATE":
            plausible = f"({plausible})::date"
        selects += [f"{plausible} as {name}", f"{value} as t_{name}", f"year({parsed}) as y_{name}"]
        out.types[name] = data_type
        out.texts[name] = f"t_{name}"
        out.extra += [f"t_{name}", f"y_{name}"]
        tried = f"{', '.join(spec.formats)}, then ISO 8601 (YYYY-MM-DD)"
        reason = f"matches none of the formats {', '.join(spec.formats)} (nor ISO 8601)"
        unread = f"t_{name} is not null and {name} is null"
        out.checks.append(
            RowCheck(name, "no format matches", f"t_{name}", f"{unread} and y_{name} is null", reason)
        )
        early = f"reads as a year before {EARLIEST_YEAR}, which is implausible (the formats tried: {tried})"
        out.checks.append(
            RowCheck(name, "implausible year", f"t_{name}", f"y_{name} < {EARLIEST_YEAR}", early)
        )
    else:
        selects.append(f"{value} as {name}")
        out.types[name] = "VARCHAR"
        out.texts[name] = name
    return selects
