"""Issue 14.7 (in part): load problem counts that add up, and the quoting hint for '#' in column names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import cli, ingest
from dashboard.ingest.problems import LoadError

GOOD = Path(__file__).parent / "fixtures" / "canonical_good"
ERP = Path(__file__).parent / "fixtures" / "erp_orders"


def test_the_problem_count_adds_up_and_says_where_all_of_them_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dashboard.ingest.checks.CAP", 2)
    folder = tmp_path / "src"
    shutil.copytree(GOOD, folder)
    path = folder / "order_lines.csv"
    lines = path.read_text().splitlines()
    at = lines[0].split(",").index("qty")
    bad = []
    for n in range(1, 6):
        cells = lines[n].split(",")
        cells[at] = "x"
        bad.append(",".join(cells))
    path.write_text("\n".join([lines[0], *bad, *lines[6:]]) + "\n")
    db = tmp_path / "w.duckdb"
    assert cli.main(["load", str(folder), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "load failed: 5 problems" in err
    assert f"showing 2 of 5 problems; every problem is listed in {tmp_path / 'w.rejects.csv'}" in err


def test_a_column_name_cut_at_a_yaml_comment_gets_the_quoting_hint(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "parts.csv").write_text("Part #,Name,Price\nP1,Bolt,1.5\n")
    (folder / "mapping.yaml").write_text(
        "tables:\n"
        "  suppliers:\n"
        "    file: parts.csv\n"
        "    distinct: true\n"
        "    columns: {supplier_id: {value: s}, supplier_name: {value: S}}\n"
        "  products:\n"
        "    file: parts.csv\n"
        "    columns:\n"
        "      sku: Part #\n"
        "      product_name: Name\n"
        "      category: {value: all}\n"
        "      supplier_id: {value: s}\n"
        "      unit_price: Price\n"
    )
    with pytest.raises(LoadError) as caught:
        ingest.load(folder, tmp_path / "w.duckdb", options=ingest.Options(mapping=folder / "mapping.yaml"))
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.value) == ("mapping.yaml", 9, "Part")
    assert problem.reason.endswith('quote a column name that has # in it ("Item #")')
