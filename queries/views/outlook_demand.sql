/*
kind: table
description: >
  The Outlook page's demand forecast per SKU at each cut-off of outlook_cutoffs
  (the as-of date and the same weekday 1..26 weeks before it), each from only
  what was known on that day, so the backtest can replay it. Stock-out adjusted daily demand = units ordered on
  in-stock days / in-stock days over the 8 weeks to the cut-off, as in
  demand_signal/lost_sales.sql (a day is in stock when its end-of-day available
  stock, on_hand - allocated of the latest snapshot, is above zero; demand counts
  every ordered unit, backordered ones too). When the SKU is surging at the
  cut-off by the rule of demand_signal/surging_skus.sql (4 recent weeks against
  the 12 before: ratio >= 1.5, robust z >= 3, at least 10 units), the rate is
  taken over the 4 recent weeks instead. daily_sd is the spread of the daily
  units on those in-stock days, for the uncertainty band. The weekday factors
  (7 x the weekday's share of all units in the 8 weeks, over every SKU) are in
  outlook_weekdays. A SKU needs an inventory snapshot on or before the cut-off;
  one with no in-stock day in the window has no rate (0).
*/
with

settings as (
    select
        56 as base_days,
        4 as recent_weeks,
        12 as baseline_weeks,
        1.5 as min_ratio,
        3.0 as min_robust_z,
        10 as min_recent_units,
        1.4826 as mad_to_sd,
),

demand as (
    select day, sku, sum(units) as units,
    from daily_demand
    group by all
),

known_skus as (
    select c.weeks_back, c.cutoff, s.sku,
    from outlook_cutoffs as c
    inner join (select sku, min(snapshot_date) as first_snapshot from inventory_snapshots group by sku) as s
        on s.first_snapshot <= c.cutoff
),

days as (
    select
        k.weeks_back,
        k.cutoff,
        k.sku,
        (k.cutoff - n::integer)::date as day,
        n < 7 * t.recent_weeks as is_recent,
    from known_skus as k
    cross join settings as t
    cross join range(t.base_days) as r(n)
),

days_stock as (
    select
        d.*,
        s.on_hand - coalesce(s.allocated, 0) > 0 as in_stock,
        coalesce(m.units, 0) as units,
    from days as d
    asof inner join inventory_snapshots as s
        on d.sku = s.sku and d.day >= s.snapshot_date
    left join demand as m on m.sku = d.sku and m.day = d.day
),

rates as (
    select
        weeks_back,
        any_value(cutoff) as cutoff,
        sku,
        sum(units) filter (where in_stock) / nullif(count(*) filter (where in_stock), 0) as base_rate,
        stddev_samp(units) filter (where in_stock) as base_sd,
        count(*) filter (where in_stock) as in_stock_days,
        sum(units) filter (where in_stock and is_recent)
            / nullif(count(*) filter (where in_stock and is_recent), 0) as recent_rate,
        stddev_samp(units) filter (where in_stock and is_recent) as recent_sd,
    from days_stock
    group by weeks_back, sku
),

weeks_before_as_of as (
    -- cut-offs are whole weeks apart, so a week before a cut-off is a week before the as-of date
    select
        d.sku,
        (m.as_of - d.day) // 7 as weeks_before,
        sum(d.units) as units,
    from demand as d
    cross join warehouse_meta as m
    where d.day <= m.as_of
    group by all
),

weekly as (
    select
        k.weeks_back,
        k.sku,
        w.n as weeks_ago,
        coalesce(b.units, 0) as units,
    from known_skus as k
    cross join settings as t
    cross join range(t.recent_weeks + t.baseline_weeks) as w(n)
    left join weeks_before_as_of as b
        on b.sku = k.sku and b.weeks_before = k.weeks_back + w.n
),

baseline_median as (
    select w.weeks_back, w.sku, median(w.units) as baseline_median,
    from weekly as w
    cross join settings as t
    where w.weeks_ago >= t.recent_weeks
    group by all
),

surge as (
    select
        w.weeks_back,
        w.sku,
        sum(w.units) filter (where w.weeks_ago < t.recent_weeks) as recent_units,
        avg(w.units) filter (where w.weeks_ago < t.recent_weeks) as recent_mean,
        avg(w.units) filter (where w.weeks_ago >= t.recent_weeks) as baseline_mean,
        any_value(b.baseline_median) as baseline_median,
        median(abs(w.units - b.baseline_median)) filter (where w.weeks_ago >= t.recent_weeks) as baseline_mad,
    from weekly as w
    inner join baseline_median as b using (weeks_back, sku)
    cross join settings as t
    group by w.weeks_back, w.sku
),

flagged as (
    select
        s.weeks_back,
        s.sku,
        coalesce(
            s.recent_units >= t.min_recent_units
            and (s.recent_mean - s.baseline_median)
            / greatest(t.mad_to_sd * s.baseline_mad, sqrt(s.baseline_median), 1) >= t.min_robust_z
            and (s.baseline_mean = 0 or s.recent_mean / s.baseline_mean >= t.min_ratio),
            false
        ) as surging,
    from surge as s
    cross join settings as t
)

select
    r.weeks_back::integer as weeks_back,
    r.cutoff::date as cutoff,
    r.sku::varchar as sku,
    f.surging::boolean as surging,
    coalesce(if(f.surging, r.recent_rate, r.base_rate), 0)::double as daily_rate,
    coalesce(if(f.surging, r.recent_sd, r.base_sd), 0)::double as daily_sd,
    r.base_rate::double as base_rate,
    r.recent_rate::double as recent_rate,
    r.in_stock_days::integer as in_stock_days,
from rates as r
inner join flagged as f using (weeks_back, sku)
