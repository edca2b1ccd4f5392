/*
title: One SKU's projection
description: >
  Day by day after the as-of date for one SKU (views/outlook_projection.sql):
  forecast demand, PO receipts on their expected day, projected available stock
  (start - open backlog + receipts so far - forecast demand so far) and its 80%
  band. Below zero is a projected backlog. Without a SKU, the one projected to
  run out first (then by SKU).
params:
  sku: {type: text, optional: true, label: SKU}
  horizon: {type: int, default: 4, label: Weeks ahead, help: 1 to 8 weeks after the as-of date}
chart: {mark: line, x: day:T, y: available:Q}
columns:
  day: {label: Day, format: date}
  day_no: {label: Day number, format: integer}
  demand: {label: Demand, format: decimal}
  receipts: {label: Receipts, format: integer}
  start_available: {label: Available at start, format: decimal}
  backlog_units: {label: Backlog units, format: integer}
  available: {label: Available, format: decimal}
  available_low: {label: "Available, low", format: decimal}
  available_high: {label: "Available, high", format: decimal}
*/
with

picked as (
    select coalesce(
        $sku,
        (
            select sku
            from outlook_projection
            where weeks_back = 0 and available < 0
            order by day_no, sku
            limit 1
        ),
        (select min(sku) from outlook_projection where weeks_back = 0)
    ) as sku
)

select
    day::date as day,
    day_no::integer as day_no,
    round(demand, 2)::double as demand,
    receipts::bigint as receipts,
    start_available::bigint as start_available,
    backlog_units::bigint as backlog_units,
    round(available, 2)::double as available,
    round(available_low, 2)::double as available_low,
    round(available_high, 2)::double as available_high,
from outlook_projection
where weeks_back = 0 and sku = (select sku from picked) and day_no <= 7 * least(greatest($horizon, 1), 8)
order by day
