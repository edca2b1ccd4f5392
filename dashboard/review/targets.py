"""Targets for the headline KPIs, set once in the settings file's `targets:` section.

    targets:
      unit_fill_rate: {at_least: 0.95}
      backorder_rate_lines: {at_most: 0.10}

Each tile shows its target and whether the week met it, and the verdict names the target missed
by most. With no settings file (or no section) there are no targets and none is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard import access, settings

SECTION = "targets"
KEYS = ("at_least", "at_most")


@dataclass(frozen=True)
class Target:
    metric: str
    at_least: float | None = None
    at_most: float | None = None

    def met(self, value: Any) -> bool | None:
        """None when the week has no value to judge (nothing happened to rate)."""
        if value is None:
            return None
        number = float(value)
        low_ok = self.at_least is None or number >= self.at_least
        high_ok = self.at_most is None or number <= self.at_most
        return low_ok and high_ok

    def gap(self, value: Any) -> float:
        """How far the value is on the wrong side of the target, in the metric's own units (0 if met)."""
        if value is None:
            return 0.0
        number = float(value)
        under = (self.at_least - number) if self.at_least is not None and number < self.at_least else 0.0
        over = (number - self.at_most) if self.at_most is not None and number > self.at_most else 0.0
        return max(under, over)

    def relative_gap(self, value: Any) -> float:
        """The gap as a share of the target, so a rate and an amount can be compared."""
        bound = self.at_least if self.at_least is not None else self.at_most
        return self.gap(value) / abs(bound) if bound else self.gap(value)

    @property
    def side(self) -> str:
        """'under' when a missed target is missed from below (a floor), 'over' for a ceiling."""
        return "under" if self.at_least is not None else "over"


def parse(section: Mapping[str, Any], metrics: tuple[str, ...], where: str) -> dict[str, Target]:
    """Targets per metric; unknown metrics, keys or non-numbers are errors naming the file and key."""
    found: dict[str, Target] = {}
    for metric, spec in section.items():
        at = f"{where}: targets.{metric}"
        if metric not in metrics:
            raise settings.SettingsError(f"{at}: not a headline KPI; use one of {', '.join(metrics)}")
        if not isinstance(spec, dict) or not spec:
            raise settings.SettingsError(f"{at}: give {{at_least: number}} or {{at_most: number}}")
        unknown = sorted(set(spec) - set(KEYS))
        if unknown:
            raise settings.SettingsError(f"{at}: unknown key '{unknown[0]}'; use {', '.join(KEYS)}")
        bounds = {}
        for key in KEYS:
            value = spec.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise settings.SettingsError(f"{at}.{key}: must be a number, not {value!r}")
            bounds[key] = None if value is None else float(value)
        found[str(metric)] = Target(str(metric), **bounds)
    return found


def load(metrics: tuple[str, ...], file: Path | None = None) -> dict[str, Target]:
    return parse(settings.section(SECTION, file), metrics, str(file or settings.path()))


def save(
    section: Mapping[str, Mapping[str, float]],
    metrics: tuple[str, ...],
    by: access.Identity,
    file: Path | None = None,
) -> dict[str, Target]:
    """Write the `targets:` section, for an admin only (checked here, whoever calls). It is checked
    as a hand-written one would be, then written atomically with every other line of the file kept
    (settings.write_section); the audit record is the caller's, who knows the person's session."""
    access.require(by, access.Action.SETTINGS)
    file = file or settings.path()
    raw = {str(metric): dict(spec) if isinstance(spec, Mapping) else spec for metric, spec in section.items()}
    found = parse(raw, metrics, str(file))
    written = {
        metric: {key: bound for key in KEYS if (bound := getattr(target, key)) is not None}
        for metric, target in found.items()
    }
    settings.write_section(SECTION, written, file)
    return found
