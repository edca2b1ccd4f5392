"""Issue 14.8: figures that can't be computed say what data is missing instead of looking like zero."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.present import missing
from dashboard.query import catalog, warehouse
from tests.test_pos_only import orders_only  # noqa: F401 (a fixture)

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")


def frame(qty: list[float | None], cost: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame({"suggested_qty": qty, "suggested_cost": cost})


def test_suggested_buy_is_not_zero_when_no_suggestion_can_be_made() -> None:
    assert missing.suggested_buy(frame([None, None], [None, None])) == (None, "n/a: " + missing.NO_LEAD_TIME)
    assert missing.suggested_buy(frame([3, None], [None, None])) == (
        None,
        f"n/a: {missing.NO_LEAD_TIME}; {missing.NO_UNIT_COST}",
    )
    assert missing.suggested_buy(frame([], []))[0] is None
    total, basis = missing.suggested_buy(frame([3, 0, None], [12.0, 0.0, None]))
    assert total == 12.0 and basis == f"over 2 of 3 SKUs; left out: 1 SKUs with {missing.NO_LEAD_TIME}"


def test_tables_read_follow_the_derived_views() -> None:
    """The ETA chart reads backorder_lines, whose ETA comes from purchase_orders (views/backorder_eta)."""
    eta = catalog.find("eta_by_week")
    assert {"order_lines", "purchase_orders"} <= catalog.tables_read(eta.text)
    assert catalog.tables_read(catalog.find("supplier_weekly").text) == {
        "products",
        "purchase_orders",
        "suppliers",
    }


@pytest.fixture
def orders_app(use_db, orders_only: Path):  # noqa: F811 (the fixture imported above)
    use_db(orders_only)
    return AppTest.from_file(APP, default_timeout=180)


def visit(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(f"dashboard/app/pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_orders_only_shop_sees_what_the_demand_tile_and_eta_chart_lack(orders_app: AppTest) -> None:
    """No purchase orders and no planned lead times: no reorder suggestion can be made, and no ETA."""
    at = visit(orders_app, "demand_signal")
    tile = next(m for m in at.metric if m.label == "Suggested buy (cost)")
    assert tile.value == "n/a"
    assert any(c.value == f"Suggested buy: n/a: {missing.NO_LEAD_TIME}." for c in at.caption)

    at = visit(orders_app, "backorders")
    infos = [i.value for i in at.info]
    needs = "No data for this yet: it needs `purchase_orders`. Load them (or map them from your export)"
    assert [i for i in infos if i.startswith(needs)], infos
    assert "No rows for the current filters." not in infos
