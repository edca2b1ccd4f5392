/*
title: Last load
description: The warehouse's as-of date (its latest event), when it was loaded, and from where.
columns:
  as_of: {label: Data as of, format: date}
  loaded_at: {label: Loaded at, format: datetime}
  source: {label: Source}
*/
select
    as_of,
    loaded_at,
    source,
from warehouse_meta
