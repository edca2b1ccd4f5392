"""Every DuckDB connection is opened by dashboard/query/warehouse.py, so the warehouse's location
and kind is one module's business (docs/scaling.md): this reads the code and proves it."""

import ast
import os
from pathlib import Path

import duckdb
import pytest

from dashboard import ingest, settings
from dashboard.ingest import to_parquet
from dashboard.query import targets, warehouse
from dashboard.query.targets import Target
from tests.conftest import FIXTURES

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


# Every kind of warehouse the factory opens (dashboard/query/targets.py), with the ones that can run
# here run for real: a local file and a local Parquet folder. MotherDuck, DuckLake and a Parquet
# folder on object storage need an extension this machine does not have: they are tested as far as
# their clear error, which must not leak a token.


def published(db: Path, folder: Path) -> str:
    to_parquet.export(db, folder)
    return f"parquet:{folder}"


def lines(con: duckdb.DuckDBPyConnection) -> int:
    return con.cursor().execute("select count(*) from order_lines").fetchone()[0]


def installed(extension: str) -> bool:
    con = duckdb.connect(config=warehouse.NO_AUTOLOAD)
    row = con.execute("select installed from duckdb_extensions() where extension_name = ?", [extension])
    found = row.fetchone()
    con.close()
    return bool(found and found[0])


def test_a_db_value_names_the_kind_of_warehouse() -> None:
    assert targets.parse("data/w.duckdb") == Target(targets.FILE, "data/w.duckdb")
    assert targets.parse(Path("/srv/w.duckdb")).path == Path("/srv/w.duckdb")
    assert targets.parse(r"C:\desk\w.duckdb").kind == targets.FILE  # a drive letter is no scheme
    local = targets.parse("parquet:/srv/desk")
    assert (local.kind, local.path, local.extension) == (targets.PARQUET, Path("/srv/desk"), None)
    remote = targets.parse("parquet:s3://bucket/desk")
    assert (remote.kind, remote.path, remote.extension) == (targets.PARQUET, None, "httpfs")
    for value in ("md:backorders", "motherduck:backorders"):
        found = targets.parse(value)
        assert (found.kind, found.location, found.extension) == (
            targets.MOTHERDUCK,
            "backorders",
            "motherduck",
        )
    lake = targets.parse("ducklake:/srv/lake/meta.ducklake")
    assert (lake.kind, lake.location, lake.extension) == (
        targets.DUCKLAKE,
        "/srv/lake/meta.ducklake",
        "ducklake",
    )
    with pytest.raises(ValueError, match=r"unknown warehouse kind 'postgres:'.*parquet:FOLDER"):
        targets.parse("postgres://db.example.com/desk")
    with pytest.raises(ValueError, match="names no parquet location"):
        targets.parse("parquet:")
    with pytest.raises(ValueError, match="local folder or an object-store URL"):
        targets.parse("parquet:ftp://example.com/desk")


def test_without_db_or_settings_the_warehouse_is_the_local_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(warehouse.DB_ENV_VAR, raising=False)
    assert warehouse.target() == Target(targets.FILE, str(warehouse.DEFAULT_PATH))
    assert warehouse.default_path() == warehouse.PROJECT_ROOT / "data" / "warehouse.duckdb"


def test_no_connection_installs_or_loads_an_extension_by_itself(handmade_db: Path, tmp_path: Path) -> None:
    build = warehouse.open_build(tmp_path / "w.duckdb")
    cons = [
        warehouse.connect(handmade_db),
        warehouse.connect(published(handmade_db, tmp_path / "pq")),
        build,
        warehouse.open_export(handmade_db),
    ]
    for con in cons:
        settings_now = con.execute(
            "select current_setting('autoinstall_known_extensions'),"
            " current_setting('autoload_known_extensions')"
        ).fetchone()
        assert settings_now == (False, False)
        con.close()


def test_a_parquet_folder_serves_the_same_warehouse_as_the_file(handmade_db: Path, tmp_path: Path) -> None:
    from dashboard import cli

    on_file = warehouse.connect(handmade_db)
    on_parquet = warehouse.connect(published(handmade_db, tmp_path / "pq"))
    objects = "select table_name from information_schema.tables order by table_name"
    names = [name for (name,) in on_file.execute(objects).fetchall()]
    assert [name for (name,) in on_parquet.execute(objects).fetchall()] == names
    for name in names:
        count = f"select count(*) from {name}"
        assert on_parquet.execute(count).fetchone() == on_file.execute(count).fetchone(), name
    assert warehouse.missing_objects(on_parquet) == []  # tables, views and the macros of queries/views
    assert cli.kpis(on_parquet) == cli.kpis(on_file)


