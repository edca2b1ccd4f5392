"""Files uploaded on the Data page: saved to a private folder, checked into a pending warehouse, confirmed.

Nothing touches the live warehouse until `confirm`: `check` builds and validates a new
file beside it (ingest.prepare), and the person sees the counts, the first mapped rows
and every problem before deciding.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from dashboard import access, ingest
from dashboard.ingest import lifecycle
from dashboard.ingest.problems import LoadError, Problem
from dashboard.query import warehouse

EXAMPLES = warehouse.PROJECT_ROOT / "examples"
CHUNK = 1 << 20


class Uploaded(Protocol):
    """What Streamlit's UploadedFile offers that we use."""

    name: str
    size: int

    def getbuffer(self) -> memoryview: ...


@dataclass(frozen=True)
class Pending:
    """One check's result, kept in the session until the person confirms or discards it."""

    folder: Path
    prepared: ingest.Prepared | None
    problems: tuple[Problem, ...] = ()
    total: int = 0
    rejects: Path | None = None

    @property
    def ok(self) -> bool:
        return self.prepared is not None


def examples() -> dict[str, Path]:
    """The example mappings shipped in examples/, by file name."""
    return {path.name: path for path in sorted(EXAMPLES.glob("*.y*ml"))}


def safe_name(name: str) -> str:
    """A browser sends a bare name, but never trust it to stay inside the folder."""
    return Path(name.replace("\\", "/")).name or "upload"


def save(files: Sequence[Uploaded], folder: Path, progress: Callable[[float, str], None]) -> list[Path]:
    """Write each upload into `folder` in chunks, reporting the share of bytes written."""
    total = max(sum(f.size for f in files), 1)
    done = 0
    saved = []
    for upload in files:
        path = folder / safe_name(upload.name)
        buffer = upload.getbuffer()
        with path.open("wb") as handle:
            for start in range(0, len(buffer), CHUNK):
                handle.write(buffer[start : start + CHUNK])
                done += min(CHUNK, len(buffer) - start)
                progress(done / total, f"Saving {path.name}")
        saved.append(path)
    return saved


def source_of(folder: Path, saved: list[Path]) -> Path:
    """A single uploaded zip is loaded as the folder it holds; anything else as the upload folder."""
    zips = [p for p in saved if p.name.lower().endswith(".zip")]
    return zips[0] if len(saved) == 1 and zips else folder


def check(
    files: Sequence[Uploaded],
    mapping: Path | BinaryIO | None,
    options: ingest.Options,
    progress: Callable[[float, str], None],
    by: access.Identity,
) -> Pending:
    """Save the uploads and build a checked warehouse beside the live one, without swapping it in."""
    access.require(by, access.Action.LOAD)
    folder = Path(tempfile.mkdtemp(prefix=lifecycle.UPLOAD_PREFIX))
    data = folder / "files"
    data.mkdir()
    saved = save(files, data, lambda share, text: progress(0.3 * share, text))
    if mapping is not None and not isinstance(mapping, Path):
        target = folder / "mapping.yaml"
        with target.open("wb") as handle:
            shutil.copyfileobj(mapping, handle, CHUNK)
        mapping = target
    options = dataclasses.replace(options, mapping=mapping, rejects=folder / "rejects.csv")
    steps = Steps(progress)
    try:
        prepared = ingest.prepare(source_of(data, saved), warehouse.default_path(), options, steps)
    except LoadError as exc:
        return Pending(folder, None, tuple(exc.problems), exc.total, exc.rejects)
    outcome = prepared.outcome
    return Pending(folder, prepared, outcome.problems, outcome.total_problems, outcome.rejects)


class Steps:
    """The loader's messages as a progress bar: each message moves it part of the way that is left."""

    def __init__(self, progress: Callable[[float, str], None]) -> None:
        self.progress = progress
        self.share = 0.3

    def __call__(self, message: str) -> None:
        self.share += (0.98 - self.share) * 0.08
        self.progress(self.share, message.capitalize())


def confirm(pending: Pending, by: access.Identity) -> None:
    """Swap the checked warehouse in; the app notices the new file on its next run."""
    access.require(by, access.Action.LOAD)
    if pending.prepared is None:
        raise ValueError("there is nothing checked to load")
    try:
        ingest.commit(pending.prepared)
    finally:
        shutil.rmtree(pending.folder, ignore_errors=True)


def discard(pending: Pending) -> None:
    if pending.prepared is not None:
        ingest.discard(pending.prepared)
    shutil.rmtree(pending.folder, ignore_errors=True)
