"""Every page as a manager sees it before the weekly meeting: light at 1440x900, dark, and a phone at
390x844, screenshotted into test-artifacts/meeting/. Asserted: no raw column names in the main pages'
table headers, no None/NaT/nan text, readable chart text and table cells in the dark theme, nothing
wider than a phone, and the verdict with at least six tiles above the fold of the home page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dashboard import registry, settings
from dashboard.present import palette
from dashboard.query import warehouse
from dashboard.review import weekly
from tests.conftest import CHROMIUM_ARGS, settle

pytestmark = pytest.mark.browser

SHOTS = warehouse.PROJECT_ROOT / "test-artifacts" / "meeting"
MODES = {
    "light": {"viewport": {"width": 1440, "height": 900}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1440, "height": 900}, "color_scheme": "dark"},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "color_scheme": "light",
        "is_mobile": True,
        "has_touch": True,
        "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    },
}
# The pages a manager reads; the Data and Query library pages show raw tables on purpose.
MAIN = tuple(page.url_path for page in registry.PAGES if page.name not in ("query_library", "data"))
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
EMPTY_WORDS = re.compile(r"\b(None|NaT|nan|NaN)\b")
VISIBLE_TEXT = """() => {
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA']);
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName)) return;
    if (node.tagName === 'DETAILS' && !node.open) {
      const summary = node.querySelector('summary');
      if (summary) walk(summary);
      return;
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.querySelector('[data-testid=stMain]'));
  return out.join(' ');
}"""
CHART_TEXT = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text')]
  .filter(t => t.textContent.trim()).map(t => getComputedStyle(t).fill)"""


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])  # type: ignore[return-value]


def white_on_pale(image: Image.Image) -> float:
    """The share of a table's highlighted (pale, tinted) cell area drawn in near-white: white text on
    a pale highlight, which the dark theme produced before highlights set their own dark ink."""
    pixels = np.asarray(image.convert("RGB"), dtype=float) / 255
    light, spread = pixels.mean(axis=2), pixels.max(axis=2) - pixels.min(axis=2)
    pale = (light > 0.6) & (light < 0.97) & (spread > 0.06)
    white = (light > 0.9) & (spread < 0.04)
    if pale.sum() < 200:
        return 0.0
    # Near-white pixels with pale tint on both sides within a few pixels sit on a highlight.
    left = np.zeros_like(pale)
    right = np.zeros_like(pale)
    for shift in range(1, 6):
        left[:, shift:] |= pale[:, :-shift]
        right[:, :-shift] |= pale[:, shift:]
    return float((white & left & right).sum() / pale.sum())


