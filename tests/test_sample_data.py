"""sample_data/: the committed canonical sample loads cleanly and is exactly what its command makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import ingest, sample
from dashboard.query import warehouse

FOLDER = warehouse.PROJECT_ROOT / "sample_data"
# The command in sample_data/README.md.
COMMAND = "python -m dashboard sample --lines 3000 --seed 7 --out sample_data --format csv --snapshot-every 7"
SETTINGS = {"lines": 3000, "seed": 7, "fmt": "csv", "snapshot_every": 7}


def test_the_readme_gives_the_command_that_made_it() -> None:
    assert COMMAND in (FOLDER / "README.md").read_text()


def test_it_is_what_the_generator_makes_with_that_seed_and_size(tmp_path: Path) -> None:
    counts = sample.write(tmp_path, **SETTINGS)
    committed = sorted(path.name for path in FOLDER.glob("*.csv"))
    assert committed == sorted(f"{table}.csv" for table in warehouse.TABLES)
    for name in committed:
        assert (FOLDER / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"sample_data/{name} is stale: regenerate it with `{COMMAND}`"
        )
    assert 2_000 <= counts["order_lines"] <= 5_000


def test_it_loads_without_problems(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    counts = ingest.load(FOLDER, db)
    assert counts["order_lines"] == 3026 and counts["inventory_snapshots"] == 31_200
    con = warehouse.connect(db)
    try:
        assert warehouse.missing_objects(con) == []
        open_lines = con.execute(
            "select count(*) from open_backorders_at((select as_of from warehouse_meta))"
        )
        assert open_lines.fetchone()[0] > 0
        sundays = con.execute("select distinct dayofweek(snapshot_date) from inventory_snapshots").fetchall()
        assert sundays == [(0,)]
    finally:
        con.close()


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format must be one of parquet, csv"):
        sample.write(tmp_path, lines=100, fmt="xlsx")
    assert not any(tmp_path.iterdir())
