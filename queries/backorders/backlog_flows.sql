/*
title: New, shipped and canceled backorders per week
description: >
  Backorders opened (ordered with backordered_qty > 0), shipped and canceled in each week
  (Monday to Sunday) of the period, in lines, units and value; net = new - shipped -
  canceled, the week's change in the open backlog. The first and last weeks count only
  their days inside the period (days_in_period).
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: bar, x: week:T, y: new_lines:Q}
columns:
  week: {label: Week, format: date}
  days_in_period: {label: Days in period, format: integer}
  new_lines: {label: New lines, format: integer}
  shipped_lines: {label: Shipped lines, format: integer}
  canceled_lines: {label: Canceled lines, format: integer}
  net_lines: {label: "Net change, lines", format: integer}
  new_units: {label: New units, format: integer}
  shipped_units: {label: Shipped units, format: integer}
  canceled_units: {label: Canceled units, format: integer}
  net_units: {label: "Net change, units", format: integer}
  new_value: {label: New value, format: money}
  shipped_value: {label: Shipped value, format: money}
  canceled_value: {label: Canceled value, format: money}
  net_value: {label: "Net change, value", format: money}
*/
with

backorders as (
    select
        ordered_date,
        closed_date,
        status,
        backordered_qty,
        value,
    from backorder_lines
    where
        (ordered_date between $start and $end or closed_date between $start and $end)
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

events as (
    select
        date_trunc('week', ordered_date)::date as week,
        'new' as flow,
        backordered_qty as units,
        value,
    from backorders
    where ordered_date between $start and $end
    union all
    select
        date_trunc('week', closed_date)::date as week,
        status as flow,
        backordered_qty as units,
        value,
    from backorders
    where closed_date between $start and $end
),

weekly as (
    select
        week,
        count(*) filter (where flow = 'new') as new_lines,
        count(*) filter (where flow = 'shipped') as shipped_lines,
        count(*) filter (where flow = 'canceled') as canceled_lines,
        coalesce(sum(units) filter (where flow = 'new'), 0) as new_units,
        coalesce(sum(units) filter (where flow = 'shipped'), 0) as shipped_units,
        coalesce(sum(units) filter (where flow = 'canceled'), 0) as canceled_units,
        coalesce(sum(value) filter (where flow = 'new'), 0) as new_value,
        coalesce(sum(value) filter (where flow = 'shipped'), 0) as shipped_value,
        coalesce(sum(value) filter (where flow = 'canceled'), 0) as canceled_value,
    from events
    group by week
),

weeks as (
    select unnest(generate_series(
        date_trunc('week', $start::date)::date,
        date_trunc('week', $end::date)::date,
        interval 7 day
    ))::date as week
)

select
    w.week::date as week,
    (least(w.week + 6, $end::date) - greatest(w.week, $start::date) + 1)::integer as days_in_period,
    coalesce(k.new_lines, 0)::bigint as new_lines,
    coalesce(k.shipped_lines, 0)::bigint as shipped_lines,
    coalesce(k.canceled_lines, 0)::bigint as canceled_lines,
    coalesce(k.new_lines - k.shipped_lines - k.canceled_lines, 0)::bigint as net_lines,
    coalesce(k.new_units, 0)::bigint as new_units,
    coalesce(k.shipped_units, 0)::bigint as shipped_units,
    coalesce(k.canceled_units, 0)::bigint as canceled_units,
    coalesce(k.new_units - k.shipped_units - k.canceled_units, 0)::bigint as net_units,
    round(coalesce(k.new_value, 0), 2)::double as new_value,
    round(coalesce(k.shipped_value, 0), 2)::double as shipped_value,
    round(coalesce(k.canceled_value, 0), 2)::double as canceled_value,
    round(coalesce(k.new_value - k.shipped_value - k.canceled_value, 0), 2)::double as net_value,
from weeks as w
left join weekly as k using (week)
order by w.week
