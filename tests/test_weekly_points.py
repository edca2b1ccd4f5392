"""Issue 14.4: one convention for weekly points: every chart plots a week at its Monday (see
dashboard/present/charts.py), whether it is a query card's chart or one a page builds."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.present import charts
from dashboard.query import catalog, runner, warehouse
from dashboard.review import weekly


def is_weekly(name: str, values: pd.Series) -> bool:
    """A week by name, or points spaced by whole weeks."""
    days = sorted(set(pd.to_datetime(values).dt.normalize()))
    steps = {(b - a).days for a, b in itertools.pairwise(days)}
    return "week" in name or (len(days) > 2 and all(step % 7 == 0 for step in steps))


def not_mondays(values: pd.Series) -> list[dt.date]:
    stamps = pd.to_datetime(values.dropna())
    return sorted({d.date() for d in stamps if d.weekday() != 0 or d != d.normalize()})


def test_every_weekly_query_chart_plots_weeks_at_their_monday(sample_db: Path) -> None:
    con = warehouse.connect(sample_db)
    run = runner.on(con)
    checked = []
    for query in catalog.discover():
        if query.error or not query.chart or not charts.is_temporal(query.chart):
            continue
        x = str(query.chart["x"]).split(":")[0]
        frame = run(query, {})
        if frame.empty or not is_weekly(x, frame[x]):
            continue
        assert not_mondays(frame[x]) == [], f"{query.file}: {x}"
        checked.append(query.id)
    # The weekly ones among them, so a test that checks nothing cannot pass.
    assert {"backlog_trend", "kpi_trend", "supplier_weekly", "supplier_trend", "backlog_flows"} <= set(
        checked
    )


def x_values(spec: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    """(field, values) of every temporal x encoding in an Altair chart's dict, data inline."""
    datasets = spec.get("datasets", {})

    def walk(node: Any, data: str | None) -> Iterator[tuple[str, list[Any]]]:
        if isinstance(node, dict):
            data = (node.get("data") or {}).get("name", data) if isinstance(node.get("data"), dict) else data
            x = (node.get("encoding") or {}).get("x")
            if isinstance(x, dict) and x.get("type") == "temporal" and data in datasets:
                yield x["field"], [row.get(x["field"]) for row in datasets[data]]
            for value in node.values():
                yield from walk(value, data)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, data)

    yield from walk(spec, None)


def test_charts_the_pages_build_plot_weeks_at_their_monday(sample_db: Path) -> None:
    con = warehouse.connect(sample_db)
    run = runner.on(con)
    week = weekly.default_week(catalog.as_of(con))
    history = weekly.trend(run, week)
    trend = run("backlog_trend", {"grain": "week"})
    built = {
        "Weekly review backlog": weekly.backlog_chart(history, None),
        "Weekly review rates": weekly.rate_chart(history, None),
        "Backorders backlog over time": charts.backlog_area(trend, "open_units", "Open units"),
        "Backorders ETA weeks": charts.eta_weeks(run("eta_by_week", {})),
    }
    for name, chart in built.items():
        found = [(field, values) for field, values in x_values(chart.to_dict()) if values]
        assert found, name
        for field, values in found:
            assert not_mondays(pd.Series(values)) == [], f"{name}: {field}"
