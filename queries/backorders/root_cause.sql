/*
title: Why each SKU is short
description: |
  One primary root cause per SKU with backorders open at the end of the To date, with its
  evidence and the other labels that also apply. The first label that applies, in this
  order, is the primary one:
  - `oversold`: at least oversold_share = 0.5 of the SKU's open backordered units are on
    lines ordered while the inventory snapshot of that day (the latest on or before it, at
    most snapshot_max_age_days = 7 old) showed enough available stock (on_hand - allocated)
    for the whole backordered quantity.
  - `capacity_limited`: the SKU is made to order and its maker is over capacity: the
    made-to-order units ordered from its supplier in the recent_days + baseline_days (16
    weeks) to the To date are at least capacity_ratio = 1.1 times the units it delivered.
  - `supplier_late`: an open PO line of the SKU is more than late_po_grace_days = 3 days
    past its promised date, or its supplier's on-time rate over at least
    on_time_min_lines = 10 PO lines received in the recent_days is at most
    on_time_drop_ratio = 0.5 of its rate in the usual_days = 182 before, and at least
    on_time_drop_points = 0.20 lower.
  - `demand_spike`: its weekly demand (all ordered units) in the recent_days = 28 to the To
    date is at least spike_ratio = 2.0 times its weekly demand in the baseline_days = 84
    before, or its demand in the last_week_days = 7 is at least last_week_ratio = 3.0 times
    that baseline week; either way with at least spike_min_units = 15 units in the window.
  - `no_replenishment`: open PO quantity is less than the SKU's open backordered units (all
    channels), so part of the backlog has no PO to fill it.
  - `other`: none of these; open POs cover the backlog, none is late and demand is normal.

  Everything is measured as of the end of the To date: POs ordered by then and not yet
  received, snapshots and receipts up to then. Demand and supply are the SKU's whole (all
  channels); the channel filter only chooses which open lines count (and so `oversold`).
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  root_cause: {label: Root cause}
  evidence: {label: Evidence}
  also: {label: Also}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  open_lines: {label: Open lines, format: integer}
  oldest_age_days: {label: Oldest (days), format: days}
  supplier_name: {label: Supplier}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  oversold_units: {label: Oversold units, format: integer}
  last_week_units: {label: Units last week, format: integer}
  recent_weekly_units: {label: Recent units/week, format: decimal}
  baseline_weekly_units: {label: Baseline units/week, format: decimal}
  backlog_units_all_channels: {label: "Backlog units, all channels", format: integer}
  open_po_qty: {label: Open PO qty, format: integer}
  next_po_promised: {label: Next PO promised, format: date}
  late_po_lines: {label: Late PO lines, format: integer}
  max_days_past_promise: {label: Most days past promise, format: days}
  supplier_recent_on_time: {label: "Supplier on-time, recent", format: percent}
  supplier_usual_on_time: {label: "Supplier on-time, usual", format: percent}
  maker_ordered_units: {label: Units ordered from maker, format: integer}
  maker_made_units: {label: Units made, format: integer}
  is_oversold: {label: Oversold}
  is_capacity_limited: {label: Capacity limited}
  is_demand_spike: {label: Demand spike}
  is_supplier_late: {label: Supplier late}
  is_no_replenishment: {label: No replenishment}
*/
with

constants as (
    select
        0.5 as oversold_share,
        7 as snapshot_max_age_days,
        1.1 as capacity_ratio,
        28 as recent_days,
        84 as baseline_days,
        2.0 as spike_ratio,
        7 as last_week_days,
        3.0 as last_week_ratio,
        15 as spike_min_units,
        3 as late_po_grace_days,
        10 as on_time_min_lines,
        0.5 as on_time_drop_ratio,
        0.20 as on_time_drop_points,
        182 as usual_days,
),

open_backorders as (
    select
        order_id,
        line_no,
        sku,
        product_name,
        category,
        supplier_id,
        supplier_name,
        coalesce(made_to_order, false) as made_to_order,
        channel,
        ordered_date,
        backordered_qty,
        value,
    from open_backorders_at($end)
),

snapshot_checked as (
    select
        b.*,
        coalesce(
            b.ordered_date - s.snapshot_date <= c.snapshot_max_age_days
            and s.on_hand - coalesce(s.allocated, 0) >= b.backordered_qty,
            false
        ) as oversold,
    from open_backorders as b
    asof left join inventory_snapshots as s
        on s.sku = b.sku and s.snapshot_date <= b.ordered_date
    cross join constants as c
),

