"""Replenishment: the weekly order-up-to POs, the workshop's production and supplier delays."""

from __future__ import annotations

import numpy as np

from dashboard.sample import planted
from dashboard.sample.arrays import apportion, compact, sum_by
from dashboard.sample.catalog import mean_units
from dashboard.sample.span import DAYS

REVIEW_DAYS = 7
FORECAST_HALF_LIFE_DAYS = 21.0
SAFETY_Z = 1.0


class Replenishment:
    """Part of `Shop`: places POs from the stock position and schedules their receipts."""

    def _horizon(self, day: int) -> np.ndarray:
        """Seasonal demand-days from tomorrow over each SKU's lead time plus review period."""
        span = self.sku_lead + REVIEW_DAYS
        return self.season_cum[day + 1 + span] - self.season_cum[day + 1]

    def _safety_stock(self, base: np.ndarray) -> np.ndarray:
        """Cover demand noise over lead time + review, plus the supplier's usual delay."""
        cat = self.cat
        span = self.sku_lead + REVIEW_DAYS
        units_sq = mean_units(cat) ** 2 + cat.extra_units
        sd = np.sqrt(span * base / mean_units(cat) * units_sq)
        delay = cat.delay[cat.sku_supplier]
        cover = SAFETY_Z * sd + base * np.maximum(delay[:, 0] + delay[:, 1], 0)
        return np.where(cat.made_to_order, 0, np.ceil(cover)).astype(np.int64)

    def _purchase(self, day: int) -> None:
        """The weekly POs of the suppliers whose ordering day this is."""
        cat = self.cat
        weekday = day % 7
        need = sum_by(self.backlog["sku"], self.backlog["need"], self.n_sku)
        position = self.on_hand - self.alloc + self.on_order - need
        qty = np.where(cat.weekday[cat.sku_supplier] == weekday, self._reorder(day, position), 0)
        mto = cat.made_to_order
        if cat.weekday[cat.sku_supplier[mto][0]] == weekday:
            qty[mto] = self._production(-np.minimum(position[mto], 0))
        sku = np.flatnonzero(qty > 0)
        if len(sku):
            self._place(day, sku, qty[sku])

    def _reorder(self, day: int, position: np.ndarray) -> np.ndarray:
        """Order up to forecast demand over lead time + review plus safety stock.

        The reorder point sits a fifth of a week below that target, so nearly every
        selling SKU gets a line each week and delays can be measured week by week.
        """
        target = np.ceil(self.forecast * self._horizon(day) + self.safety)
        reorder_point = target - 0.2 * self.forecast * REVIEW_DAYS
        return np.where(position < reorder_point, target - position, 0).astype(np.int64)

    def _production(self, uncovered: np.ndarray) -> np.ndarray:
        """The workshop always makes exactly its weekly capacity: uncovered orders in
        proportion when they exceed it, otherwise all of them and best sellers ahead."""
        spare = self.capacity - int(uncovered.sum())
        if spare <= 0:
            return apportion(self.capacity, uncovered)
        return uncovered + apportion(spare, self.cat.popularity[self.cat.made_to_order])

    def _place(self, day: int, sku: np.ndarray, qty: np.ndarray) -> None:
        """Record one PO per supplier and schedule the receipts (after delays and events)."""
        supplier = self.cat.sku_supplier[sku]
        order = np.lexsort((sku, supplier))
        sku, qty, supplier = sku[order], qty[order], supplier[order]
        starts = np.flatnonzero(np.r_[True, supplier[1:] != supplier[:-1]])
        sizes = np.diff(np.r_[starts, len(sku)])
        po = self.n_pos + np.repeat(np.arange(len(starts)), sizes)
        po_line = np.arange(len(sku)) - np.repeat(starts, sizes) + 1
        self.n_pos += len(starts)
        promised = day + self.cat.lead[supplier]
        received = np.maximum(promised + self._delay(supplier, promised), day + 1)
        received = np.where(received < DAYS, received, -1)
        ordered = np.full(len(sku), day)
        self.pos.append(compact(po, po_line, supplier, sku, qty, ordered, promised, received))
        self.on_order += sum_by(sku, qty, self.n_sku)
        arrive = received >= 0
        np.add.at(self.arrivals, (received[arrive], sku[arrive]), qty[arrive])

    def _delay(self, supplier: np.ndarray, promised: np.ndarray) -> np.ndarray:
        """Days late (negative = early): the supplier's own noise plus the planted events."""
        rng = self.rng
        mean, sd, tail_p, tail_mean = self.cat.delay[supplier].T
        n = len(supplier)
        tail = np.where(rng.random(n) < tail_p, rng.geometric(1.0 / tail_mean, n), 0)
        delay = np.maximum(np.rint(rng.normal(mean, sd)).astype(np.int64) + tail, -3)
        ids = np.array(self.cat.supplier_ids)[supplier]
        return delay + planted.extra_delay(ids, promised)
