"""What is wrong with a load's input, and the rejects CSV that lists every problem of it."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dashboard import export

REJECTS_HEADER = ("file", "row", "column", "value", "reason")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located the way a person finds it in a spreadsheet."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f"value '{self.value}'")
        return f"{', '.join(where)}: {self.reason}"


class LoadError(Exception):
    """Every problem found in one pass, so a person fixes the files once, not once per problem."""

    def __init__(
        self, problems: list[Problem], total: int | None = None, rejects: Path | None = None
    ) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        self.rejects = rejects
        shown = "\n".join(f"  {problem}" for problem in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{more}")


class Rejects:
    """Every problem, one CSV row each, written beside the final file and moved into place on close.

    The in-memory list a load reports is capped per check; this file is not, so a person
    can filter a million bad rows in a spreadsheet.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._temp = self.path.with_name(f".{self.path.name}.writing-{os.getpid()}")
            self._handle = self._temp.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._handle, REJECTS_HEADER)
            self._writer.writeheader()

    @property
    def active(self) -> bool:
        return self._writer is not None

    def write(self, problem: Problem) -> None:
        self.count += 1
        if self._writer:
            self._writer.writerow(
                {
                    "file": export.cell(problem.file),
                    "row": "" if problem.row is None else problem.row,
                    "column": export.cell(problem.column or ""),
                    "value": "" if problem.value is None else export.cell(problem.value),
                    "reason": export.cell(problem.reason),
                }
            )

    def close(self, keep: bool) -> Path | None:
        """Keep the file only when it lists something: an empty rejects file would read as a failure."""
        if not self._handle or not self.path:
            return None
        self._handle.close()
        self._handle = self._writer = None
        if keep and self.count:
            os.replace(self._temp, self.path)
            return self.path
        self._temp.unlink(missing_ok=True)
        return None


class Report:
    """The problems of one load: the first `cap` of each kind listed for a person, all in the rejects CSV.

    `listed` is what the terminal and the page show, with one "and N more" line per kind
    past the cap; `total` counts every problem, each of which the rejects file holds.
    """

    def __init__(self, rejects: Rejects, cap: int) -> None:
        self.rejects = rejects
        self.cap = cap
        self.listed: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem, first: bool = False) -> None:
        """`first`: a problem that explains the others, shown before them."""
        self.listed.insert(0 if first else len(self.listed), problem)
        self.rejects.write(problem)
        self.total += 1

    def add_rows(
        self, problems: Iterable[Problem], count: int, file: str, column: str | None, kind: str
    ) -> None:
        """`count` rows of one kind; they are only read past the cap when a rejects file wants them."""
        for n, problem in enumerate(problems, start=1):
            if n <= self.cap:
                self.listed.append(problem)
            elif not self.rejects.active:
                break
            self.rejects.write(problem)
        self.total += count
        if count > self.cap:
            more = f"and {count - self.cap:,} more rows like this ({kind})"
            self.listed.append(Problem(file, None, column, None, more))

    def error(self) -> LoadError:
        return LoadError(self.listed, self.total, self.rejects.path if self.rejects.active else None)
