"""The sample generator: deterministic, loadable, consistent, realistic, and every planted
event visible in the raw tables with a clear margin."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import sample
from dashboard.query import warehouse
from dashboard.sample import DEFAULT_LINES, END, PLANTED, START

SMALL = 20_000


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return sample.generate()


@pytest.fixture(scope="module")
def con(frames: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """The default sample loaded into the canonical schema, with meta and views built."""
    con = duckdb.connect()
    warehouse.create_tables(con)
    for name in warehouse.TABLES:
        con.register("frame", frames[name])
        con.execute(f"insert into {name} select * from frame")
        con.unregister("frame")
    warehouse.finish(con, "sample")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    return con.execute(sql, params or {}).fetchall()[0][0]


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


def test_same_size_and_seed_give_identical_frames() -> None:
    first, second = sample.generate(SMALL, seed=3), sample.generate(SMALL, seed=3)
    for name in warehouse.TABLES:
        pd.testing.assert_frame_equal(first[name], second[name])
    other = sample.generate(SMALL, seed=4)
    assert not first["order_lines"].equals(other["order_lines"])
    pd.testing.assert_frame_equal(first["products"].drop(columns="safety_stock"),
                                  other["products"].drop(columns="safety_stock"))  # fmt: skip


@pytest.mark.parametrize("lines", [SMALL, DEFAULT_LINES])
def test_order_lines_within_ten_percent_of_the_request(lines: int, frames: dict[str, pd.DataFrame]) -> None:
    got = len(frames["order_lines"]) if lines == DEFAULT_LINES else len(sample.generate(lines)["order_lines"])
    assert abs(got - lines) <= 0.1 * lines


def test_columns_are_the_schema_columns_in_order(frames: dict[str, pd.DataFrame]) -> None:
    assert list(frames) == list(warehouse.TABLES)
    for name, columns in warehouse.table_columns().items():
        assert list(frames[name].columns) == [column for column, _, _ in columns], name


def test_frames_load_into_the_schema(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    for name in warehouse.TABLES:
        assert scalar(con, f"select count(*) from {name}") == len(frames[name])
    assert scalar(con, "select count(*) from backorder_lines") > 0


@pytest.mark.parametrize(
    ("child", "key", "parent"),
    [
        ("order_lines", "order_id", "orders"),
        ("order_lines", "sku", "products"),
        ("orders", "customer_id", "customers"),
        ("products", "supplier_id", "suppliers"),
        ("purchase_orders", "supplier_id", "suppliers"),
        ("purchase_orders", "sku", "products"),
        ("inventory_snapshots", "sku", "products"),
    ],
)
def test_foreign_keys_resolve(con: duckdb.DuckDBPyConnection, child: str, key: str, parent: str) -> None:
    dangling = f"select count(*) from {child} anti join {parent} using ({key})"
    assert scalar(con, dangling) == 0


def test_po_lines_belong_to_the_products_supplier(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = """
        select count(*) from purchase_orders as po join products as p using (sku)
        where po.supplier_id <> p.supplier_id
    """
    assert scalar(con, mismatched) == 0


def test_no_event_before_start_or_after_end(con: duckdb.DuckDBPyConnection) -> None:
    events = """
        select min(ordered_at)::date, max(ordered_at)::date from orders
        union all select min(shipped_at)::date, max(shipped_at)::date from order_lines
        union all select min(canceled_at)::date, max(canceled_at)::date from order_lines
        union all select min(ordered_at), max(ordered_at) from purchase_orders
        union all select min(received_at), max(received_at) from purchase_orders
        union all select min(snapshot_date), max(snapshot_date) from inventory_snapshots
    """
    for first, last in rows(con, events):
        assert first >= START and last <= END
    assert scalar(con, "select as_of from warehouse_meta") == END


def test_line_lifecycle_is_consistent(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "closed before ordered": """
            select count(*) from order_lines join orders using (order_id)
            where coalesce(shipped_at, canceled_at) <= ordered_at""",
        "reason without cancel or cancel without reason": """
            select count(*) from order_lines where (canceled_at is null) <> (cancel_reason is null)""",
        "in-stock line canceled": """
            select count(*) from order_lines where backordered_qty = 0 and canceled_at is not null""",
        "in-stock line shipped after 2 days": """
            select count(*) from order_lines join orders using (order_id)
            where backordered_qty = 0 and shipped_at::date - ordered_at::date > 2""",
        "in-stock line open before the last 2 days": f"""
            select count(*) from order_lines join orders using (order_id)
            where backordered_qty = 0 and shipped_at is null and ordered_at < date '{END}' - 2""",
        "promise before order": """
            select count(*) from order_lines join orders using (order_id)
            where promised_date < ordered_at::date""",
    }
    for what, sql in checks.items():
        assert scalar(con, sql) == 0, what
    assert scalar(con, "select count(*) from backorder_lines where status = 'open'") > 0
    assert (
        scalar(con, "select count(*) from order_lines where 0 < backordered_qty and backordered_qty < qty")
        > 0
    )


def test_times_of_day_are_realistic(con: duckdb.DuckDBPyConnection) -> None:
    hours = dict(rows(con, "select hour(ordered_at), count(*) from orders group by all"))
    assert len(hours) >= 20
    assert hours.get(20, 0) > 3 * hours.get(4, 0)
    store_hours = rows(
        con, "select min(hour(ordered_at)), max(hour(ordered_at)) from orders where channel = 'store'"
    )
    assert store_hours[0][0] >= 8 and store_hours[0][1] <= 21
    assert scalar(con, "select count(distinct hour(shipped_at)) from order_lines") >= 10


def test_snapshots_cover_every_sku_every_day(con: duckdb.DuckDBPyConnection) -> None:
    days = (END - START).days + 1
    assert scalar(con, "select count(*) from inventory_snapshots") == days * scalar(
        con, "select count(*) from products"
    )
    assert (
        scalar(con, "select count(*) from inventory_snapshots where allocated < 0 or on_hand < allocated")
        == 0
    )
    assert scalar(con, "select count(*) from inventory_snapshots where allocated > 0") > 0


def test_shop_shape(con: duckdb.DuckDBPyConnection) -> None:
    assert 250 <= scalar(con, "select count(*) from products") <= 350
    assert 6 <= scalar(con, "select count(distinct category) from products") <= 10
    assert scalar(con, "select count(*) from products where unit_cost >= unit_price") == 0
    assert scalar(con, "select count(*) from suppliers where country <> 'US'") >= 4
    overseas, domestic = rows(
        con,
        """select avg(lead_time_days) filter (where country <> 'US'),
                  avg(lead_time_days) filter (where country = 'US' and not made_to_order)
           from products join suppliers using (supplier_id)""",
    )[0]
    assert overseas > 2 * domestic
    assert scalar(con, "select count(*) from customers") >= DEFAULT_LINES // 15
    assert {r[0] for r in rows(con, "select distinct channel from orders")} == {"web", "store", "marketplace"}
    assert {r[0] for r in rows(con, "select distinct segment from customers")} == {
        "consumer",
        "business",
        "vip",
    }
    per_order = scalar(con, "select count(*) / count(distinct order_id) from order_lines")
    assert 1.3 <= per_order <= 1.7
    assert scalar(con, "select max(line_no) from order_lines") == 4
    top = """
        with s as (select count(*) as n from order_lines group by sku)
        select sum(n) filter (where r <= 30) / sum(n)
        from (select n, row_number() over (order by n desc) as r from s)
    """
    assert scalar(con, top) > 0.35


def test_seasonality(con: duckdb.DuckDBPyConnection) -> None:
    weekend, weekday = rows(
        con,
        """select count(*) filter (where isodow(ordered_at) >= 6) / 2,
                  count(*) filter (where isodow(ordered_at) < 6) / 5
           from orders""",
    )[0]
    assert weekend > 1.1 * weekday
    december, september = rows(
        con,
        """select count(*) filter (where month(ordered_at) = 12),
                  count(*) filter (where month(ordered_at) = 9)
           from orders where year(ordered_at) = 2025""",
    )[0]
    assert december > 1.2 * september


def test_backorder_and_cancellation_rates_are_realistic(con: duckdb.DuckDBPyConnection) -> None:
    rate = scalar(con, "select avg((backordered_qty > 0)::int) from order_lines")
    assert 0.05 <= rate <= 0.15
    canceled = scalar(
        con, "select avg((status = 'canceled')::int) from backorder_lines where status <> 'open'"
    )
    assert 0.15 <= canceled <= 0.35


def test_cancellations_follow_waiting_channel_segment_and_customer(con: duckdb.DuckDBPyConnection) -> None:
    """The signals a risk model learns from must be in the data, in the right direction."""
    closed = "from backorder_lines where status <> 'open' and not made_to_order"
    daily_hazard = f"""
        with b as (select status = 'canceled' as canceled, wait_days {closed}),
        per_day as (
            select day, count(*) filter (where canceled and wait_days = day)
                / count(*) filter (where wait_days > day or (canceled and wait_days = day)) as hazard
            from b, range(1, 13) as t(day) group by day
        )
        select avg(hazard) filter (where day <= 2), avg(hazard) filter (where day >= 6) from per_day
    """
    early, late = rows(con, daily_hazard)[0]
    assert late > 1.3 * early
    by_segment = dict(rows(con, f"select segment, avg((status = 'canceled')::int) {closed} group by 1"))
    assert by_segment["business"] < 0.6 * by_segment["consumer"]
    repeat = """
        with b as (select * from backorder_lines where status <> 'open'),
        history as (
            select b.order_id, b.line_no, any_value(b.status) as status,
                   least(count(p.status) filter (where p.status = 'canceled'), 2) as past_cancels
            from b left join b as p on p.customer_id = b.customer_id and p.closed_at < b.ordered_at
            group by b.order_id, b.line_no
        )
        select past_cancels, avg((status = 'canceled')::int) from history group by past_cancels
    """
    by_history = dict(rows(con, repeat))
    assert by_history[2] > 1.3 * by_history[0]
    reasons = {
        r[0]
        for r in rows(con, "select distinct cancel_reason from order_lines where cancel_reason is not null")
    }
    assert "Promised date missed" in reasons and len(reasons) >= 4


def test_a_model_can_tell_who_cancels(con: duckdb.DuckDBPyConnection) -> None:
    """Closed backorders carry enough signal for ROC AUC >= 0.75 (cancel vs ship)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    features = """
        with b as (select * from backorder_lines where status <> 'open'),
        history as (
            select b.order_id, b.line_no, count(p.status) filter (where p.status = 'canceled') as past_cancels
            from b left join b as p on p.customer_id = b.customer_id and p.closed_at < b.ordered_at
            group by b.order_id, b.line_no
        )
        select (status = 'canceled')::int as canceled, wait_days, promised_date - closed_date as remaining,
               (closed_date > promised_date)::int as missed, channel, segment, ln(1 + value) as value,
               past_cancels
        from b join history using (order_id, line_no)
    """
    data = con.execute(features).df()
    x = pd.get_dummies(data.drop(columns="canceled"), columns=["channel", "segment"], dtype=float)
    x_fit, x_test, y_fit, y_test = train_test_split(x, data.canceled, test_size=0.3, random_state=0)
    model = HistGradientBoostingClassifier(random_state=0).fit(x_fit, y_fit)
    assert roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]) >= 0.75


