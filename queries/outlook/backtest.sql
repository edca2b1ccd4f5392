/*
title: Backtest of the projection
description: >
  For each cut-off 4 to 26 weeks back (views/outlook_backtest.sql: the projection
  made from only what was known on that day) and, in the last row (weeks_back
  empty), all of them pooled: the SKUs projected to go on backorder in the 4
  weeks after it against those that did (a line backordered on a day the SKU
  ended out of stock). precision = right / projected, recall = right / went on
  backorder, roc_auc = the chance that a SKU that went on backorder had fewer
  projected days to its stock-out than one that did not (ties count half; 0.5 is
  guessing). mase = the forecast's mean absolute weekly demand error over the 4
  weeks / the mean absolute week-to-week change in the 12 weeks before the
  cut-off (the in-sample seasonal-naive error), pooled over SKUs; naive_mase is
  the same for the seasonal-naive forecast itself (every week = the last one), so
  the forecast beats it where mase < naive_mase, and beats the in-sample naive
  where mase < 1.
params:
  category: {type: choice, from: products.category, optional: true}
  supplier: {type: choice, from: suppliers.supplier_id, optional: true}
columns:
  weeks_back: {label: Weeks back, format: integer}
  cutoff: {label: Cut-off, format: date}
  skus: {label: SKUs, format: integer}
  projected: {label: Projected short, format: integer}
  went_on_backorder: {label: Went on backorder, format: integer}
  right_calls: {label: Right calls, format: integer}
  precision: {label: Precision, format: percent}
  recall: {label: Recall, format: percent}
  roc_auc: {label: ROC AUC, format: decimal}
  mase: {label: MASE, format: decimal}
  naive_mase: {label: MASE of the naive forecast, format: decimal}
*/
with

rows as (
    select b.*,
    from outlook_backtest as b
    inner join products as p using (sku)
    where
        ($category is null or p.category = $category)
        and ($supplier is null or p.supplier_id = $supplier)
),

ranked as (
    -- AUC by ranks (Mann-Whitney): sooner projected stock-out = higher rank, ties share the mean rank
    select
        weeks_back,
        went_on_backorder,
        rank() over (partition by weeks_back order by -days_to_stockout)
        + (count(*) over (partition by weeks_back, days_to_stockout) - 1) / 2 as cut_rank,
        rank() over (order by -days_to_stockout)
        + (count(*) over (partition by days_to_stockout) - 1) / 2 as pooled_rank,
    from rows
),

per_cutoff as (
    select
        weeks_back,
        any_value(cutoff) as cutoff,
        count(*) as skus,
        count(*) filter (where projected) as projected,
        count(*) filter (where went_on_backorder) as went_on_backorder,
        count(*) filter (where projected and went_on_backorder) as right_calls,
        sum(forecast_error) as forecast_error,
        sum(naive_error) as naive_error,
        sum(scale) as scale,
    from rows
    group by weeks_back
    union all
    select
        null,
        null,
        count(*),
        count(*) filter (where projected),
        count(*) filter (where went_on_backorder),
        count(*) filter (where projected and went_on_backorder),
        sum(forecast_error),
        sum(naive_error),
        sum(scale),
    from rows
),

auc as (
    select
        weeks_back,
        (sum(cut_rank) filter (where went_on_backorder) - n1 * (n1 + 1) / 2) / nullif(n1 * n0, 0) as roc_auc,
    from (
        select
            *,
            count(*) filter (where went_on_backorder) over (partition by weeks_back) as n1,
            count(*) filter (where not went_on_backorder) over (partition by weeks_back) as n0,
        from ranked
    )
    group by weeks_back, n1, n0
    union all
    select
        null,
        (sum(pooled_rank) filter (where went_on_backorder) - n1 * (n1 + 1) / 2) / nullif(n1 * n0, 0),
    from (
        select
            *,
            count(*) filter (where went_on_backorder) over () as n1,
            count(*) filter (where not went_on_backorder) over () as n0,
        from ranked
    )
    group by n1, n0
)

select
    c.weeks_back::integer as weeks_back,
    c.cutoff::date as cutoff,
    c.skus::bigint as skus,
    c.projected::bigint as projected,
    c.went_on_backorder::bigint as went_on_backorder,
    c.right_calls::bigint as right_calls,
    (c.right_calls / nullif(c.projected, 0))::double as precision,
    (c.right_calls / nullif(c.went_on_backorder, 0))::double as recall,
    a.roc_auc::double as roc_auc,
    (c.forecast_error / nullif(c.scale, 0))::double as mase,
    (c.naive_error / nullif(c.scale, 0))::double as naive_mase,
from per_cutoff as c
left join auc as a on a.weeks_back is not distinct from c.weeks_back
order by c.weeks_back nulls last
