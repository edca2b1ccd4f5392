/*
title: Supplier disruptions
description: >
  Weeks when a supplier's PO lines were far later than its own history. Each PO line
  belongs to the week of its promised_date; its delay is received_at - promised_date
  when received by the end of To, or for a line still open past its promise the days
  past promise so far (a lower bound; lines due on To and still open are left out).
  Per supplier and week with at least min_lines lines: the median delay. Robust z =
  (week's median - the supplier's median weekly median) / max(1.4826 x MAD,
  min_scale_days), over every week of the supplier's history up to To, so the From
  date never shrinks the history. A week is flagged when z >= z_threshold (3.5,
  Iglewicz and Hoaglin's cut-off for the modified z-score); consecutive flagged weeks
  make one period, listed when it ends on or after From. Affected SKUs: those with a
  late line due in the period. Affected backorders: backordered customer lines on
  those SKUs (channel filter applied) that were open at some time between the
  period's start and impact_end (its last due day + its median delay, when its late
  lines typically arrived), how many of them were canceled by To, and how many are
  still open at To.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  period_start: {label: Late from, format: date}
  period_end: {label: Late to, format: date}
  weeks: {label: Weeks, format: integer}
  lines_due: {label: Lines due, format: integer}
  lines_open: {label: Still open, format: integer}
  median_delay_days: {label: Median delay (days), format: days}
  baseline_delay_days: {label: Usual delay (days), format: days}
  peak_z: {label: Peak z, format: decimal}
  impact_end: {label: Impact until, format: date}
  skus_affected: {label: SKUs hit, format: integer}
  sku_list: {label: SKUs}
  backorder_lines: {label: Backorder lines, format: integer}
  backorder_units: {label: Backorder units, format: integer}
  backorder_value: {label: Backorder value, format: money}
  canceled_lines: {label: Canceled lines, format: integer}
  canceled_value: {label: Canceled value, format: money}
  open_at_end_lines: {label: Backorders open at end, format: integer}
*/
with

thresholds as (
    select
        3.5 as z_threshold,
        1.0 as min_scale_days,
        3 as min_lines,
),

po as (
    select
        supplier_id,
        supplier_name,
        sku,
        promised_date,
        received_at,
    from po_lines
    where
        promised_date <= $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

due as (
    select
        supplier_id,
        supplier_name,
        sku,
        date_trunc('week', promised_date)::date as week,
        coalesce(received_at <= $end, false) as received,
        if(received_at <= $end, received_at - promised_date, $end - promised_date) as delay_days,
    from po
    where received_at <= $end or promised_date < $end
),

all_weeks as (
    select
        supplier_id,
        week,
        count(*) as lines_due,
        median(delay_days) as median_delay_days,
    from due
    group by supplier_id, week
),

weekly as (
    select w.*,
    from all_weeks as w
    cross join thresholds as t
    where w.lines_due >= t.min_lines
),

baseline as (
    select
        supplier_id,
        median(median_delay_days) as baseline_delay_days,
    from weekly
    group by supplier_id
),

spread as (
    select
        w.supplier_id,
        b.baseline_delay_days,
        median(abs(w.median_delay_days - b.baseline_delay_days)) as mad_days,
    from weekly as w
    inner join baseline as b using (supplier_id)
    group by w.supplier_id, b.baseline_delay_days
),

scored as (
    select
        w.supplier_id,
        w.week,
        w.lines_due,
        w.median_delay_days,
        s.baseline_delay_days,
        s.mad_days,
        (w.median_delay_days - s.baseline_delay_days)
        / greatest(1.4826 * s.mad_days, t.min_scale_days) as z,
        t.z_threshold,
    from weekly as w
    inner join spread as s using (supplier_id)
    cross join thresholds as t
),

flagged_weeks as (
    select
        *,
        week - 7 * row_number() over (partition by supplier_id order by week)::integer as island,
    from scored
    where z >= z_threshold
),

periods as (
    select
        supplier_id,
        island,
        min(week) as period_start,
        max(week) + 6 as period_end,
        count(*) as weeks,
        max(z) as peak_z,
        any_value(baseline_delay_days) as baseline_delay_days,
    from flagged_weeks
    group by supplier_id, island
),

period_lines as (
    select
        p.supplier_id,
        p.period_start,
        d.supplier_name,
        d.sku,
        d.received,
        d.delay_days,
    from periods as p
    inner join due as d
        on d.supplier_id = p.supplier_id and d.week between p.period_start and p.period_end
),

period_summary as (
    select
        p.supplier_id,
        any_value(l.supplier_name) as supplier_name,
        p.period_start,
        p.period_end,
        p.weeks,
        p.peak_z,
        p.baseline_delay_days,
        count(*) as lines_due,
        count(*) filter (where not l.received) as lines_open,
        median(l.delay_days) as median_delay_days,
        p.period_end + ceil(median(l.delay_days))::integer as impact_end,
        count(distinct l.sku) filter (where l.delay_days > 0) as skus_affected,
        string_agg(distinct l.sku, ', ' order by l.sku) filter (where l.delay_days > 0) as sku_list,
    from periods as p
    inner join period_lines as l using (supplier_id, period_start)
    group by p.supplier_id, p.period_start, p.period_end, p.weeks, p.peak_z, p.baseline_delay_days
),

affected_skus as (
    select distinct
        supplier_id,
        period_start,
        sku,
    from period_lines
    where delay_days > 0
),

backorders as (
    select
        sku,
        ordered_date,
        closed_date,
        status,
        backordered_qty,
        value,
    from backorder_lines
    where
        ordered_date <= $end
        and ($channel is null or channel = $channel)
),

affected_backorders as (
    select
        a.supplier_id,
        a.period_start,
        count(*) as backorder_lines,
        sum(b.backordered_qty) as backorder_units,
        sum(b.value) as backorder_value,
        count(*) filter (where b.status = 'canceled' and b.closed_date <= $end) as canceled_lines,
        coalesce(sum(b.value) filter (where b.status = 'canceled' and b.closed_date <= $end), 0)
            as canceled_value,
        count(*) filter (where is_open_at(b.ordered_date, b.closed_date, $end)) as open_at_end_lines,
    from affected_skus as a
    inner join period_summary as s using (supplier_id, period_start)
    inner join backorders as b
        on
            b.sku = a.sku
            and b.ordered_date <= s.impact_end
            and (b.closed_date is null or b.closed_date >= s.period_start)
    group by a.supplier_id, a.period_start
)

select
    s.supplier_id::varchar as supplier_id,
    s.supplier_name::varchar as supplier_name,
    s.period_start::date as period_start,
    s.period_end::date as period_end,
    s.weeks::integer as weeks,
    s.lines_due::bigint as lines_due,
    s.lines_open::bigint as lines_open,
    s.median_delay_days::double as median_delay_days,
    s.baseline_delay_days::double as baseline_delay_days,
    s.peak_z::double as peak_z,
    s.impact_end::date as impact_end,
    s.skus_affected::bigint as skus_affected,
    s.sku_list::varchar as sku_list,
    coalesce(b.backorder_lines, 0)::bigint as backorder_lines,
    coalesce(b.backorder_units, 0)::bigint as backorder_units,
    coalesce(b.backorder_value, 0)::double as backorder_value,
    coalesce(b.canceled_lines, 0)::bigint as canceled_lines,
    coalesce(b.canceled_value, 0)::double as canceled_value,
    coalesce(b.open_at_end_lines, 0)::bigint as open_at_end_lines,
from period_summary as s
left join affected_backorders as b using (supplier_id, period_start)
where s.period_end >= $start
order by s.period_start desc, s.supplier_id
