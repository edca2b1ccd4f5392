"""Issue 14.4 (in part): SKU rows name the SKU's product, and the home page's default week is the
complete week that ends on the as-of date when it is a Sunday."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dashboard.query import runner, warehouse
from dashboard.review import weekly

W03 = weekly.Week.parse("2026-W03")


def test_backlog_movers_names_a_sku_by_its_product(handmade_db: Path) -> None:
    run = runner.on(warehouse.connect(handmade_db))
    frame = run("backlog_movers", weekly.week_values(W03))
    products = {"A": "Hammer", "B": "Robot", "C": "Screws"}
    skus = frame[frame["dimension"] == "sku"]
    assert not skus.empty
    assert {row.key: row.name for row in skus.itertuples()} == {k: products[k] for k in skus["key"]}
    suppliers = frame[frame["dimension"] == "supplier"]
    assert not set(suppliers["name"]) & set(products.values())


def test_a_sunday_as_of_date_completes_its_week_and_is_the_default() -> None:
    assert weekly.default_week(dt.date(2026, 11, 22)).label == "2026-W47"  # a Sunday
    assert weekly.default_week(dt.date(2026, 11, 21)).label == "2026-W46"  # Saturday: W47 still filling
    assert weekly.default_week(dt.date(2026, 1, 18)) == W03


def test_per_supplier_alerts_follow_the_sidebars_supplier(handmade_db: Path, tmp_path: Path) -> None:
    from dashboard.review import alerts

    (tmp_path / "alerts.yaml").write_text(
        "rules:\n  - {name: Any open backorder, metric: open_backorder_lines, above: 0, per: supplier}\n"
    )
    rules = alerts.load(tmp_path / "alerts.yaml")
    run = runner.on(warehouse.connect(handmade_db))
    groups = {"supplier": ["S1", "S2"]}
    everyone = alerts.check(run, W03, rules, groups)
    assert sorted(b.group for b in everyone) == ["S1", "S2"]
    picked = alerts.check(run, W03, rules, groups, {"supplier": "S2"})
    assert [b.group for b in picked] == ["S2"]
