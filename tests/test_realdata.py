"""The example mappings load the real public datasets, match the figures published with them, and
every page renders on the result.

The data lives outside the project in ../shared/realdata (see its README for the figures);
these tests skip when it is absent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, ingest, registry
from dashboard.query import warehouse

REALDATA = warehouse.PROJECT_ROOT.parent / "shared" / "realdata"
EXAMPLES = warehouse.PROJECT_ROOT / "examples"
APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGES = [page.file for page in registry.PAGES]
HOME = next(page.file for page in registry.PAGES if page.default)

pytestmark = pytest.mark.skipif(
    not REALDATA.is_dir(), reason=f"the real datasets are not at {REALDATA} (see shared/realdata/README.md)"
)


def load(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp(name) / "warehouse.duckdb"
    ingest.load(REALDATA / name, path, options=ingest.Options(mapping=EXAMPLES / f"{name}.yaml"))
    return path


@pytest.fixture(scope="module")
def dataco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load("dataco", tmp_path_factory)


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load("olist", tmp_path_factory)


def one(db: Path, sql: str) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_dataco_matches_its_published_figures(dataco: Path) -> None:
    assert one(dataco, "select count(*), count(distinct order_id) from order_lines") == (6000, 5743)
    assert one(dataco, "select min(ordered_at)::date, max(ordered_at)::date from orders") == (
        dt.date(2015, 1, 1),
        dt.date(2018, 1, 31),
    )
    # Order Status = CANCELED on 115 rows (114 orders).
    assert one(
        dataco,
        "select count(*), count(distinct order_id) from order_lines"
        " where cancel_reason = 'customer canceled'",
    ) == (115, 114)
    # Late_delivery_risk = 1 on 3,365 rows: exactly the lines shipped after their scheduled days.
    assert one(dataco, "select count(*) from order_lines where shipped_at::date > promised_date") == (3365,)
    assert one(dataco, "select count(*) from order_lines where shipped_at is not null") == (6000 - 115 - 146,)
    assert one(dataco, "select count(*) from products") == (106,)


def test_olist_matches_its_published_figures(olist: Path) -> None:
    assert one(olist, "select count(*) from orders") == (4071,)
    # 3,965 orders have a delivered timestamp: 322 after the estimate by timestamp, 274 by calendar day.
    assert one(
        olist,
        "select count(shipped_at), count(*) filter (where shipped_at > promised_date),"
        " count(*) filter (where shipped_at::date > promised_date) from order_lines",
    ) == (3965, 322, 274)
    # canceled 20 (one of them delivered, so shipped) + unavailable 18.
    assert one(
        olist,
        "select count(*) filter (where cancel_reason = 'canceled'),"
        " count(*) filter (where cancel_reason = 'product unavailable') from order_lines"
        " where canceled_at is not null",
    ) == (19, 18)
    assert one(olist, "select as_of from warehouse_meta") == (dt.date(2018, 9, 20),)


def test_kpis_are_null_where_the_data_cannot_say(dataco: Path) -> None:
    result = cli.kpis(warehouse.connect(dataco))
    assert result["po_lines_received"] is None  # no purchase orders: null, not zero (issue 14.6)
    assert result["supplier_on_time_rate"] is None
    assert result["avg_supplier_delay_days"] is None
    assert result["lines_ordered"] > 0


@pytest.mark.parametrize("name", ["dataco", "olist"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_real_warehouse(
    request: pytest.FixtureRequest, use_db, name: str, page: str
) -> None:
    use_db(request.getfixturevalue(name))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page != HOME:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value
