"""The sample warehouse: generated, then loaded through the same checked path as anyone's own files."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from dashboard import sample
from dashboard.ingest.lifecycle import load
from dashboard.query import warehouse


def build_sample(
    db_path: Path,
    lines: int = sample.DEFAULT_LINES,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    loading: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """`progress` follows the simulated days, `loading` the load's steps (the model's fits last)."""
    with tempfile.TemporaryDirectory(prefix=warehouse.SAMPLE_SOURCE) as folder:
        sample.write(Path(folder), lines=lines, seed=seed, progress=progress)
        return load(Path(folder), db_path, loading)
