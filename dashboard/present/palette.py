"""The one palette: fixed colours for channels, backorder status, suppliers and good against bad.

Built on Okabe and Ito's colour-blind-safe set, so the eight hues stay apart for the common
colour-vision deficiencies, and every chart, table highlight and the report use these same
colours: shipped is always blue, canceled always vermillion, a channel keeps its colour on every
page. Text colours are mid-tones that read on the light and the dark theme alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"

CATEGORICAL = (BLUE, ORANGE, SKY, VERMILLION, GREEN, PURPLE, YELLOW, GREY)

# Blue against vermillion/orange: the pair colour-blind readers tell apart best.
GOOD, BAD, NEUTRAL = BLUE, VERMILLION, GREY
# Darker cuts of good and bad for text on white paper (the report), still the same hues.
GOOD_TEXT, BAD_TEXT, NEUTRAL_TEXT = "#005A8C", "#B34700", "#6E7781"
# The same pair among the named colours Streamlit's metric deltas accept.
STREAMLIT_GOOD, STREAMLIT_BAD, STREAMLIT_NEUTRAL = "blue", "orange", "gray"
# Chart text and annotation marks: readable on both Streamlit themes.
MUTED = "#8C8C8C"
# Table highlights: pale backgrounds with dark ink set explicitly, so the dark theme's white text
# never lands on them. Strongest first.
HIGHLIGHTS = ("#F6C4A3", "#FADCC6", "#FDEEE3")
INK = "#1F2328"

CHANNELS = {"web": BLUE, "marketplace": ORANGE, "store": GREEN, "b2b": PURPLE, "phone": SKY}
STATUS = {"new": ORANGE, "open": ORANGE, "shipped": BLUE, "canceled": VERMILLION}
DEMAND = {"From stock": BLUE, "Backordered": ORANGE, "Lost (canceled)": VERMILLION}
MEASURES = {"Backorder rate": VERMILLION, "Unit fill rate": BLUE}
ETA_FLAGS = {
    "no replenishment planned": PURPLE,
    "promise already missed": VERMILLION,
    "will miss promise": ORANGE,
    "on track": GREEN,
    "no promise date": GREY,
}
ROOT_CAUSES = {
    "supplier_late": VERMILLION,
    "demand_spike": ORANGE,
    "oversold": PURPLE,
    "capacity_limited": SKY,
    "no_replenishment": BLUE,
    "other": GREY,
}
SURGE = {"surging, outrunning supply": VERMILLION, "surging": ORANGE, "steady": GREY}
# Older is darker: ColorBrewer's YlOrBr, which colour-blind readers can order too.
AGE = ("#FEE391", "#FEC44F", "#FE9929", "#D95F0E", "#993404")


def assign(values: Iterable[object], fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per value: the fixed one when the value has one, else the palette in sorted order,
    so the same set of suppliers gets the same colours on every page."""
    fixed = fixed or {}
    colours: dict[str, str] = {}
    spare = [c for c in CATEGORICAL if c not in set(fixed.values())] or list(CATEGORICAL)
    for index, value in enumerate(sorted({str(v) for v in values if v is not None} - set(fixed))):
        colours[value] = spare[index % len(spare)]
    present = {str(v) for v in values if v is not None}
    return {**{k: v for k, v in fixed.items() if k in present}, **colours}


def for_field(field: str, values: Iterable[object]) -> dict[str, str]:
    """Colours for a chart's colour field by what it holds: channels, statuses, ETA flags..."""
    known = {
        "channel": CHANNELS,
        "status": STATUS,
        "flow": STATUS,
        "eta_flag": ETA_FLAGS,
        "root_cause": ROOT_CAUSES,
        "measure": MEASURES,
    }
    return assign(values, known.get(field))


def highlight(level: int = 0) -> str:
    """CSS for a flagged table cell: a pale vermillion (0 strongest) with dark ink."""
    return f"background-color: {HIGHLIGHTS[min(level, len(HIGHLIGHTS) - 1)]}; color: {INK}"
