"""The planted events: every date, supplier, SKU and size, and the code that plants them.

The simulator calls `spike` (demand), `oversold` (fulfilment) and `extra_delay` (supply); a new
planted event belongs here, with a field on `Planted` and a test in tests/test_sample.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from dashboard.sample.demand import CHANNELS
from dashboard.sample.span import DAYS, END, day_number, within

if TYPE_CHECKING:
    from dashboard.sample.catalog import Catalog


@dataclass(frozen=True)
class Planted:
    """The known events a page must surface and a test must find (dates inclusive)."""

    disrupted_supplier: str = "SUP03"
    disruption_start: date = date(2026, 9, 28)
    disruption_end: date = date(2026, 11, 8)
    disruption_delay_days: int = 21
    spike_skus: tuple[str, ...] = ("SKU0131", "SKU0197", "SKU0217", "SKU0254")
    spike_start: date = date(2026, 10, 26)
    spike_end: date = date(2026, 11, 15)
    spike_factor: float = 4.0
    oversell_channel: str = "marketplace"
    oversell_start: date = date(2026, 3, 1)
    oversell_end: date = END
    oversell_share: float = 0.30
    mto_category: str = "Custom Furniture"
    mto_supplier: str = "SUP00"
    mto_capacity_ratio: float = 0.80
    overseas_suppliers: tuple[str, ...] = ("SUP08", "SUP09", "SUP10", "SUP11", "SUP12")
    overseas_start: date = date(2026, 4, 6)
    overseas_end: date = date(2026, 4, 19)
    overseas_delay_days: int = 14


PLANTED: Planted = Planted()


def spike(cat: Catalog) -> np.ndarray:
    """Demand multiplier per day and SKU: 1 except for the planted spike."""
    multiplier = np.ones((DAYS, len(cat.skus)))
    columns = [cat.skus.index(s) for s in PLANTED.spike_skus]
    rows = slice(day_number(PLANTED.spike_start), day_number(PLANTED.spike_end) + 1)
    multiplier[rows, columns] = PLANTED.spike_factor
    return multiplier


def oversold(
    rng: np.random.Generator, day: int, channel: np.ndarray, served: np.ndarray, qty: np.ndarray
) -> np.ndarray:
    """(c) The marketplace lines that stock would have served in full but the listing
    oversold: they are backordered anyway. None outside the event's dates."""
    if not day_number(PLANTED.oversell_start) <= day <= day_number(PLANTED.oversell_end):
        return np.zeros(len(channel), dtype=bool)
    market = channel == CHANNELS.index(PLANTED.oversell_channel)
    lucky = rng.random(len(channel)) < PLANTED.oversell_share
    return market & (served == qty) & lucky


def extra_delay(ids: np.ndarray, promised: np.ndarray) -> np.ndarray:
    """(a) and (e): days a PO line arrives later because of the supplier disruption or the
    overseas-wide event, by supplier id and promised day."""
    disrupted = (ids == PLANTED.disrupted_supplier) & within(
        promised, PLANTED.disruption_start, PLANTED.disruption_end
    )
    overseas = np.isin(ids, PLANTED.overseas_suppliers) & within(
        promised, PLANTED.overseas_start, PLANTED.overseas_end
    )
    return np.where(disrupted, PLANTED.disruption_delay_days, 0) + np.where(
        overseas, PLANTED.overseas_delay_days, 0
    )
