/*
kind: table macro
description: >
  The daily_demand rows (day x SKU x channel: lines and units ordered, of them backordered)
  from one day to another, both included, in the optional category, supplier and channel
  (null: all). With the sidebar's filters: demand_between($start, $end, $category, $supplier,
  $channel).
params:
  first_day: {help: the first day counted}
  last_day: {help: the last day counted}
  category: {optional: true, help: products.category; null for every category}
  supplier: {optional: true, help: suppliers.supplier_id; null for every supplier}
  channel: {optional: true, help: orders.channel; null for every channel}
*/
-- Columns are qualified (d.channel): an unqualified name would be read as the parameter.
select d.*,
from daily_demand as d
left join products as p using (sku)
where
    d.day between first_day and last_day
    and (category is null or p.category = category)
    and (supplier is null or p.supplier_id = supplier)
    and (channel is null or d.channel = channel)
