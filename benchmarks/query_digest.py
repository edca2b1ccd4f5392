"""Fingerprint every query file's result on a warehouse, to prove a refactoring changed no figure.

`python -m benchmarks.query_digest --db W --out before.json` on the old code, then
`python -m benchmarks.query_digest --db W --compare before.json` on the new: it prints each query
whose rows differ and exits 1 if any does. Each query runs with its default parameters and with
the global filters set, so the filter branches are covered too; results are sorted and rounded to
9 significant digits before hashing, so row order and float noise do not count.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

# The sample's names; a warehouse without them still runs the default scenario.
SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "filtered": {"category": "Kitchen", "channel": "web", "start": "2026-06-01", "end": "2026-10-25"},
    "supplier": {"supplier": "SUP03", "end": "2026-10-18"},
}
VIEWS = ("backorder_eta", "backorder_lines", "daily_backlog", "daily_demand", "daily_promises", "po_lines")
# Columns that record when and from which temporary folder a load ran: they differ between any two
# builds of the same sample, so they are left out of the fingerprint.
VOLATILE = {"data/load_info.sql": ("loaded_at", "source")}


def _digest(frame: pd.DataFrame) -> str:
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: None if pd.isna(v) else float(f"{v:.9g}"))
    text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
    return hashlib.sha256(f"{list(frame.columns)}\n{text}".encode()).hexdigest()[:16]


def _modules() -> tuple[Any, Any]:
    """The catalog and the connection factory, wherever this version of the code keeps them."""
    try:
        from dashboard.query import catalog, warehouse
    except ImportError:
        from dashboard import catalog, warehouse  # type: ignore[no-redef]
    return catalog, warehouse


def digests(db: Path | str) -> dict[str, str]:
    """`db` is a warehouse file or, where the code has targets, any `--db` value (parquet:FOLDER)."""
    catalog, warehouse = _modules()
    con = warehouse.connect(db)
    day = catalog.as_of(con)
    found: dict[str, str] = {}
    for view in VIEWS:
        frame = con.cursor().execute(f"select * from {view}").df()
        found[f"views/{view}"] = _digest(frame)
    for query in catalog.discover():
        if query.error:
            found[query.file] = f"error: {query.error}"
            continue
        for scenario, values in SCENARIOS.items():
            try:
                params = catalog.bind(query, values, day)
                frame = catalog.run(con, query, params).drop(columns=list(VOLATILE.get(query.file, ())))
                found[f"{query.file}#{scenario}"] = _digest(frame)
            except (catalog.QueryError, duckdb.Error) as exc:
                found[f"{query.file}#{scenario}"] = f"error: {exc}"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a warehouse file, or a --db value (parquet:FOLDER)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    found = digests(args.db if ":" in args.db.split("/", 1)[0] else Path(args.db))
    if args.out:
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True))
        print(f"{len(found)} results fingerprinted into {args.out}")
    if not args.compare:
        return 0
    before = json.loads(args.compare.read_text())
    changed = sorted(k for k in before.keys() & found.keys() if before[k] != found[k])
    gone = sorted(before.keys() - found.keys())
    added = sorted(found.keys() - before.keys())
    for key in changed:
        print(f"CHANGED {key}: {before[key]} -> {found[key]}")
    for key in gone:
        print(f"GONE    {key}")
    for key in added:
        print(f"NEW     {key}")
    same = len(before.keys() & found.keys()) - len(changed)
    print(f"{same} of {len(before)} results identical; {len(changed)} changed, {len(gone)} gone")
    return 1 if changed or gone else 0


if __name__ == "__main__":
    sys.exit(main())
