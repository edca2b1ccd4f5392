/*
title: Headline KPIs
description: >
  The period's headline figures. Flows count events inside [start, end]: lines
  ordered (backorder rate, unit fill rate), backorders closed (cancellation rate,
  time to fill of those shipped), PO lines received (on-time rate, delay). Stocks
  are measured at the end of `measured_at`, the earlier of `end` and the as-of
  date (no data exists after it, so a later day would only add days to every
  age): open backorders, their units, value and average age in calendar days. Rates are null when nothing happened to rate; every
  order figure is null when the warehouse holds no order lines at all, and every PO
  figure when it holds no purchase orders (no data is not zero). The customer on-time
  measure needs no backorder flag: of the lines promised inside [start, end] (not
  canceled), the share shipped by their promised date and the average days late of
  those shipped after it; and the lines open at the end of `measured_at` past
  their promise.
params:
  start: {type: date, default: -27 days}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  as_of: {label: Data as of, format: date}
  from: {label: From, format: date}
  to: {label: To, format: date}
  measured_at: {label: Stocks measured at, format: date, help: "The earlier of To and the as-of date"}
  lines_ordered: {label: Lines ordered, format: integer}
  backordered_lines: {label: Backordered lines, format: integer}
  backorder_rate_lines: {label: Backorder rate (lines), format: percent}
  units_ordered: {label: Units ordered, format: integer}
  backordered_units: {label: Backordered units, format: integer}
  unit_fill_rate: {label: Unit fill rate, format: percent}
  backorders_closed: {label: Backorders closed, format: integer}
  backorder_cancellation_rate: {label: Backorder cancellation rate, format: percent}
  avg_time_to_fill_days: {label: Average time to fill (days), format: days}
  po_lines_received: {label: PO lines received, format: integer}
  supplier_on_time_rate: {label: Supplier on-time rate, format: percent}
  avg_supplier_delay_days: {label: Average supplier delay (days), format: days}
  open_backorder_lines: {label: Open backorder lines, format: integer}
  open_backorder_units: {label: Open backordered units, format: integer}
  open_backorder_value: {label: Open backorder value, format: money}
  avg_backorder_age_days: {label: Average backorder age (days), format: days}
  customer_lines_due: {label: Customer lines due, format: integer}
  customer_on_time_rate: {label: Customer on-time rate, format: percent}
  avg_customer_days_late: {label: Average days late (customers), format: days}
  open_lines_past_promise: {label: Open lines past promise, format: integer}
*/
with

meta as (
    select as_of from warehouse_meta
),

measured as (
    select least($end::date, as_of) as day from meta
),

held as (
    select
        exists (from order_lines) as order_lines,
        exists (from purchase_orders) as purchase_orders,
),

lines as (
    select
        d.lines,
        d.backordered_lines,
        d.units,
        d.backordered_units,
    from demand_between($start, $end, $category, $supplier, $channel) as d
),

backorders as (
    select *
    from backorder_lines
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

promises as (
    select *
    from promises_until($end, $category, $supplier, $channel)
),

customer as (
    select
        coalesce(sum(due_lines) filter (where d.day between $start and $end), 0) as customer_lines_due,
        sum(on_time_lines) filter (where d.day between $start and $end)
            / nullif(sum(due_lines) filter (where d.day between $start and $end), 0)
            as customer_on_time_rate,
        sum(late_days) filter (where d.day between $start and $end)
            / nullif(sum(late_lines) filter (where d.day between $start and $end), 0)
            as avg_customer_days_late,
        coalesce(sum(past_promise_opened - past_promise_closed) filter (where d.day <= m.day), 0)
            as open_lines_past_promise,
    from promises as d, measured as m
),

ordered as (
    select
        coalesce(sum(lines), 0) as lines_ordered,
        coalesce(sum(backordered_lines), 0) as backordered_lines,
        coalesce(sum(units), 0) as units_ordered,
        coalesce(sum(backordered_units), 0) as backordered_units,
    from lines
),

closed as (
    select
        count(*) as backorders_closed,
        count(*) filter (where status = 'canceled') / nullif(count(*), 0) as backorder_cancellation_rate,
        avg(closed_date - ordered_date) filter (where status = 'shipped') as avg_time_to_fill_days,
    from backorders
    where closed_date between $start and $end
),

open_at_end as (
    select
        count(*) as open_backorder_lines,
        coalesce(sum(backordered_qty), 0) as open_backorder_units,
        coalesce(sum(value), 0) as open_backorder_value,
        avg((select day from measured) - ordered_date) as avg_backorder_age_days,
    from open_backorders_at((select day from measured), $category, $supplier, $channel)
),

received as (
    select
        count(*) as po_lines_received,
        avg(on_time::integer) as supplier_on_time_rate,
        avg(delay_days) as avg_supplier_delay_days,
    from po_lines
    where
        received_at between $start and $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
)

select
    meta.as_of::date as as_of,
    $start::date as "from",
    $end::date as "to",
    measured.day::date as measured_at,
    if(held.order_lines, ordered.lines_ordered, null)::bigint as lines_ordered,
    if(held.order_lines, ordered.backordered_lines, null)::bigint as backordered_lines,
    (ordered.backordered_lines / nullif(ordered.lines_ordered, 0))::double as backorder_rate_lines,
    if(held.order_lines, ordered.units_ordered, null)::bigint as units_ordered,
    if(held.order_lines, ordered.backordered_units, null)::bigint as backordered_units,
    (1 - ordered.backordered_units / nullif(ordered.units_ordered, 0))::double as unit_fill_rate,
    if(held.order_lines, closed.backorders_closed, null)::bigint as backorders_closed,
    closed.backorder_cancellation_rate::double as backorder_cancellation_rate,
    closed.avg_time_to_fill_days::double as avg_time_to_fill_days,
    if(held.purchase_orders, received.po_lines_received, null)::bigint as po_lines_received,
    received.supplier_on_time_rate::double as supplier_on_time_rate,
    received.avg_supplier_delay_days::double as avg_supplier_delay_days,
    if(held.order_lines, open_at_end.open_backorder_lines, null)::bigint as open_backorder_lines,
    if(held.order_lines, open_at_end.open_backorder_units, null)::bigint as open_backorder_units,
    if(held.order_lines, open_at_end.open_backorder_value, null)::double as open_backorder_value,
    open_at_end.avg_backorder_age_days::double as avg_backorder_age_days,
    if(held.order_lines, customer.customer_lines_due, null)::bigint as customer_lines_due,
    customer.customer_on_time_rate::double as customer_on_time_rate,
    customer.avg_customer_days_late::double as avg_customer_days_late,
    if(held.order_lines, customer.open_lines_past_promise, null)::bigint as open_lines_past_promise,
from meta, measured, held, ordered, closed, open_at_end, received, customer
