"""The Demand signal page in AppTest: it renders every section, and the sidebar and its own
controls (SKU, service level) change what it shows. Figures of the hand-made shop are worked
out in test_demand_signal.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.query import warehouse
from tests.test_demand_signal import build_demand_db

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGE = "dashboard/app/pages/demand_signal.py"
TABLES = ("demand", "surging", "lost", "reorder", "restock")


@pytest.fixture(scope="module")
def demand_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demand_db(tmp_path_factory)


def open_page(query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query_params or {})
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def tables(at: AppTest) -> dict[str, object]:
    assert len(at.dataframe) >= len(TABLES)
    return {name: at.dataframe[i].value for i, name in enumerate(TABLES)}


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_every_section_renders_on_the_sample(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page()
    ok(at)
    assert at.title[0].value == "Demand signal"
    assert not any("not built yet" in info.value for info in at.info)
    assert [s.value for s in at.subheader][:5] == [
        "True demand vs what shipped from stock",
        "Surging SKUs",
        "Lost sales estimate",
        "Reorder suggestions",
        "Restock priority",
    ]
    assert [m.label for m in at.metric] == [
        "Demand (units)",
        "Unmet (units)",
        "Lost (canceled units)",
        "Surging SKUs",
        "Suggested buy (cost)",
    ]
    found = tables(at)
    assert found["demand"]["demand_units"].sum() > 0
    assert found["surging"]["surging"].any()
    assert found["reorder"]["suggested_qty"].sum() > 0
    assert at.selectbox(key="demand_vs_shipped.sku").value is None
    assert at.selectbox(key="reorder_suggestions.service_level").value == "95%"
    labels = [button.label for button in at.get("download_button")]
    assert labels.count("Download CSV") >= len(TABLES)


def test_metrics_total_the_cards_of_the_hand_made_shop(demand_db: Path, use_db) -> None:
    """Default period 2025-12-07..2026-03-01 (12 weeks to the as-of date): X 8 lines of 2 (from
    12-10) + 4 of 8 = 48 units; Y 12 lines of 3 (12-10..02-25) + 2 + 1 = 39; Z 1 + 4 = 5; W 1
    -> demand 93.
    Unmet: X 8 + 8, Y 3, Z 1 + 2 = 22; lost: X 8 + Z 1 = 9. One surging SKU (X)."""
    use_db(demand_db)
    at = open_page()
    ok(at)
    assert [m.value for m in at.metric[:4]] == ["93", "22", "9", "1"]


def test_the_category_filter_narrows_every_card(demand_db: Path, use_db) -> None:
    use_db(demand_db)
    at = open_page()
    at.sidebar.selectbox(key="filter.category").set_value("Toys").run()
    ok(at)
    found = tables(at)
    assert set(found["demand"]["category"]) == {"Toys"}
    assert found["reorder"]["sku"].tolist() == ["Y"]
    assert found["restock"]["sku"].tolist() == ["Y"]
    assert at.metric[0].value == "39"


def test_the_to_date_moves_the_surge_window(demand_db: Path, use_db) -> None:
    """To 02-01 X is not surging yet (see test_surging_is_measured_as_of_the_to_date)."""
    use_db(demand_db)
    at = open_page({"start": "2025-11-10", "end": "2026-02-01"})
    ok(at)
    assert not tables(at)["surging"]["surging"].any()
    assert at.metric[3].value == "0"


def test_the_service_level_control_changes_z_and_the_order(demand_db: Path, use_db) -> None:
    use_db(demand_db)
    at = open_page({"start": "2026-02-02"})
    before = tables(at)["reorder"].set_index("sku")
    # suggested_qty has gaps (no suggestion for some SKUs), so the table holds its text: empty, not None
    assert before.loc["X", "suggested_qty"] == "10"
    at.selectbox(key="reorder_suggestions.service_level").set_value("99%").run()
    ok(at)
    after = tables(at)["reorder"].set_index("sku")
    assert after["z"].round(4).unique().tolist() == [2.3263]
    assert after.loc["X", "suggested_qty"] == "15"


def test_the_sku_control_shows_one_products_weeks(demand_db: Path, use_db) -> None:
    use_db(demand_db)
    at = open_page({"start": "2026-02-16"})
    at.selectbox(key="demand_vs_shipped.sku").set_value("Z").run()
    ok(at)
    demand = tables(at)["demand"]
    assert demand[["demand_units", "from_stock_units", "backordered_units"]].values.tolist() == [[4, 2, 2]]
