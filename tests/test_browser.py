"""The real server in headless Chromium: every page opens, shows no exception box, and charts render.

Locally these skip when no Chromium is installed; in CI (CI or BACKORDER_REQUIRE_BROWSER set)
a missing browser is a failure, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import registry
from dashboard.query import warehouse
from tests.conftest import ARTIFACTS, CHROMIUM_ARGS, settle

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="module")
def server(sample_db: Path, browser_path: str, streamlit_server) -> Iterator[str]:
    with streamlit_server({warehouse.DB_ENV_VAR: str(sample_db)}) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str, browser_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        yield context.new_page()
        browser.close()


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
