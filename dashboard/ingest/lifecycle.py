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

from dashboard.ingest import checks, formats, mapping
from dashboard.ingest.build import Build, Options, Outcome
from dashboard.ingest.inputs import find_inputs
from dashboard.ingest.problems import LoadError, Problem, Rejects, Report
from dashboard.query import warehouse

STALE_SECONDS = 3600
"""Pending warehouses, half-written rejects and upload folders older than this are swept."""
ZIP_LIMIT_GB = 20
"""Uncompressed gigabytes a zip may unpack to (settings: uploads.max_unpacked_gb); past it the
archive is refused, not unpacked."""
UPLOAD_PREFIX = "backorder-upload-"
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


def zip_limit() -> int:
    """Bytes a zip may unpack to, from the `uploads:` settings section."""
    from dashboard import settings

    gigabytes = settings.section("uploads").get("max_unpacked_gb", ZIP_LIMIT_GB)
    if isinstance(gigabytes, bool) or not isinstance(gigabytes, int | float) or gigabytes <= 0:
        raise settings.SettingsError("uploads.max_unpacked_gb must be a positive number")
    return int(gigabytes * 1024**3)


def sweep(db_path: Path, older_than: float = STALE_SECONDS) -> None:
    """What a crashed process (kill -9) or an abandoned upload left behind, once an hour old:
    pending warehouses, half-written rejects files and upload folders. Run at every load and when
    the app starts."""
    cutoff = time.time() - older_than
    left = [
        *db_path.parent.glob(f".{db_path.name}.loading-*"),
        *db_path.parent.glob(".*.csv.writing-*"),
        *Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"),
    ]
    for path in left:
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
            names = [m.filename for m in members]
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                reason = f"holds '{twice[0]}' twice; which one is meant? Remove one and zip again"
                raise LoadError([Problem(source.name, None, None, None, reason)])
            limit = zip_limit()
            if sum(m.file_size for m in members) > limit:
                reason = f"unpacks to more than {limit / 1024**3:.3g} GB (settings: uploads.max_unpacked_gb)"
                raise LoadError([Problem(source.name, None, None, None, reason)])
            for member in members:
                out = target.joinpath(*Path(member.filename).parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as data, out.open("wb") as handle:
                    shutil.copyfileobj(data, handle, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise LoadError([Problem(source.name, None, None, None, f"is not a readable zip ({exc})")]) from exc
    except OSError as exc:  # e.g. both `x.csv` and `x.csv/y.csv`: a name is a file and a folder
        reason = f"cannot be unpacked: {exc.strerror or exc} ({Path(exc.filename or '').name})"
        raise LoadError([Problem(source.name, None, None, None, reason)]) from exc
    entries = [p for p in target.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def wanted(member: zipfile.ZipInfo) -> bool:
    """Table files only (nothing else is ever read, so nothing else is unpacked), never outside the
    folder, without macOS resource forks."""
    parts = Path(member.filename).parts
    if member.is_dir() or not parts or member.filename.startswith(("/", "\\")) or ".." in parts:
        return False
    if formats.format_of(parts[-1]) is None:
        return False
    return parts[0] != "__MACOSX" and not parts[-1].startswith("._")
