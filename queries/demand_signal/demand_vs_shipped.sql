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
*/
with

lines as (
    select
        l.sku,
        l.qty,
        l.backordered_qty,
        l.canceled_at,
        o.ordered_at::date as ordered_date,
    from order_lines as l
    inner join orders as o using (order_id)
    where
        o.ordered_at::date between $start and $end
        and ($channel is null or o.channel = $channel)
        and ($sku is null or l.sku = $sku)
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
        sum(lines.backordered_qty) filter (
            where lines.canceled_at is null or lines.canceled_at::date > $end
        ) as backordered_units,
        sum(lines.backordered_qty) filter (where lines.canceled_at::date <= $end) as lost_units,
        count(*) as lines_ordered,
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
