"""Query files: header parsing, errors with file and line, parameter binding."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dashboard.query import catalog, warehouse

AS_OF = dt.date(2026, 1, 24)

GOOD = """/*
title: Open units by category
description: Units still open.
params:
  start: {type: date, default: -12 weeks}
  category: {type: choice, from: products.category, optional: true}
  top: {type: int, default: 5}
chart: {mark: bar, x: category:N, y: units:Q}
*/
select category, count(*) as units
from products
where $start is not null and ($category is null or category = $category)
group by all
limit $top
"""


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_good_header_parses_into_params_and_chart(tmp_path: Path) -> None:
    query = catalog.parse(write(tmp_path, "backorders/by_category.sql", GOOD), tmp_path)
    assert query.id == "by_category"
    assert query.page == "backorders"
    assert query.file == "backorders/by_category.sql"
    assert query.title == "Open units by category"
    assert [p.name for p in query.params] == ["start", "category", "top"]
    assert [p.name for p in query.local_params] == ["top"]
    assert query.params[1].optional and query.params[1].source == "products.category"
    assert dict(query.chart) == {"mark": "bar", "x": "category:N", "y": "units:Q"}


def test_file_outside_page_folders_belongs_to_the_library(tmp_path: Path) -> None:
    assert catalog.parse(write(tmp_path, "misc/x.sql", GOOD), tmp_path).page is None
    assert catalog.parse(write(tmp_path, "x.sql", GOOD), tmp_path).page is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("title:", "owner: me\ntitle:"), "x.sql:2: unknown header key 'owner'"),
        (
            GOOD.replace("limit $top", "limit 5"),
            "x.sql:7: parameter 'top' is declared but the SQL does not use $top",
        ),
        (GOOD.replace("limit $top", "limit $top + $extra"), "x.sql:14: $extra is used but not declared"),
        (
            GOOD.replace("{type: int, default: 5}", "{type: integer}"),
            "x.sql:7: parameter 'top' has type 'integer'",
        ),
        (
            GOOD.replace("{type: int, default: 5}", "{type: int, min: 1}"),
            "x.sql:7: parameter 'top' has unknown key 'min'",
        ),
        (GOOD.replace("mark: bar", "mark: pie"), "x.sql:8: chart mark 'pie'"),
        (GOOD.replace(", y: units:Q", ""), "x.sql:8: chart needs both x and y"),
        (
            GOOD.replace("from: products.category", "from: users.password"),
            "is not a column of a warehouse table",
        ),
        (
            GOOD.replace(
                "category: {type: choice, from: products.category, optional: true}",
                "category: {type: choice}",
            ),
            "needs 'from: table.column' or 'options'",
        ),
        ("/*\ntitle: [unclosed\n*/\nselect 1", "header is not valid YAML"),
        ("create table t (a int)", "must be a SELECT, found CREATE"),
        ("select 1; select 2", "exactly one statement, found 2"),
        ("selec 1", "x.sql: Parser Error"),
    ],
)
def test_bad_files_are_reported_with_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(catalog.QueryError) as caught:
        catalog.parse(write(tmp_path, "x.sql", text), tmp_path)
    assert expected in str(caught.value)


def test_discover_keeps_broken_files_as_error_cards(tmp_path: Path) -> None:
    write(tmp_path, "a_good.sql", GOOD)
    write(tmp_path, "b_broken.sql", "selec 1")
    write(tmp_path, "backorders/a_good.sql", GOOD)
    write(tmp_path, "views/not_a_card.sql", "select 1")
    found = {q.file: q for q in catalog.discover(tmp_path)}
    assert set(found) == {"a_good.sql", "b_broken.sql", "backorders/a_good.sql"}
    assert found["a_good.sql"].error is None
    assert "Parser Error" in found["b_broken.sql"].error
    assert "also used by" in found["backorders/a_good.sql"].error


def test_cards_of_a_page_are_in_file_name_order(tmp_path: Path) -> None:
    for name in ("b.sql", "a.sql", "c.sql"):
        write(tmp_path, f"suppliers/{name}", "select 1 as x")
    cards = catalog.for_page("suppliers", catalog.discover(tmp_path))
    assert [q.id for q in cards] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-12 weeks", dt.date(2025, 11, 1)),
        ("-27 days", dt.date(2025, 12, 28)),
        ("+3 days", dt.date(2026, 1, 27)),
        ("-1 month", dt.date(2025, 12, 24)),
        ("-2 years", dt.date(2024, 1, 24)),
        ("as_of", AS_OF),
        ("2025-06-30", dt.date(2025, 6, 30)),
        (dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
    ],
)
def test_relative_dates_count_from_the_as_of_date(value: object, expected: dt.date) -> None:
    assert catalog.relative_date(value, AS_OF) == expected


def test_relative_date_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="is not a date"):
        catalog.relative_date("last tuesday", AS_OF)


def test_bind_uses_values_then_defaults_then_global_defaults(tmp_path: Path) -> None:
    text = GOOD.replace("start: {type: date, default: -12 weeks}", "start: {type: date}")
    query = catalog.parse(write(tmp_path, "x.sql", text), tmp_path)
    assert catalog.bind(query, {}, AS_OF) == {"start": dt.date(2025, 11, 1), "category": None, "top": 5}
    bound = catalog.bind(query, {"start": "2026-01-01", "category": "Tools", "top": "2"}, AS_OF)
    assert bound == {"start": dt.date(2026, 1, 1), "category": "Tools", "top": 2}
    with pytest.raises(catalog.QueryError, match="parameter 'top'"):
        catalog.bind(query, {"top": "many"}, AS_OF)


def test_bool_parameters_accept_url_spellings() -> None:
    flag = catalog.Param("late", "bool")
    assert catalog.coerce(flag, "true", AS_OF) is True
    assert catalog.coerce(flag, "0", AS_OF) is False


def test_text_parameter_is_data_not_sql(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("create table notes (body varchar)")
    con.execute("insert into notes values ('kept')")
    text = (
        "/*\nparams:\n  needle: {type: text}\n*/\n"
        "select $needle as echoed, count(*) as n from notes where body = $needle\n"
    )
    query = catalog.parse(write(tmp_path, "x.sql", text), tmp_path)
    attack = "x' or 1=1; drop table notes; --"
    frame = catalog.run(con, query, catalog.bind(query, {"needle": attack}, AS_OF))
    assert frame.to_dict("records") == [{"echoed": attack, "n": 0}]
    assert con.execute("select body from notes").fetchall() == [("kept",)]


def test_every_shipped_query_file_parses() -> None:
    broken = [q.error for q in catalog.discover() if q.error]
    assert broken == []


def test_readme_documents_every_header_option() -> None:
    readme = (warehouse.PROJECT_ROOT / "README.md").read_text()
    words = (
        *catalog.HEADER_KEYS,
        *catalog.PARAM_KEYS,
        *catalog.PARAM_TYPES,
        *catalog.CHART_KEYS,
        *catalog.MARKS,
        *catalog.COLUMN_KEYS,
        *catalog.FORMATS,
    )
    missing = [word for word in words if f"`{word}`" not in readme]
    assert missing == []


def test_discover_parses_again_only_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "suppliers/a.sql", "/*\ntitle: First\n*/\nselect 1 as x")
    edited = write(tmp_path, "suppliers/b.sql", "/*\ntitle: Before\n*/\nselect 1 as x")
    assert [q.title for q in catalog.discover(tmp_path)] == ["First", "Before"]
    parsed: list[str] = []
    parse = catalog.parse

    def counted(path: Path, root: Path | None = None) -> catalog.Query:
        parsed.append(path.name)
        return parse(path, root)

    monkeypatch.setattr(catalog, "parse", counted)
    assert [q.title for q in catalog.discover(tmp_path)] == ["First", "Before"]
    assert parsed == []  # nothing changed, nothing parsed
    edited.write_text("/*\ntitle: After the edit\n*/\nselect 2 as x")
    write(tmp_path, "suppliers/c.sql", "/*\ntitle: New\n*/\nselect 3 as x")
    assert [q.title for q in catalog.discover(tmp_path)] == ["First", "After the edit", "New"]
    assert sorted(parsed) == ["b.sql", "c.sql"]


def test_an_edit_that_breaks_a_file_shows_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "a.sql", GOOD)
    assert catalog.discover(tmp_path)[0].error is None
    path.write_text(GOOD.replace("limit $top", "limit 5"))
    assert "declared but the SQL does not use $top" in catalog.discover(tmp_path)[0].error
