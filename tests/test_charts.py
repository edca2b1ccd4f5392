"""The charts' Vega-Lite specs: what each encodes (fields, types, titles, formats), that every one
is valid against the schema the pages no longer check on each rerun, and how the data travels
beside the spec (dashboard/app/vega.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest

from dashboard.app import vega
from dashboard.present import charts, palette
from dashboard.query import catalog

WEEKS = pd.date_range("2026-01-05", periods=4, freq="W-MON")
MARKS = pd.DataFrame(
    {
        "label": ["Promo", "Port strike"],
        "kind": ["event", "note"],
        "start_date": pd.to_datetime(["2026-01-12", "2026-01-19"]),
        "end_date": pd.to_datetime(["2026-01-12", "2026-01-25"]),
    }
)


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single view of a spec, layers flattened, in drawing order."""
    if "layer" in spec:
        return [view for layer in spec["layer"] for view in layers(layer)]
    return [spec]


def by_mark(spec: dict[str, Any], mark: str) -> dict[str, Any]:
    found = [view for view in layers(spec) if view["mark"]["type"] == mark]
    assert len(found) == 1, [view["mark"] for view in layers(spec)]
    return found[0]


def test_a_header_chart_is_titled_and_formatted_from_its_columns() -> None:
    frame = pd.DataFrame({"week": WEEKS, "open_value": [10.0, 20.0, 15.0, 5.0], "channel": list("wwss")})
    columns = {"week": catalog.Column("Week", "date"), "open_value": catalog.Column("Open value", "money")}
    spec = vega.spec(
        charts.from_spec(
            frame, {"mark": "line", "x": "week:T", "y": "open_value:Q", "color": "channel:N"}, columns=columns
        )
    )
    encoding = spec["encoding"]
    assert spec["mark"] == {"type": "line"}
    assert encoding["x"] == {
        "field": "week",
        "type": "temporal",
        "title": "Week",
        "axis": {"format": "%d %b %Y"},
    }
    assert encoding["y"]["field"] == "open_value" and encoding["y"]["type"] == "quantitative"
    assert encoding["y"]["title"].startswith("Open value (")  # the settings' currency after money
    assert encoding["y"]["axis"] == {"format": ",.0f"}
    assert encoding["color"]["field"] == "channel" and encoding["color"]["legend"] == {"orient": "bottom"}
    assert [tip["title"] for tip in encoding["tooltip"]] == ["Week", "Open value", "Channel"]
    assert spec["height"] == 320


def test_an_uncoloured_header_chart_takes_the_palette_blue() -> None:
    frame = pd.DataFrame({"week": WEEKS, "units": [1, 2, 3, 4]})
    spec = vega.spec(charts.from_spec(frame, {"mark": "bar", "x": "week:T", "y": "units:Q"}))
    assert spec["mark"] == {"type": "bar", "color": palette.BLUE}


def test_annotations_are_bands_rules_and_labels_behind_the_chart() -> None:
    frame = pd.DataFrame({"week": WEEKS, "units": [1, 2, 3, 4]})
    spec = vega.spec(charts.from_spec(frame, {"mark": "line", "x": "week:T", "y": "units:Q"}, MARKS))
    assert [view["mark"]["type"] for view in layers(spec)] == ["rect", "rule", "text", "line"]
    band = by_mark(spec, "rect")["encoding"]
    assert band["x"]["field"] == "start_date" and band["x2"] == {"field": "end_date"}
    assert [tip.get("title", tip["field"]) for tip in band["tooltip"]] == ["annotation", "kind", "from", "to"]
    text = by_mark(spec, "text")["encoding"]
    assert text["text"] == {"field": "label", "type": "nominal"} and text["y"] == {"value": 0}


