/*
title: Open backorders by week
description: >
  Backordered units still open at the end of each week, by category: a running
  sum of the daily opened, shipped and canceled deltas in daily_backlog.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
chart: {mark: area, x: week:T, y: open_units:Q, color: category:N}
columns:
  week: {label: Week, format: date}
  category: {label: Category}
  open_units: {label: Open units, format: integer}
*/
with

weekly_deltas as (
    select
        date_trunc('week', d.day)::date as week,
        p.category,
        sum(d.new_units - d.shipped_units - d.canceled_units) as net_units,
    from daily_backlog as d
    inner join products as p using (sku)
    where d.day <= $end and ($category is null or p.category = $category)
    group by all
),

weeks as (
    select unnest(generate_series(
        (select min(week) from weekly_deltas),
        date_trunc('week', $end::date)::date,
        interval 7 day
    ))::date as week
),

grid as (
    select weeks.week, categories.category
    from weeks
    cross join (select distinct category from weekly_deltas) as categories
),

running as (
    select
        grid.week,
        grid.category,
        sum(coalesce(weekly_deltas.net_units, 0)) over (
            partition by grid.category order by grid.week
        ) as open_units,
    from grid
    left join weekly_deltas using (week, category)
)

select
    week,
    category,
    open_units::bigint as open_units,
from running
where week >= date_trunc('week', $start::date)
order by week, category
