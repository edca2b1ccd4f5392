/*
title: Last load
description: The warehouse's as-of date (its latest event), when it was loaded, and from where.
*/
select
    as_of,
    loaded_at,
    source,
from warehouse_meta
