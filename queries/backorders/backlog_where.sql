/*
title: Where the backlog sits
description: >
  Backorders open at the end of the To date by category, by supplier and by channel (one
  row per member of each dimension): lines, units, value (backordered_qty x unit_price),
  the member's share of the open units and value, and the oldest and average age in days.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: bar, x: open_units:Q, y: member:N, color: dimension:N}
columns:
  dimension: {label: Breakdown}
  member: {label: Member}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  share_of_units: {label: Share of units, format: percent}
  share_of_value: {label: Share of value, format: percent}
  oldest_age_days: {label: Oldest (days), format: days}
  avg_age_days: {label: Average age (days), format: days}
*/
with

open_backorders as (
    select
        coalesce(category, '(none)') as category,
        coalesce(supplier_id || ' ' || supplier_name, supplier_id, '(none)') as supplier,
        coalesce(channel, '(none)') as channel,
        $end - ordered_date as age_days,
        backordered_qty,
        value,
    from open_backorders_at($end, $category, $supplier, $channel)
),

grouped as (
    select
        case
            when grouping(category) = 0 then 'category'
            when grouping(supplier) = 0 then 'supplier'
            else 'channel'
        end as dimension,
        coalesce(category, supplier, channel) as member,
        count(*) as open_lines,
        sum(backordered_qty) as open_units,
        sum(value) as open_value,
        max(age_days) as oldest_age_days,
        avg(age_days) as avg_age_days,
    from open_backorders
    group by grouping sets ((category), (supplier), (channel))
)

select
    dimension::varchar as dimension,
    member::varchar as member,
    open_lines::bigint as open_lines,
    open_units::bigint as open_units,
    round(open_value, 2)::double as open_value,
    (open_units / sum(open_units) over (partition by dimension))::double as share_of_units,
    (open_value / sum(open_value) over (partition by dimension))::double as share_of_value,
    oldest_age_days::integer as oldest_age_days,
    round(avg_age_days, 1)::double as avg_age_days,
from grouped
order by dimension, open_units desc, member
