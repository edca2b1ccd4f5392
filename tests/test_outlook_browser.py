"""The Outlook page in headless Chromium: its charts draw (the backlog ahead, one SKU's stock, the
suppliers), the list and backtest tables show, and nothing fails."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS, settle
from tests.test_browser import page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_outlook_renders_its_charts(server: str, page) -> None:  # noqa: F811
    page.goto(f"{server}/outlook")
    settle(page, timeout=180_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-outlook.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator("h1").first.inner_text() == "Outlook"
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() >= 4
    for index in range(4):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        chart.locator("canvas, svg").first.wait_for(timeout=30_000)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100
        chart.screenshot(path=str(ARTIFACTS / f"page-outlook-chart-{index}.png"))
    assert page.get_by_text("SKUs projected to go on backorder by").count() >= 1
    assert page.get_by_text("How often the projection was right: backtest").count() == 1
    assert page.locator('[data-testid="stMetric"]').count() >= 7  # 3 headline + 4 backtest figures
