"""CPU per page view, one client at a time: `python -m benchmarks.page_cpu --lines 1000000 [--baseline REF]`.

How many people one app process can serve depends on the CPU each page view costs it, and most of
that was Python (parsing query files, validating charts, building CSVs), not DuckDB. This starts
the app on a copy of the benchmark warehouse, visits every page `--visits` times, each visit a new
session with its own filters in the URL (Streamlit's websocket messages, benchmarks/protocol.py,
the same filter mix as benchmarks/concurrency.py), one visit at a time, and prints per page the
median script CPU of the rerun (the app's rerun log, dashboard/app/reruns.py) and the app process's
CPU per visit (DuckDB's threads included), against issue 16's median of 0.25 CPU s per page view.
Each page is visited once first, unmeasured, so its imports are not counted.

With `--baseline REF` the same visits run first against the code of git commit REF (exported with
`git archive`) on its own copy of the warehouse, and both are printed: a comparison in one run on
the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import statistics
import subprocess
import tarfile
import time
from pathlib import Path

from benchmarks import build, concurrency, measure, protocol

TARGET_CPU_S = 0.25
# What a tree needs to serve the app (git archive of a baseline).
TREE = ["dashboard", "queries", "streamlit_app.py", "streamlit_server.py", ".streamlit"]


def export(ref: str, into: Path) -> Path:
    """The app's files at commit `ref`, as `git archive` gives them."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, *TREE], cwd=measure.PROJECT_ROOT, stdout=out, check=True)
    root = into / f"baseline-{ref}"
    shutil.rmtree(root, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    archive.unlink()
    return root


def plan(visits: int, options: dict) -> list[str]:
    """Every page `visits` times (plus a first, unmeasured visit each), each with its own filters:
    relative URLs, page by page."""
    pages = len(concurrency.PAGES)
    urls = concurrency.urls("", 0, pages * visits, options)
    return sorted(urls, key=lambda url: concurrency.PAGES.index(concurrency._page_of(url)))


def measure_tree(root: Path, db: Path, work: Path, visits: int, options: dict, timeout_s: float) -> dict:
    """Serve the tree at `root` on a copy of `db` and visit the pages one at a time."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "warehouse.duckdb"
    shutil.copyfile(db, copy)
    log = work / "reruns.jsonl"
    log.unlink(missing_ok=True)
    port = concurrency._free_port()
    app = concurrency.server(copy, port, work / "app.log", log, root=root)
    base = f"http://127.0.0.1:{port}"
    views: list[dict] = []
    try:
        for page in concurrency.PAGES:  # imports and first caches, not measured
            asyncio.run(protocol.visit(f"{base}/{page}", timeout_s))
        for url in plan(visits, options):
            logged = len(_reruns(log))
            before = concurrency.cpu_seconds(app.pid)
            started = time.perf_counter()
            result = asyncio.run(protocol.visit(base + url, timeout_s))
            cpu = concurrency.cpu_seconds(app.pid) - before
            reruns = _reruns(log)[logged:]  # this visit's reruns: one client at a time
            views.append(
                {
                    "page": concurrency._page_of(url) or "weekly_review",
                    "url": url,
                    "client_s": result.seconds or time.perf_counter() - started,
                    "process_cpu_s": cpu,
                    "script_cpu_s": sum(r["cpu_seconds"] for r in reruns),
                    "server_s": sum(r["seconds"] for r in reruns),
                    "reruns": len(reruns),
                    "errors": result.errors,
                }
            )
        peak_mb = concurrency.rss_mb(app.pid)
    finally:
        app.terminate()
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
        copy.unlink(missing_ok=True)
    return summary(views, peak_mb)


def _reruns(log: Path) -> list[dict]:
    """The app's rerun log so far (dashboard/app/reruns.py)."""
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(views: list[dict], peak_mb: float = 0.0) -> dict:
    """Per page and overall: median script CPU, process CPU and server seconds per view."""
    by_page = {}
    for page in dict.fromkeys(view["page"] for view in views):
        these = [view for view in views if view["page"] == page]
        by_page[page] = {
            "views": len(these),
            "script_cpu_p50_s": _median([v["script_cpu_s"] for v in these]),
            "process_cpu_p50_s": _median([v["process_cpu_s"] for v in these]),
            "server_p50_s": _median([v["server_s"] for v in these]),
        }
    return {
        "views": len(views),
        "errors": [{"url": v["url"], "errors": v["errors"]} for v in views if v["errors"]],
        "script_cpu_p50_s": _median([v["script_cpu_s"] for v in views]),
        "process_cpu_p50_s": _median([v["process_cpu_s"] for v in views]),
        "process_cpu_per_view_s": sum(v["process_cpu_s"] for v in views) / len(views) if views else None,
        "server_p50_s": _median([v["server_s"] for v in views]),
        "app_peak_rss_mb": peak_mb,
        "by_page": by_page,
        "all_views": views,
    }


def verdict(value: float | None) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= TARGET_CPU_S else "NOT met"


def report(label: str, figures: dict) -> list[str]:
    """The figures of one tree as printed lines, each with its target."""
    lines = [
        f"{label}: {figures['views']} views, {len(figures['errors'])} with errors; median script CPU "
        f"{figures['script_cpu_p50_s']:.3f} s (target <= {TARGET_CPU_S} s: "
        f"{verdict(figures['script_cpu_p50_s'])}); app process CPU per view: median "
        f"{figures['process_cpu_p50_s']:.3f} s, mean {figures['process_cpu_per_view_s']:.3f} s; "
        f"server p50 {figures['server_p50_s']:.3f} s; app peak {figures['app_peak_rss_mb']:,.0f} MB"
    ]
    for page, entry in figures["by_page"].items():
        lines.append(
            f"  {page:<18} script CPU p50 {entry['script_cpu_p50_s']:.3f} s, process CPU p50 "
            f"{entry['process_cpu_p50_s']:.3f} s, server p50 {entry['server_p50_s']:.3f} s "
            f"({entry['views']} views)"
        )
    for error in figures["errors"][:10]:
        lines.append(f"  ERROR {error['url']}: {error['errors']}")
    return lines


def main(argv: list[str] | None = None) -> None:
    about = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_cpu", description=about)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=build.SEED)
    parser.add_argument("--root", type=Path, default=build.DATA)
    parser.add_argument("--db", type=Path, help="use this warehouse instead of the benchmark build's")
    parser.add_argument("--visits", type=int, default=5, help="measured visits per page")
    parser.add_argument("--baseline", help="git commit whose code is measured first, the same way")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds until a visit fails")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    db = args.db or build.ensure(args.lines, args.seed, args.root).db
    work = args.root / f"page-cpu-{args.lines}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    options = concurrency.choices(db)
    found: dict[str, dict] = {}
    if args.baseline:
        tree = export(args.baseline, work)
        found[f"baseline {args.baseline}"] = measure_tree(
            tree, db, work / "baseline", args.visits, options, args.timeout
        )
    found["this tree"] = measure_tree(
        measure.PROJECT_ROOT, db, work / "current", args.visits, options, args.timeout
    )
    print(f"CPU per page view, one client at a time, {db} ({args.visits} visits per page):")
    for label, figures in found.items():
        print("\n".join(report(label, figures)))
    if args.baseline:
        before, now = found[f"baseline {args.baseline}"], found["this tree"]
        print(
            "this tree / baseline: median script CPU "
            f"{now['script_cpu_p50_s'] / before['script_cpu_p50_s']:.2f}x, process CPU per view "
            f"{now['process_cpu_per_view_s'] / before['process_cpu_per_view_s']:.2f}x"
        )
    out = args.out or work / f"page-cpu-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps({"db": str(db), "visits_per_page": args.visits, **found}, indent=2, default=str)
    )
    print(f"JSON report: {out}")


if __name__ == "__main__":
    main()
