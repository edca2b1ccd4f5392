/*
kind: table macro
description: >
  Every column of backorder_lines for the backorders open at the end of a day (is_open_at),
  in the optional category, supplier and channel (null: all). With the sidebar's filters:
  open_backorders_at($end, $category, $supplier, $channel).
params:
  day: {help: the date whose end the backlog is looked at}
  category: {optional: true, help: products.category; null for every category}
  supplier: {optional: true, help: suppliers.supplier_id; null for every supplier}
  channel: {optional: true, help: orders.channel; null for every channel}
*/
-- Columns are qualified (b.category): an unqualified name would be read as the parameter.
select b.*,
from backorder_lines as b
where
    is_open_at(b.ordered_date, b.closed_date, day)
    and (category is null or b.category = category)
    and (supplier is null or b.supplier_id = supplier)
    and (channel is null or b.channel = channel)
