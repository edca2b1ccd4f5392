"""Builds the sample warehouse the first time the app starts, so the quick start needs no flags."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard import ingest, sample, warehouse

_building = threading.Lock()


def build_sample(
    db_path: Path,
    lines: int = sample.DEFAULT_LINES,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Generate, then load through the same validated path as anyone's own files."""
    with tempfile.TemporaryDirectory(prefix="backorder-sample-") as folder:
        sample.write(Path(folder), lines=lines, seed=seed, progress=progress)
        return ingest.load(Path(folder), db_path)


def ensure_warehouse() -> None:
    path = warehouse.default_path()
    if path.exists():
        return
    if path != warehouse.PROJECT_ROOT / "data" / "warehouse.duckdb":
        st.error(
            f"There is no warehouse at `{path}`. Load your files with "
            f"`python -m dashboard load DIR --db {path}`, or unset {warehouse.DB_ENV_VAR} to use the sample."
        )
        st.stop()
    with _building:
        if path.exists():
            return
        with st.status("First start: building the sample warehouse…", expanded=True) as status:
            bar = st.progress(0.0, text="Simulating two years of orders")

            def report(done: int, total: int) -> None:
                bar.progress(min(done / total, 1.0), text=f"Simulating day {done} of {total}")

            counts = build_sample(path, progress=report)
            status.update(
                label=f"Sample warehouse ready: {counts['order_lines']:,} order lines", state="complete"
            )
