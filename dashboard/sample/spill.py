"""Event columns the simulator records day by day, set aside in parts so memory stays flat.

At 100M order lines the recorded lines alone are 3.2 GB of int32 columns, and building the
tables from them at once took more than 17 GB. A `Spill` gathers the days' arrays and, every
`part_rows` rows, joins them into one part: kept in memory, or saved to a folder (one .npy
file a column) and read back one part at a time when the tables are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

PART_ROWS = 1_000_000


class Spill:
    """Rows of `width` int32 columns in arrival order, stored in parts of about `part_rows` rows."""

    def __init__(self, name: str, width: int, folder: Path | None = None, part_rows: int = PART_ROWS) -> None:
        self.name = name
        self.width = width
        self.folder = folder
        self.part_rows = part_rows
        self.rows = 0
        self._pending: list[tuple[np.ndarray, ...]] = []
        self._pending_rows = 0
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._saved = 0

    def append(self, columns: tuple[np.ndarray, ...]) -> None:
        """One day's rows (the simulator appends to its record lists the same way)."""
        self._pending.append(columns)
        n = len(columns[0])
        self.rows += n
        self._pending_rows += n
        if self._pending_rows >= self.part_rows:
            self._flush()

    def _flush(self) -> None:
        part = tuple(np.concatenate(column) for column in zip(*self._pending, strict=True))
        self._pending, self._pending_rows = [], 0
        if self.folder is None:
            self._parts.append(part)
            return
        for index, column in enumerate(part):
            np.save(self._path(self._saved, index), column)
        self._saved += 1

    def _path(self, part: int, column: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.name}-{part:05d}-{column}.npy"

    def parts(self) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        """(first row, columns) of every part in order; at least one part, empty when no rows."""
        if self._pending:
            self._flush()
        first = 0
        if self.folder is None:
            stored: Iterator[tuple[np.ndarray, ...]] = iter(self._parts)
        else:
            stored = (
                tuple(np.load(self._path(part, column)) for column in range(self.width))
                for part in range(self._saved)
            )
        empty = True
        for part in stored:
            empty = False
            yield first, part
            first += len(part[0])
        if empty:
            yield 0, tuple(np.zeros(0, dtype=np.int32) for _ in range(self.width))
