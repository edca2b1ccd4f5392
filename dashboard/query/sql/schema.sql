-- Canonical tables of the warehouse (DESIGN.md). Foreign keys are checked by the
-- loader, which reports every dangling reference with file and row; declaring
-- them here would only turn that report into DuckDB's first error.
create table suppliers (
    supplier_id varchar primary key,
    supplier_name varchar not null,
    country varchar,
);

create table products (
    sku varchar primary key,
    product_name varchar not null,
    category varchar not null,
    supplier_id varchar not null,
    unit_price double not null check (unit_price >= 0),
    unit_cost double check (unit_cost >= 0),
    lead_time_days integer check (lead_time_days >= 0),
    safety_stock integer check (safety_stock >= 0),
    made_to_order boolean not null default false,
);

create table customers (
    customer_id varchar primary key,
    segment varchar,
    region varchar,
);

create table orders (
    order_id varchar primary key,
    customer_id varchar,
    ordered_at timestamp not null,
    channel varchar,
);

create table order_lines (
    order_id varchar not null,
    line_no integer not null,
    sku varchar not null,
    qty integer not null check (qty > 0),
    unit_price double not null check (unit_price >= 0),
    backordered_qty integer not null default 0
        check (backordered_qty >= 0 and backordered_qty <= qty),
    promised_date date,
    shipped_at timestamp,
    canceled_at timestamp,
    cancel_reason varchar,
    primary key (order_id, line_no),
    check (shipped_at is null or canceled_at is null),
);

create table purchase_orders (
    po_id varchar not null,
    po_line integer not null,
    supplier_id varchar not null,
    sku varchar not null,
    qty integer not null check (qty > 0),
    ordered_at date,
    promised_date date not null,
    received_at date,
    received_qty integer check (received_qty >= 0),
    primary key (po_id, po_line),
    check (promised_date >= ordered_at),
    check (received_at is null or received_at >= ordered_at),
);

create table inventory_snapshots (
    snapshot_date date not null,
    sku varchar not null,
    on_hand integer not null,
    allocated integer check (allocated >= 0),
    primary key (snapshot_date, sku),
);

-- Optional annotations: promotions, holidays, known disruptions. Shown on every time chart.
create table events (
    start_date date not null,
    end_date date,
    label varchar not null,
    kind varchar,
    supplier_id varchar,
    sku varchar,
    category varchar,
    check (end_date is null or end_date >= start_date),
);
