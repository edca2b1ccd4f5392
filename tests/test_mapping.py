"""Mapping files: a messy export loads as the shop meant it, and every mistake is located."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dashboard import cli, ingest
from dashboard.ingest import Options, mapping, sqlexpr
from dashboard.ingest.problems import LoadError, Problem
from dashboard.query import warehouse

MESSY = Path(__file__).parent / "fixtures" / "messy_export"
COUNTS = {table: 0 for table in warehouse.TABLES} | {
    "suppliers": 2,
    "products": 3,
    "customers": 3,
    "orders": 4,
    "order_lines": 5,
    "purchase_orders": 4,
    "inventory_snapshots": 0,
}


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MESSY, tmp_path / "src"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A warehouse loaded from the untouched export, alone in its folder."""
    path = tmp_path / "data" / "warehouse.duckdb"
    ingest.load(MESSY, path, options=Options(mapping=MESSY / "mapping.yaml"))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Edit one cell of an export in its own encoding and delimiter (header is row 1)."""
    encoding, delimiter = ("latin-1", ";") if path.name == "PO_export.csv" else ("utf-8-sig", ",")
    with path.open(newline="", encoding=encoding) as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)


def rejected(src: Path, db: Path, **options: object) -> LoadError:
    before = sha(db)
    with pytest.raises(LoadError) as caught:
        ingest.load(src, db, options=Options(mapping=src / "mapping.yaml", **options))  # type: ignore[arg-type]
    assert sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
    return caught.value


def located(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str | None, str]]:
    return [(p.file, p.row, p.column, p.value, p.reason) for p in problems]


def test_messy_export_loads_as_the_shop_meant(db: Path) -> None:
    assert query(db, "select count(*) from order_lines") == [(5,)]
    assert query(db, "select * from suppliers order by 1") == [
        ("V1", "Müller Werkzeug GmbH", "DE"),
        ("V2", "Société Générale d'Import", "FR"),
    ]
    assert query(db, "select sku, unit_price, supplier_id from products order by 1") == [
        ("SKU-A", 19.9, "V1"),
        ("SKU-B", 34.0, "V1"),
        ("SKU-C", 450.0, "V2"),
    ]
    # Two date formats in one column; "Date Not Captured", "-99" and "N/A" are missing values.
    assert query(db, "select po_id, po_line, ordered_at, received_at, received_qty from purchase_orders") == [
        ("PO-1", 1, dt.date(2024, 3, 1), dt.date(2024, 3, 18), 100),
        ("PO-1", 2, dt.date(2024, 3, 1), None, None),
        ("PO-2", 1, dt.date(2024, 3, 5), dt.date(2024, 3, 19), 10),
        ("PO-3", 1, dt.date(2024, 3, 10), None, None),
    ]
    assert query(db, "select order_id, channel from orders order by 1") == [
        ("#1001", "web"),
        ("#1002", "store"),
        ("#1003", "web"),
        ("#1004", "store"),
    ]
    lines = query(
        db,
        "select order_id, line_no, backordered_qty, shipped_at is not null, canceled_at is not null,"
        " cancel_reason from order_lines order by 1, 2",
    )
    assert lines == [
        ("#1001", 1, 0, True, False, None),
        ("#1001", 2, 1, True, False, None),
        ("#1002", 1, 1, False, True, "refunded by the shop"),
        ("#1003", 1, 0, False, False, None),
        ("#1004", 1, 2, False, False, None),
    ]


def test_bad_rows_name_the_source_file_row_and_column(src: Path, db: Path) -> None:
    set_cell(src / "sales.csv", 4, "Source", "Instagram")
    set_cell(src / "PO_export.csv", 4, "Order Date", "March 5")
    set_cell(src / "sales.csv", 5, "Lineitem quantity", "three")
    error = rejected(src, db)
    assert located(error.problems) == [
        (
            "sales.csv",
            4,
            "Source",
            "Instagram",
            "is not in the map for channel (it lists web, pos, Point of Sale)",
        ),
        ("sales.csv", 5, "Lineitem quantity", "three", "not a valid whole number"),
        (
            "PO_export.csv",
            4,
            "Order Date",
            "March 5",
            "matches none of the formats %d-%b-%y, %m/%d/%y (nor ISO 8601)",
        ),
    ]


def test_skip_bad_rows_loads_the_rest_and_follows_references(src: Path, db: Path, tmp_path: Path) -> None:
    set_cell(src / "sales.csv", 4, "Created at", "yesterday")  # order #1002: its line goes too
    set_cell(src / "sales.csv", 5, "Lineitem quantity", "three")
    rejects = tmp_path / "rejects.csv"
    prepared = ingest.prepare(
        src, db, Options(mapping=src / "mapping.yaml", skip_bad_rows=True, rejects=rejects, max_skipped=0.5)
    )
    ingest.commit(prepared)
    outcome = prepared.outcome
    assert outcome.counts == COUNTS | {"orders": 3, "order_lines": 3}
    assert outcome.skipped == 3
    assert [(p.row, p.column, p.reason) for p in outcome.problems] == [
        (4, "Created at", "not a valid timestamp (ISO 8601, e.g. 2024-01-31 14:05:00)"),
        (5, "Lineitem quantity", "not a valid whole number"),
        (
            4,
            "Name",
            "order_id '#1002' is not in orders: its orders row, sales.csv row 4, was left out as bad",
        ),
    ]
    assert outcome.rejects == rejects
    with rejects.open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in written] == [
        ("sales.csv", "4", "Created at", "yesterday"),
        ("sales.csv", "5", "Lineitem quantity", "three"),
        ("sales.csv", "4", "Name", "#1002"),
    ]
    assert query(db, "select order_id from order_lines order by 1, line_no") == [
        ("#1001",),
        ("#1001",),
        ("#1004",),
    ]


def test_rejects_file_lists_every_row_the_summary_counts(
    src: Path, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dashboard.ingest.checks.CAP", 1)
    for row in (2, 3, 4):
        set_cell(src / "sales.csv", row, "Lineitem price", "free")
    rejects = tmp_path / "out" / "rejects.csv"
    error = rejected(src, db, rejects=rejects)
    assert [p.reason for p in error.problems] == [
        "not a valid number",
        "and 2 more rows like this (not a valid number)",
    ]
    assert error.total == 3 and error.rejects == rejects
    with rejects.open(newline="") as handle:
        assert [r["row"] for r in csv.DictReader(handle)] == ["2", "3", "4"]


def test_mapping_mistakes_are_all_reported_with_their_lines(src: Path, db: Path) -> None:
    (src / "mapping.yaml").write_text(
        "tables:\n"  # 1
        "  order:\n"  # 2
        "    file: sales.csv\n"  # 3
        "  orders:\n"  # 4
        "    file: sales.csv\n"  # 5
        "    fromat: x\n"  # 6
        "    columns:\n"  # 7
        "      order_id: Nmae\n"  # 8
        "      ordered_at: {sql: \"read_csv('/etc/passwd')\"}\n"  # 9
        "      channel: {from: Source, value: web}\n"  # 10
        "      region: Source\n"  # 11
    )
    error = rejected(src, db)
    assert located(error.problems) == [
        ("mapping.yaml", 2, "tables.order", None, "unknown table 'order' (did you mean 'orders'?)"),
        ("mapping.yaml", 6, "tables.orders.fromat", None, "unknown key 'fromat' (did you mean 'formats'?)"),
        (
            "mapping.yaml",
            10,
            "tables.orders.columns.channel",
            None,
            "needs exactly one of from, value, sql, number_within, lookup (has from, value)",
        ),
        ("mapping.yaml", 11, "tables.orders.columns.region", None, "orders has no column 'region'"),
    ]


def test_mapping_columns_are_checked_against_the_file_header(src: Path, db: Path) -> None:
    (src / "mapping.yaml").write_text(
        "tables:\n"
        "  orders:\n"
        "    file: sales.csv\n"
        "    columns:\n"
        "      order_id: Nmae\n"
        "      ordered_at: {sql: \"read_csv('/etc/passwd')\"}\n"
    )
    error = rejected(src, db)
    assert located(error.problems) == [
        (
            "mapping.yaml",
            5,
            "tables.orders.columns.order_id",
            "Nmae",
            "column 'Nmae' is not in the file (did you mean 'Name'?)",
        ),
        (
            "mapping.yaml",
            6,
            "tables.orders.columns.ordered_at",
            "read_csv('/etc/passwd')",
            "sql function read_csv is not allowed in a mapping expression",
        ),
    ]


def test_a_failing_expression_names_its_line(src: Path, db: Path) -> None:
    text = (MESSY / "mapping.yaml").read_text()
    text = text.replace("qty: Qty Ordered", "qty: {sql: '\"Qty Ordered\"::integer * 2'}")
    (src / "mapping.yaml").write_text(text)
    set_cell(src / "PO_export.csv", 3, "Qty Ordered", "fifty")
    error = rejected(src, db)
    (problem,) = error.problems
    assert (problem.file, problem.column) == ("mapping.yaml", "tables.purchase_orders.columns.qty")
    assert problem.row == text.splitlines().index("      qty: {sql: '\"Qty Ordered\"::integer * 2'}") + 1
    assert "fifty" in problem.reason and "try_cast" in problem.reason


def test_a_glob_must_match_exactly_one_file(src: Path, db: Path) -> None:
    shutil.copy(src / "sales.csv", src / "Sales-2.csv")
    (src / "mapping.yaml").write_text("tables:\n  customers:\n    file: sales*.csv\n    distinct: true\n")
    error = rejected(src, db)
    assert located(error.problems) == [
        (
            "mapping.yaml",
            3,
            "tables.customers.file",
            "sales*.csv",
            "matches 2 files: Sales-2.csv and sales.csv",
        )
    ]


def test_yaml_values_stay_text(tmp_path: Path) -> None:
    """`Yes`, `-99`, `01` and `N/A` mean what the export wrote, not YAML's booleans and numbers."""
    path = tmp_path / "m.yaml"
    path.write_text(
        "missing: [-99, N/A, null]\n"
        "tables:\n  customers:\n    file: c.csv\n    columns:\n"
        "      segment: {from: Seg, map: {Yes: business, 01: consumer}}\n"
    )
    rules = mapping.read(path)
    (table,) = rules.tables
    (column,) = table.columns
    assert column.missing == ("-99", "N/A", "null")
    assert column.map == (("Yes", "business"), ("01", "consumer"))


