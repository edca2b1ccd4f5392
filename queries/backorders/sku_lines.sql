/*
title: A SKU's backordered order lines
description: >
  Every backordered line of one SKU that was open at the end of the To date, or closed
  (shipped or canceled) inside the period, open ones first and oldest first. Age = To
  date - order date for lines open then, order to close for the others; days past the
  promise at the To date; status and FIFO ETA as of the warehouse's as-of date; oversold
  = the inventory snapshot of its order day (at most 7 days old) showed enough available
  stock for the backordered quantity.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
  sku: {type: text, default: '', label: SKU, help: the SKU whose lines to list}
columns:
  order_id: {label: Order}
  line_no: {label: Line, format: integer}
  customer_id: {label: Customer}
  segment: {label: Segment}
  channel: {label: Channel}
  ordered_date: {label: Ordered, format: date}
  qty: {label: Qty, format: integer}
  backordered_qty: {label: Backordered qty, format: integer}
  value: {label: Value, format: money}
  promised_date: {label: Promised, format: date}
  status_at_end: {label: Status at end}
  age_days: {label: Age (days), format: days}
  days_past_promise: {label: Days past promise, format: days}
  status_now: {label: Status now}
  closed_date: {label: Closed, format: date}
  eta_now: {label: ETA now, format: date}
  oversold: {label: Oversold}
*/
with

lines as (
    select
        *,
        is_open_at(ordered_date, closed_date, $end) as open_at_end,
    from backorder_lines
    where
        sku = $sku
        and ordered_date <= $end
        and (closed_date is null or closed_date >= $start)
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

checked as (
    select
        l.*,
        coalesce(
            l.ordered_date - s.snapshot_date <= 7
            and s.on_hand - coalesce(s.allocated, 0) >= l.backordered_qty,
            false
        ) as oversold,
    from lines as l
    asof left join inventory_snapshots as s
        on s.sku = l.sku and s.snapshot_date <= l.ordered_date
)

select
    order_id::varchar as order_id,
    line_no::integer as line_no,
    customer_id::varchar as customer_id,
    segment::varchar as segment,
    channel::varchar as channel,
    ordered_date::date as ordered_date,
    qty::integer as qty,
    backordered_qty::integer as backordered_qty,
    round(value, 2)::double as value,
    promised_date::date as promised_date,
    if(open_at_end, 'open', status)::varchar as status_at_end,
    if(open_at_end, $end - ordered_date, closed_date - ordered_date)::integer as age_days,
    if(open_at_end, greatest($end - promised_date, 0), null)::integer as days_past_promise,
    status::varchar as status_now,
    closed_date::date as closed_date,
    eta::date as eta_now,
    oversold::boolean as oversold,
from checked
order by open_at_end desc, ordered_at, order_id, line_no
