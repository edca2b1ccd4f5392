"""One measurement in a fresh process, printed as one JSON object on stdout.

    python -m benchmarks.probe pages --db PATH --pages backorders[,suppliers...] [--runs 5]
    python -m benchmarks.probe floor --db PATH --columns '{"order_lines": ["qty", ...]}' [--runs 5]
    python -m benchmarks.probe pandas --folder DIR --page backorders [--runs 5]

`pages`: each page opened once cold (connecting to the file counted in the first page), then
the median of `runs` warm reopens; each query's times; the columns its plans read (for the
floor); the process's peak memory. `floor`: those columns read once cold, then warm.
`pandas`: the page's pandas baselines, each first checked equal to the project's query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks import baselines, floor, measure, pages
from dashboard.query import catalog, warehouse


def probe_pages(db: Path, names: list[str], runs: int = measure.WARM_RUNS) -> dict:
    started = time.perf_counter()
    con = warehouse.connect(db)
    connect_s = time.perf_counter() - started
    result: dict = {"db": str(db), "connect_s": connect_s, "pages": {}}
    for index, name in enumerate(names):
        cold = pages.open_page(con, name)
        warm = [pages.open_page(con, name) for _ in range(runs)]
        per_query: dict[str, dict] = {}
        for position, (query_id, params, seconds, rows) in enumerate(cold.calls):
            key = query_id if query_id not in per_query else f"{query_id}#{position}"
            per_query[key] = {
                "cold_s": seconds,
                "warm_s": statistics.median(load.calls[position][2] for load in warm) if warm else None,
                "rows": rows,
                "params": {k: str(v) for k, v in params.items()},
            }
        by_text = {q.id: q.text for q in catalog.discover() if not q.error}
        columns = floor.merge(floor.scanned(con, by_text[qid], params) for qid, params, _, _ in cold.calls)
        result["pages"][name] = {
            "cold_s": cold.seconds + (connect_s if index == 0 else 0.0),
            "warm_s": statistics.median(load.seconds for load in warm) if warm else None,
            "warm_runs": [load.seconds for load in warm],
            "queries": per_query,
            "model_cold_s": cold.model_s,
            "model_warm_s": statistics.median(load.model_s for load in warm) if cold.model_s else None,
            "rows": cold.rows,
            "floor_columns": {table: sorted(cols) for table, cols in sorted(columns.items())},
            "rss_mb_after": measure.peak_rss_mb(),
        }
    con.close()
    result["rss_mb"] = measure.peak_rss_mb()
    return result


def probe_floor(db: Path, columns: dict[str, list[str]], runs: int = measure.WARM_RUNS) -> dict:
    started = time.perf_counter()
    con = warehouse.connect(db)
    connect_s = time.perf_counter() - started
    sqls = floor.statements(con, {table: set(cols) for table, cols in columns.items()})
    cold = floor.scan(con, sqls)
    warm = [floor.scan(con, sqls) for _ in range(runs)]
    con.close()
    return {
        "cold_s": connect_s + cold,
        "warm_s": statistics.median(warm),
        "warm_runs": warm,
        "sql": sqls,
        "rss_mb": measure.peak_rss_mb(),
    }


def probe_pandas(folder: Path, page: str, runs: int = measure.WARM_RUNS) -> dict:
    """Cold = read and merge the Parquet files + each computation once; warm = the computations again."""
    prepare_s, frames = measure.timed(lambda: baselines.prepare(folder / "parquet"))
    con = warehouse.connect(folder / "warehouse.duckdb")
    as_of = catalog.as_of(con)
    result: dict = {"prepare_s": prepare_s, "baselines": {}}
    for baseline in (b for b in baselines.BASELINES if b.page == page):
        query = catalog.find(baseline.query)
        params = catalog.bind(query, baseline.values, as_of)
        cold_s, theirs = measure.timed(lambda b=baseline, p=params: b.compute(frames, p))
        ours_s, ours = measure.timed(lambda q=query, p=params: catalog.run(con, q, p))
        problems = baselines.compare(ours, theirs)
        entry = {"query": baseline.query, "rows": len(ours), "equal": not problems, "problems": problems}
        entry |= {"cold_s": cold_s, "ours_once_s": ours_s}
        if not problems:
            entry["warm_s"], entry["warm_runs"] = measure.median_of(
                lambda b=baseline, p=params: b.compute(frames, p), runs
            )
        result["baselines"][baseline.name] = entry
    con.close()
    done = result["baselines"].values()
    result["cold_s"] = prepare_s + sum(entry["cold_s"] for entry in done)
    result["warm_s"] = sum(entry.get("warm_s", float("nan")) for entry in done)
    result["equal"] = all(entry["equal"] for entry in done)
    result["rss_mb"] = measure.peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    kinds = parser.add_subparsers(dest="kind", required=True)
    page = kinds.add_parser("pages")
    page.add_argument("--db", type=Path, required=True)
    page.add_argument("--pages", default=",".join(pages.PAGES))
    scan = kinds.add_parser("floor")
    scan.add_argument("--db", type=Path, required=True)
    scan.add_argument("--columns", required=True, help="JSON: table -> columns")
    frames = kinds.add_parser("pandas")
    frames.add_argument("--folder", type=Path, required=True)
    frames.add_argument("--page", required=True)
    for sub in (page, scan, frames):
        sub.add_argument("--runs", type=int, default=measure.WARM_RUNS)
    args = parser.parse_args(argv)
    if args.kind == "pages":
        out = probe_pages(args.db, args.pages.split(","), args.runs)
    elif args.kind == "floor":
        out = probe_floor(args.db, json.loads(args.columns), args.runs)
    else:
        out = probe_pandas(args.folder, args.page, args.runs)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
