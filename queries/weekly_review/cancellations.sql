/*
title: The period's biggest cancellations
description: >
  Backordered lines canceled between `start` and `end`, largest value first,
  with how long the customer had waited and whether the promise had passed.
params:
  start: {type: date, default: -6 days}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  canceled_at: {label: Canceled, format: datetime}
  order_id: {label: Order}
  line_no: {label: Line, format: integer}
  customer_id: {label: Customer}
  channel: {label: Channel}
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_name: {label: Supplier}
  backordered_qty: {label: Backordered qty, format: integer}
  value: {label: Value, format: money}
  wait_days: {label: Waited (days), format: days}
  after_promise: {label: After promise}
  cancel_reason: {label: Reason}
*/
select
    canceled_at::timestamp as canceled_at,
    order_id,
    line_no::integer as line_no,
    customer_id,
    channel,
    sku,
    product_name,
    category,
    supplier_name,
    backordered_qty::integer as backordered_qty,
    value::double as value,
    wait_days::integer as wait_days,
    (promised_date is not null and closed_date > promised_date) as after_promise,
    cancel_reason,
from backorder_lines
where
    status = 'canceled'
    and closed_date between $start and $end
    and ($category is null or category = $category)
    and ($supplier is null or supplier_id = $supplier)
    and ($channel is null or channel = $channel)
order by value desc, canceled_at
limit 25
