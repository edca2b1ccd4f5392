"""Every chart a page draws goes through here: its Vega-Lite spec, built without schema validation.

`st.altair_chart` validates each chart against the Vega-Lite JSON schema on every rerun, which was a
large share of a page view's CPU. The charts are made by our own code (dashboard/present/charts.py,
whose specs tests/test_charts.py checks), so the spec is built with `to_dict(validate=False)` and
handed to `st.vega_lite_chart`, with each chart's data beside it as a named dataset, as Streamlit
does: the rows go to the browser as Arrow, never as JSON inside the spec.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.present import charts

TRANSFORMER = "backorder_desk_named"


def _name(frame: Any, taken: dict[str, Any]) -> str:
    """A dataset's name from its content, as Streamlit names them: the browser then redraws a chart
    only when its rows changed, and a new result is never mistaken for rows appended to the old."""
    try:
        digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        name = f"data-{digest.hexdigest()[:24]}"
    except (TypeError, ValueError, AttributeError):  # cells that cannot be hashed: a name of its own
        name = f"data-{id(frame):x}-{len(taken)}"
    return name


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec with its DataFrames under `datasets` (by name), unvalidated.

    Altair's data transformer and theme are process-wide, so they are switched only while holding
    charts.ALTAIR_GLOBALS, which the report's charts hold too."""
    frames: dict[int, tuple[str, Any]] = {}
    datasets: dict[str, Any] = {}

    def named(data: Any) -> dict[str, str]:
        found = frames.get(id(data))
        if found is None:
            found = frames[id(data)] = (_name(data, datasets), data)
            datasets[found[0]] = data
        return {"name": found[0]}

    with charts.ALTAIR_GLOBALS:
        alt.data_transformers.register(TRANSFORMER, named)
        # Altair's default theme sets a 300 px view, which Streamlit's own conversion also drops.
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable(TRANSFORMER):
            result = chart.to_dict(validate=False)
    result["datasets"] = {**(result.get("datasets") or {}), **datasets}
    return result


def show(chart: alt.TopLevelMixin) -> None:
    """Draw the chart at the container's width, in Streamlit's theme."""
    st.vega_lite_chart(spec=spec(chart), width="stretch")
