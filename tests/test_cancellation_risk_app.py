"""The Cancellation risk page in AppTest: every section renders on the sample, the call list and
the notice list are there to export, the sidebar narrows them, and a shop with too little history
says so instead of scoring."""

from __future__ import annotations

from pathlib import Path

from dashboard import ingest
from tests.conftest import ok, open_page

PAGE = "dashboard/app/pages/cancellation_risk.py"
FIXTURE = Path(__file__).parent / "fixtures" / "risk_notices"


def test_every_section_renders_on_the_sample(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page(PAGE)
    ok(at)
    assert at.title[0].value == "Cancellation risk"
    assert [s.value for s in at.subheader] == [
        "Who is about to cancel",
        "Delay notices due",
        "Alternatives to offer",
        "When customers cancel",
        "How far to trust the score: backtest",
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Revenue at risk"].startswith("$")
    assert float(metrics["Revenue at risk"].strip("$").replace(",", "")) > 0
    assert float(metrics["ROC AUC"]) >= 0.75
    calls, notices = at.dataframe[0].value, at.dataframe[1].value
    assert len(calls) > 0 and calls["expected_loss"].is_monotonic_decreasing
    assert {"customer_id", "order_id", "risk", "factor_1"} <= set(calls.columns)
    assert len(notices) > 0 and {"customer_id", "order_id", "new_eta"} <= set(notices.columns)
    assert metrics["Delay notices due"] == f"{len(notices):,} orders"


def test_the_sidebar_narrows_the_lists(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page(PAGE, {"channel": "store"})
    ok(at)
    calls, notices = at.dataframe[0].value, at.dataframe[1].value
    assert set(calls["channel"]) == {"store"}
    assert set(notices["channel"]) == {"store"}


def test_too_little_history_is_explained(tmp_path: Path, use_db) -> None:
    path = tmp_path / "warehouse.duckdb"
    ingest.load(FIXTURE, path)
    use_db(path)
    at = open_page(PAGE)
    ok(at)
    assert any("No risk score" in info.value for info in at.info)
    assert any("No backtest" in info.value for info in at.info)
    # The rules-based lists need no model: the notices are all there.
    assert any(len(frame.value) == 6 for frame in at.dataframe)
