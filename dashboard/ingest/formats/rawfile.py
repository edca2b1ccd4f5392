"""What every format hands the loader: a file's header, how its records are numbered, and why it failed."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.ingest.formats.delimited import Dialect


EXTRA_FIELDS = ("fold", "drop")
"""What a mapping's `extra_fields:` may say; see RawFile.extra_fields."""


class InputError(ValueError):
    """A file that cannot be read at all; the message completes the sentence '<file> ...'."""


class TooManyRejects(Exception):
    """So many malformed lines that the file is not in the format we read: its row checks are skipped."""


@dataclass(frozen=True)
class RowMap:
    """Record index -> spreadsheet row, counting the malformed lines DuckDB set aside.

    `skips[j]` is the first surviving record index that comes after the (j+1)-th rejected line.
    A negative index is a row already in the warehouse (an append), which has no file row.
    """

    skips: tuple[int, ...] = ()

    def row(self, index: int) -> int | None:
        if index < 0:
            return None
        return index + 2 + bisect.bisect_right(self.skips, index)


@dataclass
class RawFile:
    """An input's header and how DuckDB reads it; `path` is a converted CSV for a workbook sheet.

    `kind` names the format module that reads it (see `formats.FORMATS`).
    """

    label: str
    path: Path
    kind: str
    header: list[str]
    types: list[str]
    dialect: Dialect | None = None
    indexed: bool = False
    rows: RowMap = field(default_factory=RowMap)
    extra_fields: str | None = None
    """A CSV line with more fields than the header: None rejects it, 'fold' joins the extras onto the
    last column, 'drop' reads the header's columns only (the mapping's `extra_fields:`)."""

    @property
    def index(self) -> str:
        """The column that numbers records in file order (DuckDB keeps insertion order in rowid)."""
        return "rowid" if self.kind == "csv" and not self.indexed else "_idx"


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def columns_sql(picks: list[str]) -> str:
    return ", ".join(picks) or "null as _none"
