/*
title: Surging SKUs
description: >
  Each SKU's demand in the 4 weeks to the To date against its own baseline, the
  12 weeks before them (weeks counted back from the To date, so the comparison is
  as of that day). Demand is every ordered unit, fulfilled or not. ratio = recent
  weekly mean / baseline weekly mean; robust z = (recent weekly mean - baseline
  weekly median) / (1.4826 x the baseline weeks' median absolute deviation), the
  scale floored at sqrt(median) (Poisson noise) and 1 unit so a quiet baseline
  cannot make noise look like a surge; backorder ratio = recent backordered units /
  recent demand. A SKU is surging when ratio >= 1.5, robust z >= 3 and it sold at
  least 10 units in the 4 weeks; it is outrunning supply when, in addition, at
  least 25% of its recent demand was backordered. Ranked by robust z.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: point, x: ratio:Q, y: backorder_ratio:Q, color: status:N, tooltip: [sku, product_name, recent_units, baseline_weekly_mean, ratio, robust_z, backorder_ratio]}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  recent_units: {label: "Units, last 4 weeks", format: integer}
  baseline_units: {label: "Units, baseline 12 weeks", format: integer}
  recent_weekly_mean: {label: Recent units/week, format: decimal}
  baseline_weekly_mean: {label: Baseline units/week, format: decimal}
  baseline_weekly_median: {label: Baseline median/week, format: decimal}
  ratio: {label: Demand ratio, format: decimal}
  robust_z: {label: Robust z, format: decimal}
  recent_backordered_units: {label: "Backordered, last 4 weeks", format: integer}
  backorder_ratio: {label: Backordered share, format: percent}
  surging: {label: Surging}
  outrunning_supply: {label: Outrunning supply}
  status: {label: Status}
*/
with

thresholds as (
    select
        4 as recent_weeks,
        12 as baseline_weeks,
        1.5 as min_ratio,
        3.0 as min_robust_z,
        10 as min_recent_units,
        0.25 as min_backorder_ratio,
        1.4826 as mad_to_sd,
),

lines as (
    select
        d.sku,
        d.units as qty,
        d.backordered_units as backordered_qty,
        ($end::date - d.day) // 7 as weeks_back,
    from daily_demand as d
    cross join thresholds as t
    where
        d.day <= $end
        and d.day > $end::date - 7 * (t.recent_weeks + t.baseline_weeks)
        and ($channel is null or d.channel = $channel)
),

products_in_scope as (
    select sku, product_name, category, supplier_id, unit_price,
    from products
    where
        ($category is null or category = $category)
        and ($supplier is null or supplier_id = $supplier)
),

weekly as (
    select
        lines.sku,
        lines.weeks_back,
        sum(lines.qty) as units,
        sum(lines.backordered_qty) as backordered_units,
    from lines
    inner join products_in_scope using (sku)
    group by all
),

grid as (
    select skus.sku, weeks.weeks_back,
    from (select distinct sku from weekly) as skus
    cross join thresholds as t
    cross join range(t.recent_weeks + t.baseline_weeks) as weeks(weeks_back)
),

filled as (
    select
        grid.sku,
        grid.weeks_back,
        grid.weeks_back < t.recent_weeks as is_recent,
        coalesce(weekly.units, 0) as units,
        coalesce(weekly.backordered_units, 0) as backordered_units,
    from grid
    cross join thresholds as t
    left join weekly using (sku, weeks_back)
),

baseline_median as (
    select sku, median(units) as baseline_median,
    from filled
    where not is_recent
    group by sku
),

stats as (
    select
        filled.sku,
        sum(units) filter (where is_recent) as recent_units,
        sum(backordered_units) filter (where is_recent) as recent_backordered_units,
        sum(units) filter (where not is_recent) as baseline_units,
        avg(units) filter (where is_recent) as recent_weekly_mean,
        avg(units) filter (where not is_recent) as baseline_weekly_mean,
        any_value(baseline_median.baseline_median) as baseline_median,
        median(abs(units - baseline_median.baseline_median)) filter (where not is_recent) as baseline_mad,
    from filled
    inner join baseline_median using (sku)
    group by filled.sku
),

scored as (
    select
        stats.*,
        stats.recent_weekly_mean / nullif(stats.baseline_weekly_mean, 0) as ratio,
        (stats.recent_weekly_mean - stats.baseline_median) / greatest(
            t.mad_to_sd * stats.baseline_mad, sqrt(stats.baseline_median), 1
        ) as robust_z,
        stats.recent_backordered_units / nullif(stats.recent_units, 0) as backorder_ratio,
    from stats
    cross join thresholds as t
),

flagged as (
    select
        scored.*,
        coalesce(
            scored.recent_units >= t.min_recent_units
            and scored.robust_z >= t.min_robust_z
            and (scored.ratio is null or scored.ratio >= t.min_ratio),
            false
        ) as surging,
    from scored
    cross join thresholds as t
)

select
    f.sku::varchar as sku,
    p.product_name::varchar as product_name,
    p.category::varchar as category,
    p.supplier_id::varchar as supplier_id,
    f.recent_units::bigint as recent_units,
    f.baseline_units::bigint as baseline_units,
    f.recent_weekly_mean::double as recent_weekly_mean,
    f.baseline_weekly_mean::double as baseline_weekly_mean,
    f.baseline_median::double as baseline_weekly_median,
    f.ratio::double as ratio,
    f.robust_z::double as robust_z,
    f.recent_backordered_units::bigint as recent_backordered_units,
    f.backorder_ratio::double as backorder_ratio,
    f.surging::boolean as surging,
    (f.surging and f.backorder_ratio >= t.min_backorder_ratio)::boolean as outrunning_supply,
    case
        when f.surging and f.backorder_ratio >= t.min_backorder_ratio then 'surging, outrunning supply'
        when f.surging then 'surging'
        else 'steady'
    end::varchar as status,
from flagged as f
inner join products_in_scope as p using (sku)
cross join thresholds as t
order by f.robust_z desc nulls last, f.ratio desc nulls last, f.sku
