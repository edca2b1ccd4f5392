/*
title: Top backordered SKUs
description: >
  The SKUs with the most backordered units or value open at the end of the To date (the top
  N of either ranking) and their stock position then: on hand and available (on_hand -
  allocated) in the latest snapshot, units on open PO lines, and the promised date of the
  earliest open PO line with the days it is already past it.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
  top: {type: int, default: 15, label: SKUs, help: how many SKUs each ranking keeps}
columns:
  rank_by_units: {label: Rank by units, format: integer}
  rank_by_value: {label: Rank by value, format: integer}
  sku: {label: SKU}
  product_name: {label: Product}
  supplier_name: {label: Supplier}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  open_lines: {label: Open lines, format: integer}
  oldest_age_days: {label: Oldest (days), format: days}
  on_hand: {label: On hand, format: integer}
  available: {label: Available, format: integer}
  on_order: {label: On order, format: integer}
  next_po_promised: {label: Next PO promised, format: date}
  next_po_days_late: {label: Next PO days late, format: days}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  snapshot_date: {label: Stock snapshot, format: date}
*/
with

open_backorders as (
    select
        sku,
        product_name,
        category,
        supplier_id,
        supplier_name,
        ordered_date,
        backordered_qty,
        value,
    from open_backorders_at($end, $category, $supplier, $channel)
),

by_sku as (
    select
        sku,
        any_value(product_name) as product_name,
        any_value(category) as category,
        any_value(supplier_id) as supplier_id,
        any_value(supplier_name) as supplier_name,
        count(*) as open_lines,
        sum(backordered_qty) as open_units,
        sum(value) as open_value,
        max($end - ordered_date) as oldest_age_days,
    from open_backorders
    group by sku
),

ranked as (
    select
        *,
        row_number() over (order by open_units desc, open_value desc, sku) as rank_by_units,
        row_number() over (order by open_value desc, open_units desc, sku) as rank_by_value,
    from by_sku
),

top_skus as (
    select *
    from ranked
    where rank_by_units <= $top or rank_by_value <= $top
),

stock as (
    select
        s.sku,
        arg_max(s.on_hand, s.snapshot_date) as on_hand,
        arg_max(s.on_hand - coalesce(s.allocated, 0), s.snapshot_date) as available,
        max(s.snapshot_date) as snapshot_date,
    from inventory_snapshots as s
    where s.snapshot_date <= $end and s.sku in (select sku from top_skus)
    group by s.sku
),

on_order as (
    select
        sku,
        sum(qty) as on_order,
        min(promised_date) as next_po_promised,
    from po_lines
    where
        ordered_by <= $end
        and (received_at is null or received_at > $end)
        and sku in (select sku from top_skus)
    group by sku
)

select
    t.rank_by_units::integer as rank_by_units,
    t.rank_by_value::integer as rank_by_value,
    t.sku::varchar as sku,
    t.product_name::varchar as product_name,
    t.supplier_name::varchar as supplier_name,
    t.open_units::bigint as open_units,
    round(t.open_value, 2)::double as open_value,
    t.open_lines::bigint as open_lines,
    t.oldest_age_days::integer as oldest_age_days,
    s.on_hand::bigint as on_hand,
    s.available::bigint as available,
    coalesce(o.on_order, 0)::bigint as on_order,
    o.next_po_promised::date as next_po_promised,
    greatest($end - o.next_po_promised, 0)::integer as next_po_days_late,
    t.category::varchar as category,
    t.supplier_id::varchar as supplier_id,
    s.snapshot_date::date as snapshot_date,
from top_skus as t
left join stock as s using (sku)
left join on_order as o using (sku)
order by t.rank_by_units
