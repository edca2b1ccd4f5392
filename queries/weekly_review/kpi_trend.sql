/*
title: Headline KPIs by week
description: >
  The headline KPIs of kpis.sql, week by week (ISO weeks, Monday to Sunday) for
  the `weeks` weeks ending with the week that holds `end`: the sparklines of the
  weekly review. Same definitions: flows count events inside the week, stocks
  are measured at the end of `measured_at`, its Sunday or, for the week that holds
  the as-of date, the as-of date.
params:
  end: {type: date, default: as_of}
  weeks: {type: int, default: 12}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: line, x: week_start:T, y: backorder_rate_lines:Q}
columns:
  week_start: {label: Week, format: date}
  week_end: {label: Week end, format: date}
  measured_at: {label: Stocks measured at, format: date, help: "The week's end, or the as-of date in the week that holds it"}
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

periods as (
    select
        week_start::date as week_start,
        week_start::date + 6 as week_end,
        least(week_start::date + 6, (select as_of from warehouse_meta)) as measured_at,
    from (
        select unnest(generate_series(
            date_trunc('week', $end::date) - to_weeks($weeks - 1),
            date_trunc('week', $end::date),
            interval 7 day
        )) as week_start
    )
),

lines as (
    select
        date_trunc('week', d.day)::date as week_start,
        d.lines,
        d.backordered_lines,
        d.units,
        d.backordered_units,
    from demand_between(
        (select min(week_start) from periods),
        (select max(week_end) from periods),
        $category,
        $supplier,
        $channel,
    ) as d
),

backorders as (
    select *
    from backorder_lines
    where
        ordered_date <= (select max(week_end) from periods)
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

ordered as (
    select
        week_start,
        sum(lines) as lines_ordered,
        sum(backordered_lines) as backordered_lines,
        sum(units) as units_ordered,
        sum(backordered_units) as backordered_units,
    from lines
    group by week_start
),

closed as (
    select
        date_trunc('week', closed_date)::date as week_start,
        count(*) as backorders_closed,
        count(*) filter (where status = 'canceled') / count(*) as backorder_cancellation_rate,
        avg(closed_date - ordered_date) filter (where status = 'shipped') as avg_time_to_fill_days,
    from backorders
    where closed_date is not null
    group by all
),

open_at_end as (
    select
        p.week_start,
        count(*) as open_backorder_lines,
        sum(b.backordered_qty) as open_backorder_units,
        sum(b.value) as open_backorder_value,
        avg(p.measured_at - b.ordered_date) as avg_backorder_age_days,
    from periods as p
    inner join backorders as b
        on is_open_at(b.ordered_date, b.closed_date, p.measured_at)
    group by p.week_start
),

promises as (
    select *
    from promises_until((select max(week_end) from periods), $category, $supplier, $channel)
),

promised as (
    select
        date_trunc('week', day)::date as week_start,
        sum(due_lines) as customer_lines_due,
        sum(on_time_lines) / nullif(sum(due_lines), 0) as customer_on_time_rate,
        sum(late_days) / nullif(sum(late_lines), 0) as avg_customer_days_late,
    from promises
    where day >= (select min(week_start) from periods)
    group by all
),

past_promise as (
    select
        p.week_start,
        sum(d.past_promise_opened - d.past_promise_closed) as open_lines_past_promise,
    from periods as p
    inner join (
        select day, sum(past_promise_opened) as past_promise_opened, sum(past_promise_closed) as past_promise_closed,
        from promises
        group by day
    ) as d
        on d.day <= p.measured_at
    group by p.week_start
),

received as (
    select
        date_trunc('week', received_at)::date as week_start,
        count(*) as po_lines_received,
        avg(on_time::integer) as supplier_on_time_rate,
        avg(delay_days) as avg_supplier_delay_days,
    from po_lines
    where
        received_at is not null
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
    group by all
)

select
    p.week_start::date as week_start,
    p.week_end::date as week_end,
    p.measured_at::date as measured_at,
    coalesce(o.lines_ordered, 0)::bigint as lines_ordered,
    coalesce(o.backordered_lines, 0)::bigint as backordered_lines,
    (o.backordered_lines / nullif(o.lines_ordered, 0))::double as backorder_rate_lines,
    coalesce(o.units_ordered, 0)::bigint as units_ordered,
    coalesce(o.backordered_units, 0)::bigint as backordered_units,
    (1 - o.backordered_units / nullif(o.units_ordered, 0))::double as unit_fill_rate,
    coalesce(c.backorders_closed, 0)::bigint as backorders_closed,
    c.backorder_cancellation_rate::double as backorder_cancellation_rate,
    c.avg_time_to_fill_days::double as avg_time_to_fill_days,
    coalesce(r.po_lines_received, 0)::bigint as po_lines_received,
    r.supplier_on_time_rate::double as supplier_on_time_rate,
    r.avg_supplier_delay_days::double as avg_supplier_delay_days,
    coalesce(e.open_backorder_lines, 0)::bigint as open_backorder_lines,
    coalesce(e.open_backorder_units, 0)::bigint as open_backorder_units,
    coalesce(e.open_backorder_value, 0)::double as open_backorder_value,
    e.avg_backorder_age_days::double as avg_backorder_age_days,
    coalesce(cu.customer_lines_due, 0)::bigint as customer_lines_due,
    cu.customer_on_time_rate::double as customer_on_time_rate,
    cu.avg_customer_days_late::double as avg_customer_days_late,
    coalesce(pp.open_lines_past_promise, 0)::bigint as open_lines_past_promise,
from periods as p
left join ordered as o using (week_start)
left join closed as c using (week_start)
left join open_at_end as e using (week_start)
left join received as r using (week_start)
left join promised as cu using (week_start)
left join past_promise as pp using (week_start)
order by p.week_start
