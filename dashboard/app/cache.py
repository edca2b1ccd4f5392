"""The app's shared read-only connection and cached query results."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboard.model import risk
from dashboard.query import catalog, targets, warehouse
from dashboard.query import runner as runner_
from dashboard.review import weekly

# Versions of a warehouse kept open: the newest for new reruns, the one before for reruns that
# started on it before a load swapped the file.
KEEP_VERSIONS = 2
_opening = threading.Lock()


@st.cache_resource(show_spinner=False)
def _opened() -> dict[str, list[tuple[Path, duckdb.DuckDBPyConnection]]]:
    """The connections handed out per warehouse path, oldest first, each with the name it was
    opened by; cached, so they outlive a module re-import."""
    return {}


def _version_link(path: Path, version: int) -> Path:
    """A hard link naming this version of the file for this process: DuckDB shares one database
    instance per path within a process, so connecting to a swapped-in file by its usual name would
    hand back the old file while any connection to it is open. Another name for the same file gets
    its own instance. The name carries the process id because several app processes may serve the
    same warehouse (docs/scaling.md): each removes only its own links, never one another process
    is opening. Falls back to the path itself where links cannot be made."""
    link = path.with_name(f".{path.name}.v{version}.p{os.getpid()}")
    try:
        if link.exists() and not os.path.samefile(link, path):
            link.unlink()
        if not link.exists():
            os.link(path, link)
    except OSError:
        return path
    return link


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget(path: Path, keep: set[Path]) -> None:
    """Remove this process's version links not kept and those of processes that have ended, so old
    files do not linger on disk after every load."""
    for link in path.parent.glob(f".{path.name}.v*"):
        owner = link.name.rpartition(".p")[2]
        mine = owner == str(os.getpid())
        gone = not owner.isdigit() or not _alive(int(owner))  # no pid: a link from before pids
        if (mine and link not in keep) or (not mine and gone):
            link.unlink(missing_ok=True)


@st.cache_resource(max_entries=1, show_spinner=False)
def _connection(path: str, version: int) -> duckdb.DuckDBPyConnection:
    """One connection per warehouse version. A local file is opened through the version's own
    link, and the previous version's connection stays open so that a rerun in flight during a load
    finishes on the data it started with; older ones are closed. `path` is the target's `--db`
    value (secrets hidden): other kinds (a Parquet folder, MotherDuck, DuckLake) are opened by the
    factory as they are, a Parquet folder's previous version being kept on disk by its export."""
    found = _target(path)
    with _opening:
        opened = _opened().setdefault(path, [])
        if found.kind == targets.FILE:
            link = _version_link(Path(path), version)
            if link == Path(path):
                while opened:  # no links: the old instance must go before the new file can be opened
                    opened.pop(0)[1].close()
            opened.append((link, warehouse.connect(link)))
        else:
            opened.append((Path(path), warehouse.connect(found)))
        while len(opened) > KEEP_VERSIONS:
            opened.pop(0)[1].close()
        if found.kind == targets.FILE:
            _forget(Path(path), {name for name, _ in opened})
        return opened[-1][1]


def _target(value: str) -> targets.Target:
    """The configured target named by a cache key (the key hides secrets, the environment has them)."""
    configured = warehouse.target()
    return configured if configured.value == value else targets.parse(value)


def connection() -> duckdb.DuckDBPyConnection:
    return _connection(*_key())


def _key() -> tuple[str, int]:
    found = warehouse.target()
    return found.value, warehouse.version(found)


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _as_of(path: str, version: int) -> dt.date:
    return catalog.as_of(_connection(path, version))


def as_of() -> dt.date:
    return _as_of(*_key())


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _missing_objects(path: str, version: int) -> list[str]:
    return warehouse.missing_objects(_connection(path, version))


def missing_objects() -> list[str]:
    """What the warehouse lacks that this version's queries read; checked once per file version,
    since every rerun of every page asks before it draws anything."""
    return _missing_objects(*_key())


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def _choices(source: str, path: str, version: int) -> list[Any]:
    return catalog.choices(_connection(path, version), source)


def choices(source: str) -> list[Any]:
    return _choices(source, *_key())


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def _labels(source: str, label: str, path: str, version: int) -> dict[Any, str]:
    return catalog.labels(_connection(path, version), source, label)


def labels(source: str, label: str) -> dict[Any, str]:
    return _labels(source, label, *_key())


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _run(text: str, file: str, params: tuple[tuple[str, Any], ...], path: str, version: int) -> pd.DataFrame:
    """Keyed on the file's text, so an edited query never serves an old result."""
    return catalog.execute(_connection(path, version), text, file, dict(params))


def _execute(query: catalog.Query, params: Mapping[str, Any]) -> pd.DataFrame:
    return _run(query.text, query.file, tuple(sorted(params.items())), *_key())


def runner() -> runner_.Runner:
    """The query runner (dashboard/query/runner.py) with its results cached per warehouse version."""
    return runner_.on(connection(), as_of(), _execute)


def run(query: catalog.Query, values: Mapping[str, Any]) -> pd.DataFrame:
    return runner()(query, values)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _on_demand(what: str, day: dt.date, key: tuple[Any, ...], path: str, version: int, _compute: Any) -> Any:
    """A model output the load did not prepare, once per warehouse version, date and scope; too
    little history is kept as the answer too, so it is not refitted on every rerun."""
    try:
        return _compute()
    except risk.NotEnoughHistory as exc:
        return exc


@st.cache_resource(show_spinner=False)
def _computed() -> set[tuple[Any, ...]]:
    """The on-demand outputs already made: they are served without a status box."""
    return set()


def on_demand(what: str, day: dt.date, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """Compute what the load did not prepare (dashboard/model/outputs.py), cached, with a visible
    status on the page the first time: a fit takes seconds on a large warehouse."""
    wanted = (what, day, key, *_key())
    if wanted in _computed():
        result = _on_demand(*wanted, compute)
    else:
        with st.status(f"Preparing the model for {day:%d %b %Y}...", expanded=False) as status:
            result = _on_demand(*wanted, compute)
            status.update(label=f"Model prepared for {day:%d %b %Y}", state="complete")
        _computed().add(wanted)
    if isinstance(result, risk.NotEnoughHistory):
        raise result
    return result


def risk_scores() -> weekly.RiskScores:
    """Revenue at risk for the weekly review and restock priority, stored or made on demand."""
    return weekly.risk_scores(connection(), on_demand)
