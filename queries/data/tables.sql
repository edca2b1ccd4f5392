/*
title: Tables in the warehouse
description: Row count of every canonical table and the span of its event dates.
columns:
  table_name: {label: Table}
  row_count: {label: Rows, format: integer}
  first_date: {label: First date, format: date}
  last_date: {label: Last date, format: date}
*/
select 'suppliers' as table_name, count(*) as row_count, null::date as first_date, null::date as last_date,
from suppliers
union all
select 'products', count(*), null, null from products
union all
select 'customers', count(*), null, null from customers
union all
select 'orders', count(*), min(ordered_at)::date, max(ordered_at)::date from orders
union all
select 'order_lines', count(*), min(least(shipped_at, canceled_at))::date, max(greatest(shipped_at, canceled_at))::date
from order_lines
union all
select 'purchase_orders', count(*), min(ordered_at), max(greatest(ordered_at, received_at)) from purchase_orders
union all
select 'inventory_snapshots', count(*), min(snapshot_date), max(snapshot_date) from inventory_snapshots
union all
select 'events', count(*), min(start_date), max(coalesce(end_date, start_date)) from events
