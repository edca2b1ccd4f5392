"""Generate and load the sample warehouse at a given size, each step in its own process, reused when present.

`python -m benchmarks.build generate|load --lines N [--seed S] [--root DIR]` prints one JSON line
with the step's seconds and peak memory; `ensure()` runs whichever steps are missing and keeps
their figures in `build.json`, so a later run reports how the files it reuses were made.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import measure

DATA = Path(__file__).resolve().parent / "data"
SEED = 7
# Set at 10 million order lines on 2 cores: generation (issue 9), the load with the model (issue 16).
TARGET_SECONDS = {"generate": 300.0, "load": 90.0}


@dataclass(frozen=True)
class Built:
    """Where a size's files are and how they were made."""

    lines: int
    seed: int
    folder: Path
    generate_s: float
    generate_rss_mb: float
    load_s: float
    load_rss_mb: float
    parquet_bytes: int
    warehouse_bytes: int
    order_lines: int
    reused: bool

    @property
    def parquet(self) -> Path:
        return self.folder / "parquet"

    @property
    def db(self) -> Path:
        return self.folder / "warehouse.duckdb"

    def record(self) -> dict:
        out = asdict(self)
        out["folder"] = str(self.folder)
        return out


def fingerprint(step: str) -> str:
    """What a step's output depends on in this tree: a changed file means the output is stale."""
    root = measure.PROJECT_ROOT
    if step == "generate":
        files = sorted((root / "dashboard" / "sample").glob("*.py"))
    else:
        files = sorted((root / "dashboard" / "ingest").rglob("*.py"))
        files += sorted((root / "dashboard" / "query").rglob("*.py"))
        files += sorted((root / "dashboard" / "query" / "sql").glob("*.sql"))
        files += sorted((root / "queries" / "views").glob("*.sql"))
        # The load fits the cancellation-risk model and stores its outputs (dashboard/ingest/derived.py).
        files += sorted((root / "dashboard" / "model").rglob("*.py"))
        files += [root / "queries" / "cancellation_risk" / "risk_features.sql"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def folder_for(lines: int, seed: int, root: Path = DATA) -> Path:
    return root / f"lines-{lines}-seed-{seed}"


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generate(lines: int, seed: int, root: Path) -> dict:
    """Write the sample's Parquet files; the step's own process, so its memory is its own."""
    from dashboard import sample

    out = folder_for(lines, seed, root) / "parquet"
    partial = out.with_name("parquet.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    counts = sample.write(partial, lines=lines, seed=seed)
    seconds = time.perf_counter() - started
    partial.rename(out)
    return {"seconds": seconds, "rss_mb": measure.peak_rss_mb(), "order_lines": counts["order_lines"]}


def _stages(started: float):
    """The load's progress on stderr with the seconds since the start and the peak memory so far:
    the time of each stage (reading, checks, views, model) of a long load, as it goes."""

    def say(message: str) -> None:
        seconds = time.perf_counter() - started
        print(f"{seconds:8.1f} s {measure.peak_rss_mb():8.0f} MB  {message}", file=sys.stderr, flush=True)

    return say


def load(lines: int, seed: int, root: Path) -> dict:
    """Load the Parquet files through the project's validated loader, as `python -m dashboard load` does."""
    from dashboard import ingest

    folder = folder_for(lines, seed, root)
    started = time.perf_counter()
    counts = ingest.load(folder / "parquet", folder / "warehouse.duckdb", _stages(started))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": measure.peak_rss_mb(), "order_lines": counts["order_lines"]}


def _step(step: str, lines: int, seed: int, root: Path) -> dict:
    command = [sys.executable, "-m", "benchmarks.build", step, "--lines", str(lines), "--seed", str(seed)]
    command += ["--root", str(root)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=measure.PROJECT_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{step} of {lines:,} lines failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure(lines: int, seed: int = SEED, root: Path = DATA, say=print) -> Built:
    """The warehouse of this size, generated and loaded only when its files are not there yet."""
    folder = folder_for(lines, seed, root)
    folder.mkdir(parents=True, exist_ok=True)
    record_path = folder / "build.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    reused = True
    made = record.get("generate", {})
    if not (folder / "parquet").is_dir() or made.get("fingerprint") != fingerprint("generate"):
        say(f"generating {lines:,} lines (seed {seed}) ...")
        reused = False
        record = {
            "generate": {**_step("generate", lines, seed, root), "fingerprint": fingerprint("generate")}
        }
        (folder / "warehouse.duckdb").unlink(missing_ok=True)
    loaded = record.get("load", {})
    if not (folder / "warehouse.duckdb").exists() or loaded.get("fingerprint") != fingerprint("load"):
        say(f"loading {lines:,} lines into {folder / 'warehouse.duckdb'} ...")
        reused = False
        record["load"] = {**_step("load", lines, seed, root), "fingerprint": fingerprint("load")}
    record_path.write_text(json.dumps(record, indent=2))
    return Built(
        lines=lines,
        seed=seed,
        folder=folder,
        generate_s=record["generate"]["seconds"],
        generate_rss_mb=record["generate"]["rss_mb"],
        load_s=record["load"]["seconds"],
        load_rss_mb=record["load"]["rss_mb"],
        parquet_bytes=size_of(folder / "parquet"),
        warehouse_bytes=size_of(folder / "warehouse.duckdb"),
        order_lines=record["load"]["order_lines"],
        reused=reused,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build")
    parser.add_argument("step", choices=("generate", "load"))
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--root", type=Path, default=DATA)
    args = parser.parse_args(argv)
    step = generate if args.step == "generate" else load
    figures = step(args.lines, args.seed, args.root)
    print(json.dumps(figures))
    print(
        f"{args.step}: {figures['seconds']:.1f} s (target <= {TARGET_SECONDS[args.step]:.0f} s at 10M lines),"
        f" peak {figures['rss_mb']:,.0f} MB, {figures['order_lines']:,} order lines",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
