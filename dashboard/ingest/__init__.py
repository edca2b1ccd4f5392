"""Files to a checked, swapped-in warehouse: the load lifecycle, mapping, checks and file formats."""

from dashboard.ingest.build import PREVIEW_ROWS, Options, Outcome
from dashboard.ingest.lifecycle import Prepared, commit, discard, load, prepare, sweep
from dashboard.ingest.problems import LoadError, Problem

__all__ = [
    "PREVIEW_ROWS",
    "LoadError",
    "Options",
    "Outcome",
    "Prepared",
    "Problem",
    "commit",
    "discard",
    "load",
    "prepare",
    "sweep",
]
