/*
kind: table
description: >
  The Outlook projection: available stock per SKU at the end of each day after
  each cut-off of outlook_cutoffs, from what was known on the cut-off. Start from
  on_hand - allocated of the SKU's latest snapshot on or before the cut-off;
  subtract the backlog open at the cut-off (backordered units of lines ordered by
  then and not shipped or canceled by then), which is served first, oldest first,
  so new demand only gets what is left; add each open PO line's qty on its
  arrival day (outlook_po_lines: the backorder ETA rule); subtract the forecast
  demand, daily_rate x the weekday's factor (outlook_demand, outlook_weekdays).
  Below zero, -available is the projected backlog in units. available_low and
  available_high are the 10th and 90th percentiles when demand varies: available
  -/+ 1.2816 x daily_sd x sqrt(days ahead) (independent days, normal
  approximation). SKUs without a snapshot by the cut-off are left out.
*/
with

settings as (
    select 1.2816 as z_80,
),

start_stock as (
    select
        k.weeks_back,
        k.sku,
        s.on_hand - coalesce(s.allocated, 0) as start_available,
    from outlook_demand as k
    asof inner join inventory_snapshots as s
        on k.sku = s.sku and k.cutoff >= s.snapshot_date
),

backlog as (
    select
        c.weeks_back,
        b.sku,
        count(*) as backlog_lines,
        sum(b.backordered_qty) as backlog_units,
    from outlook_cutoffs as c
    inner join backorder_lines as b
        on b.ordered_date <= c.cutoff and (b.closed_date is null or b.closed_date > c.cutoff)
    group by all
),

receipts as (
    select
        weeks_back,
        sku,
        arrival - cutoff as day_no,
        sum(qty) as units,
    from outlook_po_lines
    group by all
),

days as (
    select
        k.weeks_back,
        k.cutoff,
        k.sku,
        r.n as day_no,
        (k.cutoff + r.n::integer)::date as day,
        k.daily_rate * w.factor as demand,
        k.daily_sd,
    from outlook_demand as k
    inner join outlook_cutoffs as c using (weeks_back)
    cross join range(1, 57) as r(n)
    inner join outlook_weekdays as w
        on w.weeks_back = k.weeks_back and w.weekday = isodow(k.cutoff + r.n::integer)
    where r.n <= c.horizon_days
),

flows as (
    select
        d.*,
        coalesce(r.units, 0) as receipts,
        sum(d.demand) over running as cum_demand,
        sum(coalesce(r.units, 0)) over running as cum_receipts,
    from days as d
    left join receipts as r using (weeks_back, sku, day_no)
    window running as (partition by d.weeks_back, d.sku order by d.day_no rows unbounded preceding)
)

select
    f.weeks_back::integer as weeks_back,
    f.cutoff::date as cutoff,
    f.sku::varchar as sku,
    f.day_no::integer as day_no,
    f.day::date as day,
    f.demand::double as demand,
    f.receipts::bigint as receipts,
    s.start_available::bigint as start_available,
    coalesce(b.backlog_lines, 0)::bigint as backlog_lines,
    coalesce(b.backlog_units, 0)::bigint as backlog_units,
    (s.start_available - coalesce(b.backlog_units, 0) + f.cum_receipts - f.cum_demand)::double as available,
    (
        s.start_available - coalesce(b.backlog_units, 0) + f.cum_receipts - f.cum_demand
        - t.z_80 * f.daily_sd * sqrt(f.day_no)
    )::double as available_low,
    (
        s.start_available - coalesce(b.backlog_units, 0) + f.cum_receipts - f.cum_demand
        + t.z_80 * f.daily_sd * sqrt(f.day_no)
    )::double as available_high,
from flows as f
inner join start_stock as s using (weeks_back, sku)
left join backlog as b using (weeks_back, sku)
cross join settings as t
