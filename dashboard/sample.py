"""Deterministic, vectorised simulator of a retail shop that plants known backorder events.

The shop runs day by day from START (Mon 2024-11-25) to END (Sun 2026-11-22): 300 SKUs
in 8 categories (Zipf-like popularity), 13 suppliers (one in-house workshop, seven more
in the US, five overseas), customers in three segments ordering over web, store and
marketplace with weekly and yearly seasonality and a growth trend. Each day: morning PO
receipts, stock allocated first-in-first-out to the open backlog (a backordered line
ships the day its units are covered), the day's orders take what is left (shortfall is
backordered), waiting customers cancel with a hazard that rises with waiting and jumps
once the promise is missed, then an end-of-day snapshot for every SKU. Every supplier
gets one PO a week from an order-up-to policy driven by a slow demand forecast.

Planted events (all dates inclusive, fixed; see `PLANTED`):

(a) Supplier disruption: SUP03 Keystone Home Goods (US). PO lines promised
    2026-09-28 .. 2026-11-08 arrive 21 days later than they otherwise would; some are
    still open at END and its SKUs dominate the backlog in October.
(b) Demand spike: SKU0053, SKU0198, SKU0224, SKU0231 sell 4x their usual demand
    2026-10-26 .. 2026-11-15; the forecast reacts slowly, so they go on backorder.
(c) Overselling channel: from 2026-03-01 to END, 30% of the "marketplace" lines that
    stock could have served are backordered anyway (the listing sold phantom stock), so
    the end-of-day snapshot still shows enough available stock for them. They are
    filled first-in-first-out the next morning like any other backorder.
(d) Made-to-order category "Custom Furniture" (15 SKUs, made_to_order = true) is made
    by SUP00 Own Workshop (US), whose production is recorded as one PO a week holding
    a fixed total quantity: 80% of the category's mean weekly demand
    (`mto_weekly_capacity`). Demand outruns it, so the backlog grows in the Nov/Dec
    peaks and is large at END.
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
    spike_skus: tuple[str, ...] = ("SKU0053", "SKU0198", "SKU0224", "SKU0231")
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
SEGMENTS = ("consumer", "business", "vip")
SEGMENT_MIX = (0.78, 0.12, 0.10)
REGIONS = ("Northeast", "Midwest", "South", "West")
REGION_MIX = (0.22, 0.21, 0.36, 0.21)
LINES_PER_ORDER = np.array([0.65, 0.24, 0.08, 0.03])
CANCEL_REASONS = (
    "Customer request",
    "Waited too long",
    "Found it elsewhere",
    "Ordered by mistake",
    "Promised date missed",
    "Marketplace auto-cancel",
)
REVIEW_DAYS = 7
FORECAST_HALF_LIFE_DAYS = 21.0
SAFETY_Z = 1.0
MTO_SHARE = 0.03
CANCEL_BASE = 0.010
CHANNEL_HAZARD = np.array([1.0, 0.6, 2.2])
SEGMENT_HAZARD = np.array([1.0, 0.35, 0.7])
ONLINE_HOURS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.8, 3.0]
    + [3.2, 3.0, 2.9, 2.9, 3.0, 3.2, 3.6, 4.2, 4.6, 4.2, 3.0, 1.8]
)
STORE_HOURS = np.array([0.0] * 9 + [1, 2, 3, 3.5, 3, 3, 3, 3.2, 3.5, 3, 2] + [0.0] * 4)

# id, name, country, planned lead days, delay mean, delay sd, late-tail probability,
# late-tail mean extra days, weekday the weekly PO goes out (0 = Monday)
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
    ("SUP10", "Saigon Textile Export", "VN", 49, 3.0, 3.5, 0.12, 7, 0),
    ("SUP11", "Jaipur Crafts Export", "IN", 52, 3.5, 4.0, 0.12, 8, 1),
    ("SUP12", "Rheinland Werkzeug GmbH", "DE", 28, 1.0, 2.0, 0.05, 4, 2),
)

# name, SKUs, price range, mean extra units per line, supplier weights, product nouns
CATEGORIES: tuple[tuple[str, int, float, float, float, dict[str, float], tuple[str, ...]], ...] = (
    (
        "Kitchen", 45, 6, 90, 0.35, {"SUP02": 0.6, "SUP09": 0.4},
        ("Chef Knife", "Skillet", "Mixing Bowl", "Cutting Board", "Kettle", "Spatula Set",
         "Dutch Oven", "Colander", "Measuring Cups"),
    ),
    (
        "Home Decor", 45, 10, 140, 0.25, {"SUP03": 0.6, "SUP01": 0.2, "SUP11": 0.2},
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
        "Garden", 35, 10, 160, 0.30, {"SUP04": 0.55, "SUP03": 0.45},
        ("Hose Reel", "Planter", "Pruning Shears", "Bird Feeder", "Garden Gloves",
         "Solar Light", "Watering Can", "Trowel"),
    ),
    (
        "Apparel", 45, 12, 95, 0.40, {"SUP06": 0.55, "SUP10": 0.45},
        ("Rain Jacket", "Hoodie", "Wool Socks", "Beanie", "Chino Pants", "Polo Shirt",
         "Scarf", "Fleece Vest", "Sneakers"),
    ),
    (
        "Tools", 35, 9, 220, 0.25, {"SUP07": 0.6, "SUP12": 0.4},
        ("Cordless Drill", "Socket Set", "Tape Measure", "Level", "Hammer", "Screwdriver Set",
         "Utility Knife", "Clamp Set"),
    ),
    (
        "Custom Furniture", 15, 350, 1800, 0.02, {"SUP00": 1.0},
        ("Dining Table", "Bookshelf", "Bed Frame", "Sideboard", "Desk"),
    ),
)
ADJECTIVES = (
    "Classic", "Modern", "Compact", "Deluxe", "Essential", "Premium", "Rustic", "Urban",
    "Heritage", "Nordic", "Pro", "Everyday",
)  # fmt: skip


@dataclass(frozen=True)
class Catalog:
    """The fixed assortment: suppliers and products, independent of size and seed."""

    supplier_ids: tuple[str, ...]
    supplier_names: tuple[str, ...]
    countries: tuple[str, ...]
    lead: np.ndarray  # per supplier, planned days
    delay: np.ndarray  # per supplier: mean, sd, tail probability, tail mean
    weekday: np.ndarray  # per supplier
    skus: tuple[str, ...]
    names: tuple[str, ...]
    categories: tuple[str, ...]
    sku_supplier: np.ndarray  # supplier index per SKU
    price: np.ndarray
    cost: np.ndarray
    extra_units: np.ndarray
    made_to_order: np.ndarray
    popularity: np.ndarray  # share of order lines, sums to 1


def _catalog() -> Catalog:
    """Build the assortment from a fixed seed so planted SKUs never move."""
    rng = np.random.default_rng(CATALOG_SEED)
    supplier_ids = tuple(s[0] for s in SUPPLIERS)
    names: list[str] = []
    categories: list[str] = []
    sku_supplier: list[int] = []
    price: list[float] = []
    extra: list[float] = []
    for name, count, low, high, extra_units, weights, nouns in CATEGORIES:
        combos = [f"{a} {n}" for a in ADJECTIVES for n in nouns]
        names += [combos[i] for i in rng.choice(len(combos), count, replace=False)]
        categories += [name] * count
        ids = [supplier_ids.index(s) for s in weights]
        sku_supplier += list(rng.choice(ids, count, p=list(weights.values())))
        price += list(np.exp(rng.uniform(np.log(low), np.log(high), count)).round(2) - 0.01)
        extra += [extra_units] * count
    n = len(names)
    prices = np.array(price)
    mto = np.array([c == "Custom Furniture" for c in categories])
    rank = rng.permutation(int((~mto).sum()))
    popularity = np.zeros(n)
    popularity[~mto] = (1.0 - MTO_SHARE) * _zipf(rank)
    popularity[mto] = MTO_SHARE * _zipf(rng.permutation(int(mto.sum())), exponent=0.5)
    return Catalog(
        supplier_ids=supplier_ids,
        supplier_names=tuple(f"{s[0]} {s[1]}" if s[0] == "SUP00" else s[1] for s in SUPPLIERS),
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


def _zipf(rank: np.ndarray, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / (rank + 3.0) ** exponent
    return weights / weights.sum()


CATALOG: Catalog = _catalog()


def _day(value: date) -> int:
    return (value - START).days


def _season(days: int) -> np.ndarray:
    """Relative order volume per day: weekday pattern, Nov/Dec peak, January dip, growth."""
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


def _spike(cat: Catalog) -> np.ndarray:
    """Demand multiplier per day and SKU for the planted spike."""
    mult = np.ones((DAYS, len(cat.skus)))
    cols = [cat.skus.index(s) for s in PLANTED.spike_skus]
    rows = slice(_day(PLANTED.spike_start), _day(PLANTED.spike_end) + 1)
    mult[rows, cols] = PLANTED.spike_factor
    return mult


def _mean_units(cat: Catalog) -> np.ndarray:
    """Expected units per line of each SKU (business customers buy more)."""
    business = SEGMENT_MIX[1]
    return 1.0 + cat.extra_units * (1.0 - business + 2.5 * business)


def mto_weekly_capacity(lines: int = DEFAULT_LINES) -> int:
    """Units SUP00 makes per week: a fixed share of the category's mean weekly demand."""
    cat = CATALOG
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


