/*
kind: table
description: >
  Every purchase-order line with its supplier and product, status (open or
  received), delay_days (received_at - promised_date; late when > 0), on_time
  (delay <= 0), actual lead_time_days (received_at - ordered_at) beside the planned
  one, and for open lines the days already past the promised date. ordered_at is
  often missing in real exports: such a line has no lead time, and ordered_by (its
  order date, else the earliest of its promised and received dates, by which it
  must have been ordered) says from when it counts as on order.
*/
with

meta as (
    select as_of from warehouse_meta
)

select
    po.po_id,
    po.po_line,
    po.supplier_id,
    s.supplier_name,
    s.country,
    po.sku,
    p.product_name,
    p.category,
    po.qty,
    po.ordered_at,
    coalesce(po.ordered_at, least(po.promised_date, po.received_at)) as ordered_by,
    po.promised_date,
    po.received_at,
    po.received_qty,
    if(po.received_at is null, 'open', 'received') as status,
    po.received_at - po.promised_date as delay_days,
    po.received_at - po.promised_date <= 0 as on_time,
    po.received_at - po.ordered_at as lead_time_days,
    p.lead_time_days as planned_lead_time_days,
    if(po.received_at is null, greatest(meta.as_of - po.promised_date, 0), null) as days_past_promise,
from purchase_orders as po
left join suppliers as s using (supplier_id)
left join products as p using (sku)
cross join meta
