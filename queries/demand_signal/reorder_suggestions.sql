/*
title: Reorder suggestions
description: >
  Per SKU at the To date, for the buyer. D and sigma_D: mean and standard
  deviation of daily demand (all ordered units, every channel, a day without
  orders counting as 0) over the period. LT and sigma_LT: mean and standard
  deviation of measured lead time (received_at - ordered_at, po_lines) of the PO
  lines received in the 365 days to the To date; the SKU's own when it has at
  least 5, else its supplier's, else the planned lead time with no spread
  (lead_time_basis says which; with none the suggestion stays empty). Safety
  stock: the product's own safety_stock when the products file gives one
  (safety_stock_basis 'yours'), else the computed one, z x sqrt(LT x sigma_D^2 +
  D^2 x sigma_LT^2) with z from the service level; computed_safety_stock shows
  the computed one either way. Reorder point = D x LT + safety stock.
  On hand comes from the SKU's latest snapshot on or before the To date; on order
  = PO units ordered by then and not received by then; open backlog =
  backordered units of lines open at the To date. Days of supply = (on hand + on
  order) / D. Inventory position = on hand + on order - open backlog. Suggested
  order = what lifts the position to the reorder point plus one 7-day review
  period of demand, so it also clears the backlog. Revenue at stake = unit price
  x the units the position lacks to reach the reorder point (the backlog plus the
  lead-time demand, at the service level, that stock and open POs do not cover).
  Ranked by revenue at stake, then by the suggested order's value at unit price.
  Stock serves every channel, so the channel filter does not apply here.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  service_level:
    type: choice
    options: ["90%", "95%", "97.5%", "99%", "99.9%"]
    default: "95%"
    label: Service level
    help: Share of replenishment cycles that should not run out; sets z for the safety stock
chart: {mark: point, x: days_of_supply:Q, y: revenue_at_stake:Q, color: category:N, tooltip: [sku, product_name, days_of_supply, reorder_point, suggested_qty, revenue_at_stake]}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  unit_price: {label: Unit price, format: money}
  period_units: {label: Units in period, format: integer}
  daily_demand: {label: Daily demand, format: decimal}
  daily_demand_sd: {label: Daily demand sd, format: decimal}
  lead_time_basis: {label: Lead time from}
  lead_time_po_lines: {label: Lead time PO lines, format: integer}
  lead_time_days: {label: Lead time (days), format: days}
  lead_time_sd_days: {label: Lead time sd (days), format: days}
  on_hand: {label: On hand, format: integer}
  on_order: {label: On order, format: integer}
  open_backlog: {label: Open backlog, format: integer}
  inventory_position: {label: Inventory position, format: integer}
  days_of_supply: {label: Days of supply, format: days}
  z: {label: Service z, format: decimal}
  safety_stock: {label: Safety stock, format: integer}
  safety_stock_basis: {label: Safety stock from, help: "yours: the products file's safety_stock; computed: from demand and lead-time spread"}
  computed_safety_stock: {label: Computed safety stock, format: integer}
  reorder_point: {label: Reorder point, format: integer}
  order_up_to: {label: Order up to, format: integer}
  suggested_qty: {label: Suggested qty, format: integer}
  suggested_cost: {label: Suggested cost, format: money}
  revenue_at_stake: {label: Revenue at stake, format: money}
*/
with

thresholds as (
    select
        7 as review_days,
        5 as min_sku_po_lines,
        365 as lead_time_lookback_days,
),

service as (
    select
        case $service_level
            when '90%' then 1.2816
            when '95%' then 1.6449
            when '97.5%' then 1.9600
            when '99%' then 2.3263
            when '99.9%' then 3.0902
        end as z,
),

period as (
    select ($end::date - $start::date + 1) as days,
),

