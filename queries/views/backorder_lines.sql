/*
kind: table
description: >
  Every backordered order line (backordered_qty > 0) with its status (open,
  shipped, canceled), closed_at, wait_days (closed date or as-of date minus
  ordered date), value (backordered_qty x unit_price), product, supplier,
  customer, channel and, for open lines, the FIFO ETA from backorder_eta.
*/
with

meta as (
    select as_of from warehouse_meta
),

lines as (
    select * from order_lines where backordered_qty > 0
)

select
    l.order_id,
    l.line_no,
    l.sku,
    p.product_name,
    p.category,
    p.supplier_id,
    s.supplier_name,
    p.made_to_order,
    o.customer_id,
    c.segment,
    c.region,
    o.channel,
    o.ordered_at,
    o.ordered_at::date as ordered_date,
    l.qty,
    l.backordered_qty,
    l.unit_price,
    l.backordered_qty * l.unit_price as value,
    l.promised_date,
    l.shipped_at,
    l.canceled_at,
    l.cancel_reason,
    case
        when l.shipped_at is not null then 'shipped'
        when l.canceled_at is not null then 'canceled'
        else 'open'
    end as status,
    coalesce(l.shipped_at, l.canceled_at) as closed_at,
    coalesce(l.shipped_at, l.canceled_at)::date as closed_date,
    coalesce(coalesce(l.shipped_at, l.canceled_at)::date, meta.as_of)
        - o.ordered_at::date as wait_days,
    e.eta,
    e.eta_po_id,
    e.eta_po_line,
from lines as l
inner join orders as o using (order_id)
left join products as p using (sku)
left join suppliers as s on s.supplier_id = p.supplier_id
left join customers as c on c.customer_id = o.customer_id
left join backorder_eta as e on e.order_id = l.order_id and e.line_no = l.line_no
cross join meta
