/*
kind: table
description: >
  Order lines summed per day ordered, SKU and channel: lines and units ordered, and
  of them the backordered lines and units. Pages that count demand or backorder
  rates over a period read these few hundred thousand rows instead of joining every
  order line to its order (stored as a table when the warehouse is built).
*/
select
    o.ordered_at::date as day,
    l.sku,
    o.channel,
    count(*)::bigint as lines,
    count(*) filter (where l.backordered_qty > 0)::bigint as backordered_lines,
    sum(l.qty)::bigint as units,
    sum(l.backordered_qty)::bigint as backordered_units,
from order_lines as l
inner join orders as o using (order_id)
group by all
