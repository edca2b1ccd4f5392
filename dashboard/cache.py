"""The app's shared read-only connection and cached query results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboard import catalog, warehouse


@st.cache_resource(show_spinner=False)
def _opened() -> dict[str, duckdb.DuckDBPyConnection]:
    """The connection handed out per warehouse path; cached, so it outlives a module re-import."""
    return {}


@st.cache_resource(max_entries=1, show_spinner=False)
def _connection(path: str, version: int) -> duckdb.DuckDBPyConnection:
    """One connection per warehouse file version; a reload swaps in a new file and a new key.

    The old version's connection is closed first: DuckDB shares one database instance per
    path within a process, so while it stays open, connecting again returns the old file.
    """
    opened = _opened()
    previous = opened.pop(path, None)
    if previous is not None:
        previous.close()
    opened[path] = warehouse.connect(Path(path))
    return opened[path]


def connection() -> duckdb.DuckDBPyConnection:
    path = warehouse.default_path()
    return _connection(str(path), warehouse.version(path))


def _key() -> tuple[str, int]:
    path = warehouse.default_path()
    return str(path), warehouse.version(path)


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _as_of(path: str, version: int) -> dt.date:
    return catalog.as_of(_connection(path, version))


def as_of() -> dt.date:
    return _as_of(*_key())


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


def run(query: catalog.Query, values: Mapping[str, Any]) -> pd.DataFrame:
    params = catalog.bind(query, values, as_of())
    return _run(query.text, query.file, tuple(sorted(params.items())), *_key())


def runner() -> Callable[[str, Mapping[str, Any]], pd.DataFrame]:
    """Run queries by id through the cache; the weekly review and its report share this shape."""
    queries = {q.id: q for q in catalog.discover() if not q.error}

    def run_by_id(query_id: str, values: Mapping[str, Any]) -> pd.DataFrame:
        return run(queries.get(query_id) or catalog.find(query_id), values)

    return run_by_id
