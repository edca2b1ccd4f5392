"""The simulated shop: its state and the order of each day's steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dashboard.sample.cancellation import Cancellation
from dashboard.sample.catalog import CATALOG, mean_units, mto_weekly_capacity
from dashboard.sample.demand import LINES_PER_ORDER, Demand
from dashboard.sample.fulfilment import BACKLOG_FIELDS, Fulfilment
from dashboard.sample.planted import spike
from dashboard.sample.replenishment import FORECAST_HALF_LIFE_DAYS, REVIEW_DAYS, Replenishment
from dashboard.sample.span import DAYS, Progress, season
from dashboard.sample.spill import PART_ROWS, Spill


class Shop(Demand, Fulfilment, Cancellation, Replenishment):
    """The state of the simulated shop, advanced one day at a time.

    Stock per SKU: on_hand (physical) and alloc (reserved for lines not yet shipped:
    in-stock lines waiting for dispatch and units already handed to backordered lines),
    so free stock is on_hand - alloc. The backlog holds every open backordered line in
    order of arrival, which is the first-in-first-out order of allocation.

    The orders and lines it records go to `Spill`s (in parts of `part_rows` rows, saved to
    `spill` when given); the rarer ship and cancel events and the POs stay in lists.
    """

    def __init__(self, lines: int, seed: int, spill: Path | None = None, part_rows: int = PART_ROWS) -> None:
        cat = CATALOG
        self.cat = cat
        self.rng = np.random.default_rng(seed)
        self.n_sku = len(cat.skus)
        self.season = season(DAYS + 120)
        self.season_cum = np.r_[0.0, np.cumsum(self.season)]
        self.spike = spike(cat)
        self.sku_lead = cat.lead[cat.sku_supplier]
        self.order_rate = lines / float(LINES_PER_ORDER @ np.arange(1, 5)) / DAYS
        self._customers(max(3000, lines // 15))
        self.capacity = mto_weekly_capacity(lines)
        base = lines / DAYS * cat.popularity * mean_units(cat)
        self.forecast = base.copy()
        self.safety = self._safety_stock(base)
        drawn = base * REVIEW_DAYS * self.rng.uniform(0.2, 1.0, self.n_sku)
        stock = np.ceil(base * self._horizon(0) + self.safety - drawn)
        self.on_hand = np.where(cat.made_to_order, 0, stock).astype(np.int64)
        self.alloc = np.zeros(self.n_sku, dtype=np.int64)
        self.on_order = np.zeros(self.n_sku, dtype=np.int64)
        self.arrivals = np.zeros((DAYS + 1, self.n_sku), dtype=np.int64)
        self.ship_due = np.zeros((DAYS + 3, self.n_sku), dtype=np.int64)
        self.backlog = {f: np.zeros(0, dtype=np.int64) for f in BACKLOG_FIELDS}
        self.n_orders = 0
        self.n_lines = 0
        self.n_pos = 0
        self.orders = Spill("orders", 4, spill, part_rows)
        self.lines = Spill("lines", 8, spill, part_rows)
        self.ships: list[tuple[np.ndarray, ...]] = []
        self.cancels: list[tuple[np.ndarray, ...]] = []
        self.pos: list[tuple[np.ndarray, ...]] = []
        self.snap_on_hand = np.zeros((DAYS, self.n_sku), dtype=np.int64)
        self.snap_alloc = np.zeros((DAYS, self.n_sku), dtype=np.int64)

    def run(self, progress: Progress | None) -> None:
        for day in range(DAYS):
            self.step(day)
            if progress is not None:
                progress(day + 1, DAYS)

    def step(self, day: int) -> None:
        """Receipts and due dispatches, backlog first, new orders, cancellations, snapshot,
        then the day's POs and the forecast update."""
        self.on_hand += self.arrivals[day]
        self.on_order -= self.arrivals[day]
        self.on_hand -= self.ship_due[day]
        self.alloc -= self.ship_due[day]
        self._allocate(day, evening=False)
        units = self._take_orders(day)
        self._cancel(day)
        self._allocate(day, evening=True)
        self.snap_on_hand[day] = self.on_hand
        self.snap_alloc[day] = self.alloc
        self._purchase(day)
        alpha = 1.0 - 0.5 ** (1.0 / FORECAST_HALF_LIFE_DAYS)
        self.forecast += alpha * (units / self.season[day] - self.forecast)
