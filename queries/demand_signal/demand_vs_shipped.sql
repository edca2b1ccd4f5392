/*
title: True demand vs what shipped from stock
description: >
  Every unit ordered in the period, by the week (Monday) of its order date and
  category, split into the part served from stock when ordered (qty -
  backordered_qty), the backordered part still open or since shipped, and the lost
  part: backordered units of lines canceled on or before the To date. The three
  parts add up to demand (all ordered units, fulfilled or not); unmet = backordered
  + lost. A week cut by the period's From or To date counts only its days inside
  the period (days_in_period < 7). Pick a SKU to see one product's weeks.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
  sku: {type: choice, from: products.sku, optional: true, label: SKU, help: Show one SKU's weekly demand}
chart: {mark: bar, x: week:T, y: demand_units:Q, color: category:N, tooltip: [week, category, demand_units, from_stock_units, backordered_units, lost_units]}
columns:
  week: {label: Week, format: date}
  category: {label: Category}
  days_in_period: {label: Days in period, format: integer}
  lines_ordered: {label: Lines ordered, format: integer}
  demand_units: {label: Demand units, format: integer}
  from_stock_units: {label: From stock, format: integer}
  backordered_units: {label: Backordered units, format: integer}
  lost_units: {label: Lost (canceled), format: integer}
  unmet_units: {label: Unmet units, format: integer}
  unit_fill_rate: {label: Unit fill rate, format: percent}
*/
with

lines as (
    select
        d.sku,
        d.day as ordered_date,
        d.lines,
        d.units as qty,
        d.backordered_units as backordered_qty,
        0 as lost_units,
    from daily_demand as d
    where
        d.day between $start and $end
        and ($channel is null or d.channel = $channel)
        and ($sku is null or d.sku = $sku)
    union all
    select
        b.sku,
        b.ordered_date,
        0 as lines,
        0 as qty,
        0 as backordered_qty,
        b.backordered_qty as lost_units,
    from backorder_lines as b
    where
        b.ordered_date between $start and $end
        and b.canceled_at::date <= $end
        and ($channel is null or b.channel = $channel)
        and ($sku is null or b.sku = $sku)
),

products_in_scope as (
    select sku, category,
    from products
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

weekly as (
    select
        date_trunc('week', lines.ordered_date)::date as week,
        p.category,
        sum(lines.qty) as demand_units,
        sum(lines.qty - lines.backordered_qty) as from_stock_units,
        sum(lines.backordered_qty) - sum(lines.lost_units) as backordered_units,
        sum(lines.lost_units) as lost_units,
        sum(lines.lines) as lines_ordered,
    from lines
    inner join products_in_scope as p using (sku)
    group by all
)

select
    week::date as week,
    category::varchar as category,
    (least(week + 6, $end::date) - greatest(week, $start::date) + 1)::integer as days_in_period,
    lines_ordered::bigint as lines_ordered,
    demand_units::bigint as demand_units,
    from_stock_units::bigint as from_stock_units,
    coalesce(backordered_units, 0)::bigint as backordered_units,
    coalesce(lost_units, 0)::bigint as lost_units,
    (coalesce(backordered_units, 0) + coalesce(lost_units, 0))::bigint as unmet_units,
    (1 - (coalesce(backordered_units, 0) + coalesce(lost_units, 0)) / demand_units)::double as unit_fill_rate,
from weekly
order by week, category
