"""Which file holds which table, and the rows of one table as they are read (`Source`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.ingest import formats, mapping
from dashboard.ingest.formats.rawfile import RowMap
from dashboard.ingest.problems import LoadError, Problem
from dashboard.query import warehouse


@dataclass(frozen=True)
class Input:
    """Where one canonical table's rows come from: a file (a sheet of it), and its mapping rule."""

    table: str
    path: Path
    sheet: str | None = None
    rule: mapping.TableRule | None = None


@dataclass
class Source:
    """A table's rows being loaded: `raw_<table>` (new rows as read) and how problems name them."""

    table: str
    file: str
    types: dict[str, str] = field(default_factory=dict)
    index: str = "_idx"
    rows: RowMap = field(default_factory=RowMap)
    readable: bool = True
    texts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    existing: str = ""

    def label(self, column: str | None) -> str | None:
        """A mapped column is named as the file names it, so the person knows what to fix."""
        if column is None:
            return None
        return ", ".join(self.labels.get(part, part) for part in column.split(", "))

    def locate(self, index: int) -> tuple[str, int | None]:
        if index < 0:
            return self.existing, None
        return self.file, self.rows.row(index)


def table_of(name: str) -> str | None:
    lowered = name.lower()
    for suffix in formats.SUFFIXES:
        stem = lowered.removesuffix(suffix)
        if stem != lowered and stem in warehouse.TABLES:
            return stem
    return None


def names(paths: Iterable[Path]) -> str:
    return " and ".join(path.name for path in paths)


def find_inputs(folder: Path, rules: mapping.Mapping | None) -> dict[str, Input]:
    """Each table's input: the mapping's file for a mapped table, `<table>.<ext>` (or a sheet) otherwise.

    Ambiguity (two files for a table, a glob matching several) or nothing to load is an
    error, never a guess.
    """
    if not folder.is_dir():
        raise LoadError([Problem(str(folder), None, None, None, "is not a directory (or a .zip of one)")])
    problems: list[Problem] = []
    inputs: dict[str, Input] = {}
    used: set[Path] = set()
    file = rules.file if rules else ""
    for rule in rules.tables if rules else ():
        found = mapping.files_for(rule, folder)
        where = f"tables.{rule.table}.file"
        if len(found) == 1:
            inputs[rule.table] = Input(rule.table, found[0], rule.sheet, rule)
            used.add(found[0])
            continue
        if found:
            reason = f"matches {len(found)} files: {names(found)}"
        else:
            present = ", ".join(sorted(p.name for p in folder.iterdir() if p.is_file())[:12]) or "none"
            reason = f"matches no file in the folder (its files: {present})"
        problems.append(Problem(file, rule.line, where, rule.file, reason))
    found_files: dict[str, list[Input]] = {}
    for path in sorted(folder.iterdir()):
        if path in used or not path.is_file():
            continue
        for item in canonical_inputs(path):
            if item.table not in inputs:
                found_files.setdefault(item.table, []).append(item)
    for table, items in found_files.items():
        if len(items) > 1:
            shown = " and ".join(f"{i.path.name} [{i.sheet}]" if i.sheet else i.path.name for i in items)
            problems.append(
                Problem(items[1].path.name, None, None, None, f"two files for table {table}: {shown}")
            )
        inputs[table] = items[0]
    if not inputs and not problems:
        expected = ", ".join(f"{table}.csv" for table in warehouse.TABLES)
        problems.append(
            Problem(str(folder), None, None, None, f"no table files found (expected some of {expected})")
        )
    if problems:
        raise LoadError(problems)
    return {table: inputs[table] for table in warehouse.TABLES if table in inputs}


def canonical_inputs(path: Path) -> list[Input]:
    """`orders.csv` is the orders table; a workbook not named after a table offers its sheets that are."""
    table = table_of(path.name)
    if table:
        return [Input(table, path)]
    sheets = formats.sheet_names(path) or []
    return [Input(s.strip().lower(), path, s) for s in sheets if s.strip().lower() in warehouse.TABLES]