def test_every_supplier_gets_several_po_lines_every_week(con: duckdb.DuckDBPyConnection) -> None:
    weekly = """
        with w as (select supplier_id, date_trunc('week', ordered_at) as week, count(*) as n
                   from purchase_orders group by all)
        select supplier_id, min(n), count(*) from w group by supplier_id
    """
    for supplier, fewest, weeks in rows(con, weekly):
        assert weeks == 104, supplier
        assert fewest >= 3, supplier
    assert scalar(con, "select count(*) from purchase_orders where received_at is null") > 0
    assert scalar(con, "select count(*) from purchase_orders where received_qty <> qty") == 0


def test_planted_values_are_consistent(frames: dict[str, pd.DataFrame]) -> None:
    products = frames["products"].set_index("sku")
    suppliers = frames["suppliers"].set_index("supplier_id")
    assert set(PLANTED.overseas_suppliers) == set(suppliers.index[suppliers.country != "US"])
    assert suppliers.loc[PLANTED.mto_supplier, "country"] == "US"
    mto = products[products.made_to_order]
    assert set(mto.category) == {PLANTED.mto_category} and set(mto.supplier_id) == {PLANTED.mto_supplier}
    assert 10 <= len(mto) <= 20
    assert PLANTED.disrupted_supplier not in (PLANTED.mto_supplier, *PLANTED.overseas_suppliers)
    spike = products.loc[list(PLANTED.spike_skus)]
    assert not spike.made_to_order.any()
    assert not spike.supplier_id.isin([PLANTED.disrupted_supplier, *PLANTED.overseas_suppliers]).any()
    popularity = frames["order_lines"].sku.value_counts()
    assert popularity.rank(ascending=False)[list(PLANTED.spike_skus)].max() <= 30
    assert START.weekday() == 0 and END.weekday() == 6 and (END - START).days + 1 == 104 * 7


