/*
title: Supplier scorecard
description: >
  One row per supplier. Flows over PO lines received between From and To: lines
  received, on-time rate (share with delay <= 0), average and p90 delay (received_at
  - promised_date, p90 interpolated), actual lead time (received_at - ordered_at)
  median and coefficient of variation (sample standard deviation / mean) beside the
  planned lead time (median of products.lead_time_days over those lines). Stocks at
  the end of To: PO lines open then (ordered on or before To, not received by it),
  how many were already past their promised date, and the open backorder lines,
  units and value on the supplier's SKUs. The channel filter applies to the
  backorders only (a PO has no channel). A last row, "All suppliers", totals the
  same figures. Ranked by who to call first: backorder value, then open PO lines past
  their promise, then average delay; suppliers with no lines in the period last.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  po_lines_received: {label: PO lines received, format: integer}
  on_time_rate: {label: On-time rate, format: percent}
  avg_delay_days: {label: Average delay (days), format: days}
  p90_delay_days: {label: Delay p90 (days), format: days}
  median_lead_time_days: {label: Median lead time (days), format: days}
  lead_time_cv: {label: Lead time CV, format: decimal}
  planned_lead_time_days: {label: Planned lead time (days), format: days}
  open_po_lines: {label: Open PO lines, format: integer}
  open_po_lines_past_promise: {label: Open PO lines past promise, format: integer}
  open_backorder_lines: {label: Open backorder lines, format: integer}
  open_backorder_units: {label: Open backordered units, format: integer}
  open_backorder_value: {label: Open backorder value, format: money}
  lead_time_lines: {label: Lines with a lead time, format: integer}
*/
with

po as (
    select
        supplier_id,
        supplier_name,
        ordered_by,
        promised_date,
        received_at,
        delay_days,
        on_time,
        lead_time_days,
        planned_lead_time_days,
    from po_lines
    where
        ordered_by <= $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

backorders as (
    select
        supplier_id,
        supplier_name,
        backordered_qty,
        value,
    from open_backorders_at($end, $category, $supplier, $channel)
),

facts as (
    select
        supplier_id,
        supplier_name,
        received_at between $start and $end as received_in_period,
        received_at is null or received_at > $end as open_at_end,
        promised_date < $end as promise_passed,
        delay_days,
        on_time,
        lead_time_days,
        planned_lead_time_days,
        0 as backorder_lines,
        0 as backorder_units,
        0.0 as backorder_value,
    from po
    union all
    select
        supplier_id,
        supplier_name,
        false as received_in_period,
        false as open_at_end,
        false as promise_passed,
        null as delay_days,
        null as on_time,
        null as lead_time_days,
        null as planned_lead_time_days,
        1 as backorder_lines,
        backordered_qty as backorder_units,
        value as backorder_value,
    from backorders
),

scored as (
    select
        grouping(supplier_id) = 1 as is_total,
        coalesce(supplier_id, 'All suppliers') as supplier_id,
        if(grouping(supplier_id) = 1, 'All suppliers', any_value(supplier_name)) as supplier_name,
        count(*) filter (where received_in_period) as po_lines_received,
        avg(on_time::integer) filter (where received_in_period) as on_time_rate,
        avg(delay_days) filter (where received_in_period) as avg_delay_days,
        quantile_cont(delay_days, 0.9) filter (where received_in_period) as p90_delay_days,
        median(lead_time_days) filter (where received_in_period) as median_lead_time_days,
        count(lead_time_days) filter (where received_in_period) as lead_time_lines,
        stddev_samp(lead_time_days) filter (where received_in_period)
        / nullif(avg(lead_time_days) filter (where received_in_period), 0) as lead_time_cv,
        median(planned_lead_time_days) filter (where received_in_period) as planned_lead_time_days,
        count(*) filter (where open_at_end) as open_po_lines,
        count(*) filter (where open_at_end and promise_passed) as open_po_lines_past_promise,
        sum(backorder_lines) as open_backorder_lines,
        sum(backorder_units) as open_backorder_units,
        sum(backorder_value) as open_backorder_value,
    from facts
    group by grouping sets ((supplier_id), ())
)

select
    supplier_id::varchar as supplier_id,
    supplier_name::varchar as supplier_name,
    po_lines_received::bigint as po_lines_received,
    on_time_rate::double as on_time_rate,
    avg_delay_days::double as avg_delay_days,
    p90_delay_days::double as p90_delay_days,
    median_lead_time_days::double as median_lead_time_days,
    lead_time_lines::bigint as lead_time_lines,
    lead_time_cv::double as lead_time_cv,
    planned_lead_time_days::double as planned_lead_time_days,
    open_po_lines::bigint as open_po_lines,
    open_po_lines_past_promise::bigint as open_po_lines_past_promise,
    open_backorder_lines::bigint as open_backorder_lines,
    open_backorder_units::bigint as open_backorder_units,
    open_backorder_value::double as open_backorder_value,
from scored
order by
    is_total,
    po_lines_received + open_po_lines + open_backorder_lines = 0,  -- no lines in the period: last
    open_backorder_value desc,
    open_po_lines_past_promise desc,  -- who to call first, even without backorders
    avg_delay_days desc nulls last,
    supplier_id
