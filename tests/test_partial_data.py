"""A shop with only purchase orders, or only a sales export, gets a working app with nulls, not errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, ingest, registry
from dashboard.query import warehouse

MESSY = Path(__file__).parent / "fixtures" / "messy_export"
APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGES = [page.file for page in registry.PAGES]
HOME = next(page.file for page in registry.PAGES if page.default)

PURCHASES_ONLY = """
missing: [N/A, Date Not Captured, "-99"]
tables:
  suppliers: {file: PO_export.csv, distinct: true, columns: {supplier_id: Vendor, supplier_name: Vendor Name}}
  products:
    file: PO_export.csv
    distinct: true
    columns:
      sku: Item
      product_name: Description
      category: Category
      supplier_id: Vendor
      unit_price: {sql: "replace(\\"List Price\\", ',', '.')"}
  purchase_orders:
    file: PO_export.csv
    formats: ["%d-%b-%y", "%m/%d/%y"]
    columns:
      po_id: PO Number
      po_line: Line
      supplier_id: Vendor
      sku: Item
      qty: Qty Ordered
      ordered_at: Order Date
      promised_date: Promised
      received_at: Received
      received_qty: Qty Received
"""

SALES_ONLY = """
missing: [N/A]
tables:
  suppliers:
    file: sales.csv
    distinct: true
    columns: {supplier_id: {value: shop}, supplier_name: {value: Shop}}
  products:
    file: sales.csv
    distinct: true
    columns:
      sku: Lineitem sku
      product_name: Lineitem sku
      category: {value: all}
      supplier_id: {value: shop}
      unit_price: Lineitem price
  orders: {file: sales.csv, distinct: true, columns: {order_id: Name, ordered_at: Created at}}
  order_lines:
    file: sales.csv
    columns:
      order_id: Name
      line_no: {number_within: Name}
      sku: Lineitem sku
      qty: Lineitem quantity
      unit_price: Lineitem price
      backordered_qty: Backordered
      shipped_at: Fulfilled at
      canceled_at: Cancelled at
"""


def build(tmp_path_factory: pytest.TempPathFactory, name: str, keep: str, rules: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    shutil.copy(MESSY / keep, folder / keep)
    (folder / "mapping.yaml").write_text(rules)
    path = folder / "warehouse.duckdb"
    ingest.load(folder, path, options=ingest.Options(mapping=folder / "mapping.yaml"))
    return path


@pytest.fixture(scope="module")
def almost_empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only a supplier list: every page must still open."""
    folder = tmp_path_factory.mktemp("almost_empty")
    (folder / "suppliers.csv").write_text("supplier_id,supplier_name\nS1,Acme\n")
    path = folder / "warehouse.duckdb"
    ingest.load(folder, path)
    return path


@pytest.fixture(scope="module")
def purchases_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory, "purchases", "PO_export.csv", PURCHASES_ONLY)


@pytest.fixture(scope="module")
def sales_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory, "sales", "sales.csv", SALES_ONLY)


def test_kpis_of_a_shop_with_only_purchase_orders(purchases_only: Path) -> None:
    result = cli.kpis(warehouse.connect(purchases_only))
    assert result["as_of"] == "2024-03-19"
    assert (result["lines_ordered"], result["backorder_rate_lines"], result["unit_fill_rate"]) == (
        None,
        None,
        None,
    )
    assert result["backorder_cancellation_rate"] is None and result["avg_backorder_age_days"] is None
    # Received in the 4 weeks to 03-19: PO-1/1 three days late, PO-2/1 a day early.
    assert (result["po_lines_received"], result["supplier_on_time_rate"]) == (2, 0.5)
    assert result["avg_supplier_delay_days"] == 1.0


def test_kpis_of_an_almost_empty_warehouse_are_null(almost_empty: Path) -> None:
    result = cli.kpis(warehouse.connect(almost_empty))
    # No order lines and no purchase orders: no data is null, not zero (issue 14.6).
    assert (result["lines_ordered"], result["po_lines_received"], result["open_backorder_lines"]) == (
        None,
        None,
        None,
    )
    rates = ("backorder_rate_lines", "unit_fill_rate", "backorder_cancellation_rate", "supplier_on_time_rate")
    assert [result[name] for name in rates] == [None, None, None, None]


def test_kpis_of_a_shop_with_only_sales(sales_only: Path) -> None:
    result = cli.kpis(warehouse.connect(sales_only))
    assert (result["lines_ordered"], result["backordered_lines"]) == (5, 3)
    assert (result["po_lines_received"], result["supplier_on_time_rate"]) == (None, None)


@pytest.mark.parametrize("shop", ["almost_empty", "purchases_only", "sales_only"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_partial_data(
    request: pytest.FixtureRequest, use_db, shop: str, page: str
) -> None:
    use_db(request.getfixturevalue(shop))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page != HOME:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("entry", [p for p in registry.PAGES if p.needs], ids=lambda p: p.name)
def test_a_page_without_its_tables_names_them_and_stops(
    request: pytest.FixtureRequest, use_db, entry: registry.Page
) -> None:
    # A sales export has no purchase orders; a PO export has no orders.
    use_db(request.getfixturevalue("sales_only" if "purchase_orders" in entry.needs else "purchases_only"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if not entry.default:
        at.switch_page(entry.file)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith(entry.title)
    [notice] = [info.value for info in at.main.info]
    assert all(f"`{table}`" in notice for table in entry.needs), notice
    assert not at.main.dataframe and not at.main.metric
