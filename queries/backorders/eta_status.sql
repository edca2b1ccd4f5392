/*
title: ETA against the promise
description: >
  Backorders open at the warehouse's as-of date (ETAs exist only then) by what their ETA
  means for the date promised to the customer: no open PO covers the line (`no
  replenishment planned`), the promised date has passed (`promise already missed`), the ETA
  is after it (`will miss promise`) or not (`on track`). ETA = the expected receipt of the
  open PO line that completes the line when open PO quantity is applied first-in-first-out
  to the SKU's backlog, oldest order first; expected receipt = promised date + the
  supplier's median delay on received PO lines (never earlier), and not before the as-of
  date.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: bar, x: open_units:Q, y: eta_flag:N}
columns:
  eta_flag: {label: ETA against promise}
  flag_order: {label: Flag order, format: integer}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  avg_days_late: {label: Average days late, format: days}
*/
with

flags as (
    select *
    from (
        values
            (1, 'no replenishment planned'),
            (2, 'promise already missed'),
            (3, 'will miss promise'),
            (4, 'on track'),
            (5, 'no promise date')
    ) as t (flag_order, eta_flag)
),

meta as (
    select as_of from warehouse_meta
),

open_backorders as (
    select
        b.backordered_qty,
        b.value,
        b.eta - b.promised_date as days_late,
        case
            when b.eta is null then 'no replenishment planned'
            when b.promised_date < meta.as_of then 'promise already missed'
            when b.eta > b.promised_date then 'will miss promise'
            when b.promised_date is not null then 'on track'
            else 'no promise date'
        end as eta_flag,
    from backorder_lines as b
    cross join meta
    where
        b.status = 'open'
        and ($category is null or b.category = $category)
        and ($supplier is null or b.supplier_id = $supplier)
        and ($channel is null or b.channel = $channel)
),

flagged as (
    select
        eta_flag,
        count(*) as open_lines,
        sum(backordered_qty) as open_units,
        sum(value) as open_value,
        avg(days_late) filter (where days_late > 0) as avg_days_late,
    from open_backorders
    group by eta_flag
)

select
    f.eta_flag::varchar as eta_flag,
    f.flag_order::integer as flag_order,
    coalesce(k.open_lines, 0)::bigint as open_lines,
    coalesce(k.open_units, 0)::bigint as open_units,
    round(coalesce(k.open_value, 0), 2)::double as open_value,
    round(k.avg_days_late, 1)::double as avg_days_late,
from flags as f
left join flagged as k using (eta_flag)
order by f.flag_order
