"""Discovers queries/*.sql, parses their YAML headers, binds parameters and runs them."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from dashboard import filecache, registry, safeyaml
from dashboard.query import limits, warehouse

HEADER_KEYS = ("title", "description", "params", "chart", "columns")
PARAM_KEYS = ("type", "default", "optional", "from", "options", "label", "help")
PARAM_TYPES = ("date", "int", "float", "text", "choice", "bool")
CHART_KEYS = ("mark", "x", "y", "color", "tooltip")
COLUMN_KEYS = ("label", "format", "help")
# How a column's values read: whole numbers, numbers, shares shown as %, the settings' currency,
# calendar days, dates and date-times.
FORMATS = ("integer", "decimal", "percent", "money", "days", "date", "datetime")
MARKS = ("area", "bar", "line", "point", "rect", "rule", "tick", "boxplot")
GLOBAL_FILTERS = ("start", "end", "category", "supplier", "channel")
NOT_QUERIES = ("views",)
# What a global filter's parameter binds to outside a page (CLI, `check`) when its header sets no default.
GLOBAL_DEFAULTS = {"start": "-12 weeks", "end": "as_of"}

RELATIVE_DATE = re.compile(r"^\s*([+-]\s*\d+)\s+(day|week|month|year)s?\s*$")
PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryError(ValueError):
    """A query file that cannot be used, with the file (and line) in its message."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    optional: bool = False
    source: str | None = None
    options: tuple[Any, ...] = ()
    label: str | None = None
    help: str | None = None

    @property
    def is_global(self) -> bool:
        return self.name in GLOBAL_FILTERS


@dataclass(frozen=True)
class Column:
    """How one output column is shown: its heading, number format and tooltip."""

    label: str | None = None
    format: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class Query:
    id: str
    path: Path
    file: str
    page: str | None
    text: str
    title: str
    description: str = ""
    params: tuple[Param, ...] = ()
    chart: Mapping[str, Any] | None = None
    columns: Mapping[str, Column] = field(default_factory=dict)
    error: str | None = None

    @property
    def local_params(self) -> tuple[Param, ...]:
        """The parameters that get a widget on the card rather than following the sidebar."""
        return tuple(p for p in self.params if not p.is_global)


