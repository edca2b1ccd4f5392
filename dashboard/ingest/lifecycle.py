"""Files -> a new warehouse file, swapped in atomically: load, prepare, commit, discard, sweep, unpack.

A load reads each input as text into DuckDB, turns it into the canonical columns (by
name, or through a mapping file), checks every value and every rule there (`build`), and
writes a new warehouse file beside the old one. Only when nothing is wrong (or, with
`skip_bad_rows`, when nothing but bad rows is wrong) does `os.replace` swap it in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from dashboard.ingest import checks, mapping
from dashboard.ingest.build import Build, Options, Outcome
from dashboard.ingest.inputs import find_inputs
from dashboard.ingest.problems import LoadError, Problem, Rejects, Report
from dashboard.query import warehouse

STALE_SECONDS = 24 * 3600
ZIP_LIMIT = 20 * 1024**3
"""Uncompressed bytes a zip may unpack to; past it the archive is refused, not unpacked."""


@dataclass(frozen=True)
class Prepared:
    """A checked warehouse built beside `target`, waiting for `commit` (or `discard`)."""

    temp: Path
    target: Path
    base_version: int
    outcome: Outcome


def load(
    source: Path,
    db_path: Path,
    progress: Callable[[str], None] | None = None,
    options: Options | None = None,
) -> dict[str, int]:
    """Build a new warehouse beside `db_path` and swap it in only when every check passed."""
    prepared = prepare(source, db_path, options or Options(), progress)
    commit(prepared)
    (progress or (lambda _m: None))(f"loaded {sum(prepared.outcome.counts.values()):,} rows into {db_path}")
    return prepared.outcome.counts


def prepare(
    source: Path,
    db_path: Path,
    options: Options | None = None,
    progress: Callable[[str], None] | None = None,
) -> Prepared:
    """Read, map and check everything into a new file beside `db_path`; the live warehouse is untouched.

    Raises LoadError listing every problem; the rejects CSV (if asked for) then lists them all.
    """
    options = options or Options()
    say = progress or (lambda _message: None)
    source, db_path = Path(source), Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    sweep(db_path)
    temp = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    base_version = warehouse.version(db_path)
    rejects = Rejects(options.rejects)
    report = Report(rejects, checks.CAP)
    try:
        with tempfile.TemporaryDirectory(prefix="backorder-load-") as work:
            folder = unpack(source, Path(work))
            rules = mapping.read(options.mapping) if options.mapping else None
            inputs = find_inputs(folder, rules)
            if options.append and not db_path.exists():
                reason = "has no warehouse to append to: load without --append first"
                raise LoadError([Problem(str(db_path), None, None, None, reason)])
            outcome = Build(temp, folder, db_path, options, report, Path(work), say).run(
                source, inputs, rules
            )
    except LoadError:
        remove(temp)
        rejects.close(keep=True)
        raise
    except BaseException:
        remove(temp)
        rejects.close(keep=False)
        raise
    return Prepared(temp, db_path, base_version, replace(outcome, rejects=rejects.close(keep=True)))


def commit(prepared: Prepared) -> None:
    """Swap the checked file in, unless the warehouse changed since it was built from it."""
    if warehouse.version(prepared.target) != prepared.base_version:
        discard(prepared)
        reason = "changed since these files were checked (another load?): check them again"
        raise LoadError([Problem(str(prepared.target), None, None, None, reason)])
    os.replace(prepared.temp, prepared.target)


def discard(prepared: Prepared) -> None:
    remove(prepared.temp)


def remove(temp: Path) -> None:
    """A failed build leaves nothing behind: the file, its WAL and DuckDB's spill folder."""
    for path in (temp, temp.with_name(temp.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(temp.with_name(temp.name + ".tmp"), ignore_errors=True)


def sweep(db_path: Path) -> None:
    """Builds a crashed process or an abandoned upload left behind, once they are a day old."""
    cutoff = time.time() - STALE_SECONDS
    for path in db_path.parent.glob(f".{db_path.name}.loading-*"):
        try:
            if path.stat().st_mtime < cutoff:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        except OSError:
            continue


def unpack(source: Path, work: Path) -> Path:
    """A folder as it is; a .zip unpacked (into its single top folder, if it has one)."""
    if not source.is_file() or not source.name.lower().endswith(".zip"):
        return source
    target = work / "unzipped"
    target.mkdir()
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.infolist() if wanted(m)]
            if sum(m.file_size for m in members) > ZIP_LIMIT:
                raise LoadError([Problem(source.name, None, None, None, "unpacks to more than 20 GB")])
            for member in members:
                out = target.joinpath(*Path(member.filename).parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as data, out.open("wb") as handle:
                    shutil.copyfileobj(data, handle, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise LoadError([Problem(source.name, None, None, None, f"is not a readable zip ({exc})")]) from exc
    entries = [p for p in target.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def wanted(member: zipfile.ZipInfo) -> bool:
    """Files only, never outside the folder, without macOS resource forks."""
    parts = Path(member.filename).parts
    if member.is_dir() or not parts or member.filename.startswith(("/", "\\")) or ".." in parts:
        return False
    return parts[0] != "__MACOSX" and not parts[-1].startswith("._")
