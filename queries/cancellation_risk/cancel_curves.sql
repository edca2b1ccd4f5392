/*
title: Share canceled by days waited
description: >
  Of the backordered lines ordered in the period, the share canceled within each
  number of days waited, by channel, segment or category (by). Lines still open at the
  end of the To date count for as long as they have waited and no longer (an
  Aalen-Johansen estimate of the cumulative share canceled, with shipping as the
  competing outcome), so recent lines do not pull the curves down.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  by: {type: choice, options: [channel, segment, category], default: channel, label: Curves by}
  max_days: {type: int, default: 60, label: Days waited up to}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: line, x: days_waited:Q, y: share_canceled:Q, color: breakdown:N, tooltip: [breakdown, days_waited, share_canceled, lines_waiting, lines]}
columns:
  breakdown: {label: Breakdown}
  days_waited: {label: Days waited, format: days}
  share_canceled: {label: Share canceled, format: percent}
  lines_waiting: {label: Lines waiting, format: integer}
  lines: {label: Lines, format: integer}
*/
with

lines as (
    select
        case $by
            when 'segment' then coalesce(segment, 'unknown')
            when 'category' then coalesce(category, 'unknown')
            else coalesce(channel, 'unknown')
        end as breakdown,
        if(closed_date <= $end, closed_date, $end::date) - ordered_date as waited,
        closed_date <= $end and status = 'canceled' as canceled,
        closed_date <= $end and status = 'shipped' as shipped,
    from backorder_lines
    where
        ordered_date between $start and $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

exits as (
    select
        breakdown,
        waited,
        count(*) as leaving,
        count(*) filter (where canceled) as canceled,
        count(*) filter (where shipped) as shipped,
    from lines
    group by all
),

groups as (
    select breakdown, count(*) as lines from lines group by all
),

grid as (
    select
        g.breakdown,
        g.lines,
        unnest(generate_series(0, greatest($max_days, 0))) as days_waited,
    from groups as g
),

counts as (
    select
        grid.breakdown,
        grid.lines,
        grid.days_waited,
        grid.lines - coalesce(sum(coalesce(e.leaving, 0)) over earlier, 0) as waiting,
        coalesce(e.canceled, 0) as canceled,
        coalesce(e.shipped, 0) as shipped,
    from grid
    left join exits as e on e.breakdown = grid.breakdown and e.waited = grid.days_waited
    window earlier as (
        partition by grid.breakdown order by grid.days_waited rows between unbounded preceding and 1 preceding
    )
),

survival as (
    select
        *,
        product(1 - (canceled + shipped) / waiting::double) over running as still_waiting,
    from counts
    where waiting > 0
    window running as (partition by breakdown order by days_waited rows unbounded preceding)
),

canceled_today as (
    -- still waiting at the start of the day x the share of those waiting canceled that day
    select
        *,
        coalesce(lag(still_waiting) over (partition by breakdown order by days_waited), 1.0)
            * canceled / waiting::double as share_canceled_today,
    from survival
),

incidence as (
    select
        *,
        sum(share_canceled_today) over (
            partition by breakdown order by days_waited rows unbounded preceding
        ) as share_canceled,
    from canceled_today
)

select
    breakdown::varchar as breakdown,
    days_waited::integer as days_waited,
    share_canceled::double as share_canceled,
    waiting::bigint as lines_waiting,
    lines::bigint as lines,
from incidence
order by breakdown, days_waited
