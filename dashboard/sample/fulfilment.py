"""Fulfilment: serve new lines from free stock, queue backorders, fill them first-in-first-out."""

from __future__ import annotations

import numpy as np

from dashboard.sample import planted
from dashboard.sample.arrays import clock, compact, fifo, sum_by
from dashboard.sample.span import DAYS

IN_STOCK_SHIP_DAYS = np.array([0.5, 0.35, 0.15])
OPTIMISTIC_SHARE = 0.35
BACKLOG_FIELDS = (
    "line", "sku", "qty", "need", "reserved", "day", "sec", "promised",
    "channel", "segment", "customer", "oversold",
)  # fmt: skip


class Fulfilment:
    """Part of `Shop`: stock per SKU is on_hand and alloc; the backlog is in arrival order."""

    def _allocate(self, day: int, evening: bool) -> None:
        """Hand free stock to the backlog oldest first; lines fully covered ship today.

        The evening pass re-homes units released by cancellations, so a genuine
        backorder never sits beside free stock overnight; it skips today's oversold
        lines, which must still see their phantom stock in tonight's snapshot.
        """
        b = self.backlog
        if len(b["line"]) == 0:
            return
        claims = b["need"]
        if evening:
            claims = np.where((b["oversold"] == 1) & (b["day"] == day), 0, claims)
        got = fifo(b["sku"], claims, self.on_hand - self.alloc)
        if not got.any():
            return
        b["need"] = b["need"] - got
        b["reserved"] = b["reserved"] + got
        self.alloc += sum_by(b["sku"], got, self.n_sku)
        done = (b["need"] == 0) & (got > 0)
        shipped = sum_by(b["sku"], np.where(done, b["qty"], 0), self.n_sku)
        self.on_hand -= shipped
        self.alloc -= shipped
        n = int(done.sum())
        after = np.where(b["day"][done] == day, b["sec"][done], -1)
        self.ships.append(compact(b["line"][done], np.full(n, day), clock(self.rng, n, after)))
        self._drop(done)

    def _drop(self, mask: np.ndarray) -> None:
        self.backlog = {f: v[~mask] for f, v in self.backlog.items()}

    def _serve(
        self, day: int, sku: np.ndarray, qty: np.ndarray, channel: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backordered units per line (first come, first served) and the oversold lines.

        Oversold lines are marketplace lines that stock would have served in full; they
        take no stock, so what they would have used stays free for later lines and for
        the snapshot.
        """
        free = self.on_hand - self.alloc
        served = fifo(sku, qty, free)
        oversold = planted.oversold(self.rng, day, channel, served, qty)
        if oversold.any():
            served = fifo(sku, np.where(oversold, 0, qty), free)
        return qty - served, oversold

    def _promise(self, day: int, sku: np.ndarray, backordered: np.ndarray) -> np.ndarray:
        """Promised date: 2-4 days when in stock; on backorder the planned lead time plus
        handling, or (sometimes) an optimistic few days."""
        rng = self.rng
        n = len(sku)
        lead = self.sku_lead[sku]
        optimistic = rng.random(n) < OPTIMISTIC_SHARE
        quick = np.where(self.cat.made_to_order[sku], lead // 2, 0) + rng.integers(2, 6, n)
        backorder = day + np.where(optimistic, quick, lead + 2)
        return np.where(backordered > 0, backorder, day + rng.integers(2, 5, n))

    def _record_lines(self, day: int, line: dict[str, np.ndarray]) -> None:
        """Reserve served units, schedule in-stock dispatch, queue the backorders."""
        rng = self.rng
        sku, qty, backordered = line["sku"], line["qty"], line["backordered"]
        n = len(sku)
        bo = backordered > 0
        wait = rng.choice(len(IN_STOCK_SHIP_DAYS), n, p=IN_STOCK_SHIP_DAYS)
        ship_day = np.where(bo | (day + wait >= DAYS), -1, day + wait)
        same_day = ship_day == day
        ship_sec = np.where(same_day, clock(rng, n, line["sec"]), clock(rng, n))
        promised = self._promise(day, sku, backordered)
        self.lines.append(
            compact(line["order"], line["line_no"], sku, qty, backordered, promised)
            + compact(ship_day, ship_sec)
        )
        served = qty - backordered
        self.on_hand -= sum_by(sku, np.where(same_day, qty, 0), self.n_sku)
        self.alloc += sum_by(sku, np.where(same_day, 0, served), self.n_sku)
        later = ship_day > day
        np.add.at(self.ship_due, (ship_day[later], sku[later]), qty[later])
        new = {
            **{f: line[f] for f in ("sku", "qty", "sec", "channel", "segment", "customer")},
            "line": self.n_lines + np.arange(n),
            "need": backordered,
            "reserved": served,
            "day": np.full(n, day),
            "promised": promised,
            "oversold": line["oversold"],
        }
        self.n_lines += n
        self.backlog = {
            f: np.concatenate([self.backlog[f], new[f][bo].astype(np.int64)]) for f in BACKLOG_FIELDS
        }
