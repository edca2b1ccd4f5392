/*
kind: table macro
description: >
  The daily_promises rows (day x SKU x channel: customer lines due, on time, late, and
  opened or closed past their promise) up to a day, included, in the optional category,
  supplier and channel (null: all). With the sidebar's filters: promises_until($end,
  $category, $supplier, $channel).
params:
  last_day: {help: the last day counted}
  category: {optional: true, help: products.category; null for every category}
  supplier: {optional: true, help: suppliers.supplier_id; null for every supplier}
  channel: {optional: true, help: orders.channel; null for every channel}
*/
-- Columns are qualified (d.channel): an unqualified name would be read as the parameter.
select d.*,
from daily_promises as d
left join products as p using (sku)
where
    d.day <= last_day
    and (category is null or p.category = category)
    and (supplier is null or p.supplier_id = supplier)
    and (channel is null or d.channel = channel)
