"""The loader: good files load, and every kind of bad input is reported and changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dashboard import ingest
from dashboard.ingest.formats import delimited
from dashboard.ingest.problems import LoadError, Problem
from dashboard.query import warehouse

GOOD = Path(__file__).parent / "fixtures" / "canonical_good"
COUNTS = {table: 0 for table in warehouse.TABLES} | {
    "suppliers": 2,
    "products": 3,
    "customers": 3,
    "orders": 4,
    "order_lines": 6,
    "purchase_orders": 3,
    "inventory_snapshots": 3,
}

FILES = sorted(path.stem for path in GOOD.glob("*.csv"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "warehouse.duckdb"
    ingest.load(GOOD, path)
    return path


@pytest.fixture
def db(tmp_path: Path, baseline: Path) -> Path:
    """A previously loaded warehouse, alone in its folder, that a failed load must not touch."""
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir()
    shutil.copy(baseline, path)
    return path


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOOD, tmp_path / "src"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(src: Path, file: str, row: int, column: str, value: str) -> None:
    """Edit one cell, addressed the way a spreadsheet shows it (header is row 1)."""
    rows = rows_of(src / file)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(src / file, rows)


def drop_column(src: Path, file: str, column: str) -> None:
    rows = rows_of(src / file)
    at = rows[0].index(column)
    write_rows(src / file, [row[:at] + row[at + 1 :] for row in rows])


def replace_line(src: Path, file: str, row: int, text: str) -> None:
    lines = (src / file).read_text().splitlines()
    lines[row - 1] = text
    (src / file).write_text("\n".join(lines) + "\n")


def rejected(src: Path, db: Path) -> list[Problem]:
    """Load must fail, leave the old warehouse byte for byte, and leave no temporary file."""
    before = sha(db)
    with pytest.raises(LoadError) as caught:
        ingest.load(src, db)
    assert sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_good_fixture_loads(tmp_path: Path) -> None:
    messages: list[str] = []
    db = tmp_path / "new" / "warehouse.duckdb"
    assert ingest.load(GOOD, db, progress=messages.append) == COUNTS
    assert "reading order_lines.csv" in messages and "checking foreign keys" in messages
    con = duckdb.connect(str(db), read_only=True)
    made_to_order = con.execute("select sku, made_to_order from products order by sku").fetchall()
    ordered = con.execute("select order_id, ordered_at from orders order by order_id").fetchall()
    status = con.execute("select status, count(*) from backorder_lines group by all order by 1").fetchall()
    con.close()
    assert made_to_order == [("P1", False), ("P2", False), ("P3", True)]
    assert ordered[1] == ("O2", dt.datetime(2024, 3, 2, 14, 0))
    assert ordered[2] == ("O3", dt.datetime(2024, 3, 4))
    assert status == [("canceled", 1), ("open", 2), ("shipped", 1)]
    assert sorted(p.name for p in db.parent.iterdir()) == ["warehouse.duckdb"]


def test_parquet_copy_loads(tmp_path: Path) -> None:
    folder = tmp_path / "parquet"
    folder.mkdir()
    con = duckdb.connect()
    for table in FILES:
        con.execute(
            "copy (select * from read_csv($csv, header = true)) to $parquet (format parquet)",
            {"csv": str(GOOD / f"{table}.csv"), "parquet": str(folder / f"{table}.parquet")},
        )
    con.close()
    assert ingest.load(folder, tmp_path / "warehouse.duckdb") == COUNTS


def test_parquet_bad_value_is_reported_with_its_row(src: Path, db: Path) -> None:
    con = duckdb.connect()
    con.execute(
        "copy (select * replace (if(line_no = 1 and order_id = 'O2', 'many', qty) as qty)"
        " from read_csv($csv, header = true, all_varchar = true)) to $parquet (format parquet)",
        {"csv": str(src / "order_lines.csv"), "parquet": str(src / "order_lines.parquet")},
    )
    con.close()
    (src / "order_lines.csv").unlink()
    problem = only(rejected(src, db))
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "order_lines.parquet",
        4,
        "qty",
        "many",
    )
    assert problem.reason == "not a valid whole number"


def test_existing_warehouse_is_replaced(src: Path, db: Path) -> None:
    before = sha(db)
    (src / "inventory_snapshots.csv").unlink()
    counts = ingest.load(src, db)
    assert counts == COUNTS | {"inventory_snapshots": 0}
    assert sha(db) != before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from inventory_snapshots").fetchone() == (0,)
    con.close()
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_extra_columns_and_files_are_ignored(src: Path, tmp_path: Path) -> None:
    rows = rows_of(src / "products.csv")
    write_rows(src / "products.csv", [[*row, "note"] for row in rows])
    (src / "readme.txt").write_text("not a table")
    (src / "orders_old.csv").write_text("whatever\n")
    assert ingest.load(src, tmp_path / "warehouse.duckdb") == COUNTS


Edit = Callable[[Path], None]
CASES: list[tuple[str, Edit, tuple[str, int | None, str | None, str | None], str]] = [
    (
        "bad date",
        lambda s: set_cell(s, "purchase_orders.csv", 3, "promised_date", "2024-02-30"),
        ("purchase_orders.csv", 3, "promised_date", "2024-02-30"),
        "not a valid date (YYYY-MM-DD)",
    ),
    (
        "non-integer qty",
        lambda s: set_cell(s, "order_lines.csv", 6, "qty", "2.5"),
        ("order_lines.csv", 6, "qty", "2.5"),
        "not a valid whole number",
    ),
    (
        "empty required value",
        lambda s: set_cell(s, "orders.csv", 3, "ordered_at", ""),
        ("orders.csv", 3, "ordered_at", None),
        "ordered_at is required but empty",
    ),
    (
        "missing required column",
        lambda s: drop_column(s, "order_lines.csv", "sku"),
        ("order_lines.csv", None, "sku", None),
        "required column sku is missing",
    ),
    (
        "duplicate primary key",
        lambda s: set_cell(s, "order_lines.csv", 7, "line_no", "1"),
        ("order_lines.csv", 7, "order_id, line_no", "O4, 1"),
        "duplicate primary key (order_id, line_no) = ('O4', 1), also on row 6",
    ),
    (
        "unknown sku",
        lambda s: set_cell(s, "order_lines.csv", 4, "sku", "X9"),
        ("order_lines.csv", 4, "sku", "X9"),
        "sku 'X9' is not in products",
    ),
    (
        "backordered more than ordered",
        lambda s: set_cell(s, "order_lines.csv", 6, "backordered_qty", "7"),
        ("order_lines.csv", 6, "backordered_qty", "7"),
        "backordered_qty 7 is more than qty 5",
    ),
    (
        "shipped and canceled",
        lambda s: (
            set_cell(s, "order_lines.csv", 5, "shipped_at", "2024-04-12 09:00:00")
            or set_cell(s, "order_lines.csv", 5, "canceled_at", "2024-04-13")
        ),
        ("order_lines.csv", 5, "canceled_at", "2024-04-13 00:00:00"),
        "the line also has shipped_at 2024-04-12 09:00:00; it is either shipped or canceled, not both",
    ),
    (
        "shipped before ordered",
        lambda s: set_cell(s, "order_lines.csv", 2, "shipped_at", "2024-02-28 10:00:00"),
        ("order_lines.csv", 2, "shipped_at", "2024-02-28 10:00:00"),
        "shipped_at 2024-02-28 10:00:00 is before the order's ordered_at 2024-03-01 09:15:00",
    ),
    (
        "PO received before ordered",
        lambda s: set_cell(s, "purchase_orders.csv", 2, "received_at", "2024-02-10"),
        ("purchase_orders.csv", 2, "received_at", "2024-02-10"),
        "received_at 2024-02-10 is before ordered_at 2024-02-20",
    ),
    (
        "malformed line",
        lambda s: replace_line(s, "customers.csv", 3, "C2,business,south,extra"),
        ("customers.csv", 3, None, "C2,business,south,extra"),
        "malformed line: more fields than the 3 in the header",
    ),
    (
        "unterminated quote",
        lambda s: replace_line(s, "suppliers.csv", 3, 'S2,"Blue Harbor Imports,CN'),
        ("suppliers.csv", 3, "supplier_name", 'S2,"Blue Harbor Imports,CN'),
        "malformed line: a quote is not closed, or text follows a closing quote",
    ),
    (
        "negative price",
        lambda s: set_cell(s, "products.csv", 2, "unit_price", "-1"),
        ("products.csv", 2, "unit_price", "-1.0"),
        "unit_price -1 is negative",
    ),
]


@pytest.mark.parametrize(("edit", "where", "reason"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_changes_nothing(
    src: Path, db: Path, edit: Edit, where: tuple[str, int | None, str | None, str | None], reason: str
) -> None:
    edit(src)
    problem = only(rejected(src, db))
    assert (problem.file, problem.row, problem.column, problem.value) == where
    assert problem.reason == reason


def test_empty_source_dir(tmp_path: Path, db: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    problem = only(rejected(empty, db))
    assert (problem.file, problem.row) == (str(empty), None)
    assert problem.reason.startswith("no table files found")


def test_two_files_for_one_table(src: Path, db: Path) -> None:
    shutil.copy(src / "orders.csv", src / "orders.csv.gz")
    problem = only(rejected(src, db))
    assert problem.reason == "two files for table orders: orders.csv and orders.csv.gz"


def test_rows_after_a_malformed_line_keep_their_numbers(src: Path, db: Path) -> None:
    replace_line(src, "order_lines.csv", 3, "O1,2,P2,3")
    set_cell(src, "order_lines.csv", 4, "cancel_reason", "waited\ntoo long")
    set_cell(src, "order_lines.csv", 6, "qty", "five")
    problems = rejected(src, db)
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (3, None, "malformed line: fewer fields than the 10 in the header"),
        (6, "qty", "not a valid whole number"),
    ]


def test_every_problem_is_reported_and_many_are_counted(
    src: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dashboard.ingest.checks.CAP", 2)
    for row in (2, 3, 4):
        set_cell(src, "order_lines.csv", row, "qty", "x")
    set_cell(src, "purchase_orders.csv", 2, "sku", "NOPE")
    problems = rejected(src, db)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("order_lines.csv", 2, "qty"),
        ("order_lines.csv", 3, "qty"),
        ("order_lines.csv", None, "qty"),
        ("purchase_orders.csv", 2, "sku"),
    ]
    assert problems[2].reason == "and 1 more rows like this (not a valid whole number)"


def test_reference_to_a_table_without_file(src: Path, tmp_path: Path) -> None:
    (src / "customers.csv").unlink()
    with pytest.raises(LoadError) as caught:
        ingest.load(src, tmp_path / "warehouse.duckdb")
    assert [(p.row, p.reason) for p in caught.value.problems] == [
        (2, "customer_id 'C1' is not in customers (no customers file)"),
        (3, "customer_id 'C2' is not in customers (no customers file)"),
        (5, "customer_id 'C3' is not in customers (no customers file)"),
    ]


def test_interrupted_load_changes_nothing(src: Path, db: Path) -> None:
    before = sha(db)

    def interrupt(message: str) -> None:
        if message == "writing order_lines":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest.load(src, db, progress=interrupt)
    assert sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_problem_reads_like_a_sentence() -> None:
    problem = Problem("order_lines.csv", 7, "backordered_qty", "7", "backordered_qty 7 is more than qty 5")
    assert str(problem) == (
        "order_lines.csv, row 7, column backordered_qty, value '7': backordered_qty 7 is more than qty 5"
    )
    assert str(Problem("x.csv", None, None, None, "is empty")) == "x.csv: is empty"


def rewrite(path: Path, delimiter: str, encoding: str, bom: bytes = b"") -> None:
    rows = rows_of(path)
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(bom + text.getvalue().encode(encoding))


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom"),
    [
        (";", "latin-1", b""),
        ("\t", "utf-8", b"\xef\xbb\xbf"),
        ("|", "utf-8", b""),
        (";", "utf-8", b"\xef\xbb\xbf"),
    ],
    ids=["semicolon-latin1", "tab-bom", "pipe", "semicolon-bom"],
)
def test_delimiter_and_encoding_are_detected(
    src: Path, tmp_path: Path, delimiter: str, encoding: str, bom: bytes
) -> None:
    set_cell(src, "suppliers.csv", 2, "supplier_name", "Åcme Werkzeug Müller")
    for table in FILES:
        rewrite(src / f"{table}.csv", delimiter, encoding, bom)
    db = tmp_path / "warehouse.duckdb"
    assert ingest.load(src, db) == COUNTS
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select supplier_name from suppliers order by 1").fetchall() == [
        ("Blue Harbor Imports",),
        ("Åcme Werkzeug Müller",),
    ]
    assert con.execute("select product_name from products where sku = 'P2'").fetchone() == ("Lantern, LED",)
    con.close()


def test_gzip_is_detected_by_its_bytes(src: Path, tmp_path: Path) -> None:
    data = (src / "orders.csv").read_bytes()
    (src / "orders.csv").unlink()
    (src / "orders.csv.gz").write_bytes(gzip.compress(data))
    assert ingest.load(src, tmp_path / "warehouse.duckdb") == COUNTS


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "\ufefforder_id,ordered_at\nO1,2024-03-01\n".encode("utf-16"),
            "is UTF-16 text (save it as UTF-8 CSV), not CSV text",
        ),
        (
            b"PK\x03\x04rest of a workbook",
            "is a zip archive or an Excel workbook (save a workbook as .xlsx), not CSV text",
        ),
        (b"order_id\x00\x01\x02", "is binary data (it contains NUL bytes), not CSV text"),
    ],
    ids=["utf16", "workbook", "binary"],
)
def test_a_file_that_is_not_csv_text_says_what_it_is(
    src: Path, db: Path, content: bytes, reason: str
) -> None:
    (src / "orders.csv").write_bytes(content)
    problem = only(rejected(src, db))
    assert (problem.file, problem.row, problem.reason) == ("orders.csv", None, reason)


def test_invalid_utf8_after_the_sample_is_reported_per_line(
    src: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", 40)
    lines = (src / "customers.csv").read_bytes().splitlines()
    lines[3] = b"C3,consumer,s\xfcd"
    (src / "customers.csv").write_bytes(b"\n".join(lines) + b"\n")
    problem = only(rejected(src, db))
    assert (problem.file, problem.row, problem.reason) == (
        "customers.csv",
        4,
        "malformed line: not valid UTF-8 text",
    )


def workbook_of(src: Path, path: Path, tables: list[str], sheet_names: dict[str, str] | None = None) -> None:
    """Each CSV as a sheet, with numbers, dates and booleans as Excel cells rather than text."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet((sheet_names or {}).get(table, table))
        sheet.append(["", "exported 2024-03-10"])
        sheet.append([])
        for n, row in enumerate(rows_of(src / f"{table}.csv")):
            sheet.append([cell(value) if n else value for value in row])
        (src / f"{table}.csv").unlink()
    book.save(path)


