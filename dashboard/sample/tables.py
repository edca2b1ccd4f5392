"""The simulated shop as the canonical tables: Arrow tables, pandas frames or files."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.sample import files
from dashboard.sample.cancellation import CANCEL_REASONS
from dashboard.sample.demand import CHANNELS, REGIONS, SEGMENTS
from dashboard.sample.planted import PLANTED
from dashboard.sample.shop import Shop
from dashboard.sample.span import DAYS, DEFAULT_LINES, START, Progress
from dashboard.sample.spill import PART_ROWS


def _width(minimum: int, largest: int) -> int:
    """Digits of a table's ids: every part of the table pads to the width of its largest id."""
    return max(minimum, len(str(largest)))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded string ids, built in Arrow because a Python loop is too slow at 10M."""
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    text = pa.string()
    return pc.binary_join_element_wise(pa.scalar(prefix, text), digits, pa.scalar("", text))


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
            "customer_id": _ids("C", np.arange(1, shop.n_customers + 1), _width(6, shop.n_customers)),
            "segment": _labels(SEGMENTS, shop.segment),
            "region": _labels(REGIONS, shop.region),
        }
    )
    return {"suppliers": suppliers, "products": products, "customers": customers}


def _order_parts(shop: Shop) -> Iterator[pa.Table]:
    """The orders, one part of the spilled orders at a time."""
    order_width, customer_width = _width(7, shop.n_orders), _width(6, shop.n_customers)
    for first, (customer, channel, day, sec) in shop.orders.parts():
        yield pa.table(
            {
                "order_id": _ids("O", np.arange(first + 1, first + len(customer) + 1), order_width),
                "customer_id": _ids("C", customer.astype(np.int64) + 1, customer_width),
                "ordered_at": _timestamps(day, sec),
                "channel": _labels(CHANNELS, channel),
            }
        )


def _by_line(events: list[tuple[np.ndarray, ...]], width: int) -> list[np.ndarray]:
    """Ship or cancel events (line first) sorted by line, so each part finds its own by bisection."""
    columns = _stack(events, width)
    order = np.argsort(columns[0], kind="stable")
    return [column[order] for column in columns]


def _line_parts(shop: Shop) -> Iterator[pa.Table]:
    """The order lines, one part of the spilled lines at a time, with the ship and cancel events
    that happened to them later (a line ships or is canceled at most once)."""
    order_width = _width(7, shop.n_orders)
    ships = _by_line(shop.ships, 3)
    cancels = _by_line(shop.cancels, 4)
    for first, columns in shop.lines.parts():
        order, line_no, sku, qty, backordered, promised, ship_day, ship_sec = columns
        n = len(order)
        low, high = np.searchsorted(ships[0], [first, first + n])
        line, event_day, event_sec = (column[low:high] for column in ships)
        ship_day[line - first], ship_sec[line - first] = event_day, event_sec
        cancel_day = np.full(n, -1, dtype=np.int32)
        cancel_sec = np.zeros(n, dtype=np.int32)
        reason = np.zeros(n, dtype=np.int32)
        low, high = np.searchsorted(cancels[0], [first, first + n])
        line, event_day, event_sec, why = (column[low:high] for column in cancels)
        cancel_day[line - first], cancel_sec[line - first], reason[line - first] = event_day, event_sec, why
        canceled = cancel_day >= 0
        yield pa.table(
            {
                "order_id": _ids("O", order.astype(np.int64) + 1, order_width),
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


def _stock_tables(shop: Shop) -> dict[str, pa.Table]:
    po, po_line, supplier, sku, qty, ordered, promised, received = _stack(shop.pos, 8)
    arrived = received >= 0
    purchase_orders = pa.table(
        {
            "po_id": _ids("PO", po.astype(np.int64) + 1, _width(6, shop.n_pos)),
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


def _parts(shop: Shop) -> dict[str, Iterable[pa.Table]]:
    """Every canonical table in load order, as the parts it is built from (one for the small ones).

    The big tables are generators, so only one part of them is in memory at a time."""
    parts: dict[str, Iterable[pa.Table]] = {name: [t] for name, t in _dimension_tables(shop).items()}
    parts["orders"] = _order_parts(shop)
    parts["order_lines"] = _line_parts(shop)
    parts.update({name: [t] for name, t in _stock_tables(shop).items()})
    parts["events"] = [_events_table()]
    return parts


def tables(
    lines: int, seed: int, progress: Progress | None, part_rows: int = PART_ROWS
) -> dict[str, pa.Table]:
    """The canonical tables as whole Arrow tables in load order (in memory: for small sizes)."""
    shop = Shop(lines, seed, part_rows=part_rows)
    shop.run(progress)
    return {name: pa.concat_tables(list(parts)) for name, parts in _parts(shop).items()}


def to_pandas(table: pa.Table) -> pd.DataFrame:
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
    return {name: to_pandas(table) for name, table in tables(lines, seed, progress).items()}


def write(
    out_dir: Path,
    lines: int = DEFAULT_LINES,
    seed: int = 7,
    progress: Progress | None = None,
    fmt: str = "parquet",
    snapshot_every: int = 1,
    part_rows: int = PART_ROWS,
) -> dict[str, int]:
    """Write out_dir/<table>.<fmt> for every canonical table; return the row counts.

    CSV is the import format a user copies (sample_data/). Snapshots are 300 rows a day
    whatever the size, so `snapshot_every` > 1 keeps only the last day of each such period
    (7: every Sunday), which keeps a small sample small. The simulation spills its orders and
    lines to a temporary folder inside out_dir in parts of `part_rows`, and Parquet files are
    written a row group at a time, so memory stays flat whatever the size (about 1.5 GB at 100M
    lines); the files are the same whatever `part_rows` is.
    """
    if fmt not in files.FORMATS:
        raise ValueError(f"format must be one of {', '.join(files.FORMATS)}, not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=out_dir) as spill:
        shop = Shop(lines, seed, Path(spill), part_rows)
        shop.run(progress)
        for name, parts in _parts(shop).items():
            if name == "inventory_snapshots" and snapshot_every > 1:
                parts = [_every(table, snapshot_every) for table in parts]
            path = out_dir / f"{name}.{fmt}"
            counts[name] = files.write_csv(parts, path) if fmt == "csv" else files.write_parquet(parts, path)
    return counts


def _every(snapshots: pa.Table, days: int) -> pa.Table:
    day = (snapshots.column("snapshot_date").to_numpy() - np.datetime64(START, "D")).astype(np.int64)
    return snapshots.filter(pa.array(day % days == days - 1))