def test_invalid_yaml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("tables:\n  orders:\n    file: [unclosed\n")
    with pytest.raises(LoadError) as caught:
        mapping.read(path)
    (problem,) = caught.value.problems
    assert problem.file == "m.yaml" and problem.row == 4
    assert problem.reason.startswith("is not valid YAML")


COLUMNS = {"order status": "c1", "days real": "c2", "days scheduled": "c3", "qty": "c4"}


def resolve(name: str, quoted: bool) -> str | None:
    return COLUMNS.get(name.lower())


@pytest.mark.parametrize(
    ("text", "sql", "params"),
    [
        (
            "case when \"Order Status\" in ('CANCELED', 'it''s') then qty else '0' end",
            "case when c1 in ( $e1 , $e2 ) then c4 else $e3 end",
            {"e1": "CANCELED", "e2": "it's", "e3": "0"},
        ),
        (
            '"days real"::integer > try_cast("days scheduled" as integer) -- late',
            "c2 :: integer > try_cast ( c3 as integer )",
            {},
        ),
        (
            "strptime(qty, '%d.%m.%Y')::date + interval 3 day",
            "strptime ( c4 , $e1 ) :: date + interval 3 day",
            {"e1": "%d.%m.%Y"},
        ),
        ("cast(qty as decimal(10, 2))", "cast ( c4 as decimal ( 10 , 2 ) )", {}),
    ],
)
def test_expressions_are_rebuilt_with_internal_names_and_bound_text(
    text: str, sql: str, params: dict[str, str]
) -> None:
    expression = sqlexpr.compile_expression(text, resolve, "e")
    assert (expression.sql, expression.params) == (sql, params)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(select 1)", "'select' is not allowed in a mapping expression"),
        ("read_parquet('x.parquet')", "function read_parquet is not allowed in a mapping expression"),
        ("sum(qty)", "function sum is not allowed in a mapping expression"),
        ("qty; drop table orders", "operator ';' is not allowed"),
        ("$secret", "operator '$' is not allowed"),
        ("getenv('HOME')", "function getenv is not allowed in a mapping expression"),
        ("nope || 'x'", "column 'nope' is not in the file"),
        ("e'\\x41'", "text e'\\x41' must be written in plain single quotes"),
        ("lower(qty", "has a '(' without its ')'"),
        ('"days real" > "days scheduled"', "compares column 'days real' as text"),
        ("qty between 1 and 5", "compares column 'qty' as text"),
    ],
)
def test_expressions_outside_the_allow_list_are_refused(text: str, reason: str) -> None:
    with pytest.raises(sqlexpr.ExpressionError) as caught:
        sqlexpr.compile_expression(text, resolve, "e")
    assert str(caught.value).startswith(reason)


