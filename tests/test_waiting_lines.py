"""Issue 14.4: one definition of "customer lines waiting on a supplier": the backordered lines whose
FIFO ETA is one of its open PO lines past promise. The Weekly review's suppliers to chase, the
Suppliers page's banner and the report take it from one query (supplier_watchlist.sql) and say it in
the same words (weekly.chase_words)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.present import formats
from dashboard.query import catalog, runner, warehouse
from dashboard.review import report, weekly

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")


SQL = """
with meta as (select as_of from warehouse_meta),
late as (
    select po.supplier_id, po.po_id, po.po_line from po_lines as po, meta
    where po.status = 'open' and po.promised_date < meta.as_of
)
select l.supplier_id, count(distinct (l.po_id, l.po_line)) as po_lines,
    count(b.order_id) as waiting_lines, coalesce(sum(b.value), 0) as waiting_value
from late as l
left join backorder_lines as b
    on b.status = 'open' and b.eta_po_id = l.po_id and b.eta_po_line = l.po_line
group by 1
"""


def independent(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per supplier, straight from the views: open PO lines past promise at the as-of date, and the
    open backorders whose ETA is one of them (count and value)."""
    return con.execute(SQL).df().set_index("supplier_id")


def test_suppliers_to_chase_count_the_lines_waiting_on_po_lines_past_promise(sample_db: Path) -> None:
    con = warehouse.connect(sample_db)
    run = runner.on(con)
    chase = weekly.suppliers_to_chase(run)
    truth = independent(con)
    assert not chase.empty
    for row in chase.itertuples():
        expected = truth.loc[row.supplier_id]
        assert (row.supplier_lines_past_promise, row.supplier_waiting_lines_past_promise) == (
            expected["po_lines"],
            expected["waiting_lines"],
        )
        assert abs(row.supplier_waiting_value_past_promise - expected["waiting_value"]) < 0.005
    # The sample has customers waiting on the top supplier's PO lines that are not due yet: the old
    # figure (everything waiting on its listed lines) counted them, this one does not.
    watch = run("supplier_watchlist", {})
    top = chase.iloc[0]
    everything = watch.loc[watch["supplier_id"] == top["supplier_id"], "waiting_lines"].sum()
    assert everything > top["supplier_waiting_lines_past_promise"]
    # The report's table holds the same figures.
    html = report.build(run, weekly.default_week(catalog.as_of(con)), catalog.as_of(con)).html
    chase_table = html[html.index("Suppliers to chase") :]
    name = re.escape(str(top["supplier_name"]))
    row = re.search(rf"<tr>(?:(?!</tr>).)*{name}(?:(?!</tr>).)*</tr>", chase_table)
    assert row, "the report lists the supplier to chase"
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(0))
    assert f"{int(top['supplier_waiting_lines_past_promise']):,}" in cells


def test_the_home_page_and_the_suppliers_banner_say_the_same(use_db, sample_db: Path) -> None:
    use_db(sample_db)
    chase = weekly.suppliers_to_chase(runner.on(warehouse.connect(sample_db)))
    top = chase.iloc[0]
    words = weekly.chase_words(
        int(top["supplier_lines_past_promise"]),
        int(top["supplier_waiting_lines_past_promise"]),
        formats.value("money", top["supplier_waiting_value_past_promise"]),
    )
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    links = [element.proto.label for element in at.get("page_link")]
    assert f"1. {top['supplier_name']}: {words}" in links
    at.switch_page("dashboard/app/pages/suppliers.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    banners = [w.value for w in at.warning]
    assert any(words in banner and top["supplier_name"] in banner for banner in banners), banners
