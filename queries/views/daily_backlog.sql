/*
kind: table
description: >
  Day x SKU backlog from event deltas: backorders opened (new), shipped and
  canceled that day, and the open lines, units and value at the end of the day as
  a running sum of those deltas. Rows exist only on days with an event for the
  SKU; the open figures hold until the SKU's next row.
*/
with

backorders as (
    select sku, ordered_date, closed_date, status, backordered_qty, value,
    from backorder_lines
),

deltas as (
    select
        sku,
        ordered_date as day,
        1 as new_lines,
        backordered_qty as new_units,
        value as new_value,
        0 as shipped_lines,
        0 as shipped_units,
        0.0 as shipped_value,
        0 as canceled_lines,
        0 as canceled_units,
        0.0 as canceled_value,
    from backorders
    union all
    select
        sku,
        closed_date as day,
        0 as new_lines,
        0 as new_units,
        0.0 as new_value,
        (status = 'shipped')::integer as shipped_lines,
        if(status = 'shipped', backordered_qty, 0) as shipped_units,
        if(status = 'shipped', value, 0.0) as shipped_value,
        (status = 'canceled')::integer as canceled_lines,
        if(status = 'canceled', backordered_qty, 0) as canceled_units,
        if(status = 'canceled', value, 0.0) as canceled_value,
    from backorders
    where closed_date is not null
),

per_day as (
    select
        sku,
        day,
        sum(new_lines)::integer as new_lines,
        sum(new_units)::bigint as new_units,
        sum(new_value) as new_value,
        sum(shipped_lines)::integer as shipped_lines,
        sum(shipped_units)::bigint as shipped_units,
        sum(shipped_value) as shipped_value,
        sum(canceled_lines)::integer as canceled_lines,
        sum(canceled_units)::bigint as canceled_units,
        sum(canceled_value) as canceled_value,
    from deltas
    group by sku, day
)

select
    *,
    (sum(new_lines - shipped_lines - canceled_lines) over running)::bigint as open_lines,
    (sum(new_units - shipped_units - canceled_units) over running)::bigint as open_units,
    sum(new_value - shipped_value - canceled_value) over running as open_value,
from per_day
window running as (partition by sku order by day rows unbounded preceding)
