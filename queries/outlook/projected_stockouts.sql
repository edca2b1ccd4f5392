/*
title: SKUs projected to go on backorder
description: >
  Every SKU whose projected available stock (views/outlook_projection.sql, made
  at the as-of date) goes below zero within the horizon: the first such day is
  the stock-out date. units_short = the largest projected shortfall within the
  horizon (units customers would wait for at the worst point) and value_short =
  units_short x unit price. The PO line to expedite is the SKU's first open PO
  line expected after the stock-out date; days_earlier = its expected receipt -
  the stock-out date, how much earlier it must arrive; covers_shortfall says
  whether its quantity covers the shortfall of the day before it is expected.
  None when no open PO line is expected after the stock-out. order_qty = the
  units that keep projected stock at or above the SKU's safety stock (0 when it
  has none) every day of the horizon, were they here today. short_week_1..8:
  the units short at the end of each week ahead (empty beyond the horizon).
  Soonest first.
params:
  horizon: {type: int, default: 4, label: Weeks ahead, help: 1 to 8 weeks after the as-of date}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
columns:
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  supplier_id: {label: Supplier id}
  supplier_name: {label: Supplier}
  stockout_date: {label: Short from, format: date}
  days_to_stockout: {label: Days to stock-out, format: integer}
  units_short: {label: Units short, format: integer}
  value_short: {label: Value short, format: money}
  available_now: {label: Available now, format: integer}
  backlog_units: {label: Backlog units, format: integer}
  forecast_units: {label: Forecast units, format: decimal}
  expedite_po_id: {label: PO to expedite}
  expedite_po_line: {label: PO line to expedite, format: integer}
  expedite_supplier_id: {label: Its supplier}
  expedite_qty: {label: Quantity on that PO line, format: integer}
  expected_receipt: {label: Expected receipt, format: date}
  days_earlier: {label: Days earlier needed, format: integer}
  covers_shortfall: {label: Covers the shortfall}
  order_qty: {label: Suggested order, format: integer}
  short_week_1: {label: Short in week 1, format: integer}
  short_week_2: {label: Short in week 2, format: integer}
  short_week_3: {label: Short in week 3, format: integer}
  short_week_4: {label: Short in week 4, format: integer}
  short_week_5: {label: Short in week 5, format: integer}
  short_week_6: {label: Short in week 6, format: integer}
  short_week_7: {label: Short in week 7, format: integer}
  short_week_8: {label: Short in week 8, format: integer}
*/
with

products_in_scope as (
    select p.sku, p.product_name, p.category, p.supplier_id, s.supplier_name, p.unit_price, p.safety_stock,
    from products as p
    left join suppliers as s using (supplier_id)
    where
        ($category is null or p.category = $category)
        and ($supplier is null or p.supplier_id = $supplier)
),

projection as (
    select j.*,
    from outlook_projection as j
    inner join products_in_scope using (sku)
    where j.weeks_back = 0 and j.day_no <= 7 * least(greatest($horizon, 1), 8)
),

short as (
    select
        sku,
        any_value(cutoff) as as_of,
        min(day) filter (where available < 0) as stockout_date,
        -min(available) as worst_shortfall,
        any_value(backlog_units) as backlog_units,
        any_value(start_available) as start_available,
        sum(demand) as forecast_units,
        -- stock at the end of each week ahead (empty beyond the horizon)
        any_value(available) filter (where day_no = 7) as end_week_1,
        any_value(available) filter (where day_no = 14) as end_week_2,
        any_value(available) filter (where day_no = 21) as end_week_3,
        any_value(available) filter (where day_no = 28) as end_week_4,
        any_value(available) filter (where day_no = 35) as end_week_5,
        any_value(available) filter (where day_no = 42) as end_week_6,
        any_value(available) filter (where day_no = 49) as end_week_7,
        any_value(available) filter (where day_no = 56) as end_week_8,
    from projection
    group by sku
    having min(available) < 0
),

expedite as (
    select
        s.sku,
        po.po_id,
        po.po_line,
        po.supplier_id,
        po.qty,
        po.expected_receipt,
        po.arrival,
    from short as s
    asof inner join (select * from outlook_po_lines where weeks_back = 0) as po
        on po.sku = s.sku and po.arrival > s.stockout_date
),

short_before_arrival as (
    select e.sku, -j.available as shortfall,
    from expedite as e
    inner join projection as j on j.sku = e.sku and j.day = e.arrival - 1
)

select
    s.sku::varchar as sku,
    p.product_name::varchar as product_name,
    p.category::varchar as category,
    p.supplier_id::varchar as supplier_id,
    p.supplier_name::varchar as supplier_name,
    s.stockout_date::date as stockout_date,
    (s.stockout_date - s.as_of)::integer as days_to_stockout,
    ceil(s.worst_shortfall)::bigint as units_short,
    round(ceil(s.worst_shortfall) * p.unit_price, 2)::double as value_short,
    s.start_available::bigint as available_now,
    s.backlog_units::bigint as backlog_units,
    round(s.forecast_units, 1)::double as forecast_units,
    e.po_id::varchar as expedite_po_id,
    e.po_line::integer as expedite_po_line,
    e.supplier_id::varchar as expedite_supplier_id,
    e.qty::bigint as expedite_qty,
    e.arrival::date as expected_receipt,
    (e.arrival - s.stockout_date)::integer as days_earlier,
    (e.qty >= ceil(coalesce(b.shortfall, 0)))::boolean as covers_shortfall,
    ceil(s.worst_shortfall + coalesce(p.safety_stock, 0))::bigint as order_qty,
    if(s.end_week_1 is null, null, ceil(greatest(-s.end_week_1, 0)))::bigint as short_week_1,
    if(s.end_week_2 is null, null, ceil(greatest(-s.end_week_2, 0)))::bigint as short_week_2,
    if(s.end_week_3 is null, null, ceil(greatest(-s.end_week_3, 0)))::bigint as short_week_3,
    if(s.end_week_4 is null, null, ceil(greatest(-s.end_week_4, 0)))::bigint as short_week_4,
    if(s.end_week_5 is null, null, ceil(greatest(-s.end_week_5, 0)))::bigint as short_week_5,
    if(s.end_week_6 is null, null, ceil(greatest(-s.end_week_6, 0)))::bigint as short_week_6,
    if(s.end_week_7 is null, null, ceil(greatest(-s.end_week_7, 0)))::bigint as short_week_7,
    if(s.end_week_8 is null, null, ceil(greatest(-s.end_week_8, 0)))::bigint as short_week_8,
from short as s
inner join products_in_scope as p using (sku)
left join expedite as e using (sku)
left join short_before_arrival as b using (sku)
order by s.stockout_date, value_short desc, s.sku
