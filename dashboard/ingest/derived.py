"""Tables a load derives from the loaded data once its views exist, so no page visit computes them.

Each preparer gets the new warehouse's write connection before it is swapped in and returns None,
or why it could not make its tables (too little history to fit a model, say): the load still
succeeds, says why, and the pages that read those tables say it too. A feature that wants its
output made at load adds one entry here.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from dashboard.model import outputs as risk_outputs

# The preparers hold their rows in pandas, outside DuckDB's memory limit: their queries get half of
# the load's (warehouse.BUILD_MEMORY_LIMIT) so the two together stay within it.
PREPARE_MEMORY_LIMIT = "20%"

Preparer = Callable[[duckdb.DuckDBPyConnection], str | None]

# What each makes, as the load's progress and notes name it.
PREPARERS: tuple[tuple[str, Preparer], ...] = (("cancellation-risk model", risk_outputs.prepare),)


def prepare(con: duckdb.DuckDBPyConnection, say: Callable[[str], None]) -> tuple[str, ...]:
    """Run every preparer; the notes of those that made nothing, each naming what and why."""
    notes = []
    con.execute("set enable_progress_bar = false")  # long fits would draw bars into the load's output
    con.execute(f"set memory_limit = '{PREPARE_MEMORY_LIMIT}'")
    for name, preparer in PREPARERS:
        say(f"preparing the {name}")
        try:
            why = preparer(con)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
        if why:
            notes.append(f"no {name}: {why}")
            say(notes[-1])
    con.execute("checkpoint")
    return tuple(notes)
