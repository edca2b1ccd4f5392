/*
title: Projected stock-outs per supplier
description: >
  Per supplier, the SKUs projected to go on backorder within the horizon
  (outlook/projected_stockouts.sql's rule) that wait on its purchase-order lines:
  late lines (promised by the as-of date and still open) and soon-due lines
  (expected within the horizon, but only after the stock-out date). skus_short
  counts the SKUs with at least one such line of the supplier, value_short their
  projected shortfall x unit price. A SKU projected short with no open line of
  any supplier is counted under the supplier of its product as no_po_skus.
params:
  horizon: {type: int, default: 4, label: Weeks ahead, help: 1 to 8 weeks after the as-of date}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
chart: {mark: bar, x: value_short:Q, y: supplier_name:N, tooltip: [supplier_id, supplier_name, skus_short, late_lines, soon_due_lines, no_po_skus, value_short]}
columns:
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  skus_short: {label: SKUs short, format: integer}
  late_lines: {label: Late PO lines, format: integer}
  soon_due_lines: {label: PO lines due soon, format: integer}
  no_po_skus: {label: SKUs with no PO, format: integer}
  value_short: {label: Value short, format: money}
*/
with

products_in_scope as (
    select sku, supplier_id, unit_price,
    from products
    where ($category is null or category = $category)
),

short as (
    select
        j.sku,
        any_value(j.cutoff) as as_of,
        min(j.day) filter (where j.available < 0) as stockout_date,
        -min(j.available) as shortfall,
    from outlook_projection as j
    inner join products_in_scope using (sku)
    where j.weeks_back = 0 and j.day_no <= 7 * least(greatest($horizon, 1), 8)
    group by j.sku
    having min(j.available) < 0
),

waiting as (
    select
        po.supplier_id,
        s.sku,
        s.shortfall,
        po.late,
        not po.late and po.arrival > s.stockout_date
            and po.arrival <= s.as_of + 7 * least(greatest($horizon, 1), 8) as soon_due,
    from short as s
    inner join outlook_po_lines as po on po.sku = s.sku and po.weeks_back = 0
),

per_supplier as (
    select
        w.supplier_id,
        count(distinct w.sku) as skus_short,
        count(*) filter (where w.late) as late_lines,
        count(*) filter (where w.soon_due) as soon_due_lines,
    from waiting as w
    where w.late or w.soon_due
    group by w.supplier_id
),

value_per_supplier as (
    select d.supplier_id, sum(d.shortfall * p.unit_price) as value_short,
    from (
        select distinct w.supplier_id, w.sku, w.shortfall,
        from waiting as w
        where w.late or w.soon_due
    ) as d
    inner join products_in_scope as p using (sku)
    group by d.supplier_id
),

no_po as (
    select p.supplier_id, count(*) as no_po_skus,
    from short as s
    inner join products_in_scope as p using (sku)
    where not exists (select 1 from outlook_po_lines as po where po.weeks_back = 0 and po.sku = s.sku)
    group by p.supplier_id
)

select
    s.supplier_id::varchar as supplier_id,
    s.supplier_name::varchar as supplier_name,
    coalesce(ps.skus_short, 0)::bigint as skus_short,
    coalesce(ps.late_lines, 0)::bigint as late_lines,
    coalesce(ps.soon_due_lines, 0)::bigint as soon_due_lines,
    coalesce(n.no_po_skus, 0)::bigint as no_po_skus,
    round(coalesce(v.value_short, 0), 2)::double as value_short,
from suppliers as s
left join per_supplier as ps using (supplier_id)
left join value_per_supplier as v using (supplier_id)
left join no_po as n using (supplier_id)
where
    (ps.skus_short is not null or n.no_po_skus is not null)
    and ($supplier is null or s.supplier_id = $supplier)
order by value_short desc, s.supplier_id
