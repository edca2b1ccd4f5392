/*
title: Oldest open backorders
description: >
  The backordered lines that have waited longest among those open at the end of the To
  date: age = To date - order date, days past the date promised to the customer at the
  To date, and what has happened since (status and ETA as of the warehouse's as-of date).
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
  top: {type: int, default: 25, label: Lines, help: how many of the oldest lines to list}
columns:
  order_id: {label: Order}
  line_no: {label: Line, format: integer}
  sku: {label: SKU}
  product_name: {label: Product}
  supplier_name: {label: Supplier}
  customer_id: {label: Customer}
  channel: {label: Channel}
  ordered_date: {label: Ordered, format: date}
  age_days: {label: Age (days), format: days}
  backordered_qty: {label: Backordered qty, format: integer}
  value: {label: Value, format: money}
  promised_date: {label: Promised, format: date}
  days_past_promise: {label: Days past promise, format: days}
  status_now: {label: Status now}
  closed_date: {label: Closed, format: date}
  eta_now: {label: ETA now, format: date}
*/
select
    order_id::varchar as order_id,
    line_no::integer as line_no,
    sku::varchar as sku,
    product_name::varchar as product_name,
    supplier_name::varchar as supplier_name,
    customer_id::varchar as customer_id,
    channel::varchar as channel,
    ordered_date::date as ordered_date,
    ($end - ordered_date)::integer as age_days,
    backordered_qty::integer as backordered_qty,
    round(value, 2)::double as value,
    promised_date::date as promised_date,
    greatest($end - promised_date, 0)::integer as days_past_promise,
    status::varchar as status_now,
    closed_date::date as closed_date,
    eta::date as eta_now,
from open_backorders_at($end, $category, $supplier, $channel)
order by ordered_at, order_id, line_no
limit $top
