/*
title: Weekly delay by supplier
description: >
  PO lines by the week they were due (the Monday of their promised_date's week), for
  weeks from From to To, with an "All suppliers" line for reference (the supplier
  filter narrows the supplier lines, never the reference). A line counts once its
  outcome is known at the end of To: received by then (delay = received_at -
  promised_date), or still open and already past its promise (late whatever
  happens; its delay so far, To - promised_date, is a lower bound). Lines due on To
  and not yet received are left out. On-time rate = counted lines with delay <= 0;
  average and median delay over the counted lines.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
chart: {mark: line, x: week:T, y: avg_delay_days:Q, color: supplier_name:N, tooltip: [week, supplier_name, lines_due, on_time_rate, avg_delay_days]}
columns:
  week: {label: Week, format: date}
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  lines_due: {label: Lines due, format: integer}
  lines_received: {label: Lines received, format: integer}
  lines_open_late: {label: Open and late, format: integer}
  on_time_rate: {label: On-time rate, format: percent}
  avg_delay_days: {label: Average delay (days), format: days}
  median_delay_days: {label: Median delay (days), format: days}
*/
with

po as (
    select
        supplier_id,
        supplier_name,
        promised_date,
        received_at,
    from po_lines
    where
        promised_date between date_trunc('week', $start::date) and $end
        and ($category is null or category = $category)
),

due as (
    select
        supplier_id,
        supplier_name,
        date_trunc('week', promised_date)::date as week,
        coalesce(received_at <= $end, false) as received,
        if(received_at <= $end, received_at - promised_date, $end - promised_date) as delay_days,
    from po
    where received_at <= $end or promised_date < $end
),

weekly as (
    select
        week,
        grouping(supplier_id) = 1 as is_overall,
        supplier_id,
        if(grouping(supplier_id) = 1, 'All suppliers', any_value(supplier_name)) as supplier_name,
        count(*) as lines_due,
        count(*) filter (where received) as lines_received,
        count(*) filter (where not received) as lines_open_late,
        avg((delay_days <= 0)::integer) as on_time_rate,
        avg(delay_days) as avg_delay_days,
        median(delay_days) as median_delay_days,
    from due
    group by grouping sets ((week, supplier_id), (week))
)

select
    week::date as week,
    coalesce(supplier_id, 'All suppliers')::varchar as supplier_id,
    supplier_name::varchar as supplier_name,
    lines_due::bigint as lines_due,
    lines_received::bigint as lines_received,
    lines_open_late::bigint as lines_open_late,
    on_time_rate::double as on_time_rate,
    avg_delay_days::double as avg_delay_days,
    median_delay_days::double as median_delay_days,
from weekly
where is_overall or $supplier is null or supplier_id = $supplier
order by week, is_overall desc, supplier_id