def test_cli_load_reports_bad_rows_and_where_they_are_listed(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_cell(src / "sales.csv", 5, "Lineitem quantity", "three")
    db = tmp_path / "shop.duckdb"
    args = ["load", str(src), "--mapping", str(src / "mapping.yaml"), "--db", str(db)]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert f"load failed: 1 problems; {db} is unchanged" in err
    assert "sales.csv, row 5, column Lineitem quantity, value 'three': not a valid whole number" in err
    assert f"every problem is listed in {tmp_path / 'shop.rejects.csv'}" in err
    assert not db.exists()

    skip = [*args, "--skip-bad-rows", "--rejects", str(tmp_path / "bad.csv")]
    assert cli.main(skip) == 1, "1 of 5 order lines is more than the default 5%"
    err = capsys.readouterr().err
    assert (
        "sales.csv: leaving out the bad rows would drop 1 of 5 order_lines rows (20.0%), more than the"
        " limit of 5% (--max-skipped, or the Data page's 'Stop above'); the biggest cause: sales.csv column"
        " Lineitem quantity: not a valid whole number (1 rows)"
    ) in err
    assert not db.exists()
    assert cli.main([*skip, "--max-skipped", "20%"]) == 0
    out, err = capsys.readouterr()
    assert "left out 1 bad rows (1 problems):" in err
    assert f"every problem is listed in {tmp_path / 'bad.csv'}" in err
    assert "order_lines 4," in out
    assert query(db, "select count(*) from order_lines") == [(4,)]

    set_cell(src / "sales.csv", 5, "Lineitem quantity", "3")
    assert cli.main(args) == 0
    assert not (tmp_path / "shop.rejects.csv").exists(), "a clean load removes the stale default rejects file"


def readme_section() -> str:
    text = (Path(__file__).parent.parent / "README.md").read_text()
    return text[text.index("## Loading your own data") : text.index("## Query files")]


def test_the_readme_documents_every_mapping_key_and_load_option() -> None:
    section = readme_section()
    keys = {*mapping.TOP_KEYS, *mapping.TABLE_KEYS, *mapping.COLUMN_KEYS, *mapping.WHEN_KEYS}
    assert [key for key in sorted(keys) if f"`{key}`" not in section and f"{key}:" not in section] == []
    load = next(a for a in cli.parser()._subparsers._group_actions[0].choices.items() if a[0] == "load")[1]
    options = [o for action in load._actions for o in action.option_strings if o.startswith("--")]
    assert [o for o in options if o != "--help" and f"`{o}" not in section] == []


def test_the_readme_example_mapping_loads_the_messy_export(tmp_path: Path) -> None:
    section = readme_section()
    example = section[section.index("```yaml\n") + len("```yaml\n") :]
    (tmp_path / "my_shop.yaml").write_text(example[: example.index("```")])
    counts = ingest.load(
        MESSY, tmp_path / "warehouse.duckdb", options=Options(mapping=tmp_path / "my_shop.yaml")
    )
    assert counts == COUNTS


ORDERS_ONLY = """
tables:
  orders:
    file: {file}
    {sheet}
    distinct: true
    columns:
      order_id: Name
      ordered_at: Created at
      channel: {{from: Source, map: {{web: web}}, otherwise: store}}
"""


def test_a_mapping_reads_parquet_columns_as_text(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        "copy (select * from read_csv($csv)) to $out",
        {"csv": str(MESSY / "sales.csv"), "out": str(tmp_path / "sales.parquet")},
    )
    con.close()
    (tmp_path / "m.yaml").write_text(ORDERS_ONLY.format(file="sales.parquet", sheet=""))
    db = tmp_path / "warehouse.duckdb"
    ingest.load(tmp_path, db, options=Options(mapping=tmp_path / "m.yaml"))
    assert query(db, "select order_id, ordered_at, channel from orders order by 1 limit 2") == [
        ("#1001", dt.datetime(2024, 3, 2, 10), "web"),
        ("#1002", dt.datetime(2024, 3, 3, 12, 30), "store"),
    ]


def test_a_mapping_reads_a_named_sheet_below_its_title_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Sales Export")
    sheet.append(["Sales export, March 2024"])
    with (MESSY / "sales.csv").open(encoding="utf-8-sig", newline="") as handle:
        for n, row in enumerate(csv.reader(handle)):
            if n and row[1]:
                row[1] = dt.datetime.fromisoformat(row[1])  # a real Excel date cell
            sheet.append(row)
    sheet["B3"] = "yesterday"  # the first row of order #1001, the one `distinct` keeps
    book.save(tmp_path / "shop.xlsx")
    (tmp_path / "m.yaml").write_text(ORDERS_ONLY.format(file="shop.xlsx", sheet="sheet: sales export"))
    with pytest.raises(LoadError) as caught:
        ingest.load(tmp_path, tmp_path / "warehouse.duckdb", options=Options(mapping=tmp_path / "m.yaml"))
    assert located(caught.value.problems) == [
        (
            "shop.xlsx [Sales Export]",
            3,
            "Created at",
            "yesterday",
            "not a valid timestamp (ISO 8601, e.g. 2024-01-31 14:05:00)",
        )
    ]
    sheet["B3"] = dt.datetime(2024, 3, 2, 10)
    book.save(tmp_path / "shop.xlsx")
    db = tmp_path / "warehouse.duckdb"
    ingest.load(tmp_path, db, options=Options(mapping=tmp_path / "m.yaml"))
    assert query(db, "select count(*), min(ordered_at) from orders") == [(4, dt.datetime(2024, 3, 2, 10))]
