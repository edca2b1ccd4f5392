/*
title: Restock priority
description: >
  Backordered SKUs to expedite first, from the lines open at the To date (ordered
  on or before it, not shipped or canceled by it). Per SKU: waiting customers,
  open lines, units and value (backordered_qty x unit_price), and the age in days
  at the To date of its oldest and its average open line. priority = the mean of
  the SKU's percentile ranks (0 lowest, 1 highest among the SKUs listed) on waiting
  customers, open value and oldest age, so a SKU near the top is high on all
  three. revenue_at_risk is empty here: the cancellation-risk model lives in Python
  (dashboard/risk.py), so the Demand signal page and the weekly review fill it in
  (the sum of value x risk of the SKU's open lines) and rank by it in open value's
  place, with the same percent ranks (risk.restock_priority). expedite_po and next_eta come from
  the FIFO ETA, computed at the warehouse as-of date only: the open PO line that
  completes the oldest line still open then, and the earliest ETA of the SKU's
  open lines; lines_without_po counts lines open at the as-of date that no open PO
  covers.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: point, x: oldest_age_days:Q, y: open_value:Q, color: waiting_customers:Q, tooltip: [sku, product_name, waiting_customers, open_units, open_value, oldest_age_days, priority]}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  waiting_customers: {label: Customers waiting, format: integer}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  oldest_age_days: {label: Oldest (days), format: days}
  avg_age_days: {label: Average age (days), format: days}
  revenue_at_risk: {label: Revenue at risk, format: money}
  priority: {label: Priority, format: decimal}
  expedite_po: {label: PO to expedite}
  next_eta: {label: Next ETA, format: date}
  lines_without_po: {label: Lines without PO, format: integer}
*/
with

open_lines as (
    select
        order_id,
        line_no,
        sku,
        product_name,
        category,
        supplier_id,
        supplier_name,
        coalesce(customer_id, order_id) as customer_key,
        ordered_at,
        backordered_qty,
        value,
        $end::date - ordered_date as age_days,
        status,
        eta,
        eta_po_id,
        eta_po_line,
    from open_backorders_at($end, $category, $supplier, $channel)
),

per_sku as (
    select
        l.sku,
        any_value(l.product_name) as product_name,
        any_value(l.category) as category,
        any_value(l.supplier_id) as supplier_id,
        any_value(l.supplier_name) as supplier_name,
        count(distinct l.customer_key) as waiting_customers,
        count(*) as open_lines,
        sum(l.backordered_qty) as open_units,
        sum(l.value) as open_value,
        max(l.age_days) as oldest_age_days,
        avg(l.age_days) as avg_age_days,
        null::double as revenue_at_risk,
        arg_min(
            l.eta_po_id || ' line ' || l.eta_po_line::varchar, l.ordered_at
        ) filter (where l.status = 'open') as expedite_po,
        min(l.eta) filter (where l.status = 'open') as next_eta,
        count(*) filter (where l.status = 'open' and l.eta is null) as lines_without_po,
    from open_lines as l
    group by l.sku
),

ranked as (
    select
        *,
        percent_rank() over (order by waiting_customers) as customers_rank,
        percent_rank() over (order by coalesce(revenue_at_risk, open_value)) as value_rank,
        percent_rank() over (order by oldest_age_days) as age_rank,
    from per_sku
)

select
    sku::varchar as sku,
    product_name::varchar as product_name,
    category::varchar as category,
    supplier_id::varchar as supplier_id,
    supplier_name::varchar as supplier_name,
    waiting_customers::bigint as waiting_customers,
    open_lines::bigint as open_lines,
    open_units::bigint as open_units,
    open_value::double as open_value,
    oldest_age_days::integer as oldest_age_days,
    avg_age_days::double as avg_age_days,
    revenue_at_risk::double as revenue_at_risk,
    ((customers_rank + value_rank + age_rank) / 3)::double as priority,
    expedite_po::varchar as expedite_po,
    next_eta::date as next_eta,
    lines_without_po::bigint as lines_without_po,
from ranked
order by priority desc, open_value desc, sku
