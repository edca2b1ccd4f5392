"""The Backorders page in AppTest: it renders on the sample, its headline follows the sidebar, and
the drill-down follows ?sku= in the URL. Figures of the hand-built shop: see test_backorders.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ingest
from dashboard.query import warehouse

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGE = "dashboard/app/pages/backorders.py"
FIXTURE = Path(__file__).parent / "fixtures" / "backorders_eta"
SECTIONS = [
    "How big is the backlog, and is it growing?",
    "How old is it?",
    "Where does it sit?",
    "When will it clear?",
    "Why is each SKU short?",
    "Drill down: a SKU's order lines",
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backorders_app") / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    return path


def open_page(query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(query_params or {})
    at.switch_page(PAGE)  # straight to the page: the home page's run is not what is tested here
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info])


def frame_with(at: AppTest, *columns: str):
    """The first table on the page that has all these columns."""
    for element in at.dataframe:
        frame = element.value
        frame = getattr(frame, "data", frame)
        if all(column in frame.columns for column in columns):
            return frame
    raise AssertionError(f"no table with columns {columns}")


def test_page_renders_every_section_on_the_sample(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page()
    assert at.title[0].value == "Backorders"
    assert [h.value for h in at.header] == SECTIONS
    assert "not built yet" not in texts(at)
    shown = metrics(at)
    labels = ("Open backorder lines", "Open backordered units", "Average age", "No replenishment planned")
    assert set(labels) <= set(shown)
    assert int(shown["Open backorder lines"][0].replace(",", "")) > 0
    causes = frame_with(at, "root_cause", "evidence")
    assert set(causes["root_cause"]) >= {"capacity_limited", "oversold"}
    assert len(at.dataframe) >= 10


def test_headline_follows_the_channel_and_the_trend_its_controls(shop: Path, use_db) -> None:
    """From 02-01 to the as-of date 02-08: 10 open lines (3 at the end of 01-31), 27 units, 540."""
    use_db(shop)
    at = open_page({"start": "2026-02-01"})
    shown = metrics(at)
    assert shown["Open backorder lines"] == ("10", "+7 since 01 Feb")
    assert shown["Open backordered units"][0] == "27"
    assert shown["Open backorder value"][0] == "$540"
    assert shown["Past the promised date"][0] == "3"
    assert shown["No replenishment planned"][0] == "6 lines"
    at.sidebar.selectbox(key="filter.channel").set_value("marketplace").run()
    assert not at.exception
    shown = metrics(at)
    # Marketplace: O10-1 (A, 5 units, 50) and O13-1 (C, 2 units, 10), both opened in the period.
    assert shown["Open backorder lines"] == ("2", "+2 since 01 Feb")
    assert shown["Open backordered units"][0] == "7"
    causes = frame_with(at, "root_cause", "evidence")
    assert list(causes["sku"]) == ["A", "C"]
    at.sidebar.selectbox(key="filter.channel").set_value("All").run()
    at.segmented_control(key="backorders.measure").set_value("Value").run()
    at.segmented_control(key="backlog_trend.grain").set_value("day").run()
    assert not at.exception and not at.error
    trend = frame_with(at, "day", "open_value")
    assert len(trend) == 8 and trend["open_value"].iloc[-1] == 540.0


def test_sku_in_the_url_opens_its_lines_and_a_new_choice_goes_to_the_url(shop: Path, use_db) -> None:
    """E: O01-1 and O06-1 open at 02-08, O14-1 canceled in the period."""
    use_db(shop)
    at = open_page({"start": "2026-02-01", "sku": "E"})
    assert at.selectbox(key="sku_lines.sku").value == "E"
    lines = frame_with(at, "status_at_end", "eta_now")
    assert list(lines["order_id"]) == ["O01", "O06", "O14"]
    assert list(lines["status_at_end"]) == ["open", "open", "canceled"]
    at.selectbox(key="sku_lines.sku").set_value("A").run()
    assert not at.exception
    assert at.query_params["sku"] in ("A", ["A"])
    assert list(frame_with(at, "status_at_end", "eta_now")["order_id"]) == ["O07", "O08", "O09", "O10"]
    assert at.query_params["start"] in ("2026-02-01", ["2026-02-01"])


def test_an_unknown_sku_in_the_url_shows_no_lines_not_an_error(shop: Path, use_db) -> None:
    use_db(shop)
    at = open_page({"sku": "NOPE"})
    assert at.selectbox(key="sku_lines.sku").value == "NOPE"
    assert any("No rows" in str(i.value) for i in at.info)
