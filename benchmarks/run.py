"""The benchmark: `python -m benchmarks.run --lines 1000000,10000000`.

For each size it generates and loads the sample warehouse (reused from benchmarks/data/ when
its files are current), then measures, each in a fresh process: every page's queries cold and
warm, DuckDB's floor for the same columns, and the pandas baselines (checked equal to the
project's queries first); finally one process opens every page, as the app does, for its peak
memory. It prints a table, writes the JSON report and says which targets were met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from benchmarks import baselines, build, measure, pages

# Targets of issue 9, at 10 million order lines on 2 cores.
TARGETS = {
    "warm_s": 0.5,
    "cold_s": 2.0,
    "pandas_speedup": 10.0,
    "floor_ratio": 3.0,
    "generate_s": 300.0,
    "app_rss_mb": 2048.0,
}
TARGET_LINES = 10_000_000


def _probe(*args: str) -> dict:
    command = [sys.executable, "-m", "benchmarks.probe", *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=measure.PROJECT_ROOT, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    """Where the figures come from."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = 0
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=measure.PROJECT_ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "commit": commit,
        "load_average_start": os.getloadavg(),
    }


def measure_size(lines: int, seed: int, runs: int, root: Path, say=print) -> dict:
    built = build.ensure(lines, seed, root, say)
    db = str(built.db)
    result: dict[str, Any] = {"lines": lines, "build": built.record(), "pages": {}}
    for page in pages.PAGES:
        say(f"  {lines:,} lines: {page}")
        ours = _probe("pages", "--db", db, "--pages", page, "--runs", str(runs))["pages"][page]
        ours["rss_mb"] = ours.pop("rss_mb_after")
        columns = json.dumps(ours["floor_columns"])
        entry: dict[str, Any] = {"ours": ours, "floor": _probe("floor", "--db", db, "--columns", columns)}
        if any(b.page == page for b in baselines.BASELINES):
            entry["pandas"] = _probe(
                "pandas", "--folder", str(built.folder), "--page", page, "--runs", str(runs)
            )
        result["pages"][page] = entry
    say(f"  {lines:,} lines: every page in one process (the app's memory)")
    app = _probe("pages", "--db", db, "--pages", ",".join(pages.PAGES), "--runs", "1")
    result["app_rss_mb"] = app["rss_mb"]
    # The same without the cancellation-risk page, whose model fit dominates the app's memory.
    others = ",".join(page for page in pages.PAGES if page != "cancellation_risk")
    rest = _probe("pages", "--db", db, "--pages", others, "--runs", "1")
    result["app_rss_mb_without_risk"] = rest["rss_mb"]
    result["verdict"] = verdict(result)
    return result


def ratios(entry: dict) -> dict:
    """Ours against the floor (whole page) and against pandas (the same computations)."""
    ours, floor = entry["ours"], entry["floor"]
    out = {
        "floor_ratio_warm": ours["warm_s"] / floor["warm_s"] if floor["warm_s"] else None,
        "floor_ratio_cold": ours["cold_s"] / floor["cold_s"] if floor["cold_s"] else None,
    }
    frames = entry.get("pandas")
    if frames:
        same = [b["query"] for b in frames["baselines"].values()]
        warm = sum(ours["queries"][q]["warm_s"] for q in same)
        cold = sum(ours["queries"][q]["cold_s"] for q in same)
        out |= {
            "ours_same_warm_s": warm,
            "ours_same_cold_s": cold,
            "pandas_speedup_warm": frames["warm_s"] / warm if warm else None,
            "pandas_speedup_cold": frames["cold_s"] / cold if cold else None,
        }
    return out


