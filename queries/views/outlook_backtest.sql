/*
kind: table
description: >
  What the Outlook projection made at each past cut-off (outlook_cutoffs, 4 to 26
  weeks back, so the 4 weeks after it have happened) said per SKU, beside what
  happened in those 4 weeks. days_to_stockout, the per-SKU score: days from the
  cut-off to the first day projected below zero; for a SKU not projected to run
  out within the 4 weeks, 28 + its lowest projected stock / its daily rate (more
  cover, later). projected = a stock-out within the 4 weeks. went_on_backorder =
  a line of the SKU was backordered in the 4 weeks on a day the SKU ended out of
  stock (end-of-day on_hand - allocated <= 0): a backorder no stock was there for
  (a line backordered while the snapshot still showed stock, an oversold listing,
  is not something a stock projection can foresee). Weekly demand error for
  MASE: forecast_error = sum over the 4 weeks of |actual - forecast| units;
  naive_error the same for the seasonal-naive forecast (each week = the last
  week before the cut-off; with weekly seasonality the same weekday a week
  earlier); scale = the mean week-to-week change |w - w_prev| over the 12 weeks
  before the cut-off (the in-sample seasonal-naive error MASE divides by).
*/
with

demand as (
    select day, sku, sum(units) as units, sum(backordered_units) as backordered_units,
    from daily_demand
    group by all
),

projected as (
    select
        p.weeks_back,
        any_value(p.cutoff) as cutoff,
        p.sku,
        min(p.available) as lowest_available,
        min(p.day_no) filter (where p.available < 0) as first_short_day,
    from outlook_projection as p
    where p.weeks_back >= 4 and p.day_no <= 28
    group by p.weeks_back, p.sku
),

forecast_weeks as (
    select weeks_back, sku, (day_no - 1) // 7 as week_ahead, sum(demand) as units,
    from outlook_projection
    where weeks_back >= 4 and day_no <= 28
    group by all
),

weeks_before_as_of as (
    -- cut-offs are whole weeks apart, so a week around a cut-off is a week before the as-of date
    select
        d.sku,
        (m.as_of - d.day) // 7 as weeks_before,
        sum(d.units) as units,
    from demand as d
    cross join warehouse_meta as m
    where d.day <= m.as_of
    group by all
),

weeks as (
    -- weeks_ago 0 is the week to the cut-off, -1 the first week after it
    select
        p.weeks_back,
        p.sku,
        w.n::integer as weeks_ago,
        coalesce(b.units, 0) as units,
    from projected as p
    cross join range(-4, 13) as w(n)
    left join weeks_before_as_of as b
        on b.sku = p.sku and b.weeks_before = p.weeks_back + w.n
),

errors as (
    select
        a.weeks_back,
        a.sku,
        sum(abs(a.units - f.units)) as forecast_error,
        sum(abs(a.units - last.units)) as naive_error,
        sum(a.units) as actual_units,
    from weeks as a
    inner join forecast_weeks as f
        on f.weeks_back = a.weeks_back and f.sku = a.sku and f.week_ahead = -a.weeks_ago - 1
    inner join weeks as last
        on last.weeks_back = a.weeks_back and last.sku = a.sku and last.weeks_ago = 0
    where a.weeks_ago < 0
    group by all
),

scales as (
    select weeks_back, sku, avg(abs(units - earlier)) as scale,
    from (
        select
            *,
            lead(units) over (partition by weeks_back, sku order by weeks_ago) as earlier,
        from weeks
        where weeks_ago >= 0
    )
    where earlier is not null
    group by all
),

outcomes as (
    select
        p.weeks_back,
        p.sku,
        coalesce(sum(d.backordered_units) filter (where s.on_hand - coalesce(s.allocated, 0) <= 0), 0)
            as backordered_out_of_stock,
    from projected as p
    left join demand as d on d.sku = p.sku and d.day > p.cutoff and d.day <= p.cutoff + 28
    asof left join inventory_snapshots as s on s.sku = d.sku and d.day >= s.snapshot_date
    group by all
)

select
    p.weeks_back::integer as weeks_back,
    p.cutoff::date as cutoff,
    p.sku::varchar as sku,
    coalesce(
        p.first_short_day,
        28 + p.lowest_available / greatest(k.daily_rate, 0.01)
    )::double as days_to_stockout,
    (p.first_short_day is not null)::boolean as projected,
    (o.backordered_out_of_stock > 0)::boolean as went_on_backorder,
    o.backordered_out_of_stock::bigint as backordered_out_of_stock,
    e.actual_units::bigint as actual_units,
    e.forecast_error::double as forecast_error,
    e.naive_error::double as naive_error,
    (4 * s.scale)::double as scale,
from projected as p
inner join outlook_demand as k using (weeks_back, sku)
left join outcomes as o using (weeks_back, sku)
left join errors as e using (weeks_back, sku)
left join scales as s using (weeks_back, sku)