@pytest.fixture(scope="module")
def server(
    sample_db: Path, browser_path: str, tmp_path_factory: pytest.TempPathFactory, streamlit_server
) -> Iterator[str]:
    """The app on the sample warehouse with the example settings, so the tiles show their targets."""
    config = tmp_path_factory.mktemp("meeting") / "settings.yaml"
    config.write_text((warehouse.PROJECT_ROOT / "settings.example.yaml").read_text())
    env = {warehouse.DB_ENV_VAR: str(sample_db), settings.SETTINGS_ENV_VAR: str(config)}
    with streamlit_server(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser(browser_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, server: str, mode: str, path: str):
    context = browser.new_context(**MODES[mode])
    page = context.new_page()
    page.goto(f"{server}/{path}")
    settle(page, timeout=180_000)
    return context, page


def whole_page(page, mode: str, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main block, so grow the viewport."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    width = MODES[mode]["viewport"]["width"]
    page.set_viewport_size({"width": width, "height": min(int(height), 12_000)})
    settle(page)
    page.wait_for_timeout(2_000)  # tables draw themselves once they are in view
    page.screenshot(path=str(SHOTS / f"{mode}-{name}.png"))
    page.set_viewport_size(MODES[mode]["viewport"])


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("path", [page.url_path for page in registry.PAGES])
def test_every_page_reads_well(server: str, browser, mode: str, path: str) -> None:
    context, page = open_page(browser, server, mode, path)
    try:
        name = path or "home"
        whole_page(page, mode, name)
        assert page.locator('[data-testid="stException"]').count() == 0
        text = page.evaluate(VISIBLE_TEXT)
        assert not EMPTY_WORDS.findall(text), f"{name} ({mode}) shows {EMPTY_WORDS.findall(text)[:5]}"
        cells = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]').all_inner_texts()
        assert not [c for c in cells if EMPTY_WORDS.fullmatch(c.strip())]
        if path in MAIN:
            headers = page.locator('[data-testid="stDataFrame"] th[role="columnheader"]').all_inner_texts()
            raw = [h for h in headers if SNAKE.match(h.strip())]
            assert not raw, f"{name} shows raw column names {raw}"
        if mode == "dark":
            background = rgb(
                page.evaluate(
                    "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
                )
            )
            fills = {fill for fill in page.evaluate(CHART_TEXT) if fill.startswith("rgb")}
            dim = [fill for fill in fills if contrast(rgb(fill), background) < 3]
            assert not dim, f"{name}: chart text {dim} is unreadable on {background}"
            for index, table in enumerate(page.locator('[data-testid="stDataFrame"]').all()[:6]):
                if not table.is_visible():
                    continue
                shot = SHOTS / f"dark-{name}-table{index}.png"
                table.screenshot(path=str(shot))
                assert white_on_pale(Image.open(shot)) < 0.02, (
                    f"{name}: white text on a pale cell in {shot.name}"
                )
        if mode == "phone":
            wide = page.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth")
            assert wide <= 390 + 1, f"{name} is {wide} px wide on a 390 px phone: something is cut off"
    finally:
        context.close()


def test_home_first_screen_has_the_verdict_and_six_tiles(server: str, browser) -> None:
    context, page = open_page(browser, server, "light", "")
    try:
        verdict = page.locator("h4", has_text=re.compile(r"^Backlog (grew|shrank|unchanged)"))
        assert verdict.count() == 1
        assert verdict.bounding_box()["y"] + verdict.bounding_box()["height"] <= 900
        # The tiles may still be drawing on a busy machine when the verdict shows: wait for six.
        page.locator('[data-testid="stMetric"]').nth(5).wait_for(timeout=60_000)
        bottoms = [
            box["y"] + box["height"]
            for box in (m.bounding_box() for m in page.locator('[data-testid="stMetric"]').all())
        ]
        assert sum(bottom <= 900 for bottom in bottoms) >= 6, bottoms
        # Targets from the settings file are shown and judged on their tiles.
        assert page.get_by_text(re.compile(r"^[✓✗] target [≤≥]")).count() >= 3
        # Every tile links to the page that explains it, for this week.
        links = page.locator('[data-testid="stPageLink"] a', has_text="Explain")
        assert links.count() >= 8
        shown = weekly.Week.parse(re.search(r"week=([0-9W-]+)", page.url).group(1))
        assert f"start={shown.start.isoformat()}&end={shown.end.isoformat()}" in (
            links.first.get_attribute("href") or ""
        )
        page.screenshot(path=str(SHOTS / "home-first-screen.png"))
    finally:
        context.close()


def test_phone_sidebar_closes_after_navigating(server: str, browser) -> None:
    context, page = open_page(browser, server, "phone", "data")
    try:
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.bounding_box()["width"] == 0  # starts closed on a phone
        page.locator(
            '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
        ).first.click()
        page.wait_for_timeout(500)
        assert sidebar.bounding_box()["width"] > 0
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Backorders").click()
        settle(page, timeout=180_000)
        assert "/backorders" in page.url
        assert sidebar.bounding_box()["width"] == 0, "the sidebar stays open over the page after navigating"
    finally:
        context.close()


@pytest.mark.parametrize(("ink", "flagged"), [("#FFFFFF", True), (palette.INK, False)])
def test_the_pale_cell_check_tells_white_from_dark_ink(ink: str, flagged: bool) -> None:
    """The check the dark-theme screenshots go through, on a drawn highlighted cell."""
    image = Image.new("RGB", (400, 60), "#171614")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 10, 300, 50), fill=palette.HIGHLIGHTS[0])
    draw.text((120, 20), "13.72%  10.6  24.0  101", fill=ink, font=ImageFont.load_default(size=18))
    assert (white_on_pale(image) >= 0.02) is flagged


def test_picking_a_sku_row_shows_its_lines_in_a_dialog(server: str, browser) -> None:
    context, page = open_page(browser, server, "light", "backorders")
    try:
        grid = page.locator('[data-testid="stDataFrame"]').filter(has_text="Rank by units").first
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(1_500)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 18)  # the first row's selection box
        page.wait_for_timeout(1_000)
        settle(page, timeout=180_000)
        dialog = page.locator('[data-testid="stDialog"]')
        assert dialog.count() == 1
        assert dialog.get_by_text("A SKU's order lines").count() == 1
        assert dialog.locator('[data-testid="stDataFrame"]').count() == 1
        page.screenshot(path=str(SHOTS / "backorders-dialog.png"))
    finally:
        context.close()
