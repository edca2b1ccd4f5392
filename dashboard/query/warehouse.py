"""The one module that opens DuckDB: schema, derived views and read-only connections.

`connect` is the connection factory: whatever the warehouse is (a local file, a folder of Parquet,
MotherDuck, DuckLake: dashboard/query/targets.py), the rest of the app gets a read-only, sandboxed
DuckDB connection with the same tables, views and macros, so no page or query knows which it is.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import duckdb

from dashboard import safeyaml
from dashboard.query import targets
from dashboard.query.targets import Target

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
# The app reaches no network on its own: no extension is ever downloaded or loaded behind its back,
# only DuckDB's built-in ones (parquet is) and the one a configured target names (targets.py).
NO_AUTOLOAD = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# In a Parquet warehouse folder: names the version subfolder (`v<ns>`) readers open.
CURRENT = "CURRENT"
VERSION_FOLDER = re.compile(r"^v(\d+)$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
HEADER = re.compile(r"\A\s*/\*(.*?)\*/", re.DOTALL)


DEFAULT_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"


class TargetError(ValueError):
    """A configured warehouse that cannot be opened, said without any secret in it."""


def target() -> Target:
    """The configured warehouse, read at call time so tests and the CLI can point the app elsewhere."""
    configured = os.environ.get(DB_ENV_VAR)
    return targets.parse(configured) if configured else Target(targets.FILE, str(DEFAULT_PATH))


def default_path() -> Path:
    """The local warehouse file, which loads and first start build; other kinds have none."""
    found = target()
    if found.kind != targets.FILE:
        raise TargetError(
            f"the warehouse {found} is not a DuckDB file: build or load a file (--db PATH), then"
            " publish it (`python -m dashboard export-parquet FOLDER --db PATH` for a parquet: folder)"
        )
    return Path(found.location)


def _current_name(folder: str) -> str | None:
    """The version folder a Parquet warehouse folder's CURRENT file names, None without one."""
    pointer = os.path.join(folder, CURRENT)
    try:
        with open(pointer, encoding="utf-8") as handle:
            name = handle.read().strip()
    except FileNotFoundError:
        return None
    if not VERSION_FOLDER.match(name):
        raise TargetError(f"{pointer}: names no version folder (v<number>), but {name[:40]!r}")
    return name


def current_folder(folder: Path) -> Path:
    """The Parquet version a local warehouse folder serves: the subfolder its CURRENT file names,
    or the folder itself when it has none (Parquet files put there by hand)."""
    name = _current_name(str(folder))
    return folder / name if name else folder


def version(where: Path | Target) -> int:
    """Changes whenever a load or an export swaps in new data; part of every cache key. 0: none yet.

    A file's modification time; a Parquet folder's current version (its CURRENT pointer); remote
    targets cannot be watched cheaply on every rerun, so they keep one version until a restart.
    Asked many times per rerun, hence os.path rather than pathlib."""
    found = targets.parse(where)
    if found.path is None:
        return 1
    try:
        if found.kind == targets.FILE:
            return os.stat(found.location).st_mtime_ns
        name = _current_name(found.location)
        if name:
            return int(name[1:]) if os.path.isdir(os.path.join(found.location, name)) else 0
        files = Path(found.location).glob("*.parquet")
        return max((file.stat().st_mtime_ns for file in files), default=0)
    except FileNotFoundError:
        return 0


def exists(where: Path | Target) -> bool:
    """Whether there is a warehouse to open (remote ones are assumed to be, until connecting says)."""
    return version(where) != 0


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


def create_views(con: duckdb.DuckDBPyConnection, kinds: tuple[str, ...] = KINDS) -> None:
    """Create every object in queries/views (of the given kinds), in whatever order their
    dependencies allow.

    DuckDB binds a table macro when it is created, so a macro waits for the tables it reads, and
    the views and tables that call a macro wait for it; macros go first in each pass.
    """
    built = sorted(
        (found for found in map(view_statement, view_files()) if found[1] in kinds),
        key=lambda v: "macro" not in v[1],
    )
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
    return duckdb.connect(str(path), config={**NO_AUTOLOAD, "memory_limit": BUILD_MEMORY_LIMIT})


def open_export(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse file attached read-only as its default database,
    which may write files: `export-parquet` copies the warehouse out through it. Never handed to
    analyst SQL. Attached rather than connected: DuckDB keeps one instance per file per process,
    and the app's sandboxed read connection to the same file may already be open."""
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}")
    con = duckdb.connect(config=NO_AUTOLOAD)
    try:
        con.execute(f"attach {_quoted(str(path))} as warehouse (read_only)")
        con.execute("use warehouse")
    except BaseException:
        con.close()
        raise
    return con


