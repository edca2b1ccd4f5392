"""The app's connection across a load that swaps the warehouse file while reruns are in flight."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard import ingest
from dashboard.app import cache
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
    assert f".warehouse.duckdb.v{warehouse.version(path)}" in links
