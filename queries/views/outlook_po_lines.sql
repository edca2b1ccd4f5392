/*
kind: table
description: >
  Purchase-order lines open at each cut-off of outlook_cutoffs, with the day the
  Outlook projection expects them: the same rule as the backorder ETA
  (views/backorder_eta.sql), expected receipt = promised_date shifted later
  (never earlier) by the supplier's median delay over its PO lines received by
  the cut-off; one already due by the cut-off is expected the day after it
  (arrival). A line is open at the cut-off when it was known by then (ordered_at,
  or when that is missing its promised date minus the SKU's planned lead time)
  and not received by then; open lines count their full qty. late = promised by
  the cut-off and still open.
*/
with

supplier_delay as (
    select
        c.weeks_back,
        po.supplier_id,
        greatest(ceil(median(po.received_at - po.promised_date)), 0)::integer as median_delay_days,
    from outlook_cutoffs as c
    inner join purchase_orders as po on po.received_at <= c.cutoff
    group by all
),

known_po as (
    select
        po.*,
        coalesce(po.ordered_at, po.promised_date - coalesce(p.lead_time_days, 0)) as known_from,
    from purchase_orders as po
    left join products as p using (sku)
),

open_po as (
    select
        c.weeks_back,
        c.cutoff,
        po.po_id,
        po.po_line,
        po.supplier_id,
        po.sku,
        po.qty,
        po.promised_date,
        po.promised_date + coalesce(d.median_delay_days, 0) as expected_receipt,
    from outlook_cutoffs as c
    inner join known_po as po
        on po.known_from <= c.cutoff and (po.received_at is null or po.received_at > c.cutoff)
    left join supplier_delay as d on d.weeks_back = c.weeks_back and d.supplier_id = po.supplier_id
)

select
    weeks_back::integer as weeks_back,
    cutoff::date as cutoff,
    po_id::varchar as po_id,
    po_line::integer as po_line,
    supplier_id::varchar as supplier_id,
    sku::varchar as sku,
    qty::bigint as qty,
    promised_date::date as promised_date,
    expected_receipt::date as expected_receipt,
    greatest(expected_receipt, cutoff + 1)::date as arrival,
    (promised_date <= cutoff)::boolean as late,
from open_po
