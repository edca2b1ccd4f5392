/*
title: Backlog by age
description: >
  Backorders open at the end of the To date by age (To date - order date, in calendar
  days): 0-7, 8-14, 15-30, 31-60 and 60+ (61 days or more). Lines, units, value
  (backordered_qty x unit_price) and each bucket's share of the open units.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
chart: {mark: bar, x: age_bucket:O, y: open_units:Q}
columns:
  age_bucket: {label: Age (days)}
  bucket_order: {label: Bucket order, format: integer}
  open_lines: {label: Open lines, format: integer}
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money}
  share_of_units: {label: Share of units, format: percent}
*/
with

buckets as (
    select *
    from (
        values
            (1, '0-7', 0, 7),
            (2, '8-14', 8, 14),
            (3, '15-30', 15, 30),
            (4, '31-60', 31, 60),
            (5, '60+', 61, null)
    ) as t (bucket_order, age_bucket, min_days, max_days)
),

open_backorders as (
    select
        $end - ordered_date as age_days,
        backordered_qty,
        value,
    from open_backorders_at($end, $category, $supplier, $channel)
),

bucketed as (
    select
        b.age_bucket,
        count(*) as open_lines,
        sum(o.backordered_qty) as open_units,
        sum(o.value) as open_value,
    from open_backorders as o
    inner join buckets as b
        on o.age_days >= b.min_days and (b.max_days is null or o.age_days <= b.max_days)
    group by b.age_bucket
)

select
    b.age_bucket::varchar as age_bucket,
    b.bucket_order::integer as bucket_order,
    coalesce(k.open_lines, 0)::bigint as open_lines,
    coalesce(k.open_units, 0)::bigint as open_units,
    round(coalesce(k.open_value, 0), 2)::double as open_value,
    coalesce(k.open_units / sum(k.open_units) over (), 0)::double as share_of_units,
from buckets as b
left join bucketed as k using (age_bucket)
order by b.bucket_order