def test_a_partial_week_is_faded_and_flows_stack_up_and_down() -> None:
    frame = pd.DataFrame(
        {
            "week": WEEKS,
            "days_in_period": [3, 7, 7, 7],
            "new_lines": [5, 6, 7, 8],
            "shipped_lines": [1, 2, 3, 4],
            "canceled_lines": [0, 1, 0, 1],
            "net_lines": [4, 3, 4, 3],
        }
    )
    spec = vega.spec(charts.backlog_flows(frame, "lines"))
    bars = by_mark(spec, "rect")["encoding"]
    assert bars["opacity"] == {"condition": {"test": "datum.partial", "value": 0.45}, "value": 1.0}
    assert bars["x2"] == {"field": "week_end"}
    assert bars["y2"] == {"field": "bottom"}
    assert bars["color"]["scale"]["domain"] == ["new", "shipped", "canceled"]
    tick = by_mark(spec, "tick")["encoding"]
    assert tick["y"] == {"field": "net_lines", "type": "quantitative"}
    data = spec["datasets"][by_mark(spec, "rect")["data"]["name"]]
    first_week = data[data["week"] == WEEKS[0]]
    assert bool(first_week["partial"].all()) and not bool(data[data["week"] == WEEKS[1]]["partial"].any())


def test_plain_field_tooltips_take_their_type_from_the_data() -> None:
    frame = pd.DataFrame({"week": list(WEEKS) * 2, "rate": [0.1] * 8, "who": ["S1"] * 4 + ["All"] * 4})
    spec = vega.spec(
        charts.trend_with_bands(frame, "week", "rate", "who", reference="All", tooltip=["week", "rate"])
    )
    line = next(view for view in layers(spec) if view["mark"].get("point"))
    assert line["encoding"]["tooltip"] == [
        {"field": "week", "type": "temporal"},
        {"field": "rate", "type": "quantitative"},
    ]
    reference = next(view for view in layers(spec) if view["mark"].get("strokeDash"))
    assert reference["mark"]["color"] == palette.GREY


def _every_chart() -> dict[str, Callable[[], alt.TopLevelMixin]]:
    weekly = pd.DataFrame(
        {
            "week": WEEKS,
            "days_in_period": [7, 7, 7, 2],
            "category": ["Toys", "Toys", "Tools", "Tools"],
            "demand_units": [10, 12, 9, 3],
            "from_stock_units": [8, 9, 7, 2],
            "backordered_units": [1, 2, 1, 1],
            "lost_units": [1, 1, 1, 0],
            "unmet_units": [2, 3, 2, 1],
            "unit_fill_rate": [0.8, 0.75, 0.78, 0.66],
        }
    )
    backlog = pd.DataFrame(
        {
            "day": WEEKS + pd.Timedelta(days=6),
            "period": WEEKS,
            "open_lines": [1, 2, 3, 4],
            "open_units": [2, 4, 6, 8],
            "open_value": [20.0, 40.0, 60.0, 80.0],
        }
    )
    return {
        "box plot": lambda: charts.range_box_plot(
            pd.DataFrame(
                {"s": ["A", "B"], "lo": [1, 2], "q1": [2, 3], "md": [3, 4], "q3": [4, 5], "hi": [5, 6]}
            ),
            "s",
            "lo",
            "q1",
            "md",
            "q3",
            "hi",
            marker="md",
        ),
        "demand parts": lambda: charts.demand_parts(weekly, MARKS),
        "unmet": lambda: charts.unmet_by_category(weekly, MARKS),
        "surge map": lambda: charts.surge_map(
            pd.DataFrame(
                {
                    "sku": ["K1", "K2"],
                    "product_name": ["Kettle", "Knife"],
                    "ratio": [3.0, 1.0],
                    "backorder_ratio": [0.4, 0.1],
                    "recent_units": [30, 10],
                    "baseline_weekly_mean": [2.5, 2.5],
                    "robust_z": [4.0, 0.1],
                    "status": ["surging", "steady"],
                }
            )
        ),
        "ranked bars": lambda: charts.ranked_bars(
            pd.DataFrame({"member": ["A", "B"], "open_units": [5, 3], "open_lines": [2, 1]}),
            "member",
            {"open_units": "open units"},
            tooltip=("open_lines",),
        ),
        "backlog area": lambda: charts.backlog_area(backlog, "open_units", "Open units", annotations=MARKS),
        "age bars": lambda: charts.age_bars(
            pd.DataFrame(
                {
                    "age_bucket": ["0-7", "8-14"],
                    "bucket_order": [1, 2],
                    "open_lines": [3, 1],
                    "open_units": [5, 2],
                    "open_value": [50.0, 20.0],
                    "share_of_units": [0.7, 0.3],
                }
            ),
            "open_units",
            "Open units",
        ),
        "eta weeks": lambda: charts.eta_weeks(
            pd.DataFrame(
                {
                    "eta_week": WEEKS[:2],
                    "eta_flag": list(charts.ETA_FLAGS)[:2],
                    "open_lines": [1, 2],
                    "open_units": [3, 4],
                    "open_value": [30.0, 40.0],
                }
            )
        ),
        "labelled bars": lambda: charts.labelled_bars(
            pd.DataFrame({"root_cause": list(charts.ROOT_CAUSES)[:2], "open_units": [4, 2]}),
            "root_cause",
            charts.ROOT_CAUSES,
            counted="SKUs",
        ),
        "calibration": lambda: charts.calibration(
            pd.DataFrame(
                {"decile": [1, 2], "lines": [10, 10], "predicted": [0.1, 0.2], "observed": [0.12, 0.18]}
            )
        ),
        "backlog outlook": lambda: charts.backlog_outlook(
            backlog,
            pd.DataFrame({"day": WEEKS + pd.Timedelta(weeks=4), "open_units": [8, 7, 6, 5]}).assign(
                units_low=[7, 6, 5, 4], units_high=[9, 8, 7, 6]
            ),
            "units",
            "Open units",
        ),
        "stock projection": lambda: charts.stock_projection(
            pd.DataFrame(
                {
                    "day": WEEKS,
                    "available": [5.0, 3.0, 1.0, -1.0],
                    "available_low": [4.0, 2.0, 0.0, -2.0],
                    "available_high": [6.0, 4.0, 2.0, 0.0],
                    "receipts": [0, 0, 5, 0],
                    "demand": [2.0, 2.0, 2.0, 2.0],
                }
            )
        ),
    }


