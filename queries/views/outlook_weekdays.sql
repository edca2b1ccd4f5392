/*
kind: table
description: >
  Weekly seasonality of the Outlook forecast at each cut-off of outlook_cutoffs:
  factor = 7 x the weekday's share of every unit ordered (all SKUs) in the 8
  weeks to the cut-off, so the seven factors average 1 and a day's forecast is
  the SKU's daily rate x its weekday's factor. 1 for every weekday when nothing
  was ordered.
*/
with

window_days as (
    select
        c.weeks_back,
        isodow(d.day) as weekday,
        d.units,
    from outlook_cutoffs as c
    inner join daily_demand as d
        on d.day <= c.cutoff and d.day > c.cutoff - 56
),

shares as (
    select
        weeks_back,
        weekday,
        sum(units) as units,
    from window_days
    group by all
)

select
    c.weeks_back::integer as weeks_back,
    w.weekday::integer as weekday,
    coalesce(
        7 * coalesce(s.units, 0) / nullif(sum(s.units) over (partition by c.weeks_back), 0),
        1
    )::double as factor,
from outlook_cutoffs as c
cross join range(1, 8) as w(weekday)
left join shares as s on s.weeks_back = c.weeks_back and s.weekday = w.weekday