def test_a_supplier_disruption(con: duckdb.DuckDBPyConnection) -> None:
    params = {"s": PLANTED.disrupted_supplier, "a": PLANTED.disruption_start, "b": PLANTED.disruption_end}
    inside, outside = rows(
        con,
        """select median(received_at - promised_date) filter (where promised_date between $a and $b),
                  median(received_at - promised_date) filter (where promised_date not between $a and $b)
           from purchase_orders where supplier_id = $s""",
        params,
    )[0]
    assert inside >= 18 and outside <= 5
    still_open = """
        select count(*) from purchase_orders
        where supplier_id = $s and promised_date between $a and $b and received_at is null
    """
    assert scalar(con, still_open, params) > 0
    leaders = """
        select p.supplier_id, sum(b.backordered_qty) as units
        from backorder_lines as b join products as p using (sku)
        where b.ordered_date <= $d and coalesce(b.closed_date, date '9999-12-31') > $d
        group by p.supplier_id order by units desc limit 2
    """
    top_two = rows(con, leaders, {"d": date(2026, 10, 25)})
    assert top_two[0][0] == PLANTED.disrupted_supplier
    assert top_two[0][1] > 1.3 * top_two[1][1]


def test_b_demand_spike(con: duckdb.DuckDBPyConnection) -> None:
    weekly = """
        with w as (
            select sku, date_trunc('week', ordered_at)::date as week, sum(qty) as units
            from order_lines join orders using (order_id) where sku in (select unnest($skus)) group by all
        )
        select sku,
               avg(units) filter (where week between $a and $b),
               sum(units) filter (where week >= $a - 84 and week < $a) / 12
        from w group by sku
    """
    params = {"skus": list(PLANTED.spike_skus), "a": PLANTED.spike_start, "b": PLANTED.spike_end}
    result = rows(con, weekly, params)
    assert len(result) == len(PLANTED.spike_skus)
    for sku, spike, before in result:
        assert spike >= 3 * before, sku
    backordered = """
        select avg((backordered_qty > 0)::int) from order_lines join orders using (order_id)
        where sku in (select unnest($skus)) and ordered_at::date between $a and $b
    """
    assert scalar(con, backordered, params) > 0.5


