"""What is simulated: the days from START to END and the default size, and the seasonality."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

DEFAULT_LINES: int = 200_000
START: date = date(2024, 11, 25)
END: date = date(2026, 11, 22)
DAYS: int = (END - START).days + 1

Progress = Callable[[int, int], None]


def day_number(value: date) -> int:
    return (value - START).days


def within(day: np.ndarray, start: date, end: date) -> np.ndarray:
    return (day >= day_number(start)) & (day <= day_number(end))


def season(days: int) -> np.ndarray:
    """Relative order volume per day (mean 1 over the simulation): weekday pattern,
    Nov/Dec peak, post-holiday dip and growth. Runs past END for forecast horizons."""
    day = np.arange(days)
    dates = np.datetime64(START) + day
    doy = (dates - dates.astype("datetime64[Y]")).astype(int) + 1
    yearly = (
        1.0
        + 0.6 * np.exp(-0.5 * ((doy - 338) / 15.0) ** 2)
        - 0.2 * np.exp(-0.5 * ((doy - 8) / 12.0) ** 2)
        - 0.2 * np.exp(-0.5 * ((doy - 373) / 12.0) ** 2)
    )
    weekly = np.array([0.95, 0.9, 0.9, 0.95, 1.05, 1.3, 1.2])[day % 7]
    trend = np.exp(0.14 * day / 365.0)
    season = yearly * weekly * trend
    return season / season[:DAYS].mean()
