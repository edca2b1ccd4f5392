"""Publish a loaded warehouse as a folder of Parquet files that `--db parquet:FOLDER` serves.

Past one disk, the warehouse can live as Parquet on object storage (docs/scaling.md). A load still
builds and checks one DuckDB file; this copies every table and view of it (the canonical tables,
the stored derived tables, the model's outputs, `warehouse_meta`) to one Parquet file each, in a
new version folder `v<nanoseconds>`, and only then points the folder's CURRENT file at it with an
atomic rename. A reader therefore sees the old version or the new one, never half of one, and
follows a new export the way it follows a new load: the version is part of every cache key.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.query import warehouse

# Versions kept: the current one for new reruns and the one before for reruns still reading it.
KEEP_VERSIONS = 2
STALE_SECONDS = 3600


@dataclass(frozen=True)
class Export:
    folder: Path  # the version folder written
    rows: dict[str, int]  # rows per table or view


def export(db: Path, folder: Path, keep: int = KEEP_VERSIONS) -> Export:
    """Write the warehouse file `db` into a new version of `folder` and make it current."""
    if "://" in str(folder):
        raise ValueError(
            f"{folder}: export-parquet writes a local folder; copy it to object storage with your"
            " storage's tool (the version folder first, CURRENT last)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    name = f"v{time.time_ns()}"
    staging = folder / f".{name}.writing"
    staging.mkdir()
    rows: dict[str, int] = {}
    try:
        con = warehouse.open_export(db)
        try:
            objects = con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = current_schema() and table_catalog = current_database()"
                " order by table_name"
            ).fetchall()
            for (table,) in objects:
                if not warehouse.IDENTIFIER.match(table):
                    raise ValueError(f"{db}: table {table!r} is not a lowercase identifier")
                target = str(staging / f"{table}.parquet").replace("'", "''")
                copied = con.execute(
                    f"copy (select * from {table}) to '{target}' (format parquet, compression zstd)"
                ).fetchone()
                rows[table] = int(copied[0]) if copied else 0
        finally:
            con.close()
        for file in staging.iterdir():
            file.chmod(0o444)  # a published version never changes: the next export is a new folder
        written = folder / name
        os.replace(staging, written)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point(folder, name)
    _prune(folder, keep)
    return Export(written, rows)


def _point(folder: Path, name: str) -> None:
    """Swap CURRENT to the new version in one rename, flushed first, so no reader sees it half written."""
    pointer = folder / warehouse.CURRENT
    temporary = folder / f".{warehouse.CURRENT}.writing-{os.getpid()}"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, pointer)


def versions(folder: Path) -> list[Path]:
    """The folder's version subfolders, oldest first."""
    found = [path for path in folder.iterdir() if path.is_dir() and warehouse.VERSION_FOLDER.match(path.name)]
    return sorted(found, key=lambda path: int(path.name[1:]))


def _prune(folder: Path, keep: int) -> None:
    """Remove versions older than the `keep` newest, never the current one."""
    current = warehouse.current_folder(folder)
    for old in versions(folder)[:-keep] if keep > 0 else []:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


def _sweep(folder: Path) -> None:
    """What a killed export left behind, once an hour old."""
    cutoff = time.time() - STALE_SECONDS
    for left in folder.glob(".v*.writing"):
        if left.stat().st_mtime < cutoff:
            shutil.rmtree(left, ignore_errors=True)
