"""The page registry is the one list of pages: the README, the query folders and the page files
agree with it, and the public URLs stay those users have bookmarked."""

from __future__ import annotations

import ast
import re

import pytest

from dashboard import registry
from dashboard.query import catalog, warehouse

README = warehouse.PROJECT_ROOT / "README.md"
ROW = re.compile(r"^\| (?P<page>[^|]+?) \| (?P<question>[^|]+?) \|$")


def readme_pages() -> list[tuple[str, str]]:
    """The rows of the README's "What you see" table, as (page, question)."""
    section = README.read_text().split("## What you see", 1)[1].split("\n## ", 1)[0]
    rows = [ROW.match(line) for line in section.splitlines()]
    return [(m["page"], m["question"]) for m in rows if m and m["page"] != "page"]


def test_the_readme_table_lists_exactly_the_registrys_pages() -> None:
    expected = [(p.title + (" (home)" if p.default else ""), p.question) for p in registry.PAGES]
    assert readme_pages() == expected


def test_urls_stay_as_they_are() -> None:
    assert [p.url_path for p in registry.PAGES] == [
        "",
        "backorders",
        "suppliers",
        "demand_signal",
        "cancellation_risk",
        "outlook",
        "query_library",
        "data",
    ]


def test_one_default_page_served_at_the_root() -> None:
    defaults = [p for p in registry.PAGES if p.default]
    assert len(defaults) == 1 and defaults[0].url_path == ""
    others = [p.url_path for p in registry.PAGES if not p.default]
    assert all(others) and len(set(others)) == len(others)


def test_every_entry_points_at_what_exists() -> None:
    names = [p.name for p in registry.PAGES]
    assert len(set(names)) == len(names)
    for page in registry.PAGES:
        assert (warehouse.PROJECT_ROOT / page.file).is_file(), page.file
        assert page.section in registry.SECTIONS, page.name
        assert set(page.needs) <= set(warehouse.TABLES), page.name
        if page.queries:
            assert (warehouse.QUERIES_DIR / page.queries).is_dir(), page.queries


def test_every_query_folder_belongs_to_a_page_so_no_card_is_lost() -> None:
    folders = {d.name for d in warehouse.QUERIES_DIR.iterdir() if d.is_dir()} - set(catalog.NOT_QUERIES)
    assert folders == set(registry.folders())
    assert {q.page for q in catalog.discover() if q.page} == folders


def test_page_finds_a_page_by_name_and_names_them_all_when_it_cannot() -> None:
    assert registry.page("suppliers").needs == ("purchase_orders",)
    with pytest.raises(KeyError, match="backorders"):
        registry.page("nope")


def test_the_registry_is_a_leaf_any_layer_may_import() -> None:
    tree = ast.parse((warehouse.PROJECT_ROOT / "dashboard" / "registry.py").read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m.startswith(("dashboard", "streamlit"))]
