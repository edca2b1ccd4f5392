"""Issue 14.2: PO lines without an order date load, count in delay figures, and stay out of lead times."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import cli, ingest
from dashboard.ingest.problems import LoadError
from dashboard.query import catalog, warehouse
from tests.test_strict_dates import po_folder

GOOD = Path(__file__).parent / "fixtures" / "canonical_good"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ingest.Outcome]:
    """The PO export: 2 of its 3 good lines say 'N/A - From RDC' / 'Date Not Captured' for the order date.

    P1/1 (V1) ordered 03-01, promised 03-15, received 03-18: 3 days late, lead time 17 days.
    P1/2 (V1) no order date, promised 03-15, received 03-14: a day early.
    P2/1 (V2) no order date, promised 03-20, received 03-25: 5 days late.
    """
    tmp = tmp_path_factory.mktemp("po_dates")
    folder = po_folder(tmp)
    db = tmp / "w.duckdb"
    options = ingest.Options(mapping=folder / "mapping.yaml", skip_bad_rows=True, max_skipped=0.5)
    prepared = ingest.prepare(folder, db, options)
    ingest.commit(prepared)
    return db, prepared.outcome


def run(db: Path, name: str, **values: Any) -> pd.DataFrame:
    con = warehouse.connect(db)
    query = catalog.find(name)
    return catalog.run(con, query, catalog.bind(query, values, catalog.as_of(con)))


def test_the_loader_says_how_many_po_lines_lack_an_order_date(loaded: tuple[Path, ingest.Outcome]) -> None:
    _db, outcome = loaded
    assert outcome.counts["purchase_orders"] == 3
    assert tuple(n for n in outcome.notes if "cancellation-risk model" not in n) == (
        "purchase_orders: 2 of 3 lines have no ordered_at; they count in on-time rate, delay and ETAs,"
        " not in lead times",
    )


def test_undated_lines_count_in_delay_but_not_in_lead_time(loaded: tuple[Path, ingest.Outcome]) -> None:
    db, _outcome = loaded
    card = run(db, "supplier_scorecard", start="2024-03-01", end="2024-03-31").set_index("supplier_id")
    assert card.loc["V1", "po_lines_received"] == 2 and card.loc["V1", "on_time_rate"] == 0.5
    assert card.loc["V1", "avg_delay_days"] == 1.0
    assert card.loc["V1", "lead_time_lines"] == 1 and card.loc["V1", "median_lead_time_days"] == 17
    assert card.loc["V2", "po_lines_received"] == 1 and card.loc["V2", "avg_delay_days"] == 5
    assert card.loc["V2", "lead_time_lines"] == 0 and pd.isna(card.loc["V2", "median_lead_time_days"])
    leads = run(db, "supplier_lead_times", start="2024-03-01", end="2024-03-31").set_index("supplier_id")
    assert (leads.loc["V1", "lines_received"], leads.loc["V1", "lead_time_lines"]) == (2, 1)
    assert leads.loc["V1", "median_lead_time_days"] == 17
    kpis = cli.kpis(warehouse.connect(db))
    assert (kpis["po_lines_received"], kpis["supplier_on_time_rate"]) == (3, 1 / 3)


def test_a_required_column_empty_on_many_rows_suggests_the_ways_out(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    shutil.copytree(GOOD, folder)
    path = folder / "purchase_orders.csv"
    lines = path.read_text().splitlines()
    at = lines[0].split(",").index("promised_date")
    rows = [line.split(",") for line in lines[1:]]
    for cells in rows:
        cells[at] = ""
    path.write_text("\n".join([lines[0], *(",".join(cells) for cells in rows)]) + "\n")
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb")
    advice = [p for p in caught.value.problems if p.row is None and p.column == "promised_date"]
    assert len(advice) == 1
    reason = advice[0].reason
    assert reason.startswith(f"is required but empty on {len(rows)} of {len(rows)} rows. Ways out:")
    assert "missing:" in reason and "coalesce(" in reason and "--skip-bad-rows" in reason
    assert caught.value.total == len(rows)


def test_the_scorecard_ranks_by_who_to_call_first_without_backorders(
    loaded: tuple[Path, ingest.Outcome],
) -> None:
    db, _outcome = loaded
    card = run(db, "supplier_scorecard", start="2024-03-01", end="2024-03-31")
    # No backorders and no open PO lines: V2 (5 days late on average) before V1 (1 day).
    assert list(card["supplier_id"]) == ["V2", "V1", "All suppliers"]
