"""Meeting-ready presentation: the `columns:` header, business formatting, targets, the verdict and
the palette, on small hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard import settings
from dashboard.present import formats, palette
from dashboard.query import catalog, warehouse
from dashboard.review import targets, weekly
from dashboard.review.targets import Target

HEADER = """/*
title: Columns
columns:
  open_units: {label: Open units, format: integer}
  open_value: {label: Open value, format: money, help: Units x price}
  rate: Share
*/
select 3 as open_units, 1234.5 as open_value, 0.25 as rate, 1 as extra
"""


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A settings file of the test's own, so a developer's settings.yaml never leaks in."""
    file = tmp_path / "settings.yaml"
    file.write_text("{}\n")
    monkeypatch.setenv(settings.SETTINGS_ENV_VAR, str(file))
    return file


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text)
    return path


def test_columns_header_is_parsed_and_a_string_is_a_label(tmp_path: Path) -> None:
    query = catalog.parse(write(tmp_path, "cols.sql", HEADER), tmp_path)
    assert query.columns["open_units"] == catalog.Column("Open units", "integer")
    assert query.columns["open_value"] == catalog.Column("Open value", "money", "Units x price")
    assert query.columns["rate"] == catalog.Column("Share")
    assert catalog.unlabelled(query, ["open_units", "rate", "extra"]) == ("extra",)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("  open_units: {label: Open units, format: euros}", r"cols\.sql:4: column 'open_units' has format"),
        ("  open_units: {label: Open units, width: 3}", r"cols\.sql:4: column 'open_units' has unknown key"),
        ("  open_units: [1, 2]", r"cols\.sql:4: column 'open_units' must be a label"),
    ],
)
def test_bad_columns_header_names_file_line_and_column(tmp_path: Path, column: str, message: str) -> None:
    text = f"/*\ntitle: Columns\ncolumns:\n{column}\n*/\nselect 3 as open_units\n"
    with pytest.raises(catalog.QueryError, match=message):
        catalog.parse(write(tmp_path, "cols.sql", text), tmp_path)


def test_check_warns_about_unlabelled_output_columns(sample_db: Path, capsys) -> None:
    from dashboard import cli

    assert cli.main(["check", "--db", str(sample_db)]) == 0
    out = capsys.readouterr().out
    # Every shipped query labels every output column, so check has nothing to warn about.
    assert "warning:" not in out
    query = catalog.parse(write(sample_db.parent, "loose.sql", HEADER), sample_db.parent)
    result = catalog.run(warehouse.connect(sample_db), query, {})
    assert catalog.unlabelled(query, list(result.columns)) == ("extra",)


def test_values_read_like_business_figures(no_settings: Path) -> None:
    assert formats.value("integer", 1234567) == "1,234,567"
    assert formats.value("money", 139897.53) == "$139,898"
    assert formats.value("money", -40) == "-$40"
    assert formats.value("percent", 0.2862) == "28.6%"
    assert formats.value("days", 3.0) == "3" and formats.value("days", 3.25) == "3.2"
    assert formats.value("date", pd.Timestamp("2026-11-09")) == "09 Nov 2026"
    assert formats.value("datetime", pd.Timestamp("2026-11-09 14:05")) == "09 Nov 2026 14:05"
    assert formats.value("bool", True) == "Yes" and formats.value(None, False) == "No"
    for empty in (None, float("nan"), pd.NaT, pd.NA):
        assert formats.value("money", empty) == ""


def test_currency_is_set_once_in_settings(no_settings: Path) -> None:
    no_settings.write_text('display:\n  currency: "€"\n')
    assert formats.value("money", 1500) == "€1,500"
    assert weekly.fmt("money", 1500) == "€1,500"
    frame = pd.DataFrame({"open_value": [1500.0, None], "week": pd.to_datetime(["2026-11-09", None])})
    shown = formats.table(frame, {"open_value": catalog.Column("Open value", "money")})
    assert list(shown.columns) == ["Open value", "Week"]
    assert shown.values.tolist() == [["€1,500", "09 Nov 2026"], ["", ""]]