products_in_scope as (
    select sku, product_name, category, supplier_id, unit_price, unit_cost, lead_time_days,
        safety_stock as given_safety_stock,
    from products
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

demand_by_day as (
    select
        d.sku,
        d.day,
        sum(d.units) as units,
    from daily_demand as d
    inner join products_in_scope using (sku)
    where d.day between $start and $end
    group by all
),

demand as (
    select
        d.sku,
        sum(d.units) as period_units,
        sum(d.units) / any_value(period.days) as daily_mean,
        sqrt(greatest(
            (sum(d.units * d.units) - sum(d.units) * sum(d.units) / any_value(period.days))
            / nullif(any_value(period.days) - 1, 0),
            0
        )) as daily_sd,
    from demand_by_day as d
    cross join period
    group by d.sku
),

on_hand as (
    select
        s.sku,
        arg_max(s.on_hand, s.snapshot_date) as on_hand,
        max(s.snapshot_date) as snapshot_date,
    from inventory_snapshots as s
    inner join products_in_scope using (sku)
    where s.snapshot_date <= $end
    group by s.sku
),

on_order as (
    select
        po.sku,
        sum(po.qty) as on_order_units,
    from purchase_orders as po
    inner join products_in_scope using (sku)
    where po.ordered_at <= $end and (po.received_at is null or po.received_at > $end)
    group by po.sku
),

backlog as (
    select
        b.sku,
        sum(b.backordered_qty) as open_backlog_units,
    from open_backorders_at($end) as b
    inner join products_in_scope using (sku)
    group by b.sku
),

received as (
    select po.sku, po.supplier_id, po.lead_time_days,
    from po_lines as po
    cross join thresholds as t
    where
        po.received_at between $end::date - t.lead_time_lookback_days + 1 and $end
        and po.lead_time_days is not null
),

sku_lead_time as (
    select
        sku,
        count(*) as po_lines,
        avg(lead_time_days) as lead_time_mean,
        coalesce(stddev_samp(lead_time_days), 0) as lead_time_sd,
    from received
    group by sku
),

supplier_lead_time as (
    select
        supplier_id,
        count(*) as po_lines,
        avg(lead_time_days) as lead_time_mean,
        coalesce(stddev_samp(lead_time_days), 0) as lead_time_sd,
    from received
    group by supplier_id
),

lead_time as (
    select
        p.sku,
        case
            when sl.po_lines >= t.min_sku_po_lines then 'sku'
            when su.po_lines > 0 then 'supplier'
            when p.lead_time_days is not null then 'planned'
        end as lead_time_basis,
        case
            when sl.po_lines >= t.min_sku_po_lines then sl.po_lines
            when su.po_lines > 0 then su.po_lines
            else 0
        end as lead_time_po_lines,
        case
            when sl.po_lines >= t.min_sku_po_lines then sl.lead_time_mean
            when su.po_lines > 0 then su.lead_time_mean
            else p.lead_time_days
        end as lead_time_mean,
        case
            when sl.po_lines >= t.min_sku_po_lines then sl.lead_time_sd
            when su.po_lines > 0 then su.lead_time_sd
            when p.lead_time_days is not null then 0
        end as lead_time_sd,
    from products_in_scope as p
    cross join thresholds as t
    left join sku_lead_time as sl using (sku)
    left join supplier_lead_time as su using (supplier_id)
),

position as (
    select
        p.*,
        coalesce(d.period_units, 0) as period_units,
        coalesce(d.daily_mean, 0) as daily_mean,
        coalesce(d.daily_sd, 0) as daily_sd,
        oh.on_hand,
        coalesce(oo.on_order_units, 0) as on_order_units,
        coalesce(b.open_backlog_units, 0) as open_backlog_units,
        lt.lead_time_basis,
        lt.lead_time_po_lines,
        lt.lead_time_mean,
        lt.lead_time_sd,
        coalesce(oh.on_hand, 0) + coalesce(oo.on_order_units, 0) - coalesce(b.open_backlog_units, 0)
            as inventory_position,
    from products_in_scope as p
    left join demand as d using (sku)
    left join on_hand as oh using (sku)
    left join on_order as oo using (sku)
    left join backlog as b using (sku)
    left join lead_time as lt using (sku)
    where d.period_units > 0 or b.open_backlog_units > 0
),

computed as (
    select
        position.*,
        service.z,
        service.z * sqrt(
            lead_time_mean * daily_sd * daily_sd + daily_mean * daily_mean * lead_time_sd * lead_time_sd
        ) as computed_safety_stock,
        daily_mean * lead_time_mean as lead_time_demand,
    from position
    cross join service
),

policy as (
    select
        computed.*,
        coalesce(given_safety_stock, computed_safety_stock) as safety_stock,
        if(given_safety_stock is null, if(computed_safety_stock is null, null, 'computed'), 'yours')
            as safety_stock_basis,
    from computed
),

suggested as (
    select
        policy.*,
        lead_time_demand + safety_stock as reorder_point,
        lead_time_demand + safety_stock + daily_mean * t.review_days as order_up_to,
        -- greatest() skips nulls: without a lead time the suggestion stays empty, never 0
        if(
            lead_time_mean is null,
            null,
            greatest(ceil(lead_time_demand + safety_stock + daily_mean * t.review_days - inventory_position), 0)
        ) as suggested_qty,
        if(
            lead_time_mean is null,
            null,
            greatest(lead_time_demand + safety_stock - inventory_position, 0) * unit_price
        ) as revenue_at_stake,
    from policy
    cross join thresholds as t
)

select
    sku::varchar as sku,
    product_name::varchar as product_name,
    category::varchar as category,
    supplier_id::varchar as supplier_id,
    unit_price::double as unit_price,
    period_units::bigint as period_units,
    daily_mean::double as daily_demand,
    daily_sd::double as daily_demand_sd,
    lead_time_basis::varchar as lead_time_basis,
    lead_time_po_lines::bigint as lead_time_po_lines,
    lead_time_mean::double as lead_time_days,
    lead_time_sd::double as lead_time_sd_days,
    on_hand::bigint as on_hand,
    on_order_units::bigint as on_order,
    open_backlog_units::bigint as open_backlog,
    inventory_position::bigint as inventory_position,
    ((coalesce(on_hand, 0) + on_order_units) / nullif(daily_mean, 0))::double as days_of_supply,
    if(z is null, error('service_level must be one of 90%, 95%, 97.5%, 99%, 99.9%'), z)::double as z,
    safety_stock::double as safety_stock,
    safety_stock_basis::varchar as safety_stock_basis,
    computed_safety_stock::double as computed_safety_stock,
    reorder_point::double as reorder_point,
    order_up_to::double as order_up_to,
    suggested_qty::bigint as suggested_qty,
    (suggested_qty * unit_cost)::double as suggested_cost,
    revenue_at_stake::double as revenue_at_stake,
from suggested
order by revenue_at_stake desc nulls last, suggested_qty * unit_price desc nulls last, sku
