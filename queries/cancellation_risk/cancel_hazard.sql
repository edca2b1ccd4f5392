/*
title: Daily cancellation rate, before and after the promised date
description: >
  Of the backordered lines ordered in the period that were still waiting on a given day
  of their wait, the share canceled that day, split by whether that day was on or
  before the date promised to the customer or after it. Lines are followed to the end
  of the To date. Points resting on fewer than min_waiting (30) waiting lines are left
  out as too noisy. Made-to-order lines (buyers who expect to wait weeks and rarely
  cancel) are left out unless include_made_to_order is set, so that they do not mask
  the pattern of ordinary lines at long waits.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  max_days: {type: int, default: 30, label: Days waited up to}
  include_made_to_order: {type: bool, default: false, label: Include made-to-order lines}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: line, x: days_waited:Q, y: cancel_rate:Q, color: promise:N, tooltip: [promise, days_waited, cancel_rate, lines_waiting, canceled]}
columns:
  promise: {label: Promise}
  days_waited: {label: Days waited, format: days}
  cancel_rate: {label: Cancellation rate, format: percent}
  lines_waiting: {label: Lines waiting, format: integer}
  canceled: {label: Canceled, format: integer}
*/
with

settings as (
    select 30 as min_waiting -- fewer waiting lines than this make a day's rate too noisy to show
),

lines as (
    select
        if(closed_date <= $end, closed_date, $end::date) - ordered_date as waited,
        promised_date - ordered_date as promise_day,
        closed_date <= $end and status = 'canceled' as canceled,
    from backorder_lines
    where
        ordered_date between $start and $end
        and ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
        and ($include_made_to_order or not coalesce(made_to_order, false))
),

spans as (
    -- the days of its wait a line spends in each promise state: [first_day, last_day]
    select
        'no promise' as promise,
        0 as first_day,
        waited as last_day,
    from lines
    where promise_day is null
    union all
    select
        'on or before the promised date' as promise,
        0 as first_day,
        least(waited, promise_day) as last_day,
    from lines
    where promise_day >= 0
    union all
    select
        'after the promised date' as promise,
        greatest(promise_day + 1, 0) as first_day,
        waited as last_day,
    from lines
    where promise_day < waited
),

deltas as (
    select promise, first_day as days_waited, 1 as change, from spans where first_day <= last_day
    union all
    select promise, last_day + 1 as days_waited, -1 as change, from spans where first_day <= last_day
),

changes as (
    select
        promise,
        days_waited,
        sum(change) as change,
    from deltas
    group by promise, days_waited
),

waiting as (
    select
        promise,
        days_waited,
        sum(change) over (partition by promise order by days_waited rows unbounded preceding) as lines_waiting,
    from changes
),

cancellations as (
    select
        case
            when promise_day is null then 'no promise'
            when waited > promise_day then 'after the promised date'
            else 'on or before the promised date'
        end as promise,
        waited as days_waited,
        count(*) as canceled,
    from lines
    where canceled
    group by all
),

days as (
    select
        w.promise,
        d.days_waited,
        w.lines_waiting,
    from (select distinct promise from waiting) as p
    cross join (select unnest(generate_series(0, greatest($max_days, 0))) as days_waited) as d
    asof inner join waiting as w
        on w.promise = p.promise and d.days_waited >= w.days_waited
)

select
    days.promise::varchar as promise,
    days.days_waited::integer as days_waited,
    (coalesce(c.canceled, 0) / days.lines_waiting)::double as cancel_rate,
    days.lines_waiting::bigint as lines_waiting,
    coalesce(c.canceled, 0)::bigint as canceled,
from days
cross join settings
left join cancellations as c using (promise, days_waited)
where days.lines_waiting >= settings.min_waiting
order by days.promise, days.days_waited
