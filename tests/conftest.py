"""Warehouses built once per test session in a temp directory: the hand-made fixture and the sample."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dashboard import ingest
from dashboard.ingest import sample_warehouse
from dashboard.query import warehouse

FIXTURES = Path(__file__).parent / "fixtures"
REALDATA = warehouse.PROJECT_ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def handmade_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small shop whose every KPI is worked out by hand in test_kpis.py."""
    path = tmp_path_factory.mktemp("handmade") / "warehouse.duckdb"
    ingest.load(FIXTURES / "handmade", path)
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-size sample warehouse, built the way the app builds it on first start."""
    path = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    sample_warehouse.build_sample(path)
    return path


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point the app (which reads the environment at call time) at a given warehouse."""

    def point(path: Path) -> None:
        monkeypatch.setenv(warehouse.DB_ENV_VAR, str(path))

    yield point
