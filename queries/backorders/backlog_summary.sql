/*
title: Backlog at a glance
description: >
  Open backorders (lines, units, value = backordered_qty x unit_price) at the end of the To
  date against the end of the day before the From date, their average and oldest age in
  days, how many are past the date promised to the customer, and the backorders opened,
  shipped and canceled in the period.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  from: {label: From, format: date}
  to: {label: To, format: date}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  open_lines_at_start: {label: Open lines at start, format: integer}
  open_units_at_start: {label: Open units at start, format: integer}
  open_value_at_start: {label: Open value at start, format: money}
  avg_age_days: {label: Average age (days), format: days}
  oldest_age_days: {label: Oldest (days), format: days}
  past_promise_lines: {label: Lines past promise, format: integer}
  new_lines: {label: New lines, format: integer}
  shipped_lines: {label: Shipped lines, format: integer}
  canceled_lines: {label: Canceled lines, format: integer}
*/
with

backorders as (
    select
        ordered_date,
        closed_date,
        status,
        promised_date,
        backordered_qty,
        value,
    from backorder_lines
    where
        ordered_date <= $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

at_end as (
    select
        count(*) as open_lines,
        coalesce(sum(backordered_qty), 0) as open_units,
        coalesce(sum(value), 0) as open_value,
        avg($end - ordered_date) as avg_age_days,
        max($end - ordered_date) as oldest_age_days,
        count(*) filter (where promised_date < $end) as past_promise_lines,
    from backorders
    where is_open_at(ordered_date, closed_date, $end)
),

at_start as (
    select
        count(*) as open_lines,
        coalesce(sum(backordered_qty), 0) as open_units,
        coalesce(sum(value), 0) as open_value,
    from backorders
    where is_open_at(ordered_date, closed_date, $start::date - 1)
),

flows as (
    select
        count(*) filter (where ordered_date >= $start) as new_lines,
        count(*) filter (where closed_date between $start and $end and status = 'shipped') as shipped_lines,
        count(*) filter (where closed_date between $start and $end and status = 'canceled') as canceled_lines,
    from backorders
)

select
    $start::date as "from",
    $end::date as "to",
    at_end.open_lines::bigint as open_lines,
    at_end.open_units::bigint as open_units,
    round(at_end.open_value, 2)::double as open_value,
    at_start.open_lines::bigint as open_lines_at_start,
    at_start.open_units::bigint as open_units_at_start,
    round(at_start.open_value, 2)::double as open_value_at_start,
    at_end.avg_age_days::double as avg_age_days,
    at_end.oldest_age_days::integer as oldest_age_days,
    at_end.past_promise_lines::bigint as past_promise_lines,
    flows.new_lines::bigint as new_lines,
    flows.shipped_lines::bigint as shipped_lines,
    flows.canceled_lines::bigint as canceled_lines,
from at_end, at_start, flows
