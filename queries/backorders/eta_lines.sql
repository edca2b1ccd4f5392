/*
title: ETA of every open backorder
description: >
  Every backordered line open at the warehouse's as-of date (the FIFO ETA exists only
  then, whatever the To date), oldest first: its ETA, the PO line that completes it, the
  ETA against the date promised to the customer (days_late = ETA - promised date) and the
  flag of "ETA against the promise". Age = as-of date - order date.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
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
  eta: {label: ETA, format: date}
  eta_po_line: {label: ETA from PO line}
  days_late: {label: Days late, format: days}
  eta_flag: {label: ETA against promise}
*/
with

meta as (
    select as_of from warehouse_meta
)

select
    b.order_id::varchar as order_id,
    b.line_no::integer as line_no,
    b.sku::varchar as sku,
    b.product_name::varchar as product_name,
    b.supplier_name::varchar as supplier_name,
    b.customer_id::varchar as customer_id,
    b.channel::varchar as channel,
    b.ordered_date::date as ordered_date,
    (meta.as_of - b.ordered_date)::integer as age_days,
    b.backordered_qty::integer as backordered_qty,
    round(b.value, 2)::double as value,
    b.promised_date::date as promised_date,
    b.eta::date as eta,
    (b.eta_po_id || '-' || b.eta_po_line)::varchar as eta_po_line,
    (b.eta - b.promised_date)::integer as days_late,
    case
        when b.eta is null then 'no replenishment planned'
        when b.promised_date < meta.as_of then 'promise already missed'
        when b.eta > b.promised_date then 'will miss promise'
        when b.promised_date is not null then 'on track'
        else 'no promise date'
    end::varchar as eta_flag,
from backorder_lines as b
cross join meta
where
    b.status = 'open'
    and ($category is null or b.category = $category)
    and ($supplier is null or b.supplier_id = $supplier)
    and ($channel is null or b.channel = $channel)
order by b.ordered_at, b.order_id, b.line_no
