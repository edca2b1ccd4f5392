"""Cancellation: waiting customers give up, more the longer they wait."""

from __future__ import annotations

import numpy as np

from dashboard.sample.arrays import clock, compact, sum_by
from dashboard.sample.demand import CHANNELS

CANCEL_BASE = 0.065
WAIT_RISE_DAYS = 3.0
WAIT_RISE_CAP = 12.0
WAIT_RISE_POWER = 2.0
MISSED_PROMISE = 3.5
CHANNEL_HAZARD = np.array([1.0, 0.3, 5.0])
SEGMENT_HAZARD = np.array([1.0, 0.1, 0.4])
VALUE_EXPONENT = 0.9
MTO_PATIENCE = 0.0006
CANCEL_REASONS = (
    "Customer request",
    "Waited too long",
    "Found it elsewhere",
    "Ordered by mistake",
    "Promised date missed",
    "Marketplace auto-cancel",
)


class Cancellation:
    """Part of `Shop`: cancels backordered lines and releases the units they held."""

    def _cancel(self, day: int) -> None:
        """Waiting customers give up: the hazard rises with the wait, jumps once the
        promise is missed, and depends on channel, segment, value and the customer.
        Buyers of made-to-order goods expect to wait and are far more patient."""
        b = self.backlog
        rng = self.rng
        if len(b["line"]) == 0:
            return
        waited = day - b["day"]
        missed = day > b["promised"]
        value = b["need"] * self.cat.price[b["sku"]]
        hazard = (
            CANCEL_BASE
            * np.minimum(1.0 + (waited / WAIT_RISE_DAYS) ** WAIT_RISE_POWER, WAIT_RISE_CAP)
            * np.where(missed, MISSED_PROMISE, 1.0)
            * CHANNEL_HAZARD[b["channel"]]
            * SEGMENT_HAZARD[b["segment"]]
            * np.clip(value / 100.0, 0.2, 5.0) ** VALUE_EXPONENT
            * self.propensity[b["customer"]]
            * np.where(self.cat.made_to_order[b["sku"]], MTO_PATIENCE, 1.0)
        )
        cancel = (waited > 0) & (rng.random(len(waited)) < -np.expm1(-hazard))
        if not cancel.any():
            return
        n = int(cancel.sum())
        reason = rng.choice(4, n, p=[0.35, 0.3, 0.25, 0.1])
        reason = np.where(missed[cancel] & (rng.random(n) < 0.6), 4, reason)
        market = b["channel"][cancel] == CHANNELS.index("marketplace")
        reason = np.where(market & (rng.random(n) < 0.3), 5, reason)
        self.cancels.append(compact(b["line"][cancel], np.full(n, day), clock(rng, n), reason))
        self.alloc -= sum_by(b["sku"][cancel], b["reserved"][cancel], self.n_sku)
        self._drop(cancel)
