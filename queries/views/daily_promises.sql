/*
kind: table
description: >
  Customer promises summed per day, SKU and channel, so the customer on-time measures
  read a few hundred thousand rows instead of joining every order line to its order on
  every run. On a line's promised date: due_lines (not canceled), of them on_time_lines
  (shipped by the promise), and late_lines with late_days (shipped after the promise,
  days late summed). A line is open past its promise from the later of its order date and
  the day after its promise until it ships or is canceled: past_promise_opened and
  past_promise_closed count those starts and ends per day, so the lines open past their
  promise at the end of a day are the running sum of opened - closed up to that day.
*/
with

lines as (
    select
        l.sku,
        o.channel,
        l.promised_date,
        l.shipped_at::date as shipped_date,
        l.canceled_at::date as canceled_date,
        greatest(o.ordered_at::date, l.promised_date + 1) as past_promise_from,
        least(l.shipped_at::date, l.canceled_at::date) as past_promise_until,
    from order_lines as l
    inner join orders as o using (order_id)
    where l.promised_date is not null
),

past_promise as (
    select *
    from lines
    where past_promise_until is null or past_promise_from < past_promise_until
),

deltas as (
    select
        sku,
        channel,
        promised_date as day,
        (canceled_date is null)::integer as due_lines,
        (canceled_date is null and shipped_date <= promised_date)::integer as on_time_lines,
        (shipped_date > promised_date)::integer as late_lines,
        if(shipped_date > promised_date, shipped_date - promised_date, 0) as late_days,
        0 as past_promise_opened,
        0 as past_promise_closed,
    from lines
    union all
    select sku, channel, past_promise_from as day, 0, 0, 0, 0, 1, 0,
    from past_promise
    union all
    select sku, channel, past_promise_until as day, 0, 0, 0, 0, 0, 1,
    from past_promise
    where past_promise_until is not null
)

select
    day,
    sku,
    channel,
    sum(coalesce(due_lines, 0))::bigint as due_lines,
    sum(coalesce(on_time_lines, 0))::bigint as on_time_lines,
    sum(coalesce(late_lines, 0))::bigint as late_lines,
    sum(late_days)::bigint as late_days,
    sum(past_promise_opened)::bigint as past_promise_opened,
    sum(past_promise_closed)::bigint as past_promise_closed,
from deltas
group by all