scoped as (
    select *
    from snapshot_checked
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
        and ($channel is null or channel = $channel)
),

sku_scope as (
    select
        sku,
        any_value(product_name) as product_name,
        any_value(category) as category,
        any_value(supplier_id) as supplier_id,
        any_value(supplier_name) as supplier_name,
        bool_or(made_to_order) as made_to_order,
        count(*) as open_lines,
        sum(backordered_qty) as open_units,
        sum(value) as open_value,
        max($end - ordered_date) as oldest_age_days,
        coalesce(sum(backordered_qty) filter (where oversold), 0) as oversold_units,
    from scoped
    group by sku
),

sku_backlog as (
    select
        sku,
        sum(backordered_qty) as backlog_units,
    from open_backorders
    where sku in (select sku from sku_scope)
    group by sku
),

demand as (
    select
        d.sku,
        coalesce(sum(d.units) filter (where d.day > $end - c.recent_days), 0) as recent_units,
        coalesce(sum(d.units) filter (where d.day > $end - c.last_week_days), 0) as last_week_units,
        coalesce(sum(d.units) filter (where d.day <= $end - c.recent_days), 0) as baseline_units,
    from daily_demand as d
    cross join constants as c
    where
        d.day > $end - c.recent_days - c.baseline_days
        and d.day <= $end
    group by d.sku
),

maker_demand as (
    select
        p.supplier_id,
        sum(d.recent_units + d.baseline_units) as ordered_units,
    from demand as d
    inner join products as p using (sku)
    where p.made_to_order
    group by p.supplier_id
),

maker_output as (
    select
        po.supplier_id,
        sum(coalesce(po.received_qty, po.qty)) as made_units,
    from purchase_orders as po
    inner join products as p using (sku)
    cross join constants as c
    where
        p.made_to_order
        and po.received_at > $end - c.recent_days - c.baseline_days
        and po.received_at <= $end
    group by po.supplier_id
),

open_po as (
    select
        sku,
        qty,
        promised_date,
    from po_lines
    where ordered_by <= $end and (received_at is null or received_at > $end)
),

sku_supply as (
    select
        po.sku,
        sum(po.qty) as open_po_qty,
        min(po.promised_date) as next_po_promised,
        count(*) filter (where $end - po.promised_date > c.late_po_grace_days) as late_po_lines,
        greatest(max($end - po.promised_date), 0) as max_days_past_promise,
    from open_po as po
    cross join constants as c
    group by po.sku
),

supplier_on_time as (
    select
        po.supplier_id,
        count(*) filter (where po.received_at > $end - c.recent_days) as recent_received,
        avg((po.received_at <= po.promised_date)::integer)
            filter (where po.received_at > $end - c.recent_days) as recent_on_time,
        avg((po.received_at <= po.promised_date)::integer)
            filter (where po.received_at <= $end - c.recent_days) as usual_on_time,
    from purchase_orders as po
    cross join constants as c
    where
        po.received_at > $end - c.recent_days - c.usual_days
        and po.received_at <= $end
    group by po.supplier_id
),

evidence as (
    select
        k.*,
        b.backlog_units,
        coalesce(d.recent_units, 0) / (c.recent_days / 7) as recent_weekly_units,
        coalesce(d.last_week_units, 0) as last_week_units,
        coalesce(d.baseline_units, 0) / (c.baseline_days / 7) as baseline_weekly_units,
        coalesce(s.open_po_qty, 0) as open_po_qty,
        s.next_po_promised,
        coalesce(s.late_po_lines, 0) as late_po_lines,
        coalesce(s.max_days_past_promise, 0) as max_days_past_promise,
        t.recent_received,
        t.recent_on_time,
        t.usual_on_time,
        md.ordered_units as maker_ordered_units,
        coalesce(mo.made_units, 0) as maker_made_units,
        k.oversold_units >= c.oversold_share * k.open_units as is_oversold,
        k.made_to_order
        and coalesce(md.ordered_units, 0) > 0
        and md.ordered_units >= c.capacity_ratio * coalesce(mo.made_units, 0) as is_capacity_limited,
        (
            coalesce(d.recent_units, 0) >= c.spike_min_units
            and coalesce(d.recent_units, 0) / c.recent_days
            >= c.spike_ratio * coalesce(d.baseline_units, 0) / c.baseline_days
        )
        or (
            coalesce(d.last_week_units, 0) >= c.spike_min_units
            and coalesce(d.last_week_units, 0) / c.last_week_days
            >= c.last_week_ratio * coalesce(d.baseline_units, 0) / c.baseline_days
        ) as is_demand_spike,
        coalesce(s.late_po_lines, 0) > 0
        or coalesce(
            t.recent_received >= c.on_time_min_lines
            and t.recent_on_time <= c.on_time_drop_ratio * t.usual_on_time
            and t.usual_on_time - t.recent_on_time >= c.on_time_drop_points,
            false
        ) as is_supplier_late,
        coalesce(s.open_po_qty, 0) < b.backlog_units as is_no_replenishment,
    from sku_scope as k
    inner join sku_backlog as b using (sku)
    left join demand as d using (sku)
    left join sku_supply as s using (sku)
    left join supplier_on_time as t on t.supplier_id = k.supplier_id
    left join maker_demand as md on md.supplier_id = k.supplier_id
    left join maker_output as mo on mo.supplier_id = k.supplier_id
    cross join constants as c
),