def cell(value: str) -> object:
    for parse in (int, float, dt.datetime.fromisoformat):
        try:
            return parse(value)  # type: ignore[operator]
        except ValueError:
            continue
    return value or None


def test_a_workbook_with_a_sheet_per_table_loads(src: Path, tmp_path: Path) -> None:
    workbook_of(src, src / "shop.xlsx", FILES, {"orders": "Orders"})
    db = tmp_path / "warehouse.duckdb"
    assert ingest.load(src, db) == COUNTS
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select ordered_at from orders where order_id = 'O3'").fetchone() == (
        dt.datetime(2024, 3, 4),
    )
    assert con.execute("select unit_price from products where sku = 'P1'").fetchone() == (19.9,)
    con.close()


def test_a_bad_cell_in_a_workbook_names_the_excel_row(src: Path, db: Path) -> None:
    set_cell(src, "order_lines.csv", 4, "qty", "two")
    workbook_of(src, src / "order_lines.xlsx", ["order_lines"])
    problem = only(rejected(src, db))
    # Two rows above the header (a title and a blank one) push data row 4 down to Excel row 6.
    assert (problem.file, problem.row, problem.column, problem.value) == ("order_lines.xlsx", 6, "qty", "two")


def test_a_zip_of_the_folder_loads(src: Path, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in src.iterdir():
            zipped.write(path, f"export/{path.name}")
        zipped.writestr("__MACOSX/export/._orders.csv", b"\x00\x05")
        zipped.writestr("../evil.csv", "order_id\n")
    assert ingest.load(archive, tmp_path / "warehouse.duckdb") == COUNTS
    assert not (tmp_path.parent / "evil.csv").exists()


def append_dir(tmp_path: Path, files: dict[str, list[list[str]]]) -> Path:
    folder = tmp_path / "week2"
    folder.mkdir()
    for name, rows in files.items():
        write_rows(folder / name, rows)
    return folder


LINE_HEADER = rows_of(GOOD / "order_lines.csv")[0]


def test_append_upserts_by_key_and_keeps_the_rest(tmp_path: Path, db: Path) -> None:
    week2 = append_dir(
        tmp_path,
        {
            "orders.csv": [
                ["order_id", "customer_id", "ordered_at", "channel"],
                ["O5", "C1", "2024-03-20", "web"],
            ],
            "order_lines.csv": [
                LINE_HEADER,
                ["O3", "1", "P3", "1", "450.00", "1", "2024-04-10", "2024-03-28 11:00:00", "", ""],
                ["O5", "1", "P1", "2", "19.90", "0", "", "", "", ""],
                ["O1", "3", "P2", "1", "34.00", "0", "", "", "", ""],
            ],
        },
    )
    counts = ingest.load(week2, db, options=ingest.Options(append=True))
    assert counts == COUNTS | {"orders": 5, "order_lines": 8}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select shipped_at from order_lines where order_id = 'O3'").fetchone() == (
        dt.datetime(2024, 3, 28, 11),
    )
    assert con.execute("select count(*) from order_lines where order_id = 'O1'").fetchone() == (3,)
    assert con.execute("select as_of from warehouse_meta").fetchone() == (dt.date(2024, 3, 28),)
    con.close()
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_a_failed_append_changes_nothing(tmp_path: Path, db: Path) -> None:
    week2 = append_dir(
        tmp_path, {"order_lines.csv": [LINE_HEADER, ["O9", "1", "P1", "1", "1", "0", "", "", "", ""]]}
    )
    before = sha(db)
    with pytest.raises(LoadError) as caught:
        ingest.load(week2, db, options=ingest.Options(append=True))
    assert [(p.file, p.row, p.reason) for p in caught.value.problems] == [
        ("order_lines.csv", 2, "order_id 'O9' is not in orders")
    ]
    assert sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_an_append_that_breaks_a_loaded_row_is_refused_even_when_skipping(tmp_path: Path, db: Path) -> None:
    """O1's lines shipped 2024-03-02; moving the order after that would make them ship before it."""
    week2 = append_dir(
        tmp_path, {"orders.csv": [["order_id", "customer_id", "ordered_at"], ["O1", "C1", "2024-03-05"]]}
    )
    before = sha(db)
    with pytest.raises(LoadError) as caught:
        ingest.load(week2, db, options=ingest.Options(append=True, skip_bad_rows=True))
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("warehouse.duckdb (order_lines already loaded)", None, "shipped_at")
    ]
    assert sha(db) == before


def test_append_needs_a_warehouse(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        ingest.load(GOOD, tmp_path / "none.duckdb", options=ingest.Options(append=True))
    assert caught.value.problems[0].reason.startswith("has no warehouse to append to")


def test_prepare_changes_nothing_until_commit(src: Path, db: Path) -> None:
    before = sha(db)
    (src / "inventory_snapshots.csv").unlink()
    prepared = ingest.prepare(src, db)
    assert sha(db) == before
    assert prepared.outcome.counts["inventory_snapshots"] == 0
    assert list(prepared.outcome.preview["orders"]["order_id"]) == ["O1", "O2", "O3", "O4"]
    ingest.commit(prepared)
    assert sha(db) != before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_commit_refuses_when_the_warehouse_changed_meanwhile(src: Path, db: Path) -> None:
    prepared = ingest.prepare(src, db)
    ingest.load(src, db)
    with pytest.raises(LoadError, match="changed since these files were checked"):
        ingest.commit(prepared)
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
