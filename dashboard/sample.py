"""Deterministic, vectorised simulator of a retail shop that plants known backorder events.

The shop runs day by day from START (Mon 2024-11-25) to END (Sun 2026-11-22): 300 SKUs
in 8 categories with Zipf-like popularity, 13 suppliers (an in-house workshop, seven
more in the US, five overseas), customers in three segments ordering over web, store
and marketplace with a weekly pattern, a Nov/Dec peak and growth. Each day: morning PO
receipts; stock handed first-in-first-out to the open backlog (a backordered line
ships the day its units are covered); the day's orders take what is left (the
shortfall is backordered); waiting customers cancel with a hazard that rises with the
wait and jumps once the promise is missed; an end-of-day snapshot of every SKU. Every
supplier gets one PO a week from an order-up-to policy on a slow demand forecast.

Planted events (dates inclusive, fixed whatever the size or seed; see `PLANTED`):

(a) Supplier disruption: SUP03 Keystone Home Goods (US). Its PO lines promised
    2026-09-28 .. 2026-11-08 arrive 21 days later than they otherwise would; some are
    still open at END, and its SKUs lead the backlog in October.
(b) Demand spike: SKU0131, SKU0197, SKU0217 and SKU0254 (popular SKUs of four other
    US suppliers) sell 4x their usual demand 2026-10-26 .. 2026-11-15; the forecast
    reacts slowly, so most of their lines in the window are backordered.
(c) Overselling channel: from 2026-03-01 to END, 30% of the "marketplace" lines that
    stock could have served are backordered anyway (the listing sold phantom stock),
    so the end-of-day snapshot of their order date still shows enough available stock.
    They are filled first-in-first-out the next morning like any other backorder.
    Other channels are backordered only when the SKU has run out of free stock.
(d) Made-to-order: category "Custom Furniture" (15 SKUs, made_to_order = true) is made
    by SUP00 Own Workshop (US). Production is recorded as one PO a week holding a fixed
    total quantity, 80% of the category's mean weekly demand (`mto_weekly_capacity`:
    24 units at the default size) and a 14-day planned lead time. Demand outruns it, so
    the backlog grows through the Nov/Dec peaks and is largest at END.
(e) Overseas-wide event: PO lines of every overseas supplier (SUP08..SUP12: CN, CN, VN,
    IN, DE) promised 2026-04-06 .. 2026-04-19 arrive 14 days later; US suppliers are
    unaffected.

Outside the events every supplier's delays are independent draws from its own
distribution, so no other stretch of weeks stands out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DEFAULT_LINES: int = 200_000
START: date = date(2024, 11, 25)
END: date = date(2026, 11, 22)
DAYS: int = (END - START).days + 1

Progress = Callable[[int, int], None]


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

CATALOG_SEED = 20241125
CHANNELS = ("web", "store", "marketplace")
CHANNEL_MIX = (0.55, 0.25, 0.20)
HOME_CHANNEL_LOYALTY = 0.7
SEGMENTS = ("consumer", "business", "vip")
SEGMENT_MIX = (0.78, 0.12, 0.10)
BUSINESS_UNITS = 2.5
REGIONS = ("Northeast", "Midwest", "South", "West")
REGION_MIX = (0.22, 0.21, 0.36, 0.21)
LINES_PER_ORDER = np.array([0.65, 0.24, 0.08, 0.03])
IN_STOCK_SHIP_DAYS = np.array([0.5, 0.35, 0.15])
MTO_SHARE = 0.015
REVIEW_DAYS = 7
FORECAST_HALF_LIFE_DAYS = 21.0
SAFETY_Z = 1.0
OPTIMISTIC_SHARE = 0.35
CANCEL_BASE = 0.065
WAIT_RISE_DAYS = 3.0
WAIT_RISE_CAP = 12.0
WAIT_RISE_POWER = 2.0
MISSED_PROMISE = 3.5
CHANNEL_HAZARD = np.array([1.0, 0.3, 5.0])
SEGMENT_HAZARD = np.array([1.0, 0.1, 0.4])
VALUE_EXPONENT = 0.9
SERIAL_CANCELERS = 0.08
SERIAL_HAZARD = 5.0
SERIAL_ACTIVITY = 4.0
PROPENSITY_SIGMA = 0.3
MTO_PATIENCE = 0.0006
CANCEL_REASONS = (
    "Customer request",
    "Waited too long",
    "Found it elsewhere",
    "Ordered by mistake",
    "Promised date missed",
    "Marketplace auto-cancel",
)
ONLINE_HOURS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0,
     3.2, 3.0, 2.9, 2.9, 3.0, 3.2, 3.6, 4.2, 4.6, 4.2, 3.0, 1.8]
)  # fmt: skip
STORE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3,
     3.5, 3, 3, 3, 3.2, 3.5, 3, 2, 0, 0, 0, 0]
)  # fmt: skip

# id, name, country, planned lead days, delay mean, delay sd, late-tail probability,
# late-tail mean extra days, weekday its weekly PO goes out (0 = Monday)
SUPPLIERS: tuple[tuple[str, str, str, int, float, float, float, float, int], ...] = (
    ("SUP00", "Own Workshop", "US", 14, 0.2, 0.8, 0.02, 2, 4),
    ("SUP01", "Great Lakes Distribution", "US", 7, 0.3, 1.0, 0.03, 3, 0),
    ("SUP02", "Pioneer Kitchen Supply", "US", 6, 0.5, 1.0, 0.05, 3, 1),
    ("SUP03", "Keystone Home Goods", "US", 10, 1.5, 1.8, 0.08, 4, 2),
    ("SUP04", "Cascade Outdoor Co.", "US", 9, 1.0, 1.5, 0.06, 4, 3),
    ("SUP05", "Lone Star Toys", "US", 8, 0.8, 1.3, 0.05, 3, 0),
    ("SUP06", "Bayline Apparel", "US", 7, 1.2, 1.6, 0.08, 4, 1),
    ("SUP07", "Summit Tool Supply", "US", 5, 0.4, 1.0, 0.04, 3, 2),
    ("SUP08", "Shenzhen Brightway Electronics", "CN", 42, 2.5, 3.0, 0.10, 6, 3),
    ("SUP09", "Ningbo Harbor Homeware", "CN", 45, 2.0, 3.0, 0.10, 6, 4),
    ("SUP10", "Saigon Textile Export", "VN", 49, 3.0, 3.0, 0.08, 6, 0),
    ("SUP11", "Jaipur Crafts Export", "IN", 52, 3.5, 3.5, 0.10, 7, 1),
    ("SUP12", "Rheinland Werkzeug GmbH", "DE", 28, 1.0, 2.0, 0.05, 4, 2),
)

# name, SKUs, price range, mean extra units per line, supplier weights, product nouns
CATEGORIES: tuple[tuple[str, int, float, float, float, dict[str, float], tuple[str, ...]], ...] = (
    (
        "Kitchen", 45, 6, 90, 0.35, {"SUP02": 0.4, "SUP03": 0.3, "SUP09": 0.2, "SUP12": 0.1},
        ("Chef Knife", "Skillet", "Mixing Bowl", "Cutting Board", "Kettle", "Spatula Set",
         "Dutch Oven", "Colander", "Measuring Cups"),
    ),
    (
        "Home Decor", 45, 10, 140, 0.25, {"SUP03": 0.6, "SUP01": 0.15, "SUP11": 0.25},
        ("Throw Pillow", "Wall Mirror", "Table Lamp", "Vase", "Picture Frame", "Candle Set",
         "Area Rug", "Wall Clock", "Curtain Panel"),
    ),
    (
        "Electronics", 40, 20, 450, 0.10, {"SUP08": 0.75, "SUP01": 0.25},
        ("Headphones", "Bluetooth Speaker", "Power Bank", "Smart Plug", "Webcam",
         "USB Hub", "Fitness Tracker", "Desk Lamp"),
    ),
    (
        "Toys", 40, 8, 70, 0.30, {"SUP05": 0.65, "SUP09": 0.35},
        ("Building Set", "Puzzle", "Plush Bear", "Board Game", "RC Car", "Doll House",
         "Art Kit", "Train Set"),
    ),
    (
        "Garden", 35, 10, 160, 0.30, {"SUP04": 0.45, "SUP03": 0.55},
        ("Hose Reel", "Planter", "Pruning Shears", "Bird Feeder", "Garden Gloves",
         "Solar Light", "Watering Can", "Trowel"),
    ),
    (
        "Apparel", 45, 12, 95, 0.40, {"SUP06": 0.45, "SUP10": 0.35, "SUP11": 0.2},
        ("Rain Jacket", "Hoodie", "Wool Socks", "Beanie", "Chino Pants", "Polo Shirt",
         "Scarf", "Fleece Vest", "Sneakers"),
    ),
    (
        "Tools", 35, 9, 220, 0.25, {"SUP07": 0.5, "SUP12": 0.5},
        ("Cordless Drill", "Socket Set", "Tape Measure", "Level", "Hammer", "Screwdriver Set",
         "Utility Knife", "Clamp Set"),
    ),
    (
        "Custom Furniture", 15, 350, 1800, 0.02, {"SUP00": 1.0},
        ("Dining Table", "Bookshelf", "Bed Frame", "Sideboard", "Desk"),
    ),
)  # fmt: skip
ADJECTIVES = (
    "Classic", "Modern", "Compact", "Deluxe", "Essential", "Premium", "Rustic", "Urban",
    "Heritage", "Nordic", "Pro", "Everyday",
)  # fmt: skip


@dataclass(frozen=True)
class _Catalog:
    """The fixed assortment: suppliers and products, the same whatever the size or seed."""

    supplier_ids: tuple[str, ...]
    supplier_names: tuple[str, ...]
    countries: tuple[str, ...]
    lead: np.ndarray  # planned lead days per supplier
    delay: np.ndarray  # per supplier: mean, sd, tail probability, tail mean
    weekday: np.ndarray  # per supplier
    skus: tuple[str, ...]
    names: tuple[str, ...]
    categories: tuple[str, ...]
    sku_supplier: np.ndarray  # supplier index per SKU
    price: np.ndarray
    cost: np.ndarray
    extra_units: np.ndarray  # mean units per line beyond the first
    made_to_order: np.ndarray
    popularity: np.ndarray  # share of order lines, sums to 1


def _catalog() -> _Catalog:
    """Draw the assortment from its own fixed seed so the planted SKUs never move."""
    rng = np.random.default_rng(CATALOG_SEED)
    supplier_ids = tuple(s[0] for s in SUPPLIERS)
    names: list[str] = []
    categories: list[str] = []
    sku_supplier: list[int] = []
    price: list[float] = []
    extra: list[float] = []
    for name, count, low, high, extra_units, weights, nouns in CATEGORIES:
        combos = [f"{adjective} {noun}" for adjective in ADJECTIVES for noun in nouns]
        names += [combos[i] for i in rng.choice(len(combos), count, replace=False)]
        categories += [name] * count
        ids = [supplier_ids.index(s) for s in weights]
        sku_supplier += list(rng.choice(ids, count, p=list(weights.values())))
        price += list(np.exp(rng.uniform(np.log(low), np.log(high), count)).round() - 0.01)
        extra += [extra_units] * count
    n = len(names)
    prices = np.array(price).round(2)
    mto = np.array([c == PLANTED.mto_category for c in categories])
    popularity = np.zeros(n)
    popularity[~mto] = (1.0 - MTO_SHARE) * _zipf(rng.permutation(int((~mto).sum())), 0.9)
    popularity[mto] = MTO_SHARE * _zipf(rng.permutation(int(mto.sum())), 0.5)
    return _Catalog(
        supplier_ids=supplier_ids,
        supplier_names=tuple(s[1] for s in SUPPLIERS),
        countries=tuple(s[2] for s in SUPPLIERS),
        lead=np.array([s[3] for s in SUPPLIERS]),
        delay=np.array([s[4:8] for s in SUPPLIERS], dtype=float),
        weekday=np.array([s[8] for s in SUPPLIERS]),
        skus=tuple(f"SKU{i + 1:04d}" for i in range(n)),
        names=tuple(names),
        categories=tuple(categories),
        sku_supplier=np.array(sku_supplier),
        price=prices,
        cost=(prices * rng.uniform(0.35, 0.65, n)).round(2),
        extra_units=np.array(extra),
        made_to_order=mto,
        popularity=popularity,
    )


def _zipf(rank: np.ndarray, exponent: float) -> np.ndarray:
    weights = 1.0 / (rank + 4.0) ** exponent
    return weights / weights.sum()


_CATALOG = _catalog()


def _day(value: date) -> int:
    return (value - START).days


def _within(day: np.ndarray, start: date, end: date) -> np.ndarray:
    return (day >= _day(start)) & (day <= _day(end))


def _season(days: int) -> np.ndarray:
    """Relative order volume per day (mean 1 over the simulation): weekday pattern,
    Nov/Dec peak, post-holiday dip and growth. Runs past END for forecast horizons."""
    day = np.arange(days)
    dates = np.datetime64(START) + day
    doy = (dates - dates.astype("datetime64[Y]")).astype(int) + 1
    yearly = (
        1.0
        + 0.6 * np.exp(-0.5 * ((doy - 338) / 15.0) ** 2)
        - 0.2 * np.exp(-0.5 * ((doy - 8) / 12.0) ** 2)
        - 0.2 * np.exp(-0.5 * ((doy - 373) / 12.0) ** 2)
    )
    weekly = np.array([0.95, 0.9, 0.9, 0.95, 1.05, 1.3, 1.2])[day % 7]
    trend = np.exp(0.14 * day / 365.0)
    season = yearly * weekly * trend
    return season / season[:DAYS].mean()


def _spike(cat: _Catalog) -> np.ndarray:
    """Demand multiplier per day and SKU: 1 except for the planted spike."""
    multiplier = np.ones((DAYS, len(cat.skus)))
    columns = [cat.skus.index(s) for s in PLANTED.spike_skus]
    rows = slice(_day(PLANTED.spike_start), _day(PLANTED.spike_end) + 1)
    multiplier[rows, columns] = PLANTED.spike_factor
    return multiplier


def _mean_units(cat: _Catalog) -> np.ndarray:
    """Expected units per line of each SKU (business customers buy more)."""
    business = SEGMENT_MIX[1]
    return 1.0 + cat.extra_units * (1.0 - business + BUSINESS_UNITS * business)


def mto_weekly_capacity(lines: int = DEFAULT_LINES) -> int:
    """Units the workshop makes each week: a fixed share of its category's mean weekly demand."""
    cat = _CATALOG
    units = lines * (cat.popularity * _mean_units(cat))[cat.made_to_order].sum()
    return max(1, round(PLANTED.mto_capacity_ratio * units / (DAYS / 7)))