def _line_of(text: str, pattern: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return 1


def _key_line(text: str, key: str) -> int:
    return _line_of(text, rf"^\s*{re.escape(key)}\s*:")


def _parse_param(name: str, spec: Any, where: str) -> Param:
    if not isinstance(spec, dict):
        raise QueryError(f"{where}: parameter '{name}' must be a mapping like {{type: date}}")
    unknown = sorted(set(spec) - set(PARAM_KEYS))
    if unknown:
        raise QueryError(f"{where}: parameter '{name}' has unknown key '{unknown[0]}'")
    kind = spec.get("type")
    if kind not in PARAM_TYPES:
        raise QueryError(
            f"{where}: parameter '{name}' has type {kind!r}; use one of {', '.join(PARAM_TYPES)}"
        )
    source = spec.get("from")
    options = tuple(spec.get("options") or ())
    if kind == "choice" and not (source or options):
        raise QueryError(f"{where}: choice parameter '{name}' needs 'from: table.column' or 'options'")
    if source is not None:
        _check_source(str(source), f"{where}: parameter '{name}'")
    return Param(
        name=name,
        type=kind,
        default=spec.get("default"),
        optional=bool(spec.get("optional", False)),
        source=source,
        options=options,
        label=spec.get("label"),
        help=spec.get("help"),
    )


def _check_source(source: str, where: str) -> tuple[str, str]:
    """Identifiers cannot be bound, so a choice's source must name a canonical column."""
    table, _, column = source.partition(".")
    columns = {c for c, _, _ in warehouse.table_columns().get(table, [])}
    if column not in columns:
        raise QueryError(f"{where}: 'from: {source}' is not a column of a warehouse table (table.column)")
    return table, column


def _parse_chart(chart: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(chart, dict):
        raise QueryError(f"{where}: chart must be a mapping like {{mark: line, x: week:T, y: units:Q}}")
    unknown = sorted(set(chart) - set(CHART_KEYS))
    if unknown:
        raise QueryError(f"{where}: chart has unknown key '{unknown[0]}'; use {', '.join(CHART_KEYS)}")
    if chart.get("mark") not in MARKS:
        raise QueryError(f"{where}: chart mark {chart.get('mark')!r}; use one of {', '.join(MARKS)}")
    if "x" not in chart or "y" not in chart:
        raise QueryError(f"{where}: chart needs both x and y")
    return chart


def _parse_columns(raw: Any, text: str, file: str) -> dict[str, Column]:
    """`columns:` maps an output column to {label, format, help}; a plain string is its label."""
    if not isinstance(raw, dict):
        raise QueryError(f"{file}:{_key_line(text, 'columns')}: columns must map a column to {{label: ...}}")
    parsed: dict[str, Column] = {}
    for name, spec in raw.items():
        where = f"{file}:{_key_line(text, str(name))}"
        if isinstance(spec, str):
            spec = {"label": spec}
        if not isinstance(spec, dict):
            raise QueryError(f"{where}: column '{name}' must be a label or {{label, format, help}}")
        unknown = sorted(set(spec) - set(COLUMN_KEYS))
        if unknown:
            raise QueryError(
                f"{where}: column '{name}' has unknown key '{unknown[0]}'; use {', '.join(COLUMN_KEYS)}"
            )
        kind = spec.get("format")
        if kind is not None and kind not in FORMATS:
            raise QueryError(f"{where}: column '{name}' has format {kind!r}; use one of {', '.join(FORMATS)}")
        label, tip = spec.get("label"), spec.get("help")
        parsed[str(name)] = Column(
            label=None if label is None else str(label), format=kind, help=None if tip is None else str(tip)
        )
    return parsed


def _validate_sql(text: str, declared: set[str], file: str) -> None:
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryError(f"{file}: {exc}") from exc
    if len(statements) != 1:
        raise QueryError(f"{file}: must hold exactly one statement, found {len(statements)}")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryError(f"{file}: must be a SELECT, found {statement.type.name}")
    used = set(statement.named_parameters)
    for name in sorted(used - declared):
        line = _line_of(text, rf"\${name}\b")
        raise QueryError(f"{file}:{line}: ${name} is used but not declared under params")
    for name in sorted(declared - used):
        line = _key_line(text, name)
        raise QueryError(f"{file}:{line}: parameter '{name}' is declared but the SQL does not use ${name}")


def _place(path: Path, root: Path) -> tuple[str, str | None]:
    """The file's name relative to queries/ and the page its folder is, if any."""
    folder = path.parent.relative_to(root).as_posix()
    return path.relative_to(root).as_posix(), folder if folder in registry.folders() else None


def parse(path: Path, root: Path | None = None) -> Query:
    """Parse one file; problems raise QueryError naming the file and line."""
    file, page = _place(path, root or warehouse.QUERIES_DIR)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{file}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    try:
        header, _ = warehouse.split_header(text)
    except safeyaml.YamlError as exc:
        raise QueryError(f"{file}: header refused: {exc}") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise QueryError(f"{file}: header is not valid YAML: {exc}") from exc
    for key in header:
        if key not in HEADER_KEYS:
            line = _key_line(text, str(key))
            raise QueryError(f"{file}:{line}: unknown header key '{key}'; use {', '.join(HEADER_KEYS)}")
    raw_params = header.get("params") or {}
    if not isinstance(raw_params, dict):
        raise QueryError(f"{file}: params must be a mapping of name to {{type: ...}}")
    params = tuple(
        _parse_param(str(name), spec, f"{file}:{_key_line(text, str(name))}")
        for name, spec in raw_params.items()
    )
    _validate_sql(text, {p.name for p in params}, file)
    chart_at = f"{file}:{_key_line(text, 'chart')}"
    chart = _parse_chart(header["chart"], chart_at) if header.get("chart") is not None else None
    columns = _parse_columns(header["columns"], text, file) if header.get("columns") is not None else {}
    return Query(
        id=path.stem,
        path=path,
        file=file,
        page=page,
        text=text,
        title=str(header.get("title") or path.stem.replace("_", " ").capitalize()),
        description=str(header.get("description") or "").strip(),
        params=params,
        chart=chart,
        columns=columns,
    )


def _broken(path: Path, root: Path, message: str) -> Query:
    file, page = _place(path, root)
    return Query(
        id=path.stem,
        path=path,
        file=file,
        page=page,
        text=path.read_text(errors="replace"),
        title=path.name,
        error=message,
    )


def _parse_or_broken(path: Path, root: Path) -> Query:
    """The file as a card: parsed, or broken with the reason, never an exception."""
    try:
        return parse(path, root)
    except QueryError as exc:
        return _broken(path, root, str(exc))
    except (OSError, RecursionError, ValueError) as exc:  # one bad file must not take down the rest
        return _broken(path, root, f"{_place(path, root)[0]}: cannot be used: {type(exc).__name__}: {exc}")


# Every page lists the query files several times per rerun; parsing all of them again (YAML header,
# SQL validation) was 60-98 % of a page view's CPU.
_parsed: filecache.ParsedFiles[Query] = filecache.ParsedFiles()


def _cached(path: Path, root: Path) -> Query:
    return _parsed.get((root, path), path, lambda: _parse_or_broken(path, root))


def discover(root: Path | None = None) -> list[Query]:
    """Every query file, broken ones included, so a page can show them as error cards.

    Files are listed every call (a new file appears at once) and parsed only when new or changed."""
    root = root or warehouse.QUERIES_DIR
    queries: list[Query] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.rglob("*.sql"), key=lambda p: p.relative_to(root).as_posix()):
        if path.relative_to(root).parts[0] in NOT_QUERIES:
            continue
        query = _cached(path, root)
        if query.id in seen:
            query = _broken(
                path, root, f"{query.file}: the id '{query.id}' is also used by {seen[query.id].name}"
            )
        seen.setdefault(query.id, path)
        queries.append(query)
    return queries


def for_page(page: str | None, queries: list[Query] | None = None) -> list[Query]:
    """A page's cards in file-name order; None means the Query library's own files."""
    queries = discover() if queries is None else queries
    return sorted((q for q in queries if q.page == page), key=lambda q: q.path.name)


def find(name: str, queries: list[Query] | None = None) -> Query:
    """A query by id, by path relative to queries/, or by the path of any .sql file.

    A file outside queries/ (an analyst's draft) is checked like a library file: one SELECT, every
    parameter declared and bound. Running it on the sandboxed read-only connection of
    `warehouse.connect` keeps it from writing or reading other files."""
    candidate = Path(name)
    if candidate.suffix == ".sql" and candidate.is_file():
        resolved = candidate.resolve()
        library = warehouse.QUERIES_DIR.resolve()
        return parse(resolved, library if library in resolved.parents else resolved.parent)
    for query in discover() if queries is None else queries:
        if name in (query.id, query.file, query.file.removesuffix(".sql")):
            if query.error:
                raise QueryError(query.error)
            return query
    if candidate.suffix == ".sql":
        raise QueryError(f"no file {name} and no query named '{name}' under {warehouse.QUERIES_DIR}")
    raise QueryError(f"no query named '{name}' under {warehouse.QUERIES_DIR}")


WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LINE_COMMENT = re.compile(r"--[^\n]*")


def tables_read(text: str) -> set[str]:
    """The canonical tables a query's SQL reads, directly or through the derived views and macros of
    queries/views: with none of their rows in the warehouse, an empty result means missing data, not
    filters that leave nothing, and a page says which."""
    views = {path.stem: path for path in warehouse.view_files()}
    found: set[str] = set()
    seen: set[str] = set()
    todo = [text]
    while todo:
        _header, body = warehouse.split_header(todo.pop())
        words = set(WORD.findall(LINE_COMMENT.sub("", body)))
        found |= words & set(warehouse.TABLES)
        for name in sorted((words & set(views)) - seen):
            seen.add(name)
            todo.append(views[name].read_text())
    return found


def relative_date(value: Any, as_of: dt.date) -> dt.date:
    """Dates in headers and on the command line: ISO, 'as_of', or '-12 weeks' from the as-of date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().lower()
    if text in ("as_of", "today"):
        return as_of
    match = RELATIVE_DATE.match(text)
    if match:
        amount, unit = int(match.group(1).replace(" ", "")), match.group(2)
        if unit in ("day", "week"):
            return as_of + dt.timedelta(days=amount * (7 if unit == "week" else 1))
        months = amount * (12 if unit == "year" else 1)
        return (pd.Timestamp(as_of) + pd.DateOffset(months=months)).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD, 'as_of' or e.g. '-12 weeks')") from exc


def coerce(param: Param, value: Any, as_of: dt.date) -> Any:
    """Turn a widget's, a URL's or a command line's value into what DuckDB binds."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if param.optional:
            return None
        value = param.default if param.default is not None else GLOBAL_DEFAULTS.get(param.name)
        if value is None:
            raise ValueError(f"parameter '{param.name}' needs a value")
    if param.type == "date":
        return relative_date(value, as_of)
    if param.type == "int":
        return int(value)
    if param.type == "float":
        return float(value)
    if param.type == "bool":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    return str(value)


def bind(query: Query, values: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """Exactly the declared parameters, each from `values` or its default."""
    bound: dict[str, Any] = {}
    for param in query.params:
        try:
            bound[param.name] = coerce(param, values.get(param.name), as_of)
        except (TypeError, ValueError) as exc:
            raise QueryError(f"{query.file}: parameter '{param.name}': {exc}") from exc
    return bound


def run(con: duckdb.DuckDBPyConnection, query: Query, params: Mapping[str, Any]) -> pd.DataFrame:
    """Run a query on its own cursor; DuckDB binds every value, nothing is formatted into SQL."""
    if query.error:
        raise QueryError(query.error)
    return execute(con, query.text, query.file, params)


def execute(
    con: duckdb.DuckDBPyConnection,
    text: str,
    file: str,
    params: Mapping[str, Any],
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Run on a cursor of its own, interrupted after the time limit (the `queries:` setting), so one
    runaway query stops with a message naming its file while other sessions go on."""
    seconds = time_limit if time_limit is not None else limits.load().time_limit_seconds
    cursor = con.cursor()
    timer = threading.Timer(seconds, cursor.interrupt)
    timer.daemon = True
    timer.start()
    try:
        return cursor.execute(text, dict(params)).df()
    except duckdb.InterruptException as exc:
        raise QueryError(
            f"{file}: stopped after the {seconds:g} s time limit (settings: queries.time_limit_seconds)"
        ) from exc
    except duckdb.Error as exc:
        if timer.finished.is_set() and not timer.is_alive():
            raise QueryError(f"{file}: stopped after the {seconds:g} s time limit") from exc
        raise QueryError(f"{file}: {exc}") from exc
    finally:
        timer.cancel()
        cursor.close()


def as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    cursor = con.cursor()
    try:
        return cursor.execute("select as_of from warehouse_meta").fetchone()[0]
    finally:
        cursor.close()


def choices(con: duckdb.DuckDBPyConnection, source: str) -> list[Any]:
    """Distinct values of an allow-listed table.column, for a choice widget."""
    table, column = _check_source(source, source)
    cursor = con.cursor()
    try:
        rows = cursor.execute(
            f"select distinct {column} from {table} where {column} is not null order by 1"
        ).fetchall()
    finally:
        cursor.close()
    return [row[0] for row in rows]


def labels(con: duckdb.DuckDBPyConnection, source: str, label: str) -> dict[Any, str]:
    """Display names for a choice's values (e.g. supplier ids to supplier names)."""
    table, column = _check_source(source, source)
    label_table, label_column = _check_source(label, label)
    if label_table != table:
        raise QueryError(f"{label}: a label must come from the same table as {source}")
    cursor = con.cursor()
    try:
        rows = cursor.execute(f"select {column}, {label_column} from {table}").fetchall()
    finally:
        cursor.close()
    return {value: str(name) for value, name in rows}


@dataclass
class CheckResult:
    query: Query
    error: str | None = None
    rows: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    unlabelled: tuple[str, ...] = ()


def unlabelled(query: Query, output: list[str]) -> tuple[str, ...]:
    """Output columns the header gives no label: tables and the report then show the name with its
    underscores as spaces, which reads like code, so `check` warns about them."""
    return tuple(name for name in output if not (query.columns.get(name) or Column()).label)


def check(con: duckdb.DuckDBPyConnection, defaults: Mapping[str, Any]) -> list[CheckResult]:
    """Run every query with default parameters; the test suite and `dashboard check` use it."""
    day = as_of(con)
    results: list[CheckResult] = []
    for query in discover():
        if query.error:
            results.append(CheckResult(query, query.error))
            continue
        try:
            params = bind(query, defaults, day)
            frame = run(con, query, params)
            results.append(
                CheckResult(query, None, len(frame), params, unlabelled(query, list(frame.columns)))
            )
        except QueryError as exc:
            results.append(CheckResult(query, str(exc)))
    return results
