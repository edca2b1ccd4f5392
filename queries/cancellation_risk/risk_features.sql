/*
title: Risk model inputs
description: >
  One row per backordered line and snapshot day on which the line was open at the end
  of the day, with its features as they stood that evening (nothing from later on).
  rows = train: every open day of the lines closed on or before the cut-off, labelled
  canceled or not (the outcome is known at the cut-off). rows = score: the lines open
  at the end of each day from the cut-off to horizon_days later (never past the as-of
  date), with how they ended as known today (open when still waiting); rows =
  week_ends: the same on Sundays and the as-of date only; rows = first_seen: each
  score line once, on the first evening it was open in the window (the backtest's
  rows). The sidebar's category, supplier and channel apply to score rows only, never
  to the training rows. Training rows are thinned at random to about 60,000 at the
  as-of date, at one rate for every cut-off. The queue, ETA, stock and customer
  features are computed for the rows kept only (the FIFO queue over every line open
  on their SKU-days).
  Features: days waited, days to or past the promised date (no promise is its own
  state), the expected remaining wait (the FIFO ETA of the Backorders page recomputed
  for that day: open PO quantity applied oldest order first, expected receipt =
  promised date + the supplier's median delay over PO lines received by then, never
  earlier; no ETA when no open PO covers the line), whether the ETA is later than the
  promise, free stock of the SKU that evening, channel, segment, category,
  made-to-order, line value and the customer's cancellations and closed backorders so
  far. The model itself (dashboard/model/risk.py) is fitted on the train rows.
params:
  cutoff: {type: date, default: as_of, label: Cut-off, help: Training rows closed on or before this day; score rows from it}
  horizon_days: {type: int, default: 0, label: Score days after the cut-off, help: 0 scores the lines open at the cut-off only}
  rows: {type: choice, options: [score, train, week_ends, first_seen], default: score, label: Rows}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  role: {label: Role}
  day: {label: Day, format: date}
  order_id: {label: Order}
  line_no: {label: Line, format: integer}
  customer_id: {label: Customer}
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  made_to_order: {label: Made to order}
  channel: {label: Channel}
  segment: {label: Segment}
  ordered_date: {label: Ordered, format: date}
  promised_date: {label: Promised, format: date}
  eta: {label: ETA, format: date}
  backordered_qty: {label: Backordered qty, format: integer}
  value: {label: Value, format: money}
  days_waited: {label: Days waited, format: days}
  days_to_promise: {label: Days to promise, format: days}
  eta_days: {label: Days to ETA, format: days}
  po_overdue_days: {label: PO overdue (days), format: days}
  supply_overdue_days: {label: Supply overdue (days), format: days}
  supplier_recent_delay_days: {label: Supplier recent delay (days), format: days}
  queue_units: {label: Units queued ahead, format: integer}
  queue_head_days: {label: Queue head waited (days), format: days}
  free_stock: {label: Free stock, format: integer}
  customer_cancellations: {label: Customer cancellations, format: integer}
  customer_backorders_closed: {label: Customer backorders closed, format: integer}
  outcome: {label: Outcome}
  closed_date: {label: Closed, format: date}
  canceled: {label: Canceled, format: integer}
*/
with

settings as (
    select
        28 as recent_days, -- a supplier's recent delay: median over PO lines received in this many days
        60000 as train_rows_max, -- the as-of date's training set is thinned to about this many rows, at random
),

meta as (
    select as_of from warehouse_meta
),

backorders as (
    select * from backorder_lines
),

purchase_lines as (
    select * from purchase_orders
),

snapshots as (
    select * from inventory_snapshots
),

days_needed as (
    -- train rows: every day before the cut-off; score rows: the cut-off and the horizon after it
    select
        if($rows = 'train', date '0001-01-01', $cutoff::date) as first_day,
        if(
            $rows = 'train',
            $cutoff::date - 1,
            least($cutoff::date + greatest($horizon_days, 0), meta.as_of)
        ) as last_day,
    from meta
),

