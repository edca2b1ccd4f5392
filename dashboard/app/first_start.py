"""Builds the sample warehouse the first time the app starts, so the quick start needs no flags."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from dashboard.app import cache
from dashboard.ingest import lifecycle, sample_warehouse
from dashboard.query import targets, warehouse

_building = threading.Lock()


def _build(path: Path, label: str) -> None:
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0, text="Simulating two years of orders")

        def report(done: int, total: int) -> None:
            bar.progress(min(done / total, 1.0), text=f"Simulating day {done} of {total}")

        def loading(message: str) -> None:
            bar.progress(1.0, text=message[:1].upper() + message[1:])

        counts = sample_warehouse.build_sample(path, progress=report, loading=loading)
        status.update(
            label=f"Sample warehouse ready: {counts['order_lines']:,} order lines", state="complete"
        )


def _outdated(path: Path) -> list[str]:
    """What the warehouse lacks that this version's queries read, checked on the app's own
    connection (a second one with other settings would be refused)."""
    return cache.missing_objects() if path.exists() else []


@st.cache_resource(ttl=3600, show_spinner=False)
def _swept(path: str) -> bool:
    """Once when the server starts and then hourly: what killed loads and abandoned uploads left."""
    lifecycle.sweep(Path(path))
    return True


def ensure_warehouse() -> None:
    """Build the sample on first start, and rebuild a sample that an older version built without a
    table or view the queries now read; a user's own outdated warehouse is theirs to reload. A
    warehouse that is not a local file (a Parquet folder, MotherDuck, DuckLake) is never built here:
    it is published from a loaded file."""
    found = warehouse.target()
    if found.kind != targets.FILE:
        _check_published(found)
        return
    path = Path(found.location)
    _swept(str(path))
    missing = _outdated(path)
    if path.exists() and not missing:
        return
    if missing and not warehouse.is_sample(cache.connection()):
        st.error(
            f"The warehouse `{path}` was built by an older version of Backorder Desk and lacks "
            f"{', '.join(f'`{name}`' for name in missing)}. Load your files again with "
            f"`python -m dashboard load DIR --db {path}`."
        )
        st.stop()
    if not missing and path != warehouse.DEFAULT_PATH:
        st.error(
            f"There is no warehouse at `{path}`. Load your files with "
            f"`python -m dashboard load DIR --db {path}`, or unset {warehouse.DB_ENV_VAR} to use the sample."
        )
        st.stop()
    with _building:
        if not path.exists():
            _build(path, "First start: building the sample warehouse…")
        elif _outdated(path):
            _build(path, "Rebuilding the sample warehouse for this version of the app…")


def _check_published(found: targets.Target) -> None:
    """A published warehouse must exist and have every table the queries read; the page says how
    to publish one when it does not."""
    publish = "`python -m dashboard export-parquet FOLDER --db FILE`" if found.kind == targets.PARQUET else ""
    try:
        if not warehouse.exists(found):
            raise warehouse.TargetError(f"there is no published warehouse at `{found}`")
        missing = cache.missing_objects()
    except (warehouse.TargetError, FileNotFoundError) as exc:
        st.error(
            f"Cannot open the warehouse: {targets.masked(str(exc), found)}. "
            + (f"Publish one from a loaded file with {publish}." if publish else "")
        )
        st.stop()
    if missing:
        st.error(
            f"The warehouse `{found}` lacks {', '.join(f'`{name}`' for name in missing)}: it was published "
            "by an older version of Backorder Desk. Load the files into a warehouse file again and publish it"
            + (f" with {publish}." if publish else ".")
        )
        st.stop()
