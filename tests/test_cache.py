"""The app's connection across a load that swaps the warehouse file while reruns are in flight."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dashboard import ingest
from dashboard.app import cache
from dashboard.ingest import to_parquet
from dashboard.query import warehouse
from tests.conftest import FIXTURES


def lines(con: duckdb.DuckDBPyConnection) -> int:
    return con.cursor().execute("select count(*) from order_lines").fetchone()[0]


def test_a_swap_leaves_the_rerun_in_flight_on_its_data_and_new_reruns_on_the_new(
    tmp_path: Path, use_db
) -> None:
    path = tmp_path / "warehouse.duckdb"
    ingest.load(FIXTURES / "handmade", path)
    use_db(path)
    first = cache.connection()
    before = lines(first)

    ingest.load(FIXTURES / "canonical_good", path)  # a load swaps in another file
    second = cache.connection()
    after = lines(second)
    assert second is not first and after != before
    assert lines(first) == before  # a rerun that started before the swap still finishes

    ingest.load(FIXTURES / "handmade", path)
    third = cache.connection()
    assert lines(third) == before and lines(second) == after
    with pytest.raises(duckdb.Error):  # two versions back: closed
        lines(first)
    links = sorted(p.name for p in tmp_path.glob(".warehouse.duckdb.v*"))
    assert len(links) == cache.KEEP_VERSIONS
    assert f".warehouse.duckdb.v{warehouse.version(path)}.p{os.getpid()}" in links


def test_a_process_removes_only_its_own_links_and_those_of_ended_processes(tmp_path: Path) -> None:
    """Several app processes may serve one warehouse: one must never remove the link another is
    opening, but the links of a process that has ended would keep old files on disk."""
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    other_alive, other_ended = os.getppid(), int(ended.stdout)
    for name in (f"v1.p{other_alive}", f"v1.p{other_ended}", f"v1.p{os.getpid()}", "v0"):
        os.link(path, tmp_path / f".warehouse.duckdb.{name}")
    cache._forget(path, keep=set())
    assert sorted(p.name for p in tmp_path.glob(".warehouse.duckdb.v*")) == [
        f".warehouse.duckdb.v1.p{other_alive}"
    ]


def test_the_app_follows_a_new_parquet_export_like_a_new_load(tmp_path: Path, use_db) -> None:
    """A published Parquet warehouse (--db parquet:FOLDER) changes version when an export moves
    its CURRENT pointer: new reruns read the new version, one in flight finishes on the old."""
    first_db, second_db = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    ingest.load(FIXTURES / "handmade", first_db)
    ingest.load(FIXTURES / "canonical_good", second_db)
    folder = tmp_path / "published"
    to_parquet.export(first_db, folder)
    use_db(f"parquet:{folder}")
    first = cache.connection()
    assert cache.connection() is first  # the same version: the same connection
    before = lines(first)

    to_parquet.export(second_db, folder)
    second = cache.connection()
    after = lines(second)
    assert second is not first and after != before
    assert lines(first) == before

    to_parquet.export(first_db, folder)
    third = cache.connection()
    assert lines(third) == before and lines(second) == after
    with pytest.raises(duckdb.Error):  # two versions back: closed
        lines(first)
