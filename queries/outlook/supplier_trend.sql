/*
title: Stock-outs waiting on late lines, week by week
description: >
  At the as-of date and at each cut-off 1 to 26 weeks before it, the projection
  made from what was known then (views/outlook_projection.sql): per supplier, the
  SKUs projected to go on backorder within 4 weeks while one of the supplier's
  PO lines for them was late (promised by that day and still open). A supplier
  whose late lines leave more and more SKUs short rises here before its
  backorders peak. Each cut-off is plotted at its week's Monday (week), as on
  every weekly chart.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
chart: {mark: line, x: week:T, y: skus_short:Q, color: supplier_name:N, tooltip: [cutoff, supplier_id, supplier_name, skus_short, late_lines]}
columns:
  week: {label: Week (Monday), format: date}
  cutoff: {label: Cut-off, format: date}
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  skus_short: {label: SKUs short, format: integer}
  late_lines: {label: Late PO lines, format: integer}
*/
with

products_in_scope as (
    select sku,
    from products
    where ($category is null or category = $category)
),

short as (
    select j.weeks_back, j.sku,
    from outlook_projection as j
    inner join products_in_scope using (sku)
    where j.day_no <= 28
    group by j.weeks_back, j.sku
    having min(j.available) < 0
)

select
    date_trunc('week', po.cutoff)::date as week,
    po.cutoff::date as cutoff,
    po.supplier_id::varchar as supplier_id,
    any_value(s.supplier_name)::varchar as supplier_name,
    count(distinct po.sku)::bigint as skus_short,
    count(*)::bigint as late_lines,
from short
inner join outlook_po_lines as po
    on po.weeks_back = short.weeks_back and po.sku = short.sku and po.late
left join suppliers as s on s.supplier_id = po.supplier_id
where $supplier is null or po.supplier_id = $supplier
group by all
order by cutoff, supplier_id
