"""Every action that changes data, run for a person: checked against their role, then recorded.

The checks themselves live in the functions that change data (notes.add, upload.confirm); this
module adds the audit trail and turns a refusal into a message instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard import access, ingest, settings
from dashboard.ingest import upload
from dashboard.review import audit, notes, targets, weekly

REFUSED = "actions.refused"
T = TypeVar("T")


def _guarded(who: access.Identity, action: str, detail: str, work: Callable[[], T]) -> T | None:
    try:
        return work()
    except access.Refused as exc:
        audit.record(who.email, action, "refused", f"{detail}: {exc}"[:2000])
        st.session_state[REFUSED] = str(exc)
        return None


def add_note(week: dt.date, text: str, who: access.Identity) -> notes.Note | None:
    added = _guarded(who, "note added", f"week of {week}", lambda: notes.add(week, text, who))
    if added is not None:
        audit.record(
            who.email, "note added", "ok", f"note {added.id}, week of {added.week_start}: {added.text}"
        )
    return added


def delete_note(note: notes.Note, who: access.Identity) -> None:
    done = _guarded(who, "note deleted", f"note {note.id}", lambda: notes.delete(note.id, who) or True)
    if done:
        audit.record(
            who.email, "note deleted", "ok", f"note {note.id}, week of {note.week_start}: {note.text}"
        )


def load(pending: upload.Pending, who: access.Identity, mode: str) -> str | None:
    """Swap a checked upload in; the error message, or None when it loaded."""
    files = audit.file_facts([pending.folder / "files"]) if (pending.folder / "files").exists() else []
    try:
        upload.confirm(pending, who)
    except access.Refused as exc:
        audit.record(who.email, mode, "refused", str(exc), files)
        upload.discard(pending)
        return str(exc)
    except ingest.LoadError as exc:
        audit.record(who.email, mode, "failed", str(exc.problems[0]), files)
        return str(exc.problems[0])
    counts = pending.prepared.outcome.counts if pending.prepared else {}
    audit.record(who.email, mode, "ok", f"{sum(counts.values()):,} rows", files)
    return None


def change_targets(section: dict[str, dict[str, float]], who: access.Identity) -> str | None:
    """Write the KPI targets to the settings file; the error message, or None when written."""
    try:
        before = settings.section(targets.SECTION)
        targets.save(section, weekly.METRICS, who)
    except access.Refused as exc:
        audit.record(who.email, "settings changed", "refused", f"targets: {exc}"[:2000])
        return str(exc)
    except settings.SettingsError as exc:
        audit.record(who.email, "settings changed", "failed", f"targets: {exc}"[:2000])
        return str(exc)
    audit.record(who.email, "settings changed", "ok", f"targets: {before} -> {section}"[:2000])
    return None


def show_refusal() -> None:
    """A refusal from the previous run's callback, shown once."""
    message = st.session_state.pop(REFUSED, None)
    if message:
        st.error(f"Refused: {message}", icon=":material/block:")
