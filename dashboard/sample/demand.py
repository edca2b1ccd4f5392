"""Demand: the customers, and each day's orders and their lines (the planted spike applies here)."""

from __future__ import annotations

import numpy as np

from dashboard.sample.arrays import compact, repeated, sum_by

CHANNELS = ("web", "store", "marketplace")
CHANNEL_MIX = (0.55, 0.25, 0.20)
SEGMENTS = ("consumer", "business", "vip")
SEGMENT_MIX = (0.78, 0.12, 0.10)
BUSINESS_UNITS = 2.5
REGIONS = ("Northeast", "Midwest", "South", "West")
REGION_MIX = (0.22, 0.21, 0.36, 0.21)
HOME_CHANNEL_LOYALTY = 0.7
LINES_PER_ORDER = np.array([0.65, 0.24, 0.08, 0.03])
SERIAL_CANCELERS = 0.08
SERIAL_HAZARD = 5.0
SERIAL_ACTIVITY = 4.0
PROPENSITY_SIGMA = 0.3
ONLINE_HOURS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0,
     3.2, 3.0, 2.9, 2.9, 3.0, 3.2, 3.6, 4.2, 4.6, 4.2, 3.0, 1.8]
)  # fmt: skip

STORE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3,
     3.5, 3, 3, 3, 3.2, 3.5, 3, 2, 0, 0, 0, 0]
)  # fmt: skip


class Demand:
    """Part of `Shop`: draws customers and takes the day's orders, which fulfilment serves."""

    def _customers(self, n: int) -> None:
        """Customers differ in how often they buy, where, and how readily they cancel.

        Serial cancelers also buy more often, so their habit shows in their history.
        """
        rng = self.rng
        self.n_customers = n
        self.segment = rng.choice(3, n, p=SEGMENT_MIX)
        self.region = rng.choice(len(REGIONS), n, p=REGION_MIX)
        serial = rng.random(n) < SERIAL_CANCELERS
        noise = rng.lognormal(-(PROPENSITY_SIGMA**2) / 2, PROPENSITY_SIGMA, n)
        self.propensity = noise * np.where(serial, SERIAL_HAZARD, 1.0)
        activity = rng.gamma(0.6, 1.0, n) * np.where(self.segment == 1, 2.0, 1.0)
        activity *= np.where(serial, SERIAL_ACTIVITY, 1.0)
        self.customer_cdf = np.cumsum(activity) / activity.sum()
        self.home_channel = rng.choice(3, n, p=CHANNEL_MIX)

    def _new_orders(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's orders in time order: customer, channel, second of the day."""
        rng = self.rng
        lift = self.cat.popularity @ self.spike[day]
        n = rng.poisson(self.order_rate * self.season[day] * lift)
        customer = np.searchsorted(self.customer_cdf, rng.random(n), side="right")
        customer = np.minimum(customer, self.n_customers - 1)
        usual = rng.random(n) < HOME_CHANNEL_LOYALTY
        channel = np.where(usual, self.home_channel[customer], rng.choice(3, n, p=CHANNEL_MIX))
        hours = np.where(
            channel == CHANNELS.index("store"),
            rng.choice(24, n, p=STORE_HOURS / STORE_HOURS.sum()),
            rng.choice(24, n, p=ONLINE_HOURS / ONLINE_HOURS.sum()),
        )
        sec = hours * 3600 + rng.integers(0, 3540, n)
        order = np.argsort(sec, kind="stable")
        return customer[order], channel[order], sec[order]

    def _pick_skus(self, day: int, order: np.ndarray) -> np.ndarray:
        """A SKU per line by popularity (and the spike), each SKU once per order."""
        weights = self.cat.popularity * self.spike[day]
        cdf = np.cumsum(weights) / weights.sum()
        sku = np.minimum(np.searchsorted(cdf, self.rng.random(len(order))), self.n_sku - 1)
        for _ in range(5):
            again = repeated(order, sku)
            if not again.any():
                break
            redraw = np.searchsorted(cdf, self.rng.random(int(again.sum())))
            sku[again] = np.minimum(redraw, self.n_sku - 1)
        return sku

    def _take_orders(self, day: int) -> np.ndarray:
        """Create the day's orders and lines, serve them from free stock; units per SKU."""
        rng = self.rng
        customer, channel, sec = self._new_orders(day)
        n = len(customer)
        first = self.n_orders
        self.n_orders += n
        self.orders.append(compact(customer, channel, np.full(n, day), sec))
        count = np.searchsorted(np.cumsum(LINES_PER_ORDER), rng.random(n), side="right") + 1
        count = np.minimum(count, len(LINES_PER_ORDER))
        local = np.repeat(np.arange(n), count)
        line_no = np.arange(len(local)) - np.repeat(np.cumsum(count) - count, count) + 1
        sku = self._pick_skus(day, local)
        segment = self.segment[customer[local]]
        bulk = np.where(segment == SEGMENTS.index("business"), BUSINESS_UNITS, 1.0)
        qty = np.minimum(1 + rng.poisson(self.cat.extra_units[sku] * bulk), 20)
        backordered, oversold = self._serve(day, sku, qty, channel[local])
        line = {
            "order": first + local,
            "line_no": line_no,
            "sku": sku,
            "qty": qty,
            "backordered": backordered,
            "oversold": oversold,
            "sec": sec[local],
            "channel": channel[local],
            "segment": segment,
            "customer": customer[local],
        }
        self._record_lines(day, line)
        return sum_by(sku, qty, self.n_sku)