@pytest.mark.parametrize("name", list(_every_chart()))
def test_every_chart_is_valid_vega_lite(name: str) -> None:
    """The pages skip Altair's validation for speed, so the schema is checked here instead."""
    chart = _every_chart()[name]()
    with alt.data_transformers.enable("default"):
        chart.to_dict(validate=True)  # raises SchemaValidationError on an invalid spec
    spec = vega.spec(chart)
    assert spec["datasets"] and all(isinstance(frame, pd.DataFrame) for frame in spec["datasets"].values())


def test_data_goes_beside_the_spec_once_per_frame_and_named_by_its_content() -> None:
    frame = pd.DataFrame({"day": WEEKS, "open_lines": [1, 2, 3, 4], "open_units": [1, 2, 3, 4]})
    backlog = frame.assign(period=WEEKS, open_value=[1.0, 2.0, 3.0, 4.0])
    spec = vega.spec(charts.backlog_area(backlog, "open_units", "Open units"))
    names = {view["data"]["name"] for view in layers(spec) if "data" in view} | (
        {spec["data"]["name"]} if "data" in spec else set()
    )
    assert len(spec["datasets"]) == 1 and names == set(spec["datasets"])
    again = vega.spec(charts.backlog_area(backlog.copy(), "open_units", "Open units"))
    assert set(again["datasets"]) == set(spec["datasets"])  # same rows, same name: nothing to redraw
    changed = vega.spec(
        charts.backlog_area(backlog.assign(open_units=[4, 3, 2, 1]), "open_units", "Open units")
    )
    assert set(changed["datasets"]) != set(spec["datasets"])
    assert "values" not in str(spec)  # no rows inlined as JSON
    assert "continuousWidth" not in str(spec.get("config"))  # Altair's 300 px default theme is off
