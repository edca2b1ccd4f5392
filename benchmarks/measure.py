"""Small measuring tools shared by the benchmark steps: clocks, peak memory, medians."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WARM_RUNS = 5


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def median_of(work: Callable[[], Any], runs: int = WARM_RUNS) -> tuple[float, list[float]]:
    """The median wall time of `runs` runs, and every run's time."""
    times = [timed(work)[0] for _ in range(runs)]
    return statistics.median(times), times
