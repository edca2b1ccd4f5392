"""Issue 14.8: a products.safety_stock the user gave drives the reorder suggestion; the computed one
is shown beside it (tests/fixtures/demand, worked out in test_demand_signal)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboard import ingest
from tests.test_demand_signal import FIXTURE, Z95, by_sku, run


@pytest.fixture(scope="module")
def given_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demand shop with X's safety stock given as 20 units; Y, Z and W give none."""
    folder = tmp_path_factory.mktemp("given_ss") / "shop"
    shutil.copytree(FIXTURE, folder)
    products = folder / "products.csv"
    products.write_text(
        products.read_text().replace("X,Widget,Tools,S1,10,4,7,,", "X,Widget,Tools,S1,10,4,7,20,")
    )
    db = folder.parent / "w.duckdb"
    ingest.load(folder, db)
    return db


def test_the_given_safety_stock_sets_the_reorder_point(given_db: Path) -> None:
    """X: D = 32/28, LT 8 (its own 5 PO lines), position 22. Given SS 20: ROP = 8D + 20 = 29.142857;
    order ceil(ROP + 7D - 22) = ceil(15.142857) = 16, cost 64; at stake (ROP - 22) x 10 = 71.428571.
    The computed SS stays 13.976767 beside it."""
    rows = by_sku(run(given_db, "reorder_suggestions", start="2026-02-02", end="2026-03-01"))
    x = rows["X"]
    d_x, var_x = 32 / 28, (256 - 32**2 / 28) / 27
    assert (x["safety_stock"], x["safety_stock_basis"]) == (20, "yours")
    assert x["computed_safety_stock"] == pytest.approx(Z95 * math.sqrt(8 * var_x + d_x**2 * 5.5))
    assert x["computed_safety_stock"] == pytest.approx(13.976767, abs=1e-6)
    assert x["reorder_point"] == pytest.approx(8 * d_x + 20) == 29.142857142857142
    assert (x["suggested_qty"], x["suggested_cost"]) == (16, pytest.approx(64.0))
    assert x["revenue_at_stake"] == pytest.approx(71.428571, abs=1e-6)


def test_without_a_given_safety_stock_the_computed_one_is_used(given_db: Path) -> None:
    rows = by_sku(run(given_db, "reorder_suggestions", start="2026-02-02", end="2026-03-01"))
    y = rows["Y"]
    assert y["safety_stock_basis"] == "computed"
    assert y["safety_stock"] == pytest.approx(y["computed_safety_stock"]) == pytest.approx(7.685453, abs=1e-6)
    w = rows["W"]  # no lead time: nothing to compute, and no basis to name
    assert pd.isna(w["safety_stock_basis"]) and pd.isna(w["computed_safety_stock"])