def test_a_parquet_warehouse_reads_only_its_own_files_and_settings_stay_locked(
    handmade_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "pq"
    con = warehouse.connect(published(handmade_db, folder))
    served = warehouse.current_folder(folder)
    outside = tmp_path / "secret.csv"
    outside.write_text("secret\n1\n")
    stray = served / "stray.csv"  # even a file inside the version folder is not a table
    stray.write_text("secret\n1\n")
    orders = served / "orders.parquet"
    refused = (
        f"select * from read_csv('{outside}')",
        f"select * from read_csv('{stray}')",
        f"select * from read_csv('{served}/../../secret.csv')",
        f"copy (select 1 as x) to '{served}/new.parquet'",
        f"copy (select 1 as x) to '{tmp_path}/new.parquet'",
        f"attach '{handmade_db}' as other",
        "set enable_external_access = true",
        "set memory_limit = '1GB'",
        f"set allowed_paths = ['{outside}']",
        "load httpfs",
    )
    for statement in refused:
        with pytest.raises(duckdb.Error):
            con.execute(statement)
    assert not (served / "new.parquet").exists() and not (tmp_path / "new.parquet").exists()
    assert con.execute(f"select count(*) from read_parquet('{orders}')").fetchone()[0] > 0
    assert not orders.stat().st_mode & 0o222  # published files are read-only on disk too


def test_a_reader_follows_a_new_export_and_a_rerun_in_flight_finishes_on_the_old(tmp_path: Path) -> None:
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    ingest.load(FIXTURES / "handmade", first)
    ingest.load(FIXTURES / "canonical_good", second)
    folder = tmp_path / "pq"
    value = published(first, folder)
    assert warehouse.exists(value)
    before = warehouse.version(value)
    old = warehouse.connect(value)
    counted = lines(old)

    published(second, folder)
    assert warehouse.version(value) > before
    new = warehouse.connect(value)
    assert lines(new) != counted
    assert lines(old) == counted  # the previous version stays on disk for reruns still on it

    published(first, folder)
    assert len(to_parquet.versions(folder)) == to_parquet.KEEP_VERSIONS
    assert lines(warehouse.connect(value)) == counted
    assert not warehouse.exists(f"parquet:{tmp_path / 'nothing'}")


@pytest.mark.parametrize(
    ("value", "extension"),
    [
        ("md:backorders?motherduck_token=valuesecret-456", "motherduck"),
        ("motherduck:backorders", "motherduck"),
        ("ducklake:/srv/lake/meta.ducklake", "ducklake"),
        ("parquet:s3://bucket/desk", "httpfs"),
    ],
)
def test_a_remote_warehouse_without_its_extension_fails_clearly_and_hides_tokens(
    value: str, extension: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    if installed(extension):
        pytest.skip(f"the {extension} extension is installed here: connecting would reach the network")
    config = tmp_path / "settings.yaml"
    config.write_text("warehouse:\n  motherduck_token_env: DESK_MD_TOKEN\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(config))
    monkeypatch.setenv("DESK_MD_TOKEN", "envsecret-123")
    monkeypatch.setenv(warehouse.DB_ENV_VAR, "unused")  # restored after the CLI sets it
    with pytest.raises(warehouse.TargetError) as caught:
        warehouse.connect(value)
    message = str(caught.value)
    assert f"the {extension} extension is not installed" in message
    assert f"install_extension('{extension}')" in message
    from dashboard import cli

    assert cli.main(["kpis", "--db", value]) == 2
    printed = capsys.readouterr()
    assert f"the {extension} extension is not installed" in printed.err
    for shown in (message, printed.err, printed.out, str(targets.parse(value))):
        assert "envsecret-123" not in shown and "valuesecret-456" not in shown


def test_the_cli_publishes_parquet_and_serves_it_but_loads_only_into_a_file(
    handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from dashboard import cli

    monkeypatch.setenv(warehouse.DB_ENV_VAR, "unused")  # restored after the CLI sets it
    folder = tmp_path / "pq"
    assert cli.main(["export-parquet", str(folder), "--db", str(handmade_db)]) == 0
    assert f"--db parquet:{folder}" in capsys.readouterr().out
    assert cli.main(["kpis", "--db", str(handmade_db)]) == 0
    on_file = capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert cli.main(["kpis", "--db", "parquet:pq"]) == 0  # relative: made absolute for the app too
    assert capsys.readouterr().out == on_file
    assert os.environ[warehouse.DB_ENV_VAR] == f"parquet:{folder.resolve()}"
    assert cli.main(["load", str(FIXTURES / "handmade"), "--db", f"parquet:{folder}"]) == 2
    assert "is not a DuckDB file" in capsys.readouterr().err
    assert cli.main(["kpis", "--db", "postgres://db/desk"]) == 2
    assert "unknown warehouse kind 'postgres:'" in capsys.readouterr().err


def test_every_query_gives_the_same_rows_on_the_published_parquet_as_on_the_file(
    sample_db: Path, sample_parquet: str
) -> None:
    """Every query file in three filter scenarios and the derived views, fingerprinted row by row
    (benchmarks/query_digest.py) on the sample and on the same sample published as Parquet."""
    from benchmarks import query_digest

    on_file = query_digest.digests(sample_db)
    assert not [key for key, digest in on_file.items() if digest.startswith("error")]
    assert query_digest.digests(sample_parquet) == on_file