def _fifo(keys: np.ndarray, claims: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Units each claim gets when each key's supply is handed out in claim order."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    q = claims[order]
    before = np.cumsum(q) - q
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    before -= np.repeat(before[starts], np.diff(np.r_[starts, len(k)]))
    got = np.empty_like(q)
    got[order] = np.clip(supply[k] - before, 0, q)
    return got


def _repeated(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """True for every (group, key) pair already seen earlier in the arrays."""
    order = np.lexsort((np.arange(len(key)), key, group))
    g, k = group[order], key[order]
    seen = np.r_[False, (g[1:] == g[:-1]) & (k[1:] == k[:-1])]
    out = np.zeros(len(key), dtype=bool)
    out[order] = seen
    return out


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole units summing to `total`, in proportion to `weights` (largest remainder)."""
    share = weights * total / weights.sum()
    units = np.floor(share).astype(np.int64)
    units[np.argsort(units - share, kind="stable")[: total - int(units.sum())]] += 1
    return units


def _sum_by(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=n).round().astype(np.int64)


def _clock(rng: np.random.Generator, n: int, after: np.ndarray | None = None) -> np.ndarray:
    """Second of the day (working hours) an event happens; later than `after` when given."""
    sec = rng.integers(8 * 3600, 20 * 3600, n)
    if after is not None:
        sec = np.minimum(np.maximum(sec, after + rng.integers(1800, 4 * 3600, n)), 86399)
    return sec


def _compact(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Event columns as int32, which halves the memory that 10M lines hold until the end."""
    return tuple(np.asarray(c, dtype=np.int32) for c in columns)


BACKLOG_FIELDS = (
    "line", "sku", "qty", "need", "reserved", "day", "sec", "promised",
    "channel", "segment", "customer", "oversold",
)  # fmt: skip


class _Shop:
    """The state of the simulated shop, advanced one day at a time.

    Stock per SKU: on_hand (physical) and alloc (reserved for lines not yet shipped:
    in-stock lines waiting for dispatch and units already handed to backordered lines),
    so free stock is on_hand - alloc. The backlog holds every open backordered line in
    order of arrival, which is the first-in-first-out order of allocation.
    """

    def __init__(self, lines: int, seed: int) -> None:
        cat = _CATALOG
        self.cat = cat
        self.rng = np.random.default_rng(seed)
        self.n_sku = len(cat.skus)
        self.season = _season(DAYS + 120)
        self.season_cum = np.r_[0.0, np.cumsum(self.season)]
        self.spike = _spike(cat)
        self.sku_lead = cat.lead[cat.sku_supplier]
        self.order_rate = lines / float(LINES_PER_ORDER @ np.arange(1, 5)) / DAYS
        self._customers(max(3000, lines // 15))
        self.capacity = mto_weekly_capacity(lines)
        base = lines / DAYS * cat.popularity * _mean_units(cat)
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
        self.orders: list[tuple[np.ndarray, ...]] = []
        self.lines: list[tuple[np.ndarray, ...]] = []
        self.ships: list[tuple[np.ndarray, ...]] = []
        self.cancels: list[tuple[np.ndarray, ...]] = []
        self.pos: list[tuple[np.ndarray, ...]] = []
        self.snap_on_hand = np.zeros((DAYS, self.n_sku), dtype=np.int64)
        self.snap_alloc = np.zeros((DAYS, self.n_sku), dtype=np.int64)

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

    def _horizon(self, day: int) -> np.ndarray:
        """Seasonal demand-days from tomorrow over each SKU's lead time plus review period."""
        span = self.sku_lead + REVIEW_DAYS
        return self.season_cum[day + 1 + span] - self.season_cum[day + 1]

    def _safety_stock(self, base: np.ndarray) -> np.ndarray:
        """Cover demand noise over lead time + review, plus the supplier's usual delay."""
        cat = self.cat
        span = self.sku_lead + REVIEW_DAYS
        units_sq = _mean_units(cat) ** 2 + cat.extra_units
        sd = np.sqrt(span * base / _mean_units(cat) * units_sq)
        delay = cat.delay[cat.sku_supplier]
        cover = SAFETY_Z * sd + base * np.maximum(delay[:, 0] + delay[:, 1], 0)
        return np.where(cat.made_to_order, 0, np.ceil(cover)).astype(np.int64)

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
        got = _fifo(b["sku"], claims, self.on_hand - self.alloc)
        if not got.any():
            return
        b["need"] = b["need"] - got
        b["reserved"] = b["reserved"] + got
        self.alloc += _sum_by(b["sku"], got, self.n_sku)
        done = (b["need"] == 0) & (got > 0)
        shipped = _sum_by(b["sku"], np.where(done, b["qty"], 0), self.n_sku)
        self.on_hand -= shipped
        self.alloc -= shipped
        n = int(done.sum())
        after = np.where(b["day"][done] == day, b["sec"][done], -1)
        self.ships.append(_compact(b["line"][done], np.full(n, day), _clock(self.rng, n, after)))
        self._drop(done)

    def _drop(self, mask: np.ndarray) -> None:
        self.backlog = {f: v[~mask] for f, v in self.backlog.items()}

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
            again = _repeated(order, sku)
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
        self.orders.append(_compact(customer, channel, np.full(n, day), sec))
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
        return _sum_by(sku, qty, self.n_sku)

    def _serve(
        self, day: int, sku: np.ndarray, qty: np.ndarray, channel: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backordered units per line (first come, first served) and the oversold lines.

        Oversold lines are marketplace lines that stock would have served in full; they
        take no stock, so what they would have used stays free for later lines and for
        the snapshot.
        """
        free = self.on_hand - self.alloc
        served = _fifo(sku, qty, free)
        oversold = np.zeros(len(sku), dtype=bool)
        if _day(PLANTED.oversell_start) <= day <= _day(PLANTED.oversell_end):
            market = channel == CHANNELS.index(PLANTED.oversell_channel)
            lucky = self.rng.random(len(sku)) < PLANTED.oversell_share
            oversold = market & (served == qty) & lucky
            served = _fifo(sku, np.where(oversold, 0, qty), free)
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
        ship_sec = np.where(same_day, _clock(rng, n, line["sec"]), _clock(rng, n))
        promised = self._promise(day, sku, backordered)
        self.lines.append(
            _compact(line["order"], line["line_no"], sku, qty, backordered, promised)
            + _compact(ship_day, ship_sec)
        )
        served = qty - backordered
        self.on_hand -= _sum_by(sku, np.where(same_day, qty, 0), self.n_sku)
        self.alloc += _sum_by(sku, np.where(same_day, 0, served), self.n_sku)
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
        self.cancels.append(_compact(b["line"][cancel], np.full(n, day), _clock(rng, n), reason))
        self.alloc -= _sum_by(b["sku"][cancel], b["reserved"][cancel], self.n_sku)
        self._drop(cancel)

    def _purchase(self, day: int) -> None:
        """The weekly POs of the suppliers whose ordering day this is."""
        cat = self.cat
        weekday = day % 7
        need = _sum_by(self.backlog["sku"], self.backlog["need"], self.n_sku)
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
            return _apportion(self.capacity, uncovered)
        return uncovered + _apportion(spare, self.cat.popularity[self.cat.made_to_order])

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
        self.pos.append(_compact(po, po_line, supplier, sku, qty, ordered, promised, received))
        self.on_order += _sum_by(sku, qty, self.n_sku)
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
        disrupted = (ids == PLANTED.disrupted_supplier) & _within(
            promised, PLANTED.disruption_start, PLANTED.disruption_end
        )
        overseas = np.isin(ids, PLANTED.overseas_suppliers) & _within(
            promised, PLANTED.overseas_start, PLANTED.overseas_end
        )
        return (
            delay
            + np.where(disrupted, PLANTED.disruption_delay_days, 0)
            + np.where(overseas, PLANTED.overseas_delay_days, 0)
        )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded string ids, built in Arrow because a Python loop is too slow at 10M."""
    if len(numbers):
        width = max(width, len(str(int(numbers.max()))))
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _timestamps(day: np.ndarray, sec: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    offset = (day.astype(np.int64) * 86400 + sec) * 1_000_000
    values = np.datetime64(START, "us") + offset.astype("timedelta64[us]")
    return pa.array(values, pa.timestamp("us"), mask=None if valid is None else ~valid)


def _dates(day: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = np.datetime64(START, "D") + day.astype("timedelta64[D]")
    return pa.array(values, pa.date32(), mask=None if valid is None else ~valid)


def _labels(names: tuple[str, ...], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings by index through an Arrow dictionary, cheap at 10M rows."""
    indices = pa.array(np.maximum(index, 0), pa.int32(), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names)).cast(pa.string())


def _stack(chunks: list[tuple[np.ndarray, ...]], width: int) -> list[np.ndarray]:
    if not chunks:
        return [np.zeros(0, dtype=np.int32) for _ in range(width)]
    return [np.concatenate(column) for column in zip(*chunks, strict=True)]


def _dimension_tables(shop: _Shop) -> dict[str, pa.Table]:
    cat = shop.cat
    suppliers = pa.table(
        {
            "supplier_id": pa.array(cat.supplier_ids),
            "supplier_name": pa.array(cat.supplier_names),
            "country": pa.array(cat.countries),
        }
    )
    products = pa.table(
        {
            "sku": pa.array(cat.skus),
            "product_name": pa.array(cat.names),
            "category": pa.array(cat.categories),
            "supplier_id": _labels(cat.supplier_ids, cat.sku_supplier),
            "unit_price": pa.array(cat.price, pa.float64()),
            "unit_cost": pa.array(cat.cost, pa.float64()),
            "lead_time_days": pa.array(shop.sku_lead, pa.int32()),
            "safety_stock": pa.array(shop.safety, pa.int32()),
            "made_to_order": pa.array(cat.made_to_order, pa.bool_()),
        }
    )
    customers = pa.table(
        {
            "customer_id": _ids("C", np.arange(1, shop.n_customers + 1), 6),
            "segment": _labels(SEGMENTS, shop.segment),
            "region": _labels(REGIONS, shop.region),
        }
    )
    return {"suppliers": suppliers, "products": products, "customers": customers}


def _order_tables(shop: _Shop) -> dict[str, pa.Table]:
    customer, channel, day, sec = _stack(shop.orders, 4)
    order_ids = _ids("O", np.arange(1, len(customer) + 1), 7)
    orders = pa.table(
        {
            "order_id": order_ids,
            "customer_id": _ids("C", customer.astype(np.int64) + 1, 6),
            "ordered_at": _timestamps(day, sec),
            "channel": _labels(CHANNELS, channel),
        }
    )
    order, line_no, sku, qty, backordered, promised, ship_day, ship_sec = _stack(shop.lines, 8)
    line, event_day, event_sec = _stack(shop.ships, 3)
    ship_day[line], ship_sec[line] = event_day, event_sec
    cancel_day = np.full(len(order), -1, dtype=np.int32)
    cancel_sec = np.zeros(len(order), dtype=np.int32)
    reason = np.zeros(len(order), dtype=np.int32)
    line, event_day, event_sec, why = _stack(shop.cancels, 4)
    cancel_day[line], cancel_sec[line], reason[line] = event_day, event_sec, why
    canceled = cancel_day >= 0
    order_lines = pa.table(
        {
            "order_id": order_ids.take(pa.array(order)),
            "line_no": pa.array(line_no, pa.int32()),
            "sku": _labels(shop.cat.skus, sku),
            "qty": pa.array(qty, pa.int32()),
            "unit_price": pa.array(shop.cat.price[sku], pa.float64()),
            "backordered_qty": pa.array(backordered, pa.int32()),
            "promised_date": _dates(promised),
            "shipped_at": _timestamps(ship_day, ship_sec, ship_day >= 0),
            "canceled_at": _timestamps(cancel_day, cancel_sec, canceled),
            "cancel_reason": _labels(CANCEL_REASONS, reason, canceled),
        }
    )
    return {"orders": orders, "order_lines": order_lines}


def _stock_tables(shop: _Shop) -> dict[str, pa.Table]:
    po, po_line, supplier, sku, qty, ordered, promised, received = _stack(shop.pos, 8)
    arrived = received >= 0
    purchase_orders = pa.table(
        {
            "po_id": _ids("PO", po.astype(np.int64) + 1, 6),
            "po_line": pa.array(po_line, pa.int32()),
            "supplier_id": _labels(shop.cat.supplier_ids, supplier),
            "sku": _labels(shop.cat.skus, sku),
            "qty": pa.array(qty, pa.int32()),
            "ordered_at": _dates(ordered),
            "promised_date": _dates(promised),
            "received_at": _dates(received, arrived),
            "received_qty": pa.array(qty, pa.int32(), mask=~arrived),
        }
    )
    days = np.repeat(np.arange(DAYS), shop.n_sku)
    snapshots = pa.table(
        {
            "snapshot_date": _dates(days),
            "sku": _labels(shop.cat.skus, np.tile(np.arange(shop.n_sku), DAYS)),
            "on_hand": pa.array(shop.snap_on_hand.ravel(), pa.int32()),
            "allocated": pa.array(shop.snap_alloc.ravel(), pa.int32()),
        }
    )
    return {"purchase_orders": purchase_orders, "inventory_snapshots": snapshots}


CALENDAR: tuple[tuple[date, date | None, str, str, str | None], ...] = (
    (date(2024, 11, 29), date(2024, 12, 24), "Holiday peak", "season", None),
    (date(2025, 11, 28), date(2025, 12, 24), "Holiday peak", "season", None),
    (date(2026, 3, 1), None, "Marketplace listing sync switched on", "change", None),
    (PLANTED.overseas_start, PLANTED.overseas_end, "Port congestion: overseas shipping", "disruption", None),
)
"""What the shop itself knew and wrote down: annotations, not the planted events to be detected
(the supplier disruption and the demand spike are deliberately absent)."""


def _events_table() -> pa.Table:
    start, end, label, kind, category = zip(*CALENDAR, strict=True)
    return pa.table(
        {
            "start_date": pa.array(start, pa.date32()),
            "end_date": pa.array(end, pa.date32()),
            "label": pa.array(label, pa.string()),
            "kind": pa.array(kind, pa.string()),
            "supplier_id": pa.array([None] * len(CALENDAR), pa.string()),
            "sku": pa.array([None] * len(CALENDAR), pa.string()),
            "category": pa.array(category, pa.string()),
        }
    )


def _tables(lines: int, seed: int, progress: Progress | None) -> dict[str, pa.Table]:
    """The canonical tables as Arrow tables, in load order."""
    shop = _Shop(lines, seed)
    shop.run(progress)
    tables = {**_dimension_tables(shop), **_order_tables(shop), **_stock_tables(shop)}
    return {**tables, "events": _events_table()}


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Dates stay Arrow dates (pandas has no date dtype); integer columns with nulls
    become nullable integers instead of floats."""
    frame = table.to_pandas(types_mapper={pa.date32(): pd.ArrowDtype(pa.date32())}.get)
    for field in table.schema:
        if pa.types.is_integer(field.type) and table.column(field.name).null_count:
            frame[field.name] = frame[field.name].astype("Int32")
    return frame


def generate(
    lines: int = DEFAULT_LINES, seed: int = 7, progress: Progress | None = None
) -> dict[str, pd.DataFrame]:
    """The seven canonical tables (columns in schema order); same (lines, seed), same frames."""
    return {name: _to_pandas(table) for name, table in _tables(lines, seed, progress).items()}


def write(
    out_dir: Path, lines: int = DEFAULT_LINES, seed: int = 7, progress: Progress | None = None
) -> dict[str, int]:
    """Write out_dir/<table>.parquet for every canonical table; return the row counts."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, table in _tables(lines, seed, progress).items():
        pq.write_table(table, out_dir / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts
