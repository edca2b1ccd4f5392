"""Issue 14.3 and 14.6: a shop with purchase orders only (or orders only) gets a home page of what
its data can fill, one line for each section it cannot, and null (not zero) for figures without data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, ingest
from dashboard.query import catalog, runner, warehouse
from dashboard.review import report, weekly
from tests.test_partial_data import SALES_ONLY
from tests.test_strict_dates import po_folder

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
MESSY = Path(__file__).parent / "fixtures" / "messy_export"


@pytest.fixture(scope="module")
def pos_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three received PO lines of two vendors, in March 2024 (see test_po_order_dates)."""
    tmp = tmp_path_factory.mktemp("pos_only")
    folder = po_folder(tmp)
    db = tmp / "w.duckdb"
    ingest.load(
        folder,
        db,
        options=ingest.Options(mapping=folder / "mapping.yaml", skip_bad_rows=True, max_skipped=0.5),
    )
    return db


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("orders_only")
    shutil.copy(MESSY / "sales.csv", folder / "sales.csv")
    (folder / "mapping.yaml").write_text(SALES_ONLY)
    db = folder / "w.duckdb"
    ingest.load(folder, db, options=ingest.Options(mapping=folder / "mapping.yaml"))
    return db


def test_order_figures_are_null_not_zero_without_order_data(pos_only: Path) -> None:
    figures = cli.kpis(warehouse.connect(pos_only))
    assert [figures[k] for k in ("open_backorder_lines", "open_backorder_units", "open_backorder_value")] == [
        None,
        None,
        None,
    ]
    assert figures["lines_ordered"] is None and figures["backorders_closed"] is None
    assert figures["po_lines_received"] == 3


def test_po_figures_are_null_not_zero_without_purchase_orders(orders_only: Path) -> None:
    figures = cli.kpis(warehouse.connect(orders_only))
    assert figures["po_lines_received"] is None
    assert figures["open_backorder_lines"] is not None


def test_the_report_shows_no_zero_backlog_for_a_pos_only_shop(pos_only: Path) -> None:
    con = warehouse.connect(pos_only)
    run = runner.on(con)
    week = weekly.Week.holding(catalog.as_of(con))
    html = report.build(run, week, catalog.as_of(con)).html
    assert "Open backorder value" in html
    assert '<div class="label">Open backorder value</div><div class="value">n/a</div>' in html
    value = {t.tile.key: t.value for t in weekly.tiles(run, week)}["open_backorder_value"]
    assert value is None and weekly.fmt("money", value) == "n/a"


def home(use_db, db: Path) -> AppTest:
    use_db(db)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_a_pos_only_shop_gets_its_supplier_sections_on_the_home_page(use_db, pos_only: Path) -> None:
    at = home(use_db, pos_only)
    assert [m.label for m in at.metric] == ["POs on time"]
    captions = " ".join(c.value for c in at.caption)
    assert "needs `orders`, `order_lines`" in captions
    assert "Supplier disruptions:" not in captions and "Suppliers to chase:" not in captions
    assert not any("This page needs data" in i.value for i in at.info)
    markdown = " ".join(m.value for m in at.markdown)
    assert "Suppliers to chase" in markdown


def test_an_orders_only_shop_gets_its_order_sections_on_the_home_page(use_db, orders_only: Path) -> None:
    at = home(use_db, orders_only)
    labels = [m.label for m in at.metric]
    assert "POs on time" not in labels and "Open lines" in labels
    captions = " ".join(c.value for c in at.caption)
    assert "Suppliers to chase: No data for this yet: it needs `purchase_orders`" in captions


def test_the_query_library_draws_no_empty_chart(use_db, pos_only: Path) -> None:
    use_db(pos_only)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("dashboard/app/pages/query_library.py")
    at.query_params["q"] = "open_backlog_by_week"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # No order lines at all: the card says which data would fill it, not that the filters leave nothing.
    assert any("it needs `order_lines`, `orders`" in i.value for i in at.info), [i.value for i in at.info]
    assert [t.label for t in at.tabs] == ["Table", "SQL"]
