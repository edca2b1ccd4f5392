/*
title: Projected backlog
description: >
  The open backlog the projection expects at the end of each day after the as-of
  date: per SKU, the projected shortfall (-available when below zero,
  views/outlook_projection.sql) in units, x unit price in value, and / the SKU's
  mean backordered units per backordered line (1 without history) in lines. The
  band (units_low..units_high, value_low..value_high) is each SKU's shortfall with
  its demand at the 10th and 90th percentile (normal approximation); every SKU at
  its bound at once, so the band is on the wide side. It continues the Backorders
  page's "Backlog over time" (backorders/backlog_trend.sql), which starts from the
  same open backlog.
params:
  horizon: {type: int, default: 4, label: Weeks ahead, help: 1 to 8 weeks after the as-of date}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
chart: {mark: area, x: day:T, y: open_units:Q}
columns:
  day: {label: Day, format: date}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  units_low: {label: "Units, low", format: integer}
  units_high: {label: "Units, high", format: integer}
  value_low: {label: "Value, low", format: money}
  value_high: {label: "Value, high", format: money}
  lines_low: {label: "Lines, low", format: integer}
  lines_high: {label: "Lines, high", format: integer}
*/
with

products_in_scope as (
    select sku, unit_price,
    from products
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

units_per_line as (
    select sku, avg(backordered_qty) as units_per_line,
    from backorder_lines
    group by sku
)

select
    j.day::date as day,
    round(sum(greatest(-j.available, 0) / coalesce(u.units_per_line, 1)), 1)::double as open_lines,
    round(sum(greatest(-j.available, 0)), 1)::double as open_units,
    round(sum(greatest(-j.available, 0) * p.unit_price), 2)::double as open_value,
    round(sum(greatest(-j.available_high, 0)), 1)::double as units_low,
    round(sum(greatest(-j.available_low, 0)), 1)::double as units_high,
    round(sum(greatest(-j.available_high, 0) * p.unit_price), 2)::double as value_low,
    round(sum(greatest(-j.available_low, 0) * p.unit_price), 2)::double as value_high,
    round(sum(greatest(-j.available_high, 0) / coalesce(u.units_per_line, 1)), 1)::double as lines_low,
    round(sum(greatest(-j.available_low, 0) / coalesce(u.units_per_line, 1)), 1)::double as lines_high,
from outlook_projection as j
inner join products_in_scope as p using (sku)
left join units_per_line as u using (sku)
where j.weeks_back = 0 and j.day_no <= 7 * least(greatest($horizon, 1), 8)
group by j.day
order by j.day
