"""The real server in headless Chromium: every page opens, shows no exception box, and charts render.

Locally these skip when no Chromium is installed; in CI (CI or BACKORDER_REQUIRE_BROWSER set)
a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import registry
from dashboard.query import warehouse

pytestmark = pytest.mark.browser

ARTIFACTS = warehouse.PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# page -> charts it must show at least; test_every_page_has_a_chart_floor keeps it to the registry's pages
MIN_CHARTS = {
    "weekly_review": 0,
    "backorders": 8,
    "suppliers": 3,
    "demand_signal": 5,
    "cancellation_risk": 3,
    "outlook": 4,
    "query_library": 0,
    "data": 0,
}


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser_path() -> str:
    found = chromium()
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("BACKORDER_REQUIRE_BROWSER"):
        pytest.fail("browser tests must run in CI, but no Chromium was found (apt-get install chromium)")
    pytest.skip("no Chromium found: install it (apt-get install chromium) to run the browser tests")


@pytest.fixture(scope="module")
def server(sample_db: Path, browser_path: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, warehouse.DB_ENV_VAR: str(sample_db)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(warehouse.PROJECT_ROOT / "streamlit_app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the Streamlit server did not start within 60 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def page(server: str, browser_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        yield context.new_page()
        browser.close()


def settle(page, timeout: float = 60_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


def test_every_page_has_a_chart_floor() -> None:
    assert set(MIN_CHARTS) == {entry.name for entry in registry.PAGES}


@pytest.mark.parametrize("entry", registry.PAGES, ids=lambda entry: entry.name)
def test_page_opens_without_exception(server: str, page, entry: registry.Page) -> None:
    page.goto(f"{server}/{entry.url_path}")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{entry.url_path or 'home'}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator("h1").count() >= 1
    charts = page.locator('[data-testid="stVegaLiteChart"]').count()
    assert charts >= MIN_CHARTS[entry.name]


def test_query_library_chart_renders_and_url_keeps_the_filters(server: str, page) -> None:
    page.goto(f"{server}/query_library?q=open_backlog_by_week&category=Custom%20Furniture")
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "query-library-chart.png"), full_page=True)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
    assert "category=Custom" in page.url


def test_backorders_drill_down_link_reproduces_the_sku_and_filters(server: str, page) -> None:
    page.goto(f"{server}/backorders?sku=SKU0294&channel=web&end=2026-10-25")
    settle(page)
    caption = page.get_by_text("backordered lines open at the end of 25 Oct 2026")
    assert caption.count() == 1
    caption.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "backorders-drill-down.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    for part in ("sku=SKU0294", "channel=web", "end=2026-10-25"):
        assert part in page.url