line_days as (
    -- the rows asked for, before any feature: a line is open at the end of day d when ordered on or
    -- before d and not closed by d. Training rows: the lines closed by the cut-off; score rows: those
    -- in the sidebar's scope (first_seen: only the first day of each in the window).
    select
        b.order_id,
        b.line_no,
        b.sku,
        b.customer_id,
        b.category,
        b.supplier_id,
        b.channel,
        unnest(generate_series(
            greatest(b.ordered_date, n.first_day),
            least(
                coalesce(b.closed_date - 1, meta.as_of),
                n.last_day,
                if($rows = 'first_seen', greatest(b.ordered_date, n.first_day), n.last_day)
            ),
            interval 1 day
        ))::date as day,
    from backorders as b
    cross join days_needed as n
    cross join meta
    where
        if(
            $rows = 'train',
            b.closed_date <= $cutoff,
            ($category is null or b.category = $category)
            and ($supplier is null or b.supplier_id = $supplier)
            and ($channel is null or b.channel = $channel)
        )
),

closed_open_days as (
    -- every open day of every line closed by the as-of date: the training rows are thinned at one
    -- rate for every cut-off, so an earlier cut-off's rows are exactly the later one's closed by then
    select greatest(sum(greatest(b.closed_date - b.ordered_date, 0)), 1) as total
    from backorders as b
    cross join meta
    where b.closed_date <= meta.as_of
),

