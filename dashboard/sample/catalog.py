"""The fixed assortment: suppliers, categories and products, whatever the size or seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.sample.demand import BUSINESS_UNITS, SEGMENT_MIX
from dashboard.sample.planted import PLANTED
from dashboard.sample.span import DAYS, DEFAULT_LINES

CATALOG_SEED = 20241125


MTO_SHARE = 0.015

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
class Catalog:
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


def build_catalog() -> Catalog:
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
    popularity[~mto] = (1.0 - MTO_SHARE) * zipf(rng.permutation(int((~mto).sum())), 0.9)
    popularity[mto] = MTO_SHARE * zipf(rng.permutation(int(mto.sum())), 0.5)
    return Catalog(
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


def zipf(rank: np.ndarray, exponent: float) -> np.ndarray:
    weights = 1.0 / (rank + 4.0) ** exponent
    return weights / weights.sum()


CATALOG = build_catalog()


def mean_units(cat: Catalog) -> np.ndarray:
    """Expected units per line of each SKU (business customers buy more)."""
    business = SEGMENT_MIX[1]
    return 1.0 + cat.extra_units * (1.0 - business + BUSINESS_UNITS * business)


def mto_weekly_capacity(lines: int = DEFAULT_LINES) -> int:
    """Units the workshop makes each week: a fixed share of its category's mean weekly demand."""
    cat = CATALOG
    units = lines * (cat.popularity * mean_units(cat))[cat.made_to_order].sum()
    return max(1, round(PLANTED.mto_capacity_ratio * units / (DAYS / 7)))