def test_targets_come_from_settings_and_bad_ones_name_the_key(no_settings: Path) -> None:
    assert targets.load(weekly.METRICS) == {}
    no_settings.write_text(
        "targets:\n  unit_fill_rate: {at_least: 0.9}\n  open_backorder_lines: {at_most: 400}\n"
    )
    found = targets.load(weekly.METRICS)
    assert found["unit_fill_rate"] == Target("unit_fill_rate", at_least=0.9)
    assert found["open_backorder_lines"].met(512) is False and found["open_backorder_lines"].gap(512) == 112
    no_settings.write_text("targets:\n  fill: {at_least: 0.9}\n")
    with pytest.raises(settings.SettingsError, match=r"targets\.fill: not a headline KPI"):
        targets.load(weekly.METRICS)
    no_settings.write_text("targets:\n  unit_fill_rate: {above: 0.9}\n")
    with pytest.raises(settings.SettingsError, match="unknown key 'above'"):
        targets.load(weekly.METRICS)


def tile(key: str) -> weekly.Tile:
    return next(t for t in weekly.TILES if t.key == key)


def item(key: str, value: float, previous: float, series: list[float], goal: Target | None = None):
    delta = value - previous
    return weekly.TileValue(tile(key), value, previous, delta, weekly.is_good(tile(key), delta), series, goal)


def test_verdict_names_the_streak_and_the_target_missed_by_most(no_settings: Path) -> None:
    backlog = item("open_backorder_lines", 512, 664, [600, 700, 664, 512], Target("x", at_most=600))
    fill = item("unit_fill_rate", 0.72, 0.65, [0.7, 0.65, 0.72], Target("unit_fill_rate", at_least=0.90))
    rate = item("backorder_rate_lines", 0.286, 0.349, [0.3, 0.349, 0.286], Target("r", at_most=0.25))
    # The backlog fell twice in a row (700 -> 664 -> 512): the 2nd week. Fill rate misses by 18 pts
    # (20% of its target), the backorder rate by 3.6 pts (14% of its target).
    assert weekly.streak(backlog.series) == 2
    assert weekly.verdict([backlog, fill, rate]) == (
        "Backlog shrank for the 2nd week: 512 lines (-152), but unit fill rate is 18.0 pts under target "
        "(2 of 3 targets missed)"
    )
    met = item("unit_fill_rate", 0.95, 0.9, [0.9, 0.95], Target("unit_fill_rate", at_least=0.90))
    assert (
        weekly.verdict([backlog, met])
        == "Backlog shrank for the 2nd week: 512 lines (-152), and all 2 targets are met"
    )
    assert fill.target_text == "target ≥ 90.0%" and fill.met is False


def test_verdict_without_targets_names_the_worst_move(no_settings: Path) -> None:
    backlog = item("open_backorder_lines", 700, 600, [650, 600, 700])
    value = item("open_backorder_value", 201525, 184251, [1, 2])
    rate = item("backorder_rate_lines", 0.25, 0.30, [0.3, 0.25])
    assert weekly.verdict([backlog, value, rate]) == (
        "Backlog grew: 700 lines (+100), and open backorder value rose to $201,525 (+$17,274)"
    )
    assert weekly.verdict([item("open_backorder_lines", 5, 5, [5, 5])]) == (
        "Backlog unchanged: 5 lines; no headline figure got worse"
    )


def test_palette_keeps_fixed_colours_and_distinct_hues() -> None:
    assert len(set(palette.CATEGORICAL)) == len(palette.CATEGORICAL)
    colours = palette.for_field("channel", ["web", "store", "fax"])
    assert colours["web"] == palette.BLUE and colours["store"] == palette.GREEN
    assert colours["fax"] not in palette.CHANNELS.values()
    # The same suppliers get the same colours whatever order they arrive in.
    assert palette.assign(["S2", "S1"]) == palette.assign(["S1", "S2"])
    # Shipped is blue and canceled vermillion in every chart that shows them.
    assert palette.STATUS["shipped"] == palette.DEMAND["From stock"] == palette.BLUE
    assert palette.STATUS["canceled"] == palette.DEMAND["Lost (canceled)"] == palette.VERMILLION
    assert "color: #1F2328" in palette.highlight(0)


def test_charts_take_axis_titles_and_formats_from_the_header() -> None:
    frame = pd.DataFrame({"week": pd.to_datetime(["2026-11-02", "2026-11-09"]), "rate": [0.1, 0.2]})
    columns = {"week": catalog.Column("Week", "date"), "rate": catalog.Column("Backorder rate", "percent")}
    from dashboard.present import charts

    spec = charts.from_spec(frame, {"mark": "line", "x": "week:T", "y": "rate:Q"}, columns=columns).to_dict()
    encoding = spec["encoding"]
    assert encoding["y"]["title"] == "Backorder rate" and encoding["y"]["axis"]["format"] == ".0%"
    assert encoding["x"]["title"] == "Week"


def test_ordinals_for_the_streak() -> None:
    assert [weekly.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
    ]
