/*
title: Backlog over time
description: >
  Open backordered lines, units and value at the end of each day, or of each week (its
  Sunday; the To date for the last, partial week): a running sum of +1 line (and its units
  and value) on the day each backorder was ordered and -1 on the day it shipped or was
  canceled, carried forward to days without events. A week is plotted at its Monday
  (period), as on every weekly chart; day is the day it was measured at.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
  grain: {type: choice, options: [week, day], default: week, label: Each, help: the end of each day or week}
chart: {mark: line, x: period:T, y: open_units:Q, tooltip: [day, open_lines, open_units, open_value]}
columns:
  day: {label: Measured at the end of, format: date}
  period: {label: Day or week (Monday), format: date}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
*/
with

backorders as (
    select
        ordered_date,
        closed_date,
        backordered_qty,
        value,
    from backorder_lines
    where
        ordered_date <= $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

deltas as (
    select
        ordered_date as day,
        1 as lines,
        backordered_qty as units,
        value,
    from backorders
    union all
    select
        closed_date as day,
        -1 as lines,
        -backordered_qty as units,
        -value as value,
    from backorders
    where closed_date <= $end
),

daily as (
    select
        day,
        sum(lines) as net_lines,
        sum(units) as net_units,
        sum(value) as net_value,
    from deltas
    group by day
),

running as (
    select
        day,
        sum(net_lines) over history as open_lines,
        sum(net_units) over history as open_units,
        sum(net_value) over history as open_value,
    from daily
    window history as (order by day rows unbounded preceding)
),

calendar as (
    select unnest(generate_series($start::date, $end::date, interval 1 day))::date as day
),

measured as (
    select day
    from calendar
    where $grain = 'day' or dayofweek(day) = 0 or day = $end::date
)

select
    m.day::date as day,
    if($grain = 'day', m.day, date_trunc('week', m.day))::date as period,
    coalesce(r.open_lines, 0)::bigint as open_lines,
    coalesce(r.open_units, 0)::bigint as open_units,
    round(coalesce(r.open_value, 0), 2)::double as open_value,
from measured as m
asof left join running as r
    on m.day >= r.day
order by m.day
