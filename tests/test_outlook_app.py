"""The Outlook page in AppTest on the sample: every section renders, the list is what its query
returns, the horizon control changes it and the sidebar narrows it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ok, open_page

PAGE = "dashboard/app/pages/outlook.py"


def test_every_section_renders_on_the_sample(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page(PAGE)
    ok(at)
    assert at.title[0].value == "Outlook"
    subheaders = [s.value for s in at.subheader]
    assert subheaders[0].startswith("SKUs projected to go on backorder by ")
    assert subheaders[1:] == [
        "The backlog ahead",
        "One SKU's projection",
        "Projected stock-outs per supplier",
        "How often the projection was right: backtest",
    ]
    metrics = {m.label: m.value for m in at.metric}
    listed = at.dataframe[0].value
    assert metrics["SKUs projected to go on backorder in 4 weeks"] == f"{len(listed):,}"
    assert len(listed) > 0 and listed["stockout_date"].is_monotonic_increasing
    assert 0.5 < float(metrics["ROC AUC"]) <= 1
    assert float(metrics["MASE"]) > 0


def test_the_horizon_and_the_sidebar_change_the_list(sample_db: Path, use_db) -> None:
    use_db(sample_db)
    at = open_page(PAGE)
    four_weeks = len(at.dataframe[0].value)
    at.select_slider(key="outlook.horizon").set_value(1).run()
    ok(at)
    one_week = at.dataframe[0].value
    assert 0 < len(one_week) < four_weeks
    narrowed = open_page(PAGE, {"supplier": "SUP03"})
    ok(narrowed)
    listed = narrowed.dataframe[0].value
    assert len(listed) > 0 and set(listed["supplier_id"]) == {"SUP03"}
