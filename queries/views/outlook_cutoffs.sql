/*
kind: view
description: >
  The days the Outlook projection is made from: the as-of date (weeks_back = 0,
  projected 56 days ahead, the page's longest horizon) and the same weekday 1..26
  weeks before it (projected 28 days ahead, what the backtest compares with what
  happened). horizon_days is how far each is projected.
*/
select
    w.n::integer as weeks_back,
    (m.as_of - 7 * w.n::integer)::date as cutoff,
    if(w.n = 0, 56, 28)::integer as horizon_days,
from warehouse_meta as m
cross join range(27) as w(n)
