/*
kind: table
description: >
  ETA of every open backordered line. Open PO quantity is applied first-in-first-out
  to each SKU's backlog (oldest order first, earliest expected receipt first); a
  line's ETA is the expected receipt of the PO line that completes it. Expected
  receipt = promised_date shifted later (never earlier) by the supplier's median
  delay over its received PO lines, and never before the as-of date. No ETA when
  no open PO covers the line.
*/
with

meta as (
    select as_of from warehouse_meta
),

supplier_delay as (
    select
        supplier_id,
        greatest(ceil(median(received_at - promised_date)), 0)::integer as median_delay_days,
    from purchase_orders
    where received_at is not null
    group by supplier_id
),

open_po as (
    select
        po.po_id,
        po.po_line,
        po.sku,
        po.qty,
        po.promised_date,
        po.promised_date + coalesce(d.median_delay_days, 0) as expected_receipt,
    from purchase_orders as po
    left join supplier_delay as d using (supplier_id)
    where po.received_at is null
),

po_supply as (
    select
        *,
        sum(qty) over (
            partition by sku
            order by expected_receipt, promised_date, po_id, po_line
            rows unbounded preceding
        ) as cum_qty,
    from open_po
),

open_backlog as (
    select
        l.order_id,
        l.line_no,
        l.sku,
        sum(l.backordered_qty) over (
            partition by l.sku
            order by o.ordered_at, l.order_id, l.line_no
            rows unbounded preceding
        ) as cum_units,
    from order_lines as l
    inner join orders as o using (order_id)
    where l.backordered_qty > 0 and l.shipped_at is null and l.canceled_at is null
)

select
    b.order_id,
    b.line_no,
    p.po_id as eta_po_id,
    p.po_line as eta_po_line,
    p.expected_receipt,
    -- greatest() skips NULLs, so an uncovered line must stay without an ETA explicitly
    if(p.expected_receipt is null, null, greatest(p.expected_receipt, meta.as_of)) as eta,
from open_backlog as b
asof left join po_supply as p
    on b.sku = p.sku and b.cum_units <= p.cum_qty
cross join meta
