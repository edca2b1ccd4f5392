"""Words for a figure that cannot be computed: which data would make it, so it never reads as zero."""

from __future__ import annotations

import pandas as pd

NO_LEAD_TIME = (
    "no lead time to plan with: load purchase_orders with ordered_at and received_at,"
    " or give products.lead_time_days"
)
NO_UNIT_COST = "no unit cost: give products.unit_cost"


def suggested_buy(reorder: pd.DataFrame) -> tuple[float | None, str]:
    """The reorder suggestions' total cost, or None, and one line on what it rests on or lacks.

    A SKU without a lead time gets no suggestion, and one without a unit cost no cost: summing
    what is left as if it were 0 would tell the buyer there is nothing to buy."""
    if reorder.empty:
        return None, "n/a: no SKU had demand or open backlog in the period"
    cost = reorder["suggested_cost"]
    no_qty = reorder["suggested_qty"].isna()
    no_cost = cost.isna() & ~no_qty
    if cost.notna().any():
        total = float(cost.sum())
        gaps = [
            f"{count:,} SKUs with {words}"
            for count, words in ((int(no_qty.sum()), NO_LEAD_TIME), (int(no_cost.sum()), NO_UNIT_COST))
            if count
        ]
        left_out = f"; left out: {', '.join(gaps)}" if gaps else ""
        return total, f"over {int(cost.notna().sum()):,} of {len(reorder):,} SKUs{left_out}"
    reasons = [words for flag, words in ((no_qty.any(), NO_LEAD_TIME), (no_cost.any(), NO_UNIT_COST)) if flag]
    return None, "n/a: " + "; ".join(reasons)
