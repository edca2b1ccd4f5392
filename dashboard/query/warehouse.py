"""The one module that opens DuckDB: schema, derived views and read-only connections."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import duckdb

from dashboard import safeyaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = PROJECT_ROOT / "queries"
VIEWS_DIR = QUERIES_DIR / "views"
SQL_DIR = Path(__file__).resolve().parent / "sql"
DB_ENV_VAR = "BACKORDER_DB"

# Load order: dimensions before the facts that reference them.
TABLES: tuple[str, ...] = (
    "suppliers",
    "products",
    "customers",
    "orders",
    "order_lines",
    "purchase_orders",
    "inventory_snapshots",
    "events",
)

# Prefix of the folder the sample is generated into, recorded as the warehouse's source.
SAMPLE_SOURCE = "backorder-sample-"
SANDBOX = {"enable_external_access": False, "lock_configuration": True}
# A load shares the machine with the running app (and its model step with pandas, outside DuckDB's
# count): DuckDB's default of 80% of RAM let a 100M-line load take the machine; at 40% it spills
# to disk (beside the new file) instead.
BUILD_MEMORY_LIMIT = "40%"
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
HEADER = re.compile(r"\A\s*/\*(.*?)\*/", re.DOTALL)


def default_path() -> Path:
    """Read at call time so tests and the CLI can point the app elsewhere."""
    configured = os.environ.get(DB_ENV_VAR)
    return Path(configured) if configured else PROJECT_ROOT / "data" / "warehouse.duckdb"


def version(path: Path) -> int:
    """Changes whenever a load swaps in a new file; part of every cache key."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "schema.sql").read_text())


def split_header(text: str) -> tuple[dict, str]:
    """Separate a leading `/* yaml */` block from the SQL that follows it."""
    match = HEADER.match(text)
    if not match:
        return {}, text
    header = safeyaml.load(match.group(1)) or {}
    if not isinstance(header, dict):
        raise ValueError("the leading /* ... */ block must be a YAML mapping")
    return header, text[match.end() :]


def view_files() -> list[Path]:
    return sorted(VIEWS_DIR.glob("*.sql"))


# A view file's `kind:` says what it becomes in the warehouse. Pages read the derived views dozens
# of times per visit, and recomputing their joins and FIFO windows on every read cost seconds per
# page at 10 million order lines (README, Performance), so they are stored as tables; a load
# rebuilds them. Macros write a definition once ("open at a date") for every query to call.
KINDS = ("table", "view", "macro", "table macro")


def view_statement(path: Path) -> tuple[str, str, str]:
    """The object a view file defines, its kind and the `create or replace` statement building it."""
    name = path.stem
    if not IDENTIFIER.match(name):
        raise ValueError(f"{path.name}: a view's file name must be a lowercase identifier")
    header, sql = split_header(path.read_text())
    body = sql.strip().rstrip(";")
    kind = header.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{path.name}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind in ("table", "view"):
        return name, kind, f"create or replace {kind} {name} as {body}"
    arguments = []
    for param, spec in (header.get("params") or {}).items():
        if not IDENTIFIER.match(str(param)):
            raise ValueError(f"{path.name}: macro parameter {param!r} must be a lowercase identifier")
        arguments.append(f"{param} := null" if (spec or {}).get("optional") else str(param))
    as_table = "table " if kind == "table macro" else ""
    return name, kind, f"create or replace macro {name}({', '.join(arguments)}) as {as_table}{body}"


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create every object in queries/views, in whatever order their dependencies allow.

    DuckDB binds a table macro when it is created, so a macro waits for the tables it reads, and
    the views and tables that call a macro wait for it; macros go first in each pass.
    """
    built = sorted((view_statement(path) for path in view_files()), key=lambda v: "macro" not in v[1])
    pending = {name: statement for name, _, statement in built}
    while pending:
        errors: dict[str, str] = {}
        waiting = len(pending)
        for name, statement in list(pending.items()):
            try:
                con.execute(statement)
                del pending[name]
            except duckdb.Error as exc:
                errors[name] = str(exc)
        if pending and len(pending) == waiting:
            detail = "; ".join(f"views/{name}.sql: {msg}" for name, msg in errors.items())
            raise ValueError(f"cannot create views: {detail}")


def write_meta(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Record the as-of date once at build time so no page rescans every table for it."""
    con.execute("drop table if exists warehouse_meta")
    con.execute((SQL_DIR / "meta.sql").read_text(), {"source": source})


def finish(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Derived parts of a warehouse whose tables are loaded."""
    write_meta(con, source)
    create_views(con)
    con.execute("checkpoint")


def missing_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Canonical tables, derived views and macros a warehouse lacks: one built by an older version
    of the app, before a table, view or macro was added, would fail on the queries that read them."""
    expected = [*TABLES, "warehouse_meta", *(file.stem for file in view_files())]
    cursor = con.cursor()
    try:
        present = {
            row[0]
            for row in cursor.execute(
                "select table_name from information_schema.tables"
                " union all select function_name from duckdb_functions() where not internal"
            ).fetchall()
        }
    finally:
        cursor.close()
    return [name for name in expected if name not in present]


def is_sample(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse was built from the generated sample (first start or `sample`), so that
    rebuilding it loses nothing a user loaded."""
    cursor = con.cursor()
    try:
        source = cursor.execute("select any_value(source) from warehouse_meta").fetchone()[0]
    except duckdb.Error:
        return False
    finally:
        cursor.close()
    return SAMPLE_SOURCE in str(source or "")


def table_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """Each canonical table's (column, DuckDB type, required) as the schema declares them."""
    declared = _declared_columns((SQL_DIR / "schema.sql").read_text())
    return {table: list(columns) for table, columns in declared.items()}


@functools.lru_cache(maxsize=4)
def _declared_columns(schema: str) -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Keyed on the schema's text: parsing a query file asks for every `from:` parameter, and
    building the schema in a scratch database each time made listing the query files take seconds."""
    con = duckdb.connect()
    con.execute(schema)
    rows = con.execute(
        "select table_name, column_name, data_type, is_nullable = 'NO'"
        " from information_schema.columns order by table_name, ordinal_position"
    ).fetchall()
    con.close()
    columns: dict[str, list[tuple[str, str, bool]]] = {table: [] for table in TABLES}
    for table, column, data_type, required in rows:
        columns[table].append((column, data_type, required))
    return {table: tuple(found) for table, found in columns.items()}


def open_build(path: Path) -> duckdb.DuckDBPyConnection:
    """The one writable connection: a load building a new warehouse file before it is swapped in."""
    return duckdb.connect(str(path), config={"memory_limit": BUILD_MEMORY_LIMIT})


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection that analyst SQL cannot use to write or read other files."""
    path = path or default_path()
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}")
    # Given at connect time: DuckDB shares one instance per file within a process, and a second
    # connection could not change settings the first one already locked.
    from dashboard.query import limits

    return duckdb.connect(
        str(path), read_only=True, config={**SANDBOX, "memory_limit": limits.load().memory_limit}
    )
