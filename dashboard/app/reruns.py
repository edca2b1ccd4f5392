"""Each rerun's server-side cost, logged: page, session, wall seconds and CPU seconds.

A page's speed as a user feels it is the rerun's wall time; how many users one process can serve
depends on its CPU time. Both are logged per rerun (INFO on the `backorder_desk.reruns` logger,
to stderr) and, when `performance.rerun_log` names a file in the settings, appended to it as one
JSON object per line, which `benchmarks/concurrency.py` reads for its server-side percentiles.
CPU is the script thread's (time.thread_time): DuckDB's worker threads are not in it, which is
why the benchmark also reports the whole process's CPU per page view.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import settings

LOGGER = logging.getLogger("backorder_desk.reruns")
_writing = threading.Lock()


def _configure() -> None:
    if not LOGGER.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False


def log_file() -> Path | None:
    configured = settings.section("performance").get("rerun_log")
    return Path(configured) if configured else None


@contextmanager
def timed(page: str) -> Iterator[None]:
    """Time the rerun of `page` in the current session, whether it ends, stops or is rerun."""
    _configure()
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx else "-"
    started, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        record = {
            "at": time.time(),
            "page": page,
            "session": session,
            "seconds": round(time.perf_counter() - started, 4),
            "cpu_seconds": round(time.thread_time() - cpu, 4),
        }
        LOGGER.info(
            "rerun page=%s session=%s seconds=%.3f cpu_seconds=%.3f",
            page,
            session,
            record["seconds"],
            record["cpu_seconds"],
        )
        target = log_file()
        if target:
            with _writing, target.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
