"""Every DuckDB connection is opened by dashboard/query/warehouse.py, so the warehouse's location
and kind is one module's business (docs/scaling.md): this reads the code and proves it."""

import ast
from pathlib import Path

from dashboard.query import warehouse

PACKAGE = warehouse.PROJECT_ROOT / "dashboard"
FACTORY = PACKAGE / "query" / "warehouse.py"


def connects(path: Path) -> list[int]:
    """Lines calling duckdb.connect(...) on a database (a bare duckdb.connect() is an in-memory
    scratch engine, e.g. the sample's CSV writer, and reaches no warehouse)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "connect"
        ):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "duckdb" and (node.args or node.keywords):
                found.append(node.lineno)
    return found


def test_only_the_factory_opens_duckdb() -> None:
    elsewhere = {
        str(path.relative_to(PACKAGE)): connects(path)
        for path in PACKAGE.rglob("*.py")
        if path != FACTORY and connects(path)
    }
    assert elsewhere == {}
    assert connects(FACTORY)


def test_the_factory_opens_a_built_file_read_only_and_sandboxed(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = warehouse.open_build(path)
    con.execute("create table t as select 1 as x")
    con.close()
    other = tmp_path / "other.csv"
    other.write_text("secret\n1\n")
    read = warehouse.connect(path)
    assert read.execute("select x from t").fetchone() == (1,)
    for statement in ("create table u (x int)", f"select * from read_csv('{other}')"):
        try:
            read.execute(statement)
        except Exception as exc:  # read-only, and no access to other files
            assert "read-only" in str(exc).lower() or "disabled" in str(exc).lower(), exc
        else:
            raise AssertionError(f"{statement} should have been refused")


def test_a_load_builds_within_its_share_of_memory(tmp_path: Path) -> None:
    """The build connection is capped (warehouse.BUILD_MEMORY_LIMIT), so a 100M-line load spills to
    disk instead of taking DuckDB's default 80% of a machine it shares with the app."""
    import duckdb

    default = duckdb.connect()
    con = warehouse.open_build(tmp_path / "w.duckdb")
    try:
        setting = "select current_setting('memory_limit')"
        limit = con.execute(setting).fetchone()[0]
        # The same percentage asked of a plain connection gives the same figure, below the default.
        default.execute(f"set memory_limit = '{warehouse.BUILD_MEMORY_LIMIT}'")
        assert limit == default.execute(setting).fetchone()[0]
        assert warehouse.BUILD_MEMORY_LIMIT.endswith("%") and int(warehouse.BUILD_MEMORY_LIMIT[:-1]) <= 50
    finally:
        con.close()
        default.close()
