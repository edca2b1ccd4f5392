"""--skip-bad-rows stops above --max-skipped, naming the biggest cause; a cascade names its row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import ingest
from dashboard.ingest.problems import LoadError

HANDMADE = Path(__file__).parent / "fixtures" / "handmade"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The hand-made shop with order O3 (orders.csv row 4) dated 'yesterday': its 2 of the 8 order
    lines go by cascade, 1 of the 5 orders by itself."""
    copy = tmp_path / "shop"
    shutil.copytree(HANDMADE, copy)
    orders = copy / "orders.csv"
    orders.write_text(orders.read_text().replace("O3,K1,2026-01-08T09:00:00", "O3,K1,yesterday"))
    return copy


def test_skipping_more_than_the_limit_stops_and_names_the_biggest_cause(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, db, options=ingest.Options(skip_bad_rows=True))
    first = caught.value.problems[0]
    assert first.file == "order_lines.csv"
    assert first.reason == (
        "leaving out the bad rows would drop 2 of 8 order_lines rows (25.0%), more than the limit of 5%"
        " (--max-skipped, or the Data page's 'Stop above');"
        " the biggest cause: order_lines.csv column order_id: order_id not in orders (2 rows), which"
        " follows from 1 orders rows left out; of those, orders.csv column ordered_at: not a valid"
        " timestamp (ISO 8601, e.g. 2024-01-31 14:05:00) (1 rows). Fix that in the file or the mapping,"
        " or raise the limit if these rows should go (also over: orders 20.0%)"
    )
    assert not db.exists()


def test_under_the_limit_the_cascade_names_the_row_it_follows_from(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    prepared = ingest.prepare(folder, db, ingest.Options(skip_bad_rows=True, max_skipped=0.25))
    outcome = prepared.outcome
    assert outcome.counts["orders"] == 4 and outcome.counts["order_lines"] == 6
    assert outcome.skipped == 3
    cascade = [(p.file, p.row, p.reason) for p in outcome.problems if p.column == "order_id"]
    because = "order_id 'O3' is not in orders: its orders row, orders.csv row 4, was left out as bad"
    assert cascade == [("order_lines.csv", 5, because), ("order_lines.csv", 6, because)]