def test_c_marketplace_oversells(con: duckdb.DuckDBPyConnection) -> None:
    shares = """
        select o.channel = $channel, o.ordered_at::date >= $a,
               avg((s.on_hand - s.allocated >= l.qty)::int), count(*)
        from order_lines as l
        join orders as o using (order_id)
        join inventory_snapshots as s on s.snapshot_date = o.ordered_at::date and s.sku = l.sku
        where l.backordered_qty > 0
        group by all
    """
    found = {(market, window): (share, n) for market, window, share, n in rows(
        con, shares, {"channel": PLANTED.oversell_channel, "a": PLANTED.oversell_start}
    )}  # fmt: skip
    assert found[(True, True)][0] > 0.5 and found[(True, True)][1] > 1000
    assert found[(True, False)][0] < 0.05
    assert found[(False, True)][0] < 0.05 and found[(False, False)][0] < 0.05
    oversold_outcome = """
        select count(*) filter (where l.shipped_at is not null or l.canceled_at is not null) / count(*)
        from order_lines as l join orders as o using (order_id)
        join inventory_snapshots as s on s.snapshot_date = o.ordered_at::date and s.sku = l.sku
        where o.channel = $channel and l.backordered_qty > 0 and s.on_hand - s.allocated >= l.qty
          and o.ordered_at < $end - 7
    """
    assert scalar(con, oversold_outcome, {"channel": PLANTED.oversell_channel, "end": END}) > 0.99


