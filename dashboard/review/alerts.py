"""Threshold rules from a small YAML file, checked against a week's KPIs, for a scheduler to act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dashboard import safeyaml
from dashboard.query import warehouse
from dashboard.review import weekly

DEFAULT_RULES = warehouse.PROJECT_ROOT / "alerts.yaml"
RULE_KEYS = ("name", "metric", "above", "below", "per")
GROUP_SOURCES = {
    "supplier": "suppliers.supplier_id",
    "category": "products.category",
    "channel": "orders.channel",
}
PER = tuple(GROUP_SOURCES)
KINDS = {tile.key: tile.kind for tile in (*weekly.TILES, weekly.PROJECTED_STOCKOUTS, weekly.REVENUE_AT_RISK)}
METRICS = (
    "backorder_rate_lines",
    "unit_fill_rate",
    "backorder_cancellation_rate",
    "avg_time_to_fill_days",
    "supplier_on_time_rate",
    "avg_supplier_delay_days",
    "open_backorder_lines",
    "open_backorder_units",
    "open_backorder_value",
    "avg_backorder_age_days",
    "lines_ordered",
    "backordered_lines",
    "backorders_closed",
    "po_lines_received",
    "revenue_at_risk",
    "projected_stockout_skus",
)


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    name: str
    metric: str
    above: float | None = None
    below: float | None = None
    per: str | None = None


# Metrics in words, for alerts a manager reads ("Keystone Home Goods on-time rate 15.3%").
WORDS = {
    **{tile.key: tile.label.lower() for tile in (*weekly.TILES, weekly.REVENUE_AT_RISK)},
    "avg_time_to_fill_days": "average time to fill",
    "avg_supplier_delay_days": "average supplier delay",
    "lines_ordered": "lines ordered",
    "backordered_lines": "backordered lines",
    "backorders_closed": "backorders closed",
    "po_lines_received": "PO lines received",
}


@dataclass(frozen=True)
class Breach:
    rule: Rule
    value: float
    week: weekly.Week
    group: str | None = None
    name: str | None = None  # the group's display name (a supplier's name rather than its id)

    def __str__(self) -> str:
        """Plain words with names, not metric ids: 'Keystone Home Goods on-time rate 15.3% (target
        ≥ 20.0%)'. A rule's `below` is the least the metric should be, `above` the most."""
        rule = self.rule
        words = WORDS.get(rule.metric, rule.metric.replace("_", " "))
        who = self.name or self.group
        subject = f"{who} {words.removeprefix(f'{rule.per} ')}" if who else words[:1].upper() + words[1:]
        bounds = [f"≥ {show(rule.metric, rule.below)}"] if rule.below is not None else []
        bounds += [f"≤ {show(rule.metric, rule.above)}"] if rule.above is not None else []
        return f"{subject} {show(rule.metric, self.value)} (target {' and '.join(bounds)})"


def show(metric: str, value: float | None) -> str:
    kind = KINDS.get(metric)
    return weekly.fmt(kind, value) if kind else f"{value:,.2f}"


def _number(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where}: '{key}' must be a number, not {value!r}")
    return float(value)


def parse(text: str, file: str) -> list[Rule]:
    try:
        document = safeyaml.load(text) or {}
    except (yaml.YAMLError, safeyaml.YamlError) as exc:
        raise RulesError(f"{file}: not valid YAML: {exc}") from exc
    items = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise RulesError(f"{file}: expected a top-level 'rules:' list")
    rules = []
    for number, item in enumerate(items, start=1):
        where = f"{file}, rule {number}"
        if not isinstance(item, dict):
            raise RulesError(f"{where}: each rule is a mapping with {', '.join(RULE_KEYS)}")
        unknown = sorted(set(item) - set(RULE_KEYS))
        if unknown:
            raise RulesError(f"{where}: unknown key '{unknown[0]}'; use {', '.join(RULE_KEYS)}")
        metric = item.get("metric")
        if metric not in METRICS:
            raise RulesError(f"{where}: metric {metric!r} is not one of {', '.join(METRICS)}")
        above, below = _number(item.get("above"), where, "above"), _number(item.get("below"), where, "below")
        if above is None and below is None:
            raise RulesError(f"{where}: give a threshold with 'above' or 'below'")
        per = item.get("per")
        if per is not None and per not in PER:
            raise RulesError(f"{where}: per {per!r} is not one of {', '.join(PER)}")
        rules.append(Rule(str(item.get("name") or metric), metric, above, below, per))
    return rules


def load(path: Path) -> list[Rule]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file ({exc.strerror})") from exc
    return parse(text, str(path))


def _breached(rule: Rule, value: Any) -> bool:
    if value is None:
        return False
    return (rule.above is not None and value > rule.above) or (rule.below is not None and value < rule.below)


def check(
    run: weekly.Runner,
    week: weekly.Week,
    rules: Sequence[Rule],
    groups: Mapping[str, Sequence[str]],
    scope: Mapping[str, Any] | None = None,
    scores: weekly.RiskScores | None = None,
    names: Mapping[str, Mapping[Any, str]] | None = None,
) -> list[Breach]:
    """Every rule against the week's KPIs; a `per` rule is checked for each supplier, category or channel.
    revenue_at_risk needs the risk model (scores); without it, rules on it are not checked. `names`
    gives display names per dimension (supplier id -> name) for the alert's words."""
    breaches: list[Breach] = []
    if scores is None:
        rules = [rule for rule in rules if rule.metric != "revenue_at_risk"]
    scorer = scores if any(rule.metric == "revenue_at_risk" for rule in rules) else None
    overall = weekly.kpis(run, week, scope, scorer) if any(r.per is None for r in rules) else {}
    for rule in rules:
        if rule.per is None:
            if _breached(rule, overall[rule.metric]):
                breaches.append(Breach(rule, float(overall[rule.metric]), week))
            continue
        chosen = (scope or {}).get(rule.per)  # alerts follow the sidebar: a picked supplier, only it
        for group in [chosen] if chosen else groups.get(rule.per, ()):
            grouped = {**(scope or {}), rule.per: group}
            value = weekly.metric(run, week, rule.metric, grouped, scorer)
            if _breached(rule, value):
                shown = (names or {}).get(rule.per, {}).get(group)
                breaches.append(Breach(rule, float(value), week, str(group), shown))
    return breaches
