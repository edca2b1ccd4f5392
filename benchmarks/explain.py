"""Where a query spends its time: `python -m benchmarks.explain QUERY --db PATH [--param k=v ...]`.

Runs EXPLAIN ANALYZE on the query with its parameters bound (defaults as on a page) and prints
the total time and the operators that took longest, with their rows and the table they read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import floor
from dashboard.query import catalog, warehouse


def operators(con, sql: str, params: dict) -> tuple[float, list[dict]]:
    """The query's total seconds and every operator of its profile, slowest first."""
    cursor = con.cursor()
    try:
        plan = json.loads(cursor.execute("explain (analyze, format json) " + sql, params).fetchall()[0][1])
    finally:
        cursor.close()
    found = []
    for node in floor._plans(plan.get("children", plan.get("operator", []))):
        info = node.get("extra_info") or {}
        detail = info.get("Conditions") or info.get("Filters") or info.get("Aggregates") or ""
        found.append(
            {
                "seconds": float(node.get("operator_timing", node.get("timing", 0.0)) or 0.0),
                "operator": node.get("operator_type", node.get("type", node.get("name", "?"))),
                "rows": node.get("operator_cardinality", node.get("intermediate_rows")),
                "scanned": node.get("operator_rows_scanned", node.get("rows_scanned")),
                "table": str(info.get("Table", "")).rsplit(".", 1)[-1],
                "detail": str(detail)[:100],
            }
        )
    total = float(plan.get("latency", plan.get("query", {}).get("total_time", 0.0)) or 0.0)
    return total, sorted(found, key=lambda op: -op["seconds"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explain")
    parser.add_argument("query")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    con = warehouse.connect(args.db)
    query = catalog.find(args.query)
    values = dict(item.split("=", 1) for item in args.param)
    params = catalog.bind(query, values, catalog.as_of(con))
    total, ops = operators(con, query.text, params)
    print(f"{query.file}: {total:.3f} s")
    for op in ops[: args.top]:
        where = f" {op['table']}" if op["table"] else ""
        print(f"  {op['seconds']:7.3f} s  {op['operator']:<16} rows {op['rows']}{where} {op['detail']}")


if __name__ == "__main__":
    main()
