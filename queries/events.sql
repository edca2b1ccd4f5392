/*
title: Events
description: >
  Annotations from the optional events table (promotions, holidays, known
  disruptions) that overlap the period; every time chart draws them as bands
  (or a rule for a one-day event). An event without an end date lasts one day.
params:
  start: {type: date, default: -12 weeks}
  end: {type: date, default: as_of}
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
columns:
  start_date: {label: From, format: date}
  end_date: {label: To, format: date}
  label: {label: Label}
  kind: {label: Kind}
*/
select
    start_date::timestamp as start_date,
    coalesce(end_date, start_date)::timestamp as end_date,
    label,
    coalesce(kind, 'event') as kind,
from events
where
    start_date <= $end
    and coalesce(end_date, start_date) >= $start
    and ($category is null or category is null or category = $category)
    and ($supplier is null or supplier_id is null or supplier_id = $supplier)
order by start_date, label
