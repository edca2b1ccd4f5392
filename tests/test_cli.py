"""The command line: check, query, load."""

import json
import shutil
from pathlib import Path

from dashboard import cli


def test_check_runs_every_query_on_the_sample(sample_db: Path, capsys) -> None:
    assert cli.main(["check", "--db", str(sample_db)]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out
    assert "ok   kpis.sql" in out


def test_check_fails_and_names_a_broken_file(sample_db: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from dashboard.query import warehouse

    queries = tmp_path / "queries"
    shutil.copytree(warehouse.QUERIES_DIR, queries)
    (queries / "zz_broken.sql").write_text("select * from no_such_table\n")
    monkeypatch.setattr(warehouse, "QUERIES_DIR", queries)
    assert cli.main(["check", "--db", str(sample_db)]) == 1
    captured = capsys.readouterr()
    assert "FAIL zz_broken.sql" in captured.out
    assert "no_such_table" in captured.err


def test_query_binds_params_from_the_command_line(handmade_db: Path, capsys) -> None:
    args = [
        "query",
        "kpis",
        "--db",
        str(handmade_db),
        "--param",
        "start=2026-01-05",
        "--param",
        "end=2026-01-18",
    ]
    assert cli.main([*args, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["lines_ordered"], row["open_backorder_units"]) == (6, 5)
    assert cli.main([*args, "--param", "channel=web"]) == 0
    header, values = capsys.readouterr().out.splitlines()[:2]
    assert (
        dict(zip(header.split(","), values.split(","), strict=True))["lines_ordered"] == "4"
    )  # O1 and O3, two lines each


def test_query_rejects_unknown_parameters_and_names(handmade_db: Path, capsys) -> None:
    assert cli.main(["query", "kpis", "--db", str(handmade_db), "--param", "colour=red"]) == 1
    assert "no parameter named 'colour'" in capsys.readouterr().err
    assert cli.main(["query", "no_such_query", "--db", str(handmade_db)]) == 1
    assert "no query named 'no_such_query'" in capsys.readouterr().err


def test_failed_load_prints_problems_and_leaves_the_warehouse(
    handmade_db: Path, tmp_path: Path, capsys
) -> None:
    source = tmp_path / "bad"
    shutil.copytree(Path(__file__).parent / "fixtures" / "handmade", source)
    lines = source / "order_lines.csv"
    lines.write_text(lines.read_text().replace("O3,2,B,1,20,1,", "O3,2,B,1,20,7,"))
    target = tmp_path / "copy.duckdb"
    shutil.copy(handmade_db, target)
    before = target.read_bytes()
    assert cli.main(["load", str(source), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "is unchanged" in err
    assert "order_lines.csv, row 6, column backordered_qty" in err
    assert target.read_bytes() == before


ADHOC = """/*
title: Open lines of one channel
params:
  channel: {type: text, default: web}
*/
select count(*) as lines from order_lines l join orders o using (order_id) where o.channel = $channel
"""


def test_query_runs_a_file_outside_queries_sandboxed(handmade_db: Path, tmp_path: Path, capsys) -> None:
    """README: `query` takes any .sql file's path; it is checked and run like a library file."""
    draft = tmp_path / "drafts" / "web_lines.sql"
    draft.parent.mkdir()
    draft.write_text(ADHOC)
    args = ["query", str(draft), "--db", str(handmade_db), "--format", "json"]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out) == [{"lines": 6}]  # O1, O3 and O5, two lines each
    # A value that would break out of a formatted string is bound, not formatted: no rows match it.
    assert cli.main([*args, "--param", "channel=web' or '1'='1"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"lines": 0}]
    # Still one SELECT only ...
    draft.write_text("copy orders to 'out.csv'\n")
    assert cli.main(args) == 1
    assert "web_lines.sql: must be a SELECT" in capsys.readouterr().err
    # ... on the sandboxed connection: it cannot read other files.
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    draft.write_text(f"select * from read_csv('{secret}')\n")
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "web_lines.sql" in err and "disabled" in err.lower()
    assert not (tmp_path / "out.csv").exists()
    assert cli.main(["query", str(tmp_path / "missing.sql"), "--db", str(handmade_db)]) == 1
    assert "no file" in capsys.readouterr().err
