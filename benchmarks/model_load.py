"""What the load's model step costs (dashboard/model/outputs.py `prepare`), now and at a baseline commit.

`python -m benchmarks.model_load --db WAREHOUSE [--baseline REF]` copies a loaded warehouse, runs the
step that fits the cancellation-risk models and stores their outputs on the copy, once with this
tree's code and once with the code of git commit REF (exported with `git archive`), each in a fresh
process, and prints the CPU and wall seconds of both. CPU seconds are the fair figure on a shared
machine: wall seconds grow with whatever else runs. Run it under `nice -n 19`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from benchmarks import measure

# Issue 16 asks that the load with the model stay within 90 s at 10M lines; the fits are most of it.
BASELINE_REF = "9336899"
STEP = """
import json, shutil, sys, time
from pathlib import Path
from dashboard.model import outputs
from dashboard.query import warehouse
copy = Path(sys.argv[2])
shutil.copy(sys.argv[1], copy)
con = warehouse.open_build(copy)
cpu, wall = time.process_time(), time.perf_counter()
why = outputs.prepare(con)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
weeks = con.execute("select count(*) from risk_weeks where reason is null").fetchone()[0]
con.close()
print(json.dumps({"cpu_s": cpu, "wall_s": wall, "weeks_fitted": weeks, "reason": why}))
"""


def run_step(code_root: Path, db: Path, work: Path) -> dict:
    """The model step with the code under `code_root`, in its own process, on a copy of `db`."""
    copy = work / f"{code_root.name}.duckdb"
    command = [sys.executable, "-c", STEP, str(db), str(copy)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=code_root)
    copy.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"the model step with {code_root} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def export(ref: str, into: Path) -> Path:
    """The package and query files of commit `ref`, as `git archive` gives them."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "archive", ref, "dashboard", "queries"], cwd=measure.PROJECT_ROOT, stdout=out, check=True
        )
    root = into / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    return root


def main(argv: list[str] | None = None) -> None:
    about = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model_load", description=about)
    parser.add_argument("--db", type=Path, required=True, help="a loaded warehouse (copied, not changed)")
    parser.add_argument("--baseline", default=BASELINE_REF, help="git commit to compare with")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="model-load-"))
    try:
        baseline = run_step(export(args.baseline, work), args.db.resolve(), work)
        current = run_step(measure.PROJECT_ROOT, args.db.resolve(), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"model step of the load on {args.db}:")
    for label, figures in ((f"baseline {args.baseline}", baseline), ("this tree", current)):
        print(
            f"  {label:<18} CPU {figures['cpu_s']:6.1f} s  wall {figures['wall_s']:6.1f} s"
            f"  weeks fitted {figures['weeks_fitted']}"
        )
    print(f"  CPU ratio this tree / baseline: {current['cpu_s'] / baseline['cpu_s']:.2f}x")
    print(json.dumps({"baseline": baseline, "current": current}))


if __name__ == "__main__":
    main()
