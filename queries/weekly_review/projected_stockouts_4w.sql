/*
title: SKUs projected to go on backorder in the next 4 weeks
description: >
  The Outlook projection (views/outlook_projection.sql) made on the latest
  prepared day on or before the To date (the as-of date, or the same weekday
  1 to 26 weeks before it), from only what was known then: the SKUs whose
  projected available stock goes below zero within 4 weeks, with the first such
  day, the largest shortfall in units and x unit price (the rule of
  outlook/projected_stockouts.sql). Soonest first, then by value. A To date
  before the earliest prepared day is an error (no projection), not an empty list.
params:
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  supplier_id: {label: Supplier id}
  stockout_date: {label: Short from, format: date}
  units_short: {label: Units short, format: integer}
  value_short: {label: Value short, format: money}
  projected_on: {label: Projected on, format: date}
*/
with

cutoff as (
    -- a week before the earliest prepared day has no projection: an error, not an empty list
    select
        case
            when count(*) = 0 then error(
                'no Outlook projection was made on or before ' || $end::varchar
                || ': the earliest is 26 weeks before the as-of date'
            )
            else max_by(weeks_back, cutoff)
        end as weeks_back,
    from outlook_cutoffs
    where cutoff <= $end
),

short as (
    select
        j.sku,
        any_value(j.cutoff) as cutoff,
        min(j.day) filter (where j.available < 0) as stockout_date,
        -min(j.available) as shortfall,
    from outlook_projection as j
    inner join cutoff as c on c.weeks_back = j.weeks_back
    where j.day_no <= 28
    group by j.sku
    having min(j.available) < 0
)

select
    s.sku::varchar as sku,
    p.product_name::varchar as product_name,
    p.supplier_id::varchar as supplier_id,
    s.stockout_date::date as stockout_date,
    ceil(s.shortfall)::bigint as units_short,
    round(ceil(s.shortfall) * p.unit_price, 2)::double as value_short,
    s.cutoff::date as projected_on,
from short as s
inner join products as p using (sku)
where
    ($category is null or p.category = $category)
    and ($supplier is null or p.supplier_id = $supplier)
order by s.stockout_date, value_short desc, s.sku
