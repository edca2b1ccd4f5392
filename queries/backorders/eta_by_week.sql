/*
title: When the backlog clears
description: >
  Backorders open at the warehouse's as-of date by the week (Monday) of their FIFO ETA,
  split by what the ETA means for the promise to the customer (see "ETA against the
  promise"). Lines no open PO covers have no ETA week and are counted there instead.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: bar, x: eta_week:T, y: open_units:Q, color: eta_flag:N}
columns:
  eta_week: {label: ETA week, format: date}
  eta_flag: {label: ETA against promise}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
*/
with

meta as (
    select as_of from warehouse_meta
),

open_backorders as (
    select
        date_trunc('week', b.eta)::date as eta_week,
        b.backordered_qty,
        b.value,
        case
            when b.promised_date < meta.as_of then 'promise already missed'
            when b.eta > b.promised_date then 'will miss promise'
            when b.promised_date is not null then 'on track'
            else 'no promise date'
        end as eta_flag,
    from backorder_lines as b
    cross join meta
    where
        b.status = 'open'
        and b.eta is not null
        and ($category is null or b.category = $category)
        and ($supplier is null or b.supplier_id = $supplier)
        and ($channel is null or b.channel = $channel)
)

select
    eta_week::date as eta_week,
    eta_flag::varchar as eta_flag,
    count(*)::bigint as open_lines,
    sum(backordered_qty)::bigint as open_units,
    round(sum(value), 2)::double as open_value,
from open_backorders
group by eta_week, eta_flag
order by eta_week, eta_flag