labelled as (
    select
        *,
        case
            when is_oversold then 'oversold'
            when is_capacity_limited then 'capacity_limited'
            when is_supplier_late then 'supplier_late'
            when is_demand_spike then 'demand_spike'
            when is_no_replenishment then 'no_replenishment'
            else 'other'
        end as root_cause,
    from evidence
)

select
    sku::varchar as sku,
    product_name::varchar as product_name,
    root_cause::varchar as root_cause,
    case root_cause
        when 'oversold' then printf(
            '%d of %d open units were ordered while the snapshot showed enough available stock',
            oversold_units, open_units
        )
        when 'capacity_limited' then printf(
            'made to order: %d units ordered from its maker in %d weeks, %d made',
            maker_ordered_units, (c.recent_days + c.baseline_days) // 7, maker_made_units
        )
        when 'supplier_late' then if(
            late_po_lines > 0,
            printf(
                '%d open PO line(s) more than %d days past the promised date, the latest by %d days',
                late_po_lines, c.late_po_grace_days, max_days_past_promise
            ),
            printf(
                'supplier on time %.0f%% over the last %d weeks vs %.0f%% in the %d weeks before',
                100 * recent_on_time, c.recent_days // 7, 100 * usual_on_time, c.usual_days // 7
            )
        )
        when 'demand_spike' then printf(
            'demand %d units in the last %d days, %.1f/week over the last %d weeks vs %.1f/week in the %d before',
            last_week_units, c.last_week_days, recent_weekly_units, c.recent_days // 7,
            baseline_weekly_units, c.baseline_days // 7
        )
        when 'no_replenishment' then printf(
            '%d units backordered (all channels), %d on open POs', backlog_units, open_po_qty
        )
        else 'open POs cover the backlog, none is late, demand is normal'
    end::varchar as evidence,
    concat_ws(
        ', ',
        if(is_oversold and root_cause != 'oversold', 'oversold', null),
        if(is_capacity_limited and root_cause != 'capacity_limited', 'capacity_limited', null),
        if(is_supplier_late and root_cause != 'supplier_late', 'supplier_late', null),
        if(is_demand_spike and root_cause != 'demand_spike', 'demand_spike', null),
        if(is_no_replenishment and root_cause != 'no_replenishment', 'no_replenishment', null)
    )::varchar as also,
    open_units::bigint as open_units,
    round(open_value, 2)::double as open_value,
    open_lines::bigint as open_lines,
    oldest_age_days::integer as oldest_age_days,
    supplier_name::varchar as supplier_name,
    category::varchar as category,
    supplier_id::varchar as supplier_id,
    oversold_units::bigint as oversold_units,
    last_week_units::bigint as last_week_units,
    round(recent_weekly_units, 2)::double as recent_weekly_units,
    round(baseline_weekly_units, 2)::double as baseline_weekly_units,
    backlog_units::bigint as backlog_units_all_channels,
    open_po_qty::bigint as open_po_qty,
    next_po_promised::date as next_po_promised,
    late_po_lines::bigint as late_po_lines,
    max_days_past_promise::integer as max_days_past_promise,
    recent_on_time::double as supplier_recent_on_time,
    usual_on_time::double as supplier_usual_on_time,
    maker_ordered_units::bigint as maker_ordered_units,
    if(made_to_order, maker_made_units, null)::bigint as maker_made_units,
    is_oversold::boolean as is_oversold,
    is_capacity_limited::boolean as is_capacity_limited,
    is_demand_spike::boolean as is_demand_spike,
    is_supplier_late::boolean as is_supplier_late,
    is_no_replenishment::boolean as is_no_replenishment,
from labelled
cross join constants as c
order by open_units desc, open_value desc, sku
