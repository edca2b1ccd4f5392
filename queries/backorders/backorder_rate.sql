/*
title: Backorder rate and unit fill rate by channel
description: >
  Per week (Monday to Sunday) and channel, of the lines ordered in the period: backorder
  rate = backordered lines / lines ordered (and by units), unit fill rate = 1 -
  backordered units / ordered units. "All channels" is every channel together (left out
  when the sidebar picks one channel). The first
  and last weeks count only their days inside the period (days_in_period).
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: line, x: week:T, y: backorder_rate_lines:Q, color: channel:N}
columns:
  week: {label: Week, format: date}
  channel: {label: Channel}
  days_in_period: {label: Days in period, format: integer}
  lines_ordered: {label: Lines ordered, format: integer}
  backordered_lines: {label: Backordered lines, format: integer}
  units_ordered: {label: Units ordered, format: integer}
  backordered_units: {label: Backordered units, format: integer}
  backorder_rate_lines: {label: Backorder rate (lines), format: percent}
  backorder_rate_units: {label: Backorder rate (units), format: percent}
  unit_fill_rate: {label: Unit fill rate, format: percent}
*/
with

lines as (
    select
        date_trunc('week', d.day)::date as week,
        coalesce(d.channel, '(none)') as channel,
        d.lines,
        d.backordered_lines,
        d.units,
        d.backordered_units,
    from demand_between($start, $end, $category, $supplier, $channel) as d
),

weekly as (
    select
        week,
        if(grouping(channel) = 1, 'All channels', channel) as channel,
        sum(lines) as lines_ordered,
        sum(backordered_lines) as backordered_lines,
        sum(units) as units_ordered,
        sum(backordered_units) as backordered_units,
    from lines
    group by grouping sets ((week, channel), (week))
    having grouping(channel) = 0 or $channel is null
)

select
    week::date as week,
    channel::varchar as channel,
    (least(week + 6, $end::date) - greatest(week, $start::date) + 1)::integer as days_in_period,
    lines_ordered::bigint as lines_ordered,
    backordered_lines::bigint as backordered_lines,
    units_ordered::bigint as units_ordered,
    backordered_units::bigint as backordered_units,
    (backordered_lines / lines_ordered)::double as backorder_rate_lines,
    (backordered_units / units_ordered)::double as backorder_rate_units,
    (1 - backordered_units / units_ordered)::double as unit_fill_rate,
from weekly
order by week, channel = 'All channels', channel
