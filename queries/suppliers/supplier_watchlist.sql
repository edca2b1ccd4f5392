/*
title: Open PO watchlist
description: >
  Open PO lines already past their promised date or due within the next
  due_within_days days, with the backordered customer lines waiting on each: open
  backorders whose FIFO ETA (backorder_eta) is that PO line. Measured at the
  warehouse's as-of date, not at To, because the FIFO ETA exists only for today.
  days_past_promise = as-of date - promised_date (negative: due in that many days);
  expected_receipt is the ETA view's promised date shifted by the supplier's median
  delay (only for lines with customers waiting). call_rank orders suppliers by the
  customer lines waiting on their PO lines already past promise (then by the value
  of those lines, then by everything waiting on their listed lines): call rank 1
  first. Within a supplier, lines by waiting value, then days past promise. The
  channel filter applies to the waiting backorders.
params:
  due_within_days:
    type: int
    default: 7
    label: Due within (days)
    help: Also list open PO lines due this many days after the as-of date.
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  call_rank: {label: Call order, format: integer}
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  po_id: {label: PO}
  po_line: {label: PO line, format: integer}
  sku: {label: SKU}
  product_name: {label: Product}
  qty: {label: Qty, format: integer}
  ordered_at: {label: Ordered, format: date}
  promised_date: {label: Promised, format: date}
  days_past_promise: {label: Days past promise, format: days}
  expected_receipt: {label: Expected receipt, format: date}
  waiting_lines: {label: Lines waiting, format: integer}
  waiting_units: {label: Units waiting, format: integer}
  waiting_value: {label: Value waiting, format: money}
  customers_waiting: {label: Customers waiting, format: integer}
  oldest_waiting_since: {label: Oldest waiting since, format: date}
  supplier_lines_past_promise: {label: Open PO lines past promise, format: integer, help: "The supplier's, at the as-of date"}
  supplier_waiting_lines_past_promise: {label: Customer lines waiting on them, format: integer, help: "Backordered lines whose ETA is one of the supplier's open PO lines past promise"}
  supplier_waiting_value_past_promise: {label: Value waiting on them, format: money}
  supplier_waiting_value: {label: "Supplier's value waiting", format: money}
*/
with

meta as (
    select as_of from warehouse_meta
),

open_po as (
    select
        po.supplier_id,
        po.supplier_name,
        po.po_id,
        po.po_line,
        po.sku,
        po.product_name,
        po.qty,
        po.ordered_at,
        po.promised_date,
        meta.as_of - po.promised_date as days_past_promise,
    from po_lines as po
    cross join meta
    where
        po.status = 'open'
        and po.promised_date <= meta.as_of + $due_within_days
        and ($category is null or po.category = $category)
        and ($supplier is null or po.supplier_id = $supplier)
),

waiting as (
    select
        eta_po_id as po_id,
        eta_po_line as po_line,
        count(*) as waiting_lines,
        sum(backordered_qty) as waiting_units,
        sum(value) as waiting_value,
        count(distinct customer_id) as customers_waiting,
        min(ordered_date) as oldest_waiting_since,
        min(eta) as eta,
    from backorder_lines
    where
        status = 'open'
        and eta_po_id is not null
        and ($channel is null or channel = $channel)
    group by eta_po_id, eta_po_line
),

listed as (
    select
        o.*,
        coalesce(w.waiting_lines, 0) as waiting_lines,
        coalesce(w.waiting_units, 0) as waiting_units,
        coalesce(w.waiting_value, 0) as waiting_value,
        coalesce(w.customers_waiting, 0) as customers_waiting,
        w.oldest_waiting_since,
        w.eta as expected_receipt,
        count(*) filter (where o.days_past_promise > 0) over supplier as supplier_lines_past_promise,
        coalesce(sum(w.waiting_lines) filter (where o.days_past_promise > 0) over supplier, 0)
            as supplier_waiting_lines_past_promise,
        coalesce(sum(w.waiting_value) filter (where o.days_past_promise > 0) over supplier, 0)
            as supplier_waiting_value_past_promise,
        coalesce(sum(w.waiting_value) over supplier, 0) as supplier_waiting_value,
    from open_po as o
    left join waiting as w using (po_id, po_line)
    window supplier as (partition by o.supplier_id)
)

select
    dense_rank() over (
        order by
            supplier_waiting_lines_past_promise desc,
            supplier_waiting_value_past_promise desc,
            supplier_waiting_value desc,
            supplier_id
    )::integer as call_rank,
    supplier_id::varchar as supplier_id,
    supplier_name::varchar as supplier_name,
    po_id::varchar as po_id,
    po_line::integer as po_line,
    sku::varchar as sku,
    product_name::varchar as product_name,
    qty::integer as qty,
    ordered_at::date as ordered_at,
    promised_date::date as promised_date,
    days_past_promise::integer as days_past_promise,
    expected_receipt::date as expected_receipt,
    waiting_lines::bigint as waiting_lines,
    waiting_units::bigint as waiting_units,
    waiting_value::double as waiting_value,
    customers_waiting::bigint as customers_waiting,
    oldest_waiting_since::date as oldest_waiting_since,
    supplier_lines_past_promise::bigint as supplier_lines_past_promise,
    supplier_waiting_lines_past_promise::bigint as supplier_waiting_lines_past_promise,
    supplier_waiting_value_past_promise::double as supplier_waiting_value_past_promise,
    supplier_waiting_value::double as supplier_waiting_value,
from listed
order by call_rank, waiting_value desc, days_past_promise desc, po_id, po_line
