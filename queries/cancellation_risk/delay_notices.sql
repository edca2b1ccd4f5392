/*
title: Delay notices due
description: >
  Orders to tell the customer about today, one row per customer and order: open
  backordered lines whose ETA is later than the date promised to the customer, or that
  have a promise but no ETA (no open PO covers them, so the promise cannot be
  confirmed), or that have no promise and have waited notice_after_days (30) days or
  more, the point at which, for example, the US Mail, Internet or Telephone Order
  Merchandise Rule requires the seller to tell the customer and offer to cancel.
  new_eta is the latest ETA of the order's lines that are due (empty when one of them
  has none). Computed at the warehouse's as-of date, whatever the sidebar's dates,
  because the FIFO ETA exists for today only; category, supplier and channel apply.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  customer_id: {label: Customer}
  segment: {label: Segment}
  channel: {label: Channel}
  order_id: {label: Order}
  ordered_date: {label: Ordered, format: date}
  days_waited: {label: Days waited, format: days}
  lines_due: {label: Lines due, format: integer}
  skus: {label: SKUs}
  units: {label: Units, format: integer}
  value: {label: Value, format: money}
  promised_date: {label: Promised, format: date}
  new_eta: {label: New ETA, format: date}
  days_late: {label: Days late, format: days}
  reasons: {label: Reasons}
*/
with

settings as (
    select 30 as notice_after_days -- no promise: notify once the line has waited this long
),

meta as (
    select as_of from warehouse_meta
),

open_lines as (
    select *
    from backorder_lines
    where
        status = 'open'
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

due_lines as (
    select
        l.*,
        case
            when l.promised_date is null then 'no promise, waited ' || s.notice_after_days || '+ days'
            when l.promised_date < meta.as_of then 'promise already missed'
            when l.eta is null then 'no ETA for the promised date'
            else 'ETA after the promised date'
        end as reason,
    from open_lines as l
    cross join settings as s
    cross join meta
    where
        (l.promised_date is not null and (l.eta is null or l.eta > l.promised_date))
        or (l.promised_date is null and meta.as_of - l.ordered_date >= s.notice_after_days)
),

orders_due as (
    select
        customer_id,
        order_id,
        any_value(segment) as segment,
        any_value(channel) as channel,
        min(ordered_date) as ordered_date,
        count(*) as lines_due,
        string_agg(sku, ', ' order by line_no) as skus,
        sum(backordered_qty) as units,
        sum(value) as value,
        min(promised_date) as promised_date,
        if(count(eta) = count(*), max(eta), null) as new_eta,
        string_agg(distinct reason, '; ' order by reason) as reasons,
    from due_lines
    group by customer_id, order_id
)

select
    d.customer_id::varchar as customer_id,
    d.segment::varchar as segment,
    d.channel::varchar as channel,
    d.order_id::varchar as order_id,
    d.ordered_date::date as ordered_date,
    (meta.as_of - d.ordered_date)::integer as days_waited,
    d.lines_due::integer as lines_due,
    d.skus::varchar as skus,
    d.units::bigint as units,
    d.value::double as value,
    d.promised_date::date as promised_date,
    d.new_eta::date as new_eta,
    (d.new_eta - d.promised_date)::integer as days_late,
    d.reasons::varchar as reasons,
from orders_due as d
cross join meta
order by d.promised_date nulls last, d.ordered_date, d.order_id
