/*
title: Lead time by supplier
description: >
  Actual lead time (received_at - ordered_at, calendar days) of the PO lines received
  between From and To, per supplier: the five-number summary (p10, quartiles, p90,
  interpolated; min and max beside), the mean and coefficient of variation, against
  the planned lead time (products.lead_time_days: median over the same lines) and
  the share of lines that took longer than planned. A line without ordered_at has no
  lead time: lead_time_lines says how many of the lines received these figures rest on.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
chart: {mark: tick, x: median_lead_time_days:Q, y: supplier_name:N, tooltip: [supplier_name, lines_received, lead_time_lines, p10_lead_time_days, median_lead_time_days, p90_lead_time_days, planned_lead_time_days]}
columns:
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  lines_received: {label: Lines received, format: integer}
  lead_time_lines: {label: Lines with a lead time, format: integer}
  min_lead_time_days: {label: Shortest lead time (days), format: days}
  p10_lead_time_days: {label: Lead time p10 (days), format: days}
  q1_lead_time_days: {label: Lead time q1 (days), format: days}
  median_lead_time_days: {label: Median lead time (days), format: days}
  q3_lead_time_days: {label: Lead time q3 (days), format: days}
  p90_lead_time_days: {label: Lead time p90 (days), format: days}
  max_lead_time_days: {label: Longest lead time (days), format: days}
  avg_lead_time_days: {label: Average lead time (days), format: days}
  lead_time_cv: {label: Lead time CV, format: decimal}
  planned_lead_time_days: {label: Planned lead time (days), format: days}
  share_longer_than_planned: {label: Longer than planned, format: percent}
*/
with

received as (
    select
        supplier_id,
        supplier_name,
        lead_time_days,
        planned_lead_time_days,
    from po_lines
    where
        received_at between $start and $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

summary as (
    select
        supplier_id,
        any_value(supplier_name) as supplier_name,
        count(*) as lines_received,
        count(lead_time_days) as lead_time_lines,
        min(lead_time_days) as min_lead_time_days,
        quantile_cont(lead_time_days, 0.1) as p10_lead_time_days,
        quantile_cont(lead_time_days, 0.25) as q1_lead_time_days,
        median(lead_time_days) as median_lead_time_days,
        quantile_cont(lead_time_days, 0.75) as q3_lead_time_days,
        quantile_cont(lead_time_days, 0.9) as p90_lead_time_days,
        max(lead_time_days) as max_lead_time_days,
        avg(lead_time_days) as avg_lead_time_days,
        stddev_samp(lead_time_days) / nullif(avg(lead_time_days), 0) as lead_time_cv,
        median(planned_lead_time_days) as planned_lead_time_days,
        avg((lead_time_days > planned_lead_time_days)::integer) as share_longer_than_planned,
    from received
    group by supplier_id
)

select
    supplier_id::varchar as supplier_id,
    supplier_name::varchar as supplier_name,
    lines_received::bigint as lines_received,
    lead_time_lines::bigint as lead_time_lines,
    min_lead_time_days::integer as min_lead_time_days,
    p10_lead_time_days::double as p10_lead_time_days,
    q1_lead_time_days::double as q1_lead_time_days,
    median_lead_time_days::double as median_lead_time_days,
    q3_lead_time_days::double as q3_lead_time_days,
    p90_lead_time_days::double as p90_lead_time_days,
    max_lead_time_days::integer as max_lead_time_days,
    avg_lead_time_days::double as avg_lead_time_days,
    lead_time_cv::double as lead_time_cv,
    planned_lead_time_days::double as planned_lead_time_days,
    share_longer_than_planned::double as share_longer_than_planned,
from summary
order by median_lead_time_days desc, supplier_id
