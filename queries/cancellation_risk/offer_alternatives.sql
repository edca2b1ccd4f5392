/*
title: Alternatives to offer
description: >
  For every backordered line open at the end of the To date, up to three other SKUs
  of the same category that are in stock then (available = on hand - allocated in the
  latest snapshot on or before that day, more than zero) and priced within
  price_band (a share, 0.2 = ±20%) of the line's unit price: the closest price first,
  then the most stock. covers_line says whether the stock covers the backordered
  units. Lines without an alternative have no row.
params:
  end: {type: date, default: as_of}
  price_band: {type: float, default: 0.2, label: Price band (±share), help: 0.2 offers SKUs priced within 20% of the line}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
  channel: {type: choice, from: orders.channel, optional: true}
columns:
  order_id: {label: Order}
  line_no: {label: Line, format: integer}
  customer_id: {label: Customer}
  sku: {label: SKU}
  product_name: {label: Product}
  category: {label: Category}
  unit_price: {label: Unit price, format: money}
  backordered_qty: {label: Backordered qty, format: integer}
  rank: {label: Rank, format: integer}
  alternative_sku: {label: Alternative SKU}
  alternative_name: {label: Alternative}
  alternative_price: {label: Alternative price, format: money}
  price_difference_pct: {label: "Price difference (%)", format: decimal}
  available: {label: Available, format: integer}
  covers_line: {label: Covers the line}
*/
with

settings as (
    select 3 as alternatives_max -- alternatives listed per line
),

open_lines as (
    select
        order_id,
        line_no,
        customer_id,
        sku,
        product_name,
        category,
        unit_price,
        backordered_qty,
    from open_backorders_at($end, $category, $supplier, $channel)
),

stock as (
    select
        sku,
        arg_max(on_hand - coalesce(allocated, 0), snapshot_date) as available,
    from inventory_snapshots
    where snapshot_date <= $end
    group by sku
),

in_stock as (
    select
        p.sku,
        p.product_name,
        p.category,
        p.unit_price,
        s.available,
    from products as p
    inner join stock as s using (sku)
    where s.available > 0
),

candidates as (
    select
        l.order_id,
        l.line_no,
        a.sku as alternative_sku,
        a.product_name as alternative_name,
        a.unit_price as alternative_price,
        a.available,
        row_number() over (
            partition by l.order_id, l.line_no
            order by abs(a.unit_price - l.unit_price), a.available desc, a.sku
        ) as rank,
    from open_lines as l
    inner join in_stock as a
        on a.category = l.category
        and a.sku <> l.sku
        and a.unit_price between l.unit_price * (1 - $price_band) and l.unit_price * (1 + $price_band)
)

select
    l.order_id::varchar as order_id,
    l.line_no::integer as line_no,
    l.customer_id::varchar as customer_id,
    l.sku::varchar as sku,
    l.product_name::varchar as product_name,
    l.category::varchar as category,
    l.unit_price::double as unit_price,
    l.backordered_qty::integer as backordered_qty,
    c.rank::integer as rank,
    c.alternative_sku::varchar as alternative_sku,
    c.alternative_name::varchar as alternative_name,
    c.alternative_price::double as alternative_price,
    round((c.alternative_price / l.unit_price - 1) * 100, 1)::double as price_difference_pct,
    c.available::bigint as available,
    (c.available >= l.backordered_qty)::boolean as covers_line,
from open_lines as l
inner join candidates as c using (order_id, line_no)
cross join settings
where c.rank <= settings.alternatives_max
order by l.order_id, l.line_no, c.rank
