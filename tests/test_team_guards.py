"""Guarded analyst SQL, inputs and outputs: each defect the security probe found, tried again.

Bad query files, YAML alias bombs, runaway queries, formulas in CSV cells, markdown in URL values
and notes, and tracebacks. Each test fails on the code before issue 17.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, export, ingest, safeyaml, settings
from dashboard.ingest import mapping
from dashboard.present import text
from dashboard.query import catalog, warehouse
from tests.conftest import free_port

GOOD = Path(__file__).parent / "fixtures" / "canonical_good"
APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")


def bomb(levels: int = 9) -> str:
    """Nine levels of nine aliases each: 9**9 values once expanded, from about 400 bytes."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def queries(tmp_path: Path) -> Path:
    root = tmp_path / "queries"
    (root / "backorders").mkdir(parents=True)
    (root / "fine.sql").write_text("/* title: Fine */\nselect 1 as one\n")
    return root


def test_a_latin1_query_file_is_one_error_card_and_the_rest_still_work(queries: Path) -> None:
    (queries / "backorders" / "latin.sql").write_bytes("/* title: Caf\xe9 */\nselect 1\n".encode("latin-1"))
    found = {q.id: q for q in catalog.discover(queries)}
    assert found["fine"].error is None
    assert "latin.sql: not UTF-8" in found["latin"].error


def test_a_header_nested_100000_deep_is_one_error_card(queries: Path) -> None:
    (queries / "deep.sql").write_text("/*\nx: " + "[" * 100_000 + "]" * 100_000 + "\n*/\nselect 1\n")
    found = {q.id: q for q in catalog.discover(queries)}
    assert found["fine"].error is None
    assert "deep.sql" in found["deep"].error and "nested deeper" in found["deep"].error


def test_a_query_header_alias_bomb_is_refused_quickly(queries: Path) -> None:
    body = "\n".join("  " + line for line in bomb().splitlines())
    (queries / "bomb.sql").write_text(f"/*\ndescription: x\nchart:\n{body}\n*/\nselect 1\n")
    started = time.monotonic()
    found = {q.id: q for q in catalog.discover(queries)}
    assert time.monotonic() - started < 5
    assert "bomb.sql: header refused" in found["bomb"].error and "expands to more than" in found["bomb"].error


def test_an_uploaded_mapping_alias_bomb_is_a_load_problem_not_6_gb(tmp_path: Path) -> None:
    file = tmp_path / "mapping.yaml"
    file.write_text(bomb() + "name: *l8\n")
    assert len(file.read_bytes()) < 700
    with pytest.raises(ingest.LoadError) as caught:
        mapping.read(file)
    assert "expands to more than" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"tables:\n  orders:\n    file: caf\xe9.csv\n", "not UTF-8"),
        (b"tables: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nested"),
    ],
)
def test_non_utf8_and_deeply_nested_mappings_are_one_line_problems(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    file = tmp_path / "mapping.yaml"
    file.write_bytes(content)
    with pytest.raises(ingest.LoadError) as caught:
        mapping.read(file)
    assert reason in caught.value.problems[0].reason


def test_settings_refuse_bombs_and_duplicate_keys(tmp_path: Path) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text(bomb())
    with pytest.raises(settings.SettingsError, match="expands to more than"):
        settings.load(file)
    file.write_text("auth:\n  default_role: viewer\nauth:\n  default_role: admin\n")
    with pytest.raises(settings.SettingsError, match="duplicate key 'auth'"):
        settings.load(file)


def test_safe_loader_still_reads_ordinary_aliases() -> None:
    assert safeyaml.load("base: &b {x: 1}\nother: *b\n") == {"base": {"x": 1}, "other": {"x": 1}}


def test_a_runaway_query_stops_at_the_time_limit_naming_its_file(handmade_db: Path) -> None:
    con = warehouse.connect(handmade_db)
    started = time.monotonic()
    with pytest.raises(catalog.QueryError, match=r"runaway\.sql: stopped after the 1 s time limit"):
        catalog.execute(con, "select count(*) from range(1000000000000)", "runaway.sql", {}, time_limit=1)
    assert time.monotonic() - started < 10
    assert catalog.execute(con, "select 42 as answer", "next.sql", {})["answer"][0] == 42


def test_check_reports_a_runaway_query_as_failed(
    handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runaway = warehouse.QUERIES_DIR / f"zz_runaway_{os.getpid()}.sql"
    (tmp_path / "settings.yaml").write_text("queries:\n  time_limit_seconds: 1\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    runaway.write_text("/* title: Runaway */\nselect count(*) from range(1000000000000)\n")
    try:
        code = cli.main(["check", "--db", str(handmade_db)])
    finally:
        runaway.unlink()
    out, err = capsys.readouterr()
    assert code == 1
    assert f"FAIL {runaway.name}" in out
    assert "time limit" in err


def test_csv_cells_that_start_a_formula_are_neutralised_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "Acme", None],
            "units": [-3, 1, 2, 3, 4, 5],
        }
    )
    lines = export.to_csv(frame).splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",-3'
    assert [line.split(",")[0] for line in lines[2:]] == ["'+1", "'-cmd", "'@SUM(A1)", "Acme", ""]