def _sum_by(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=n).round().astype(np.int64)


def _clock(rng: np.random.Generator, n: int, after: np.ndarray | None = None) -> np.ndarray:
    """Second of the working day (08:00-20:00) an event happens, later than `after`."""
    sec = rng.integers(8 * 3600, 20 * 3600, n)
    if after is not None:
        sec = np.minimum(np.maximum(sec, after + rng.integers(1800, 4 * 3600, n)), 86399)
    return sec


BACKLOG_FIELDS = (
    "line", "sku", "qty", "need", "reserved", "day", "sec", "promised",
    "channel", "segment", "customer", "oversold",
)  # fmt: skip


class Shop:
    """The state of the simulated shop, advanced one day at a time."""

    def __init__(self, lines: int, seed: int) -> None:
        cat = CATALOG
        self.cat = cat
        self.rng = np.random.default_rng(seed)
        self.n_sku = len(cat.skus)
        self.season = _season(DAYS + 120)
        self.spike = _spike(cat)
        self.sku_lead = cat.lead[cat.sku_supplier]
        self.order_rate = lines / float(LINES_PER_ORDER @ np.arange(1, 5)) / DAYS
        self._customers(max(3000, lines // 15))
        self.capacity = mto_weekly_capacity(lines)
        base = lines / DAYS * cat.popularity * _mean_units(cat)
        self.forecast = base.copy()
        self.safety = self._safety_stock(base)
        self.on_hand = np.where(
            cat.made_to_order, 0, np.ceil(base * self._horizon(0) + self.safety)
        ).astype(np.int64)
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
        """Customers differ in how often they buy, where, and how readily they cancel."""
        rng = self.rng
        self.n_customers = n
        self.segment = rng.choice(3, n, p=SEGMENT_MIX)
        self.region = rng.choice(len(REGIONS), n, p=REGION_MIX)
        activity = rng.gamma(0.6, 1.0, n) * np.where(self.segment == 1, 2.0, 1.0)
        self.customer_cdf = np.cumsum(activity) / activity.sum()
        self.home_channel = rng.choice(3, n, p=CHANNEL_MIX)
        serial = rng.random(n) < 0.08
        self.propensity = rng.lognormal(0.0, 0.6, n) * np.where(serial, 4.0, 1.0)

    def _horizon(self, day: int) -> np.ndarray:
        """Seasonal demand days from tomorrow over each SKU's lead time plus review period."""
        cum = np.r_[0.0, np.cumsum(self.season)]
        span = self.sku_lead + REVIEW_DAYS
        return cum[day + 1 + span] - cum[day + 1]

    def _safety_stock(self, base: np.ndarray) -> np.ndarray:
        """Cover demand noise over lead time + review, plus the supplier's usual delay."""
        cat = self.cat
        span = self.sku_lead + REVIEW_DAYS
        units_sq = _mean_units(cat) ** 2 + cat.extra_units
        lines_per_day = base / _mean_units(cat)
        sd = np.sqrt(span * lines_per_day * units_sq)
        delay = cat.delay[cat.sku_supplier]
        cover = SAFETY_Z * sd + base * np.maximum(delay[:, 0] + delay[:, 1], 0)
        return np.where(cat.made_to_order, 0, np.ceil(cover)).astype(np.int64)

    def run(self, progress: Progress | None) -> None:
        for day in range(DAYS):
            self.step(day)
            if progress is not None:
                progress(day + 1, DAYS)

    def step(self, day: int) -> None:
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
        """Hand free stock to the backlog oldest first; lines fully covered ship today."""
        b = self.backlog
        if len(b["line"]) == 0:
            return
        free = self.on_hand - self.alloc
        eligible = ~((b["oversold"] == 1) & (b["day"] == day)) if evening else None
        claims = b["need"] if eligible is None else np.where(eligible, b["need"], 0)
        got = _fifo(b["sku"], claims, free)
        if not got.any():
            return
        b["need"] = b["need"] - got
        b["reserved"] = b["reserved"] + got
        self.alloc += _sum_by(b["sku"], got, self.n_sku)
        done = (b["need"] == 0) & (got > 0)
        qty = np.where(done, b["qty"], 0)
        shipped = _sum_by(b["sku"], qty, self.n_sku)
        self.on_hand -= shipped
        self.alloc -= shipped
        after = np.where(b["day"][done] == day, b["sec"][done], -1)
        sec = _clock(self.rng, int(done.sum()), after)
        self.ships.append((b["line"][done], np.full(int(done.sum()), day), sec))
        self._drop(done)

    def _drop(self, mask: np.ndarray) -> None:
        keep = ~mask
        self.backlog = {f: v[keep] for f, v in self.backlog.items()}

    def _new_orders(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's orders in time order: customer, channel, second of day."""
        rng = self.rng
        mult = self.spike[day]
        lift = self.cat.popularity @ mult
        n = rng.poisson(self.order_rate * self.season[day] * lift)
        customer = np.searchsorted(self.customer_cdf, rng.random(n), side="right")
        customer = np.minimum(customer, self.n_customers - 1)
        mix = rng.choice(3, n, p=CHANNEL_MIX)
        channel = np.where(rng.random(n) < 0.7, self.home_channel[customer], mix)
        hours = np.where(
            channel == 1,
            rng.choice(24, n, p=STORE_HOURS / STORE_HOURS.sum()),
            rng.choice(24, n, p=ONLINE_HOURS / ONLINE_HOURS.sum()),
        )
        sec = hours * 3600 + rng.integers(0, 3540, n)
        order = np.argsort(sec, kind="stable")
        return customer[order], channel[order], sec[order]

    def _take_orders(self, day: int) -> np.ndarray:
        """Create the day's orders and lines, serve them from free stock, return units per SKU."""
        rng = self.rng
        cat = self.cat
        customer, channel, sec = self._new_orders(day)
        n = len(customer)
        first = self.n_orders
        self.n_orders += n
        self.orders.append((customer, channel, np.full(n, day), sec))
        count = np.searchsorted(np.cumsum(LINES_PER_ORDER), rng.random(n), side="right") + 1
        count = np.minimum(count, 4)
        local = np.repeat(np.arange(n), count)
        line_no = np.arange(len(local)) - np.repeat(np.cumsum(count) - count, count) + 1
        weights = cat.popularity * self.spike[day]
        sku = np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(len(local)))
        sku = np.minimum(sku, self.n_sku - 1)
        seg = self.segment[customer[local]]
        chan = channel[local]
        qty = 1 + rng.poisson(cat.extra_units[sku] * np.where(seg == 1, 2.5, 1.0))
        qty = np.minimum(qty, 20)
        backordered, oversold = self._serve(day, sku, qty, chan)
        line = {
            "order": first + local,
            "line_no": line_no,
            "sku": sku,
            "qty": qty,
            "backordered": backordered,
            "oversold": oversold,
            "sec": sec[local],
            "channel": chan,
            "segment": seg,
            "customer": customer[local],
        }
        self._record_lines(day, line)
        return _sum_by(sku, qty, self.n_sku)

    def _serve(
        self, day: int, sku: np.ndarray, qty: np.ndarray, chan: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backordered units per line (FIFO within the day) and which lines were oversold."""
        free = self.on_hand - self.alloc
        served = _fifo(sku, qty, free)
        oversold = np.zeros(len(sku), dtype=bool)
        if _day(PLANTED.oversell_start) <= day <= _day(PLANTED.oversell_end):
            market = chan == CHANNELS.index(PLANTED.oversell_channel)
            oversold = market & (served == qty) & (self.rng.random(len(sku)) < PLANTED.oversell_share)
            served = _fifo(sku, np.where(oversold, 0, qty), free)
            served[oversold] = 0
        return qty - served, oversold

    def _record_lines(self, day: int, line: dict[str, np.ndarray]) -> None:
        """Reserve served units, schedule in-stock shipments, queue backorders."""
        rng = self.rng
        sku, qty, backordered, sec = line["sku"], line["qty"], line["backordered"], line["sec"]
        n = len(sku)
        idx = self.n_lines + np.arange(n)
        self.n_lines += n
        bo = backordered > 0
        wait = rng.choice(3, n, p=[0.5, 0.35, 0.15])
        ship_day = np.where(bo | (day + wait >= DAYS), -1, day + wait)
        same_day = ship_day == day
        ship_sec = np.where(same_day, _clock(rng, n, sec), _clock(rng, n))
        lead = self.sku_lead[sku]
        optimistic = rng.random(n) < 0.3
        bo_promise = day + np.where(optimistic, np.maximum(lead // 2, 2), lead + 2)
        promised = np.where(bo, bo_promise, day + rng.integers(2, 5, n))
        self.lines.append(
            (line["order"], line["line_no"], sku, qty, backordered, promised, ship_day, ship_sec)
        )
        served = qty - backordered
        self.on_hand -= _sum_by(sku, np.where(same_day, qty, 0), self.n_sku)
        self.alloc += _sum_by(sku, np.where(same_day, 0, served), self.n_sku)
        later = ship_day > day
        np.add.at(self.ship_due, (ship_day[later], sku[later]), qty[later])
        new = {
            "line": idx,
            "qty": qty,
            "need": backordered,
            "reserved": served,
            "day": np.full(n, day),
            "promised": promised,
            **{f: line[f] for f in ("sku", "sec", "channel", "segment", "customer")},
            "oversold": line["oversold"].astype(np.int64),
        }
        self.backlog = {
            f: np.concatenate([self.backlog[f], new[f][bo].astype(np.int64)]) for f in BACKLOG_FIELDS
        }

    def _cancel(self, day: int) -> None:
        """Waiting customers give up; the hazard rises with waiting and jumps past the promise."""
        b = self.backlog
        rng = self.rng
        if len(b["line"]) == 0:
            return
        waited = day - b["day"]
        missed = day > b["promised"]
        value = b["need"] * self.cat.price[b["sku"]]
        hazard = (
            CANCEL_BASE
            * np.minimum(1.0 + waited / 5.0, 8.0)
            * np.where(missed, 3.0, 1.0)
            * CHANNEL_HAZARD[b["channel"]]
            * SEGMENT_HAZARD[b["segment"]]
            * np.clip(value / 100.0, 0.3, 5.0) ** 0.35
            * self.propensity[b["customer"]]
        )
        cancel = (waited > 0) & (rng.random(len(waited)) < 1.0 - np.exp(-hazard))
        if not cancel.any():
            return
        n = int(cancel.sum())
        reason = rng.choice(4, n, p=[0.35, 0.3, 0.25, 0.1])
        reason = np.where(missed[cancel] & (rng.random(n) < 0.6), 4, reason)
        market = b["channel"][cancel] == CHANNELS.index("marketplace")
        reason = np.where(market & (rng.random(n) < 0.3), 5, reason)
        self.cancels.append((b["line"][cancel], np.full(n, day), _clock(rng, n), reason))
        self.alloc -= _sum_by(b["sku"][cancel], b["reserved"][cancel], self.n_sku)
        self._drop(cancel)

    def _purchase(self, day: int) -> None:
        """Weekly POs of the suppliers whose ordering day this is."""
        cat = self.cat
        suppliers = np.flatnonzero(cat.weekday == day % 7)
        if len(suppliers) == 0:
            return
        need = _sum_by(self.backlog["sku"], self.backlog["need"], self.n_sku)
        position = self.on_hand - self.alloc + self.on_order - need
        qty = self._reorder(day, position)
        mto = cat.made_to_order
        if cat.weekday[cat.sku_supplier[mto][0]] == day % 7:
            qty[mto] = self._production(-np.minimum(position[mto], 0))
        qty[~np.isin(cat.sku_supplier, suppliers)] = 0
        sku = np.flatnonzero(qty > 0)
        if len(sku) == 0:
            return
        self._place(day, sku, qty[sku])

    def _reorder(self, day: int, position: np.ndarray) -> np.ndarray:
        """Order up to forecast demand over lead time + review plus safety stock."""
        target = np.ceil(self.forecast * self._horizon(day) + self.safety)
        weekly = self.forecast * REVIEW_DAYS
        trigger = target - np.maximum(1.0, 0.2 * weekly)
        return np.where(position < trigger, target - position, 0).astype(np.int64)

    def _production(self, uncovered: np.ndarray) -> np.ndarray:
        """Split the workshop's fixed weekly capacity over uncovered made-to-order demand."""
        total = int(uncovered.sum())
        if total <= self.capacity:
            return uncovered
        share = uncovered * self.capacity / total
        qty = np.floor(share).astype(np.int64)
        rest = self.capacity - int(qty.sum())
        qty[np.argsort(-(share - qty), kind="stable")[:rest]] += 1
        return qty

    def _place(self, day: int, sku: np.ndarray, qty: np.ndarray) -> None:
        """Record PO lines and schedule their receipts, with supplier delays and events."""
        cat = self.cat
        rng = self.rng
        supplier = cat.sku_supplier[sku]
        order = np.lexsort((sku, supplier))
        sku, qty, supplier = sku[order], qty[order], supplier[order]
        starts = np.flatnonzero(np.r_[True, supplier[1:] != supplier[:-1]])
        sizes = np.diff(np.r_[starts, len(sku)])
        po = self.n_pos + np.repeat(np.arange(len(starts)), sizes)
        po_line = np.arange(len(sku)) - np.repeat(starts, sizes) + 1
        self.n_pos += len(starts)
        promised = day + cat.lead[supplier]
        received = np.maximum(promised + self._delay(supplier, promised), day + 1)
        received = np.where(received < DAYS, received, -1)
        self.pos.append((po, po_line, supplier, sku, qty, np.full(len(sku), day), promised, received))
        self.on_order += _sum_by(sku, qty, self.n_sku)
        arrive = received >= 0
        np.add.at(self.arrivals, (received[arrive], sku[arrive]), qty[arrive])

    def _delay(self, supplier: np.ndarray, promised: np.ndarray) -> np.ndarray:
        """Days late (negative = early): the supplier's own noise plus planted events."""
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


def _within(day: np.ndarray, start: date, end: date) -> np.ndarray:
    return (day >= _day(start)) & (day <= _day(end))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded string ids, built in Arrow because Python loops are too slow at 10M."""
    width = max(width, len(str(int(numbers.max())))) if len(numbers) else width
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _timestamps(day: np.ndarray, sec: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    micros = (np.datetime64(START, "us") + (day * 86400 + sec) * 1_000_000).astype("datetime64[us]")
    return pa.array(micros, mask=None if valid is None else ~valid, type=pa.timestamp("us"))


def _dates(day: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = (np.datetime64(START, "D") + day).astype("datetime64[D]")
    return pa.array(values, mask=None if valid is None else ~valid, type=pa.date32())


def _stack(chunks: list[tuple[np.ndarray, ...]], width: int) -> list[np.ndarray]:
    if not chunks:
        return [np.zeros(0, dtype=np.int64) for _ in range(width)]
    return [np.concatenate(column) for column in zip(*chunks, strict=True)]


def _dimension_tables(shop: Shop) -> dict[str, pa.Table]:
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
            "supplier_id": pa.array(np.array(cat.supplier_ids)[cat.sku_supplier]),
            "unit_price": pa.array(cat.price, pa.float64()),
            "unit_cost": pa.array(cat.cost, pa.float64()),
            "lead_time_days": pa.array(shop.sku_lead, pa.int32()),
            "safety_stock": pa.array(shop.safety, pa.int32()),
            "made_to_order": pa.array(cat.made_to_order, pa.bool_()),
        }
    )
    n = shop.n_customers
    customers = pa.table(
        {
            "customer_id": _ids("C", np.arange(1, n + 1), 6),
            "segment": pa.array(np.array(SEGMENTS)[shop.segment]),
            "region": pa.array(np.array(REGIONS)[shop.region]),
        }
    )
    return {"suppliers": suppliers, "products": products, "customers": customers}


def _order_tables(shop: Shop) -> dict[str, pa.Table]:
    customer, channel, day, sec = _stack(shop.orders, 4)
    order_ids = _ids("O", np.arange(1, len(customer) + 1), 7)
    orders = pa.table(
        {
            "order_id": order_ids,
            "customer_id": _ids("C", customer + 1, 6),
            "ordered_at": _timestamps(day, sec),
            "channel": pa.array(np.array(CHANNELS)[channel]),
        }
    )
    order, line_no, sku, qty, backordered, promised, ship_day, ship_sec = _stack(shop.lines, 8)
    n = len(order)
    ship_day, ship_sec = ship_day.copy(), ship_sec.copy()
    line, day_, sec_ = _stack(shop.ships, 3)
    ship_day[line], ship_sec[line] = day_, sec_
    cancel_day = np.full(n, -1)
    cancel_sec = np.zeros(n, dtype=np.int64)
    reason = np.full(n, -1)
    line, day_, sec_, why = _stack(shop.cancels, 4)
    cancel_day[line], cancel_sec[line], reason[line] = day_, sec_, why
    shipped, canceled = ship_day >= 0, cancel_day >= 0
    order_lines = pa.table(
        {
            "order_id": order_ids.take(pa.array(order)),
            "line_no": pa.array(line_no, pa.int32()),
            "sku": pa.array(np.array(shop.cat.skus)[sku]),
            "qty": pa.array(qty, pa.int32()),
            "unit_price": pa.array(shop.cat.price[sku], pa.float64()),
            "backordered_qty": pa.array(backordered, pa.int32()),
            "promised_date": _dates(promised),
            "shipped_at": _timestamps(ship_day, ship_sec, shipped),
            "canceled_at": _timestamps(cancel_day, cancel_sec, canceled),
            "cancel_reason": pa.array(
                np.array(CANCEL_REASONS, dtype=object)[np.maximum(reason, 0)], pa.string(),
                mask=~canceled,
            ),
        }
    )
    return {"orders": orders, "order_lines": order_lines}


def _stock_tables(shop: Shop) -> dict[str, pa.Table]:
    po, po_line, supplier, sku, qty, ordered, promised, received = _stack(shop.pos, 8)
    arrived = received >= 0
    purchase_orders = pa.table(
        {
            "po_id": _ids("PO", po + 1, 6),
            "po_line": pa.array(po_line, pa.int32()),
            "supplier_id": pa.array(np.array(shop.cat.supplier_ids)[supplier]),
            "sku": pa.array(np.array(shop.cat.skus)[sku]),
            "qty": pa.array(qty, pa.int32()),
            "ordered_at": _dates(ordered),
            "promised_date": _dates(promised),
            "received_at": _dates(received, arrived),
            "received_qty": pa.array(qty, pa.int32(), mask=~arrived),
        }
    )
    n_sku = shop.n_sku
    snapshots = pa.table(
        {
            "snapshot_date": _dates(np.repeat(np.arange(DAYS), n_sku)),
            "sku": pa.array(np.tile(np.array(shop.cat.skus), DAYS)),
            "on_hand": pa.array(shop.snap_on_hand.ravel(), pa.int32()),
            "allocated": pa.array(shop.snap_alloc.ravel(), pa.int32()),
        }
    )
    return {"purchase_orders": purchase_orders, "inventory_snapshots": snapshots}


def tables(
    lines: int = DEFAULT_LINES, seed: int = 7, progress: Progress | None = None
) -> dict[str, pa.Table]:
    """The seven canonical tables as Arrow tables (what `write` stores as Parquet)."""
    shop = Shop(lines, seed)
    shop.run(progress)
    out = {**_dimension_tables(shop), **_order_tables(shop), **_stock_tables(shop)}
    order = ("suppliers", "products", "customers", "orders", "order_lines")
    return {name: out[name] for name in (*order, "purchase_orders", "inventory_snapshots")}


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Keep dates as Arrow dates and nullable integers as integers, as the schema types them."""
    mapping = {pa.date32(): pd.ArrowDtype(pa.date32()), pa.int32(): pd.Int32Dtype()}
    return table.to_pandas(types_mapper=mapping.get)


def generate(
    lines: int = DEFAULT_LINES, seed: int = 7, progress: Progress | None = None
) -> dict[str, pd.DataFrame]:
    """The seven canonical tables, columns in schema order, same (lines, seed) -> same frames."""
    return {name: _to_pandas(table) for name, table in tables(lines, seed, progress).items()}


def write(
    out_dir: Path, lines: int = DEFAULT_LINES, seed: int = 7, progress: Progress | None = None
) -> dict[str, int]:
    """Write out_dir/<table>.parquet for every canonical table; return the row counts."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, table in tables(lines, seed, progress).items():
        pq.write_table(table, out_dir / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts
