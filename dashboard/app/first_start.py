"""Builds the sample warehouse the first time the app starts, so the quick start needs no flags."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from dashboard.app import cache
from dashboard.ingest import lifecycle, sample_warehouse
from dashboard.query import warehouse

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
    table or view the queries now read; a user's own outdated warehouse is theirs to reload."""
    path = warehouse.default_path()
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
    if not missing and path != warehouse.PROJECT_ROOT / "data" / "warehouse.duckdb":
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
