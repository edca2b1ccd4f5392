-- The warehouse's as-of date: its latest event (promised dates are not events).
create table warehouse_meta as
with
event_dates as (
    select max(ordered_at)::date as day from orders
    union all
    select max(greatest(shipped_at, canceled_at))::date from order_lines
    union all
    select max(greatest(ordered_at, received_at)) from purchase_orders
    union all
    select max(snapshot_date) from inventory_snapshots
)
select
    coalesce(max(day), current_date) as as_of,
    now()::timestamp as loaded_at,
    $source::varchar as source,
from event_dates