def connect(where: Path | Target | None = None) -> duckdb.DuckDBPyConnection:
    """The connection factory: a read-only connection to the warehouse (the configured one by
    default) that analyst SQL cannot use to write, read other files or change settings."""
    found = targets.parse(where) if where is not None else target()
    # Imported here: limits reads the settings, which import nothing of the query layer.
    from dashboard.query import limits

    memory = limits.load().memory_limit
    if found.kind == targets.FILE:
        path = Path(found.location)
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}")
        # Given at connect time: DuckDB shares one instance per file within a process, and a second
        # connection could not change settings the first one already locked.
        return duckdb.connect(
            str(path), read_only=True, config={**NO_AUTOLOAD, **SANDBOX, "memory_limit": memory}
        )
    con = duckdb.connect(config={**NO_AUTOLOAD, "memory_limit": memory})
    try:
        if found.kind == targets.PARQUET:
            _open_parquet(con, found)
        else:
            _attach_remote(con, found)
    except duckdb.Error as exc:
        con.close()
        raise TargetError(targets.masked(f"cannot open the warehouse {found}: {exc}", found)) from None
    except BaseException:
        con.close()
        raise
    return con


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _load_extension(con: duckdb.DuckDBPyConnection, found: Target) -> None:
    """Load the one extension the target names, installed beforehand by whoever configured it:
    the app never downloads one."""
    name = found.extension
    if name is None:
        return
    try:
        con.execute(f"load {name}")
    except duckdb.Error as exc:
        raise TargetError(
            f"cannot open the warehouse {found}: the {name} extension is not installed. Install it once"
            f" with `python -c \"import duckdb; duckdb.connect().install_extension('{name}')\"` (or"
            f" `INSTALL {name};` in the DuckDB CLI) on a machine that may download it, or use a local"
            f" warehouse (--db PATH or parquet:FOLDER). DuckDB said: {targets.masked(str(exc), found)}"
        ) from None


def _open_parquet(con: duckdb.DuckDBPyConnection, found: Target) -> None:
    """An in-memory database with one view per Parquet file of the folder's current version and
    the macros of queries/views, then sandboxed: only those files are readable, and nothing else
    (no other file, no setting) can be reached or changed afterwards."""
    _load_extension(con, found)
    if found.path is not None:
        folder = current_folder(found.path.resolve())
        files = {file.stem: str(file) for file in sorted(folder.glob("*.parquet"))}
        served = str(folder)
    else:
        base = found.location.rstrip("/")
        pointer = con.execute(f"select content from read_text({_quoted(base + '/' + CURRENT)})").fetchall()
        name = pointer[0][0].strip() if pointer else ""
        served = f"{base}/{name}" if VERSION_FOLDER.match(name) else base
        listed = con.execute(f"select file from glob({_quoted(served + '/*.parquet')})").fetchall()
        files = {row[0].rsplit("/", 1)[-1].removesuffix(".parquet"): row[0] for row in listed}
    if not files:
        raise TargetError(f"no Parquet files in {served} (warehouse {found})")
    # Exactly these files, not their folder: DuckDB's sandbox does not tell reading from writing, so
    # allowing the folder would let a statement create files in it (the catalog runs SELECTs only,
    # and the export leaves the files read-only, but the sandbox should not rely on either).
    con.execute(f"set allowed_paths = [{', '.join(_quoted(file) for file in files.values())}]")
    for name, file in files.items():
        if not IDENTIFIER.match(name):
            raise TargetError(f"{file}: a warehouse table's file name must be a lowercase identifier")
        con.execute(f"create view {name} as select * from read_parquet({_quoted(file)})")
    create_views(con, ("macro", "table macro"))
    for setting, value in SANDBOX.items():
        con.execute(f"set {setting} = {str(value).lower()}")


def _attach_remote(con: duckdb.DuckDBPyConnection, found: Target) -> None:
    """MotherDuck or DuckLake attached read-only as the default database. External access stays on
    (their extensions need the network), so the sandbox is read-only access and locked settings."""
    _load_extension(con, found)
    if found.kind == targets.MOTHERDUCK:
        name = found.location.partition("?")[0]
        token = found.secrets[0] if found.secrets else targets.env_token()
        if token:
            con.execute(f"set motherduck_token = {_quoted(token)}")
        con.execute(f"attach {_quoted('md:' + name)} as warehouse (read_only)")
    else:
        data_path = targets.warehouse_settings().get("ducklake_data_path")
        options = f", data_path {_quoted(str(data_path))}" if data_path else ""
        con.execute(f"attach {_quoted('ducklake:' + found.location)} as warehouse (read_only{options})")
    con.execute("use warehouse")
    con.execute("set lock_configuration = true")