def test_d_made_to_order_capacity(con: duckdb.DuckDBPyConnection) -> None:
    capacity = sample.mto_weekly_capacity(DEFAULT_LINES)
    params = {"s": PLANTED.mto_supplier, "c": PLANTED.mto_category, "from": END - timedelta(days=55)}
    production = "select sum(qty) from purchase_orders where supplier_id = $s group by ordered_at"
    made = [r[0] for r in rows(con, production, {"s": PLANTED.mto_supplier})]
    assert len(made) == 104 and set(made) == {capacity}
    weekly = """
        with demand as (
            select date_trunc('week', ordered_at)::date as week, sum(qty) as units
            from order_lines join orders using (order_id) join products using (sku)
            where category = $c and ordered_at >= $from group by 1
        ),
        made as (
            select date_trunc('week', received_at)::date as week, sum(received_qty) as units
            from purchase_orders where supplier_id = $s and received_at >= $from group by 1
        )
        select demand.week, demand.units, coalesce(made.units, 0) from demand left join made using (week)
    """
    weeks = rows(con, weekly, params)
    assert len(weeks) == 8
    assert sum(ordered > received for _, ordered, received in weeks) >= 6
    backlog = "select sum(backordered_qty) from backorder_lines where status = 'open' and category = $c"
    assert scalar(con, backlog, {"c": PLANTED.mto_category}) >= 4 * capacity
    at_end = scalar(con, backlog, {"c": PLANTED.mto_category})
    a_year_earlier = """
        select sum(backordered_qty) from backorder_lines
        where category = $c and ordered_date <= $d and coalesce(closed_date, date '9999-12-31') > $d
    """
    assert at_end > 1.3 * scalar(con, a_year_earlier, {"c": PLANTED.mto_category, "d": date(2025, 10, 1)})


def test_e_overseas_wide_delay(con: duckdb.DuckDBPyConnection) -> None:
    delays = """
        select supplier_id, country <> 'US',
               median(received_at - promised_date) filter (where promised_date between $a and $b),
               median(received_at - promised_date) filter (where promised_date not between $a and $b)
        from purchase_orders join suppliers using (supplier_id)
        where received_at is not null group by all
    """
    for supplier, overseas, inside, outside in rows(
        con, delays, {"a": PLANTED.overseas_start, "b": PLANTED.overseas_end}
    ):
        if overseas:
            assert inside - outside >= 10, supplier
        else:
            assert inside - outside < 3, supplier


def test_progress_and_write(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    counts = sample.write(
        tmp_path, lines=SMALL, seed=1, progress=lambda done, total: calls.append((done, total))
    )
    total = (END - START).days + 1
    assert calls[-1] == (total, total) and len(calls) >= total // 7
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    con = duckdb.connect()
    for name in warehouse.TABLES:
        path = tmp_path / f"{name}.parquet"
        assert scalar(con, "select count(*) from read_parquet($p)", {"p": str(path)}) == counts[name]
    types = dict(
        rows(con, "select name, type from parquet_schema($p)", {"p": str(tmp_path / "order_lines.parquet")})
    )
    assert types["promised_date"] == "INT32" and types["shipped_at"] == "INT64"


def test_writing_in_parts_gives_the_same_files_as_one_part(tmp_path: Path) -> None:
    """The streaming that keeps 100M lines in flat memory is faithful: parts of a few thousand
    rows (spilled, re-cut into row groups) write the very bytes one part writes, and the
    spill folder is gone afterwards."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    one = sample.write(whole, lines=SMALL, seed=5, part_rows=10 * SMALL)
    many = sample.write(parts, lines=SMALL, seed=5, part_rows=2_000)
    assert one == many and many["order_lines"] > 5 * 2_000
    assert sorted(p.name for p in parts.iterdir()) == sorted(f"{name}.parquet" for name in warehouse.TABLES)
    for name in warehouse.TABLES:
        assert (whole / f"{name}.parquet").read_bytes() == (parts / f"{name}.parquet").read_bytes(), name


def test_parts_in_memory_give_the_same_tables() -> None:
    from dashboard.sample.tables import tables

    one, many = tables(SMALL, 5, None, part_rows=10 * SMALL), tables(SMALL, 5, None, part_rows=1_500)
    for name in warehouse.TABLES:
        assert one[name].equals(many[name]), name
    assert many["order_lines"].column("order_id").num_chunks > 5


def test_row_groups_are_cut_whole_whatever_the_parts(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dashboard.sample import files

    table = pa.table({"n": pa.array(range(2_500), pa.int64())})
    parts = [table.slice(start, 300) for start in range(0, 2_500, 300)]
    assert files.write_parquet(parts, tmp_path / "t.parquet", row_group=1_000) == 2_500
    read = pq.ParquetFile(tmp_path / "t.parquet")
    assert [read.metadata.row_group(i).num_rows for i in range(read.num_row_groups)] == [1_000, 1_000, 500]
    assert read.read().equals(table)
