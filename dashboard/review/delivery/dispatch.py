"""What a run sends, built from the report or the alerts: subject, one-line summary, details, files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard.review import alerts, report, weekly


@dataclass(frozen=True)
class Dispatch:
    """The report (its page and files) or the week's alerts, ready for any target."""

    kind: str
    week: str
    subject: str
    summary: str
    details: tuple[str, ...] = ()
    page: str | None = None
    attachments: tuple[Path, ...] = ()


def of_report(
    built: report.Report, files: Sequence[Path], breaches: Sequence[alerts.Breach] = ()
) -> Dispatch:
    """The subject carries the week and the report's own one-line verdict, so the inbox reads alone."""
    label = built.week.label
    return Dispatch(
        kind="report",
        week=label,
        subject=f"Weekly review {label}: {built.summary}",
        summary=f"{built.week.span}: {built.summary}",
        details=tuple(str(breach) for breach in breaches),
        page=built.html,
        attachments=tuple(files),
    )


def of_alerts(week: weekly.Week, breaches: Sequence[alerts.Breach]) -> Dispatch:
    count = len(breaches)
    return Dispatch(
        kind="alerts",
        week=week.label,
        subject=f"Backorder alerts {week.label}: {count} breach(es)"
        if count
        else f"Backorder alerts {week.label}: none",
        summary=(
            f"{count} alert rule breach(es) in {week.label} ({week.span})"
            if count
            else f"No alert rule breached in {week.label} ({week.span})"
        ),
        details=tuple(str(breach) for breach in breaches),
    )
