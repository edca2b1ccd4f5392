"""Every page renders on the sample warehouse in AppTest; filters follow the URL."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import registry
from dashboard.query import warehouse

APP = str(warehouse.PROJECT_ROOT / "streamlit_app.py")
PAGES = [page.file for page in registry.PAGES]
HOME = next(page.file for page in registry.PAGES if page.default)


def open_page(page: str, query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query_params or {})
    at.run()
    if page != HOME:
        at.switch_page(page)
        at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception_or_error(sample_db: Path, use_db, page: str) -> None:
    use_db(sample_db)
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


def test_data_page_shows_the_as_of_date_and_every_table(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = open_page("dashboard/app/pages/data.py")
    assert at.metric[0].value == "2026-01-24"
    tables = at.dataframe[0].value
    assert dict(zip(tables["table_name"], tables["row_count"], strict=True)) == {
        "suppliers": 2,
        "products": 3,
        "customers": 2,
        "orders": 5,
        "order_lines": 8,
        "purchase_orders": 5,
        "inventory_snapshots": 3,
        "events": 0,
    }


def test_filters_are_read_from_the_url(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    url = {"q": "kpis", "start": "2026-01-05", "end": "2026-01-18", "category": "Toys"}
    at = open_page("dashboard/app/pages/query_library.py", url)
    assert at.sidebar.date_input(key="filter.start").value.isoformat() == "2026-01-05"
    assert at.sidebar.selectbox(key="filter.category").value == "Toys"
    kpis = at.dataframe[-1].value.iloc[0]
    # Toys in 01-05..01-18: O1-2 (3 units, backordered) and O3-2 (1 unit, backordered).
    assert (kpis["lines_ordered"], kpis["backordered_lines"], kpis["units_ordered"]) == (2, 2, 4)


def test_unparseable_url_values_fall_back_to_defaults(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = open_page(HOME, {"start": "yesterday", "category": "No such category"})
    assert not at.exception
    assert at.sidebar.selectbox(key="filter.category").value == "All"
    assert at.sidebar.date_input(key="filter.start").value.isoformat() == "2025-11-01"


def test_changing_a_filter_writes_it_to_the_url(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = open_page(HOME)
    at.sidebar.selectbox(key="filter.channel").set_value("web").run()
    assert at.query_params["channel"] == ["web"] or at.query_params["channel"] == "web"


def test_a_broken_query_file_is_an_error_card_and_the_rest_works(
    handmade_db: Path, use_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(handmade_db)
    queries = tmp_path / "queries"
    shutil.copytree(warehouse.QUERIES_DIR, queries)
    (queries / "aa_broken.sql").write_text("/*\ntitle: Broken\n*/\nselect * from no_such_table\n")
    (queries / "ab_unparsable.sql").write_text("selec 1\n")
    monkeypatch.setattr(warehouse, "QUERIES_DIR", queries)
    at = open_page("dashboard/app/pages/query_library.py", {"q": "aa_broken"})
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "ab_unparsable.sql" in errors and "Parser Error" in errors
    assert "aa_broken.sql" in errors and "no_such_table" in errors
    at.selectbox(key="library.query").set_value("kpis").run()
    assert not at.exception
    assert at.dataframe[-1].value.iloc[0]["lines_ordered"] >= 0


def test_reset_filters_restores_the_defaults(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = open_page("dashboard/app/pages/data.py", {"category": "Toys", "start": "2026-01-01"})
    next(b for b in at.sidebar.button if b.label == "Reset filters").click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="filter.category").value == "All"
    assert at.sidebar.date_input(key="filter.start").value.isoformat() == "2025-11-01"


def test_a_link_with_filters_applies_them_within_a_session(handmade_db: Path, use_db) -> None:
    use_db(handmade_db)
    at = open_page("dashboard/app/pages/data.py")
    at.sidebar.selectbox(key="filter.channel").set_value("web").run()
    at.query_params["supplier"] = "S2"  # as st.page_link(..., query_params=...) would
    at.run()
    assert at.sidebar.selectbox(key="filter.supplier").value == "S2"
    assert at.sidebar.selectbox(key="filter.channel").value == "web"
    at.sidebar.selectbox(key="filter.channel").set_value("store").run()
    assert at.sidebar.selectbox(key="filter.channel").value == "store"
    assert at.sidebar.selectbox(key="filter.supplier").value == "S2"


def _outdate(source: Path, target: Path) -> None:
    """A copy of a warehouse as an older version built it: without daily_demand and events."""
    import duckdb

    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    con.execute("drop table daily_demand")
    con.execute("drop table events")
    con.close()


def test_an_outdated_sample_is_rebuilt_on_start(sample_db: Path, use_db, tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    _outdate(sample_db, path)
    use_db(path)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value.startswith("Weekly review")
    con = warehouse.connect(path)
    assert warehouse.missing_objects(con) == []
    con.close()


def test_an_outdated_warehouse_of_ones_own_says_to_reload(handmade_db: Path, use_db, tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    _outdate(handmade_db, path)
    use_db(path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "older version" in message and "`daily_demand`" in message and "`events`" in message
    assert f"python -m dashboard load DIR --db {path}" in message


@pytest.mark.parametrize(
    "page", [HOME, "dashboard/app/pages/backorders.py", "dashboard/app/pages/cancellation_risk.py"]
)
def test_a_page_shows_the_same_figures_on_the_published_parquet_as_on_the_file(
    sample_db: Path, sample_parquet: str, use_db, page: str
) -> None:
    """The same warehouse published with `export-parquet` and served by --db parquet:FOLDER."""
    shown = []
    for value in (sample_db, sample_parquet):
        use_db(value)
        at = open_page(page)
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        shown.append([(m.label, m.value) for m in at.metric])
    assert shown[0], "the page shows figures"
    assert shown[1] == shown[0]


def test_the_data_page_on_a_published_warehouse_offers_no_upload_but_says_how(
    sample_parquet: str, use_db
) -> None:
    use_db(sample_parquet)
    at = open_page("dashboard/app/pages/data.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Check files" not in [b.label for b in at.button]
    assert any("export-parquet FOLDER --db FILE" in i.value for i in at.info)


def test_a_missing_published_warehouse_says_how_to_publish_one(use_db, tmp_path: Path) -> None:
    use_db(f"parquet:{tmp_path / 'nothing'}")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "no published warehouse" in message and "export-parquet FOLDER --db FILE" in message
    assert not (tmp_path / "nothing").exists()  # nothing is built there