picked as (
    -- thinned (train) or reduced to week ends (week_ends) before any feature is computed, so a large
    -- warehouse computes the queue, ETA, stock and customer features of the rows kept only
    select line_days.*
    from line_days
    cross join settings
    cross join closed_open_days
    where
        case $rows
            when 'train' then
                hash(order_id, line_no, day) % 1000000 < 1000000.0 * train_rows_max / closed_open_days.total
            -- week_ends: the score rows of Sundays and the as-of date only (the load's weekly series)
            when 'week_ends' then dayofweek(day) = 0 or day = (select as_of from meta)
            else true
        end
),

sku_days as (
    -- the SKU-days whose FIFO queue and supply the rows kept need
    select distinct sku, day from picked
),

queue as (
    -- every line open at the end of a needed SKU-day (whether asked for or not: all of them queue),
    -- with the units queued up to it, oldest order first, and how long the queue's head has waited
    select
        b.order_id,
        b.line_no,
        s.day,
        sum(b.backordered_qty) over (
            partition by s.sku, s.day
            order by b.ordered_at, b.order_id, b.line_no
            rows unbounded preceding
        ) as cum_units,
        s.day - min(b.ordered_date) over (partition by s.sku, s.day) as queue_head_days,
    from sku_days as s
    inner join backorders as b
        on
            b.sku = s.sku
            and b.ordered_date <= s.day
            and (b.closed_date is null or b.closed_date > s.day)
),

queued as (
    select
        p.*,
        q.cum_units,
        q.queue_head_days,
    from picked as p
    inner join queue as q using (order_id, line_no, day)
),

supplier_delay_history as (
    -- the supplier's median delay over PO lines received on or before each receipt day
    select distinct
        supplier_id,
        received_at as day,
        median(received_at - promised_date) over (
            partition by supplier_id
            order by received_at
            range between unbounded preceding and current row
        ) as median_delay_days,
        median(received_at - promised_date) over (
            partition by supplier_id
            order by received_at
            range between interval (recent_days - 1) day preceding and current row
        ) as recent_delay_days,
    from purchase_lines
    cross join settings
    where received_at is not null
),

open_po_days as (
    -- a PO line is open at the end of day d when ordered by then (or undated) and not received by d
    select
        po.po_id,
        po.po_line,
        po.supplier_id,
        po.sku,
        po.qty,
        po.promised_date,
        s.day,
    from sku_days as s
    inner join purchase_lines as po
        on
            po.sku = s.sku
            and (po.ordered_at is null or po.ordered_at <= s.day)
            and (po.received_at is null or po.received_at > s.day)
),

po_expected as (
    select
        p.*,
        p.promised_date + greatest(ceil(coalesce(d.median_delay_days, 0)), 0)::integer as expected_receipt,
        d.recent_delay_days,
    from open_po_days as p
    asof left join supplier_delay_history as d
        on p.supplier_id = d.supplier_id and p.day >= d.day
),

po_supply as (
    select
        sku,
        day,
        expected_receipt,
        sum(qty) over (
            partition by sku, day
            order by expected_receipt, promised_date, po_id, po_line
            rows unbounded preceding
        ) as cum_qty,
    from po_expected
),

sku_supply as (
    -- how late the SKU's most overdue open PO line already is, and its supplier's recent delay
    select
        sku,
        day,
        greatest(max(day - expected_receipt), 0) as supply_overdue_days,
        max(recent_delay_days) as supplier_recent_delay_days,
    from po_expected
    group by sku, day
),

eta as (
    select
        q.order_id,
        q.line_no,
        q.day,
        q.cum_units,
        q.queue_head_days,
        greatest(s.expected_receipt, q.day) as eta,
        greatest(q.day - s.expected_receipt, 0) as po_overdue_days,
    from queued as q
    asof left join po_supply as s
        on q.sku = s.sku and q.day = s.day and q.cum_units <= s.cum_qty
),

customer_orders as (
    -- only the orders of the customers of the rows kept, before their lines are joined
    select order_id, customer_id
    from orders
    where customer_id in (select customer_id from picked)
),

customer_events as (
    select
        o.customer_id,
        coalesce(l.canceled_at, l.shipped_at)::date as day,
        count(*) filter (where l.canceled_at is not null) as cancellations,
        count(*) filter (where l.backordered_qty > 0) as backorders_closed,
    from order_lines as l
    inner join customer_orders as o using (order_id)
    where l.shipped_at is not null or l.canceled_at is not null
    group by all
),

customer_history as (
    select
        customer_id,
        day,
        sum(cancellations) over running as cancellations,
        sum(backorders_closed) over running as backorders_closed,
    from customer_events
    window running as (partition by customer_id order by day rows unbounded preceding)
),

features as (
    select
        e.day,
        b.order_id,
        b.line_no,
        b.customer_id,
        b.sku,
        b.product_name,
        b.category,
        b.supplier_id,
        coalesce(b.made_to_order, false) as made_to_order,
        coalesce(b.channel, 'unknown') as channel,
        coalesce(b.segment, 'unknown') as segment,
        b.ordered_date,
        b.promised_date,
        e.eta,
        b.backordered_qty,
        b.value,
        e.day - b.ordered_date as days_waited,
        b.promised_date - e.day as days_to_promise,
        e.eta - e.day as eta_days,
        e.po_overdue_days,
        coalesce(u.supply_overdue_days, 0) as supply_overdue_days,
        u.supplier_recent_delay_days,
        e.cum_units as queue_units,
        e.queue_head_days,
        greatest(coalesce(s.on_hand - coalesce(s.allocated, 0), 0), 0) as free_stock,
        coalesce(h.cancellations, 0) as customer_cancellations,
        coalesce(h.backorders_closed, 0) as customer_backorders_closed,
        b.status,
        b.closed_date,
    from eta as e
    inner join backorders as b using (order_id, line_no)
    asof left join snapshots as s
        on b.sku = s.sku and e.day >= s.snapshot_date
    asof left join customer_history as h
        on b.customer_id = h.customer_id and e.day >= h.day
    left join sku_supply as u on u.sku = b.sku and u.day = e.day
)

select
    $rows::varchar as role,
    day::date as day,
    order_id::varchar as order_id,
    line_no::integer as line_no,
    customer_id::varchar as customer_id,
    sku::varchar as sku,
    product_name::varchar as product_name,
    category::varchar as category,
    supplier_id::varchar as supplier_id,
    made_to_order::boolean as made_to_order,
    channel::varchar as channel,
    segment::varchar as segment,
    ordered_date::date as ordered_date,
    promised_date::date as promised_date,
    eta::date as eta,
    backordered_qty::integer as backordered_qty,
    value::double as value,
    days_waited::integer as days_waited,
    days_to_promise::integer as days_to_promise,
    eta_days::integer as eta_days,
    po_overdue_days::integer as po_overdue_days,
    supply_overdue_days::integer as supply_overdue_days,
    supplier_recent_delay_days::double as supplier_recent_delay_days,
    queue_units::bigint as queue_units,
    queue_head_days::integer as queue_head_days,
    free_stock::bigint as free_stock,
    customer_cancellations::integer as customer_cancellations,
    customer_backorders_closed::integer as customer_backorders_closed,
    status::varchar as outcome,
    closed_date::date as closed_date,
    (status = 'canceled')::boolean as canceled,
from features
order by day, order_id, line_no