def verdict(result: dict) -> dict:
    """Each target: met or not, with the figure it was judged on."""
    checks: dict[str, dict] = {}

    def check(name: str, value: float | None, limit: float, at_least: bool = False) -> None:
        met = value is not None and (value >= limit if at_least else value <= limit)
        checks[name] = {"value": value, "target": limit, "met": met}

    check("generation seconds", result["build"]["generate_s"], TARGETS["generate_s"])
    check("app peak memory MB", result["app_rss_mb"], TARGETS["app_rss_mb"])
    for page, entry in result["pages"].items():
        entry["ratios"] = ratios(entry)
        check(f"{page}: warm seconds", entry["ours"]["warm_s"], TARGETS["warm_s"])
        check(f"{page}: cold seconds", entry["ours"]["cold_s"], TARGETS["cold_s"])
        check(f"{page}: x floor (warm)", entry["ratios"]["floor_ratio_warm"], TARGETS["floor_ratio"])
        if "pandas_speedup_warm" in entry["ratios"]:
            speedup = entry["ratios"]["pandas_speedup_warm"]
            check(f"{page}: x faster than pandas (warm)", speedup, TARGETS["pandas_speedup"], at_least=True)
            speedup = entry["ratios"]["pandas_speedup_cold"]
            check(f"{page}: x faster than pandas (cold)", speedup, TARGETS["pandas_speedup"], at_least=True)
    return checks


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(report: dict) -> str:
    """The report as plain-text tables, one block per size."""
    out = []
    for size in report["sizes"]:
        b = size["build"]
        out.append(
            f"\n{size['lines']:,} order lines ({b['order_lines']:,} generated): "
            f"generation {b['generate_s']:.1f} s, load {b['load_s']:.1f} s, "
            f"warehouse {b['warehouse_bytes'] / 2**20:,.0f} MB, "
            f"Parquet {b['parquet_bytes'] / 2**20:,.0f} MB, app peak memory {size['app_rss_mb']:,.0f} MB "
            f"({size.get('app_rss_mb_without_risk', 0):,.0f} MB without the cancellation-risk page)"
            + (" (build reused)" if b["reused"] else "")
        )
        head = [
            "page",
            "queries",
            "cold s",
            "warm s",
            "model s",
            "floor s",
            "x floor",
            "pandas s",
            "ours same s",
        ]
        head += ["x pandas", "RSS MB"]
        rows = [head]
        for page, entry in size["pages"].items():
            ours, ratio = entry["ours"], entry["ratios"]
            frames = entry.get("pandas")
            rows.append(
                [
                    page,
                    str(len(ours["queries"])),
                    _fmt(ours["cold_s"]),
                    _fmt(ours["warm_s"], 3),
                    _fmt(ours["model_cold_s"]),
                    _fmt(entry["floor"]["warm_s"], 3),
                    _fmt(ratio["floor_ratio_warm"], 1),
                    _fmt(frames["warm_s"], 3) if frames else "-",
                    _fmt(ratio.get("ours_same_warm_s"), 3),
                    _fmt(ratio.get("pandas_speedup_warm"), 0),
                    _fmt(ours["rss_mb"], 0),
                ]
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for row in rows:
            out.append(
                "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )
        missed = [
            f"{name}: {_fmt(c['value'])} (target {c['target']})"
            for name, c in size["verdict"].items()
            if not c["met"]
        ]
        scope = "targets" if size["lines"] >= TARGET_LINES else f"targets (set for {TARGET_LINES:,} lines)"
        out.append(f"{scope}: {len(size['verdict']) - len(missed)} of {len(size['verdict'])} met")
        out.extend(f"  missed: {line}" for line in missed)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", default="1000000,10000000", help="comma-separated sizes in order lines")
    parser.add_argument("--seed", type=int, default=build.SEED)
    parser.add_argument("--runs", type=int, default=measure.WARM_RUNS, help="warm runs per page (median)")
    parser.add_argument("--root", type=Path, default=build.DATA, help="where generated warehouses are kept")
    parser.add_argument("--out", type=Path, help="JSON report (default: <root>/report-<time>.json)")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
    }
    report["targets"] = TARGETS
    report["sizes"] = []
    for lines in (int(text.replace("_", "")) for text in args.lines.split(",")):
        report["sizes"].append(measure_size(lines, args.seed, args.runs, args.root))
    report["machine"]["load_average_end"] = os.getloadavg()
    out = args.out or args.root / f"report-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(table(report))
    print(
        f"\nload average {report['machine']['load_average_start']} at the start, "
        f"{report['machine']['load_average_end']} at the end; JSON report: {out}"
    )


if __name__ == "__main__":
    main()