def test_a_table_csv_is_made_on_click_capped_and_neutralised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's CSV downloads cost nothing on a rerun: the button holds a callable that makes the
    CSV (at most max_rows_shown rows, formulas neutralised) when someone clicks it."""
    from dashboard.app import cards

    (tmp_path / "settings.yaml").write_text("queries:\n  max_rows_shown: 2\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    buttons: list[dict] = []
    monkeypatch.setattr(
        cards.st, "download_button", lambda label, data, **kw: buttons.append({"data": data, **kw})
    )
    made: list[int] = []
    to_csv = export.to_csv
    monkeypatch.setattr(export, "to_csv", lambda frame: made.append(len(frame)) or to_csv(frame))
    cards.csv_download(pd.DataFrame({"name": ["=cmd()", "b", "c"], "n": [1, 2, 3]}), "x.csv", "x.download")
    assert made == [] and buttons[0]["file_name"] == "x.csv"
    assert buttons[0]["data"]().splitlines() == ["name,n", "'=cmd(),1", "b,2"]
    assert made == [2]


def test_query_csv_on_the_command_line_is_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "shop"
    shutil.copytree(GOOD, source)
    suppliers = (
        (source / "suppliers.csv").read_text().replace("Acme Tools", '"=HYPERLINK(""http://evil"",""x"")"')
    )
    (source / "suppliers.csv").write_text(suppliers)
    db = tmp_path / "warehouse.duckdb"
    ingest.load(source, db)
    assert cli.main(["query", "supplier_scorecard", "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK" in out and ',"=HYPERLINK' not in out and ",=HYPERLINK" not in out


def test_rejects_csv_neutralises_the_values_it_echoes(tmp_path: Path) -> None:
    from dashboard.ingest.problems import Problem, Rejects

    report = Rejects(tmp_path / "rejects.csv")
    report.write(Problem("orders.csv", 2, "order_id", "=cmd|' /C calc'!A0", "is bad"))
    written = report.close(keep=True)
    assert "'=cmd" in written.read_text()


def test_user_text_renders_as_plain_markdown() -> None:
    shown = text.plain("![beacon](http://evil.test/p.png) [click](http://evil.test) *bold*")
    assert "![" not in shown and "](" not in shown and "*bold*" not in shown
    assert shown.replace("\\", "") == "![beacon](http://evil.test/p.png) [click](http://evil.test) *bold*"


def test_sku_from_the_url_is_not_a_live_link_or_image(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["sku"] = "![b](http://evil.test/b.png)"
    at.run()
    at.switch_page("dashboard/app/pages/backorders.py")
    at.query_params["sku"] = "![b](http://evil.test/b.png)"
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption if "evil" in c.value]
    assert captions, "the drill-down caption names the SKU"
    assert all("![b](" not in c and "](http" not in c for c in captions)


def test_kpis_with_a_bad_date_is_one_line(capsys: pytest.CaptureFixture[str], handmade_db: Path) -> None:
    assert cli.main(["kpis", "--db", str(handmade_db), "--from", "2026-99-99"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: --from '2026-99-99' is not a date; use YYYY-MM-DD"


def test_streamlit_config_hides_stack_traces_and_listens_locally() -> None:
    import tomllib

    config = tomllib.loads((warehouse.PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["address"] == "127.0.0.1"


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_leaves_nothing_serving_after_a_signal_to_its_pid(
    handmade_db: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    env = {
        **os.environ,
        warehouse.DB_ENV_VAR: str(handmade_db),
        settings.SETTINGS_ENV_VAR: str(tmp_path / "settings.yaml"),
        "STREAMLIT_SERVER_HEADLESS": "true",
    }
    (tmp_path / "settings.yaml").write_text("")
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _serving(port):
            assert time.monotonic() < deadline, "the server did not start"
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.3)
        process.send_signal(sig)
        process.wait(timeout=5)  # the PID is Streamlit itself, not a parent that leaves it behind
        assert not _serving(port), f"still serving after {sig.name}"
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))  # the port is free again (as a server would bind it)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    assert "listening on 127.0.0.1" in process.stderr.read()


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    import warnings
    import zipfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we mean to write
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def test_a_zip_unpacks_only_table_files(tmp_path: Path) -> None:
    from dashboard.ingest import lifecycle

    tables = [(p.name, p.read_bytes()) for p in sorted(GOOD.iterdir())]
    archive = _zip(
        tmp_path / "shop.zip", [*tables, ("disk-filler.bin", b"\0" * 5_000_000), ("x", b"not a table")]
    )
    work = tmp_path / "work"
    work.mkdir()
    folder = lifecycle.unpack(archive, work)
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == sorted(name for name, _ in tables)


def test_a_zip_over_the_size_limit_or_with_a_name_twice_is_refused(tmp_path: Path, monkeypatch) -> None:
    from dashboard.ingest import lifecycle

    (tmp_path / "settings.yaml").write_text("uploads:\n  max_unpacked_gb: 0.001\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    big = _zip(tmp_path / "big.zip", [("orders.csv", b"a" * 2_000_000)])
    (tmp_path / "w1").mkdir()
    with pytest.raises(ingest.LoadError, match=r"unpacks to more than 0\.001 GB"):
        lifecycle.unpack(big, tmp_path / "w1")
    twice = _zip(tmp_path / "twice.zip", [("orders.csv", b"a"), ("orders.csv", b"b")])
    (tmp_path / "w2").mkdir()
    with pytest.raises(ingest.LoadError, match=r"holds 'orders\.csv' twice"):
        lifecycle.unpack(twice, tmp_path / "w2")


def test_a_name_that_is_both_file_and_folder_is_one_problem(tmp_path: Path) -> None:
    from dashboard.ingest import lifecycle

    archive = _zip(tmp_path / "clash.zip", [("x.csv", b"a\n1\n"), ("x.csv/y.csv", b"a\n1\n")])
    (tmp_path / "w").mkdir()
    with pytest.raises(ingest.LoadError, match="cannot be unpacked"):
        lifecycle.unpack(archive, tmp_path / "w")


def test_sweep_removes_what_killed_loads_and_abandoned_uploads_left(tmp_path: Path) -> None:
    import tempfile

    from dashboard.ingest import lifecycle

    db = tmp_path / "warehouse.duckdb"
    left = [
        tmp_path / ".warehouse.duckdb.loading-123-abcd",
        tmp_path / ".warehouse.rejects.csv.writing-123",
        Path(tempfile.mkdtemp(prefix=lifecycle.UPLOAD_PREFIX)),
    ]
    for path in left[:2]:
        path.write_text("x")
    fresh = tmp_path / ".warehouse.duckdb.loading-456-ef01"
    fresh.write_text("x")
    old = time.time() - 2 * 3600
    for path in left:
        os.utime(path, (old, old))
    lifecycle.sweep(db)
    assert not any(path.exists() for path in left)
    assert fresh.exists(), "a load younger than an hour may still be running"


def test_an_over_long_line_is_not_shown_with_the_previous_lines_text(tmp_path: Path) -> None:
    source = tmp_path / "shop"
    shutil.copytree(GOOD, source)
    orders = (source / "orders.csv").read_text()
    last = orders.strip().splitlines()[-1]
    (source / "orders.csv").write_text(orders + "O9," + "x" * 3_000_000 + "\n")
    with pytest.raises(ingest.LoadError) as caught:
        ingest.load(source, tmp_path / "warehouse.duckdb")
    [long] = [p for p in caught.value.problems if "maximum line size" in p.reason]
    assert long.value is None or last not in long.value


def test_a_50_mb_header_line_is_one_problem(tmp_path: Path) -> None:
    source = tmp_path / "shop"
    shutil.copytree(GOOD, source)
    (source / "orders.csv").write_text("order_id," + "x" * 50_000_000 + "\nO1,1\n")
    with pytest.raises(ingest.LoadError) as caught:
        ingest.load(source, tmp_path / "warehouse.duckdb")
    assert any(p.file.endswith("orders.csv") for p in caught.value.problems)
    assert all(len(str(p)) < 1000 for p in caught.value.problems)


def test_an_xlsx_entity_bomb_is_one_problem(tmp_path: Path) -> None:
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "suppliers"
    book.active.append(["supplier_id", "supplier_name", "country"])
    book.active.append(["S1", "Acme", "DE"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)
    )
    source = tmp_path / "shop"
    source.mkdir()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(source / "suppliers.xlsx", "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                text = data.decode()
                head, _, body = text.partition("?>")
                data = f"{head}?><!DOCTYPE worksheet [{entities}]>{body}".replace(">Acme<", ">&i;<").encode()
            out.writestr(item, data)
    started = time.monotonic()
    with pytest.raises(ingest.LoadError) as caught:
        ingest.load(source, tmp_path / "warehouse.duckdb")
    assert time.monotonic() - started < 30
    assert any("suppliers.xlsx" in str(p) for p in caught.value.problems)


def test_memory_limit_and_row_limit_come_from_the_settings(
    handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.yaml").write_text("queries:\n  memory_limit: 512MB\n  max_rows_shown: 2\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    link = tmp_path / "copy.duckdb"
    shutil.copy(handmade_db, link)  # a fresh file: DuckDB shares one instance (and its settings) per path
    con = warehouse.connect(link)
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] in ("512.0 MiB", "488.2 MiB")

    def page() -> None:
        import pandas as pd

        from dashboard.app import cards

        cards.st.dataframe(cards.capped(pd.DataFrame({"n": range(10)})))

    at = AppTest.from_function(page, default_timeout=60)  # importing cards takes a while
    at.run()
    assert len(at.dataframe[0].value) == 2
    assert "first 2 of 10 rows" in at.caption[0].value


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from read_parquet('http://example.com/x.parquet')",
    ],
)
def test_what_held_the_sandbox_reads_no_other_file(handmade_db: Path, sql: str) -> None:
    con = warehouse.connect(handmade_db)
    with pytest.raises(catalog.QueryError, match=r"probe\.sql"):
        catalog.execute(con, sql, "probe.sql", {})


@pytest.mark.parametrize(
    "sql",
    ["attach '/tmp/x.duckdb' as x", "set enable_external_access = true", "select 1; select 2"],
)
def test_what_held_a_query_file_is_one_select(queries: Path, sql: str) -> None:
    (queries / "probe.sql").write_text(f"/* title: Probe */\n{sql}\n")
    found = {q.id: q for q in catalog.discover(queries)}
    assert found["probe"].error and "probe.sql" in found["probe"].error


def test_what_held_a_zip_member_with_a_bad_crc_is_refused(tmp_path: Path) -> None:
    from dashboard.ingest import lifecycle

    archive = _zip(tmp_path / "shop.zip", [("orders.csv", b"order_id,customer_id\n" + b"O1,C1\n" * 100)])
    data = bytearray(archive.read_bytes())
    at = data.find(b"O1,C1") if b"O1,C1" in data else 40
    data[at + 5] ^= 0xFF  # stored or deflated, a flipped byte breaks the CRC or the stream
    archive.write_bytes(bytes(data))
    (tmp_path / "w").mkdir()
    with pytest.raises(ingest.LoadError, match=r"shop\.zip"):
        lifecycle.unpack(archive, tmp_path / "w")


def test_what_held_xsrf_protection_stays_on() -> None:
    from streamlit import config

    config.get_config_options(force_reparse=True, options_from_flags={})
    assert config.get_option("server.enableXsrfProtection") is True


def test_what_held_a_load_killed_with_sigkill_changes_nothing(handmade_db: Path, tmp_path: Path) -> None:
    from dashboard.ingest import lifecycle

    source = tmp_path / "big"
    assert cli.main(["sample", "--out", str(source), "--lines", "60000"]) == 0
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(handmade_db, db)
    before = db.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "load", str(source), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".warehouse.duckdb.loading-*")):
        assert time.monotonic() < deadline and process.poll() is None, "the load never started building"
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    assert db.read_bytes() == before
    left = list(tmp_path.glob(".warehouse.duckdb.loading-*"))
    assert left
    lifecycle.sweep(db, older_than=0)
    assert not list(tmp_path.glob(".warehouse.duckdb.loading-*"))


def test_a_page_built_table_is_capped_too_with_its_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cards.show_built (the pages' own charts and tables) sends at most max_rows_shown rows, a
    page's Styler included: its colours stay on the rows shown."""
    (tmp_path / "settings.yaml").write_text("queries:\n  max_rows_shown: 2\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))

    def page() -> None:
        import pandas as pd

        from dashboard.app import cards
        from dashboard.query import catalog

        frame = pd.DataFrame({"sku": [f"SKU{i}" for i in range(10)], "late": [i % 2 == 0 for i in range(10)]})
        styled = frame.style.map(lambda late: "background-color: #ff0000" if late else "", subset=["late"])
        query = catalog.find("open_backlog_by_week")
        cards.show_built(query, frame, styled=styled)
        # again with a column with gaps, which readable() turns into text
        cards.show_built(query, frame.assign(gap=[None, *range(9)]), prefix="gaps.", styled=styled)

    at = AppTest.from_function(page, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [len(table.value) for table in at.dataframe] == [2, 2]
    assert list(at.dataframe[0].value["sku"]) == ["SKU0", "SKU1"]
    assert [c.value for c in at.caption if "first 2 of 10 rows" in c.value] != []
    proto = at.dataframe[0].proto
    assert "ff0000" in str(proto).lower()  # the colour of the first row came along


@pytest.mark.parametrize("page", ["backorders", "suppliers", "demand_signal", "cancellation_risk"])
def test_every_table_on_a_page_keeps_to_the_row_limit(
    handmade_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    (tmp_path / "settings.yaml").write_text("queries:\n  max_rows_shown: 2\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(tmp_path / "settings.yaml"))
    monkeypatch.setenv(warehouse.DB_ENV_VAR, str(handmade_db))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(f"dashboard/app/pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sizes = [len(table.value) for table in at.dataframe]
    assert sizes and max(sizes) <= 2, sizes
    assert [c.value for c in at.caption if "Showing the first 2 of" in c.value]
