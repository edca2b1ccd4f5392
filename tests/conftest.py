"""Shared by the tests: warehouses built once per session (the hand-made fixture and the sample),
and a real Streamlit server and Chromium for the tests that drive the app in a browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest
from dashboard.ingest import sample_warehouse
from dashboard.query import warehouse

FIXTURES = Path(__file__).parent / "fixtures"
REALDATA = warehouse.PROJECT_ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def handmade_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small shop whose every KPI is worked out by hand in test_kpis.py."""
    path = tmp_path_factory.mktemp("handmade") / "warehouse.duckdb"
    ingest.load(FIXTURES / "handmade", path)
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-size sample warehouse, built the way the app builds it on first start."""
    path = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    sample_warehouse.build_sample(path)
    return path


@pytest.fixture(scope="session")
def sample_parquet(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample warehouse published as Parquet (`export-parquet`): the `--db` value serving it."""
    from dashboard.ingest import to_parquet

    folder = tmp_path_factory.mktemp("sample_parquet")
    to_parquet.export(sample_db, folder)
    return f"parquet:{folder}"


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path | str], None]]:
    """Point the app (which reads the environment at call time) at a given warehouse: a file, or
    any `--db` value (parquet:FOLDER)."""

    def point(path: Path | str) -> None:
        monkeypatch.setenv(warehouse.DB_ENV_VAR, str(path))

    yield point


ARTIFACTS = warehouse.PROJECT_ROOT / "test-artifacts"
SERVER = warehouse.PROJECT_ROOT / "streamlit_server.py"  # what `python -m dashboard run` serves
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settle(page, timeout: float = 60_000) -> None:
    """Wait until the app's script has finished, twice, so a rerun it triggered has finished too."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


@pytest.fixture(scope="session")
def browser_path() -> str:
    """Locally the browser tests skip without Chromium; in CI (CI or BACKORDER_REQUIRE_BROWSER set)
    a missing browser is a failure, never a skip."""
    found = chromium()
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("BACKORDER_REQUIRE_BROWSER"):
        pytest.fail("browser tests must run in CI, but no Chromium was found (apt-get install chromium)")
    pytest.skip("no Chromium found: install it (apt-get install chromium) to run the browser tests")


@contextlib.contextmanager
def _serve(env: dict[str, str], cwd: Path | None = None, port: int | None = None) -> Iterator[str]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(SERVER),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    (ARTIFACTS / "servers").mkdir(parents=True, exist_ok=True)
    # the server's output goes to a file, not a pipe nobody reads (which could fill and block it),
    # kept in test-artifacts/servers/ to read after a failure
    with (ARTIFACTS / "servers" / f"{port}.log").open("w+b") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the Streamlit server did not start within 60 s:\n{output}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def streamlit_server() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Start the app's real server (streamlit_server.py, as `python -m dashboard run` does) on
    127.0.0.1: `with streamlit_server({"BACKORDER_DB": ...}, cwd=home) as url:` (`port=` when the
    test must know it first); it stops when the block ends, so each test module (or test) decides
    how long its server lives. The environment given is added to this process's own; the server's
    output is in test-artifacts/servers/PORT.log."""
    return _serve


APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")


def open_page(page: str, query_params: dict[str, str] | None = None, timeout: float = 180) -> AppTest:
    """The whole app in AppTest, opened on `page` (its file under dashboard/app/pages/) the way a
    link does: the URL's parameters first, then the page."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query_params or {})
    at.run()
    at.switch_page(page)
    at.run()
    return at


def ok(at: AppTest) -> None:
    """No exception and no error box: a page that fails shows one, even when it is caught."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
