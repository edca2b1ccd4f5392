"""Files to a checked, swapped-in warehouse: the load lifecycle, mapping, checks and file formats."""

from dashboard.ingest.build import PREVIEW_ROWS, Options, Prepared, commit, discard, load, prepare, sweep
from dashboard.ingest.problems import LoadError

__all__ = [
    "PREVIEW_ROWS",
    "LoadError",
    "Options",
    "Prepared",
    "commit",
    "discard",
    "load",
    "prepare",
    "sweep",
]
