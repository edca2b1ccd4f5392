"""Each page's first visit on a fresh server: `python -m benchmarks.first_visit --db WAREHOUSE`.

For every page in turn: start the app on the warehouse, open the page once through Streamlit's own
websocket messages (benchmarks/protocol.py), stop the app. Prints the server-side seconds and
script CPU seconds of that rerun (the app's rerun log, dashboard/app/reruns.py), each page
against the Backorders page (issue 16's target: Cancellation risk <= 1.5x Backorders) and against
the 1 s a first visit may take at 10 million lines, and the app process's peak memory after the
visit against the 1 GB it may reach at 10 million lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from benchmarks import concurrency, protocol

TARGET_S = 1.0
RISK_OVER_BACKORDERS = 1.5
MEMORY_TARGET_MB = 1024


def first_visit(db: Path, page: str, work: Path, runs: int = 1) -> dict:
    """The median over `runs` fresh servers of the page's first rerun."""
    seen = []
    for run in range(runs):
        log = work / f"reruns-{page or 'weekly_review'}-{run}.jsonl"
        log.unlink(missing_ok=True)
        port = concurrency._free_port()
        app = concurrency.server(db, port, work / "app.log", log)
        try:
            result = asyncio.run(protocol.visit(f"http://127.0.0.1:{port}/{page}", 300))
            peak_mb = concurrency.rss_mb(app.pid)
        finally:
            app.terminate()
            app.wait(timeout=30)
        records = [json.loads(line) for line in log.read_text().splitlines()]
        seen.append({"client_s": result.seconds, "errors": result.errors, "peak_mb": peak_mb, **records[-1]})
    seen.sort(key=lambda record: record["seconds"])
    return seen[len(seen) // 2]


def main(argv: list[str] | None = None) -> None:
    about = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_visit", description=about)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3, help="fresh servers per page (the median is shown)")
    parser.add_argument("--work", type=Path, default=Path("benchmarks/data/first-visit"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    found = {}
    for page in concurrency.PAGES:
        found[page or "weekly_review"] = first_visit(args.db, page, args.work, args.runs)
    base = found["backorders"]["seconds"]
    print(f"first visit on a fresh server, median of {args.runs}, {args.db}:")
    for page, record in found.items():
        print(
            f"  {page:<18} server {record['seconds']:.3f} s (target <= {TARGET_S:.1f} s at 10M lines), "
            f"script CPU {record['cpu_seconds']:.3f} s, {record['seconds'] / base:.2f}x Backorders, "
            f"app peak {record['peak_mb']:,.0f} MB"
            + (f"  ERRORS {record['errors']}" if record["errors"] else "")
        )
    ratio = found["cancellation_risk"]["seconds"] / base
    verdict = "met" if ratio <= RISK_OVER_BACKORDERS else "NOT met"
    print(f"Cancellation risk / Backorders: {ratio:.2f}x (target <= {RISK_OVER_BACKORDERS}x): {verdict}")
    slowest = max(found, key=lambda page: found[page]["seconds"])
    peak = max(record["peak_mb"] for record in found.values())
    print(
        f"slowest first visit: {slowest} {found[slowest]['seconds']:.3f} s (target <= {TARGET_S:.1f} s); "
        f"app peak memory {peak:,.0f} MB (target <= {MEMORY_TARGET_MB:,} MB)"
    )
    (args.work / "first-visit.json").write_text(json.dumps(found, indent=2, default=str))


if __name__ == "__main__":
    main()
