/*
title: Lost sales estimate
description: >
  Per SKU over the period. Measured: backordered units canceled in the period and
  their value (backordered_qty x unit_price). Estimated: demand lost while out of
  stock = stockout days x stockout-adjusted daily demand. A day is a stockout day
  when the SKU's end-of-day available stock (on_hand - allocated in
  inventory_snapshots) is zero or less; a snapshot holds until the SKU's next one
  (days before its first snapshot are not counted). Stockout-adjusted daily demand
  = units ordered on in-stock days / in-stock days, so the days a stockout
  suppressed or delayed orders do not drag the average down; none when the SKU had
  no in-stock day in the period. ordered_while_out_units shows what customers
  still ordered on stockout days (backordered), so the estimate can be read
  against it. Ranked by canceled value plus estimated lost value (they overlap
  when a canceled order was placed during a stockout).
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: point, x: stockout_days:Q, y: est_lost_value:Q, color: category:N, tooltip: [sku, product_name, stockout_days, adjusted_daily_demand, est_lost_units, est_lost_value, canceled_units, canceled_value]}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  canceled_lines: {label: Canceled lines, format: integer}
  canceled_units: {label: Canceled units, format: integer}
  canceled_value: {label: Canceled value, format: money}
  in_stock_days: {label: Days in stock, format: integer}
  stockout_days: {label: Days out of stock, format: integer}
  in_stock_units: {label: Units sold in stock, format: integer}
  adjusted_daily_demand: {label: "Daily demand, adjusted", format: decimal}
  est_lost_units: {label: Estimated lost units, format: integer}
  est_lost_value: {label: Estimated lost value, format: money}
  ordered_while_out_units: {label: Units ordered while out, format: integer}
*/
with

products_in_scope as (
    select sku, product_name, category, supplier_id, unit_price,
    from products
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

snapshots as (
    select
        s.sku,
        s.snapshot_date,
        s.on_hand - coalesce(s.allocated, 0) as available,
        coalesce(
            lead(s.snapshot_date) over (partition by s.sku order by s.snapshot_date),
            $end::date + 1
        ) as next_snapshot_date,
    from inventory_snapshots as s
    inner join products_in_scope using (sku)
    where s.snapshot_date <= $end
),

stock_spans as (
    select
        sku,
        available,
        least(next_snapshot_date - 1, $end::date) - greatest(snapshot_date, $start::date) + 1 as days,
    from snapshots
    where next_snapshot_date > $start
),

stock_days as (
    select
        sku,
        sum(days) filter (where available > 0) as in_stock_days,
        sum(days) filter (where available <= 0) as stockout_days,
    from stock_spans
    where days > 0
    group by sku
),

demand_by_day as (
    select
        d.sku,
        d.day,
        sum(d.units) as units,
    from daily_demand as d
    inner join products_in_scope using (sku)
    where
        d.day between $start and $end
        and ($channel is null or d.channel = $channel)
    group by all
),

demand_by_stock as (
    select
        d.sku,
        sum(d.units) filter (where s.available > 0) as in_stock_units,
        sum(d.units) filter (where s.available <= 0) as ordered_while_out_units,
    from demand_by_day as d
    asof inner join snapshots as s
        on d.sku = s.sku and d.day >= s.snapshot_date
    group by d.sku
),

canceled as (
    select
        sku,
        count(*) as canceled_lines,
        sum(backordered_qty) as canceled_units,
        sum(value) as canceled_value,
    from backorder_lines
    where
        status = 'canceled'
        and closed_date between $start and $end
        and ($channel is null or channel = $channel)
    group by sku
),

estimated as (
    select
        p.sku,
        p.product_name,
        p.category,
        p.supplier_id,
        p.unit_price,
        coalesce(c.canceled_lines, 0) as canceled_lines,
        coalesce(c.canceled_units, 0) as canceled_units,
        coalesce(c.canceled_value, 0) as canceled_value,
        coalesce(sd.in_stock_days, 0) as in_stock_days,
        coalesce(sd.stockout_days, 0) as stockout_days,
        coalesce(ds.in_stock_units, 0) as in_stock_units,
        coalesce(ds.ordered_while_out_units, 0) as ordered_while_out_units,
        coalesce(ds.in_stock_units, 0) / nullif(sd.in_stock_days, 0) as adjusted_daily_demand,
    from products_in_scope as p
    left join canceled as c using (sku)
    left join stock_days as sd using (sku)
    left join demand_by_stock as ds using (sku)
)

select
    sku::varchar as sku,
    product_name::varchar as product_name,
    category::varchar as category,
    supplier_id::varchar as supplier_id,
    canceled_lines::bigint as canceled_lines,
    canceled_units::bigint as canceled_units,
    canceled_value::double as canceled_value,
    in_stock_days::integer as in_stock_days,
    stockout_days::integer as stockout_days,
    in_stock_units::bigint as in_stock_units,
    adjusted_daily_demand::double as adjusted_daily_demand,
    (stockout_days * adjusted_daily_demand)::double as est_lost_units,
    (stockout_days * adjusted_daily_demand * unit_price)::double as est_lost_value,
    ordered_while_out_units::bigint as ordered_while_out_units,
from estimated
where canceled_units > 0 or stockout_days > 0
order by canceled_value + coalesce(stockout_days * adjusted_daily_demand * unit_price, 0) desc, sku
