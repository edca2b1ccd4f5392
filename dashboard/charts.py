"""Altair charts from a query header's chart spec, which maps one to one onto Altair shorthand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

# Browsers choke long before this; a query should aggregate in SQL instead.
MAX_POINTS = 5000


class TooManyRows(ValueError):
    """A chart asked to plot raw rows rather than aggregates."""


def _fields(spec: Mapping[str, Any]) -> list[str]:
    return [str(spec[key]) for key in ("x", "y", "color") if key in spec]


def from_spec(frame: pd.DataFrame, spec: Mapping[str, Any], height: int = 320) -> alt.Chart:
    if len(frame) > MAX_POINTS:
        raise TooManyRows(
            f"{len(frame):,} rows is too many to chart (at most {MAX_POINTS:,}); aggregate in the SQL"
        )
    tooltip = spec.get("tooltip") or _fields(spec)
    encoding = {key: spec[key] for key in ("x", "y", "color") if key in spec}
    mark = getattr(alt.Chart(frame), f"mark_{spec['mark']}")()
    return mark.encode(**encoding, tooltip=tooltip).properties(height=height)
