/*
title: Where the backlog grew or shrank
description: >
  Open backordered units and value at the end of `end` against seven days
  earlier, by category, supplier and SKU (one row per group, `dimension` says
  which). Sorted by the change in value, largest growth first.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  dimension: {label: Breakdown}
  key: {label: Id}
  name: {label: Name}
  open_units_now: {label: Open units now, format: integer}
  open_units_before: {label: Open units before, format: integer}
  change_units: {label: "Change, units", format: integer}
  open_value_now: {label: Open value now, format: money}
  open_value_before: {label: Open value before, format: money}
  change_value: {label: "Change, value", format: money}
*/
with

backorders as (
    select
        category,
        supplier_id,
        supplier_name,
        sku,
        product_name,
        backordered_qty,
        value,
        is_open_at(ordered_date, closed_date, $end) as open_now,
        is_open_at(ordered_date, closed_date, $end::date - 7) as open_before,
    from backorder_lines
    where
        ordered_date <= $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

grouped as (
    select
        case
            when grouping(category) = 0 then 'category'
            when grouping(supplier_id) = 0 then 'supplier'
            else 'sku'
        end as dimension,
        coalesce(category, supplier_id, sku) as key,
        case
            when grouping(category) = 0 then category
            when grouping(supplier_id) = 0 then any_value(supplier_name)
            else coalesce(any_value(product_name), sku)
        end as name,
        sum(backordered_qty) filter (where open_now) as open_units_now,
        sum(backordered_qty) filter (where open_before) as open_units_before,
        sum(value) filter (where open_now) as open_value_now,
        sum(value) filter (where open_before) as open_value_before,
    from backorders
    where open_now or open_before
    group by grouping sets ((category), (supplier_id), (sku))
)

select
    dimension,
    key,
    name,
    coalesce(open_units_now, 0)::bigint as open_units_now,
    coalesce(open_units_before, 0)::bigint as open_units_before,
    (coalesce(open_units_now, 0) - coalesce(open_units_before, 0))::bigint as change_units,
    coalesce(open_value_now, 0)::double as open_value_now,
    coalesce(open_value_before, 0)::double as open_value_before,
    (coalesce(open_value_now, 0) - coalesce(open_value_before, 0))::double as change_value,
from grouped
order by change_value desc, dimension, key
