"""Notes a manager writes for a week, kept in a small SQLite file beside the warehouse.

The warehouse is read-only and replaced whole by every load; notes must survive both, so
they live in their own writable store (SQLite: safe with several app sessions writing).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard import access
from dashboard.query import targets, warehouse

NOTES_ENV_VAR = "BACKORDER_NOTES"
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Note:
    id: int
    week_start: dt.date
    text: str
    added_at: dt.datetime
    author: str = ""


def path() -> Path:
    configured = os.environ.get(NOTES_ENV_VAR)
    if configured:
        return Path(configured)
    found = warehouse.target()
    # Beside a warehouse file; a published warehouse (Parquet, MotherDuck, DuckLake) is read-only
    # and may be remote, so its notes stay in the app's own data folder.
    beside = Path(found.location) if found.kind == targets.FILE else warehouse.DEFAULT_PATH
    return beside.with_name("notes.sqlite")


def _open() -> sqlite3.Connection:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=10)
    con.execute(
        "create table if not exists notes (id integer primary key, week_start text not null,"
        " text text not null, added_at text not null, author text not null default '')"
    )
    columns = {row[1] for row in con.execute("pragma table_info(notes)")}
    if "author" not in columns:  # a notes file from before sign-in existed
        con.execute("alter table notes add column author text not null default ''")
    return con


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def add(week: dt.date, text: str, by: access.Identity) -> Note:
    """Refused unless `by` may write notes: the check lives here, not only in the page."""
    access.require(by, access.Action.NOTE)
    text = text.strip()
    if not text:
        raise ValueError("a note needs some text")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"a note holds at most {MAX_LENGTH} characters")
    monday = week_start(week)
    added = dt.datetime.now().replace(microsecond=0)
    with closing(_open()) as con, con:
        cursor = con.execute(
            "insert into notes (week_start, text, added_at, author) values (?, ?, ?, ?)",
            (monday.isoformat(), text, added.isoformat(), by.name),
        )
        return Note(int(cursor.lastrowid), monday, text, added, by.name)


def delete(note_id: int, by: access.Identity) -> None:
    access.require(by, access.Action.NOTE)
    with closing(_open()) as con, con:
        con.execute("delete from notes where id = ?", (note_id,))


def between(start: dt.date, end: dt.date) -> list[Note]:
    """Notes of the weeks that overlap [start, end], oldest first."""
    if not path().exists():
        return []
    with closing(_open()) as con:
        rows = con.execute(
            "select id, week_start, text, added_at, author from notes"
            " where week_start <= ? and week_start >= ? order by week_start, id",
            (end.isoformat(), week_start(start).isoformat()),
        ).fetchall()
    return [
        Note(i, dt.date.fromisoformat(w), t, dt.datetime.fromisoformat(a), who) for i, w, t, a, who in rows
    ]


def as_annotations(found: list[Note]) -> pd.DataFrame:
    """Notes in the shape of the events query, so charts draw both the same way."""
    return pd.DataFrame(
        {
            "start_date": [pd.Timestamp(n.week_start) for n in found],
            "end_date": [pd.Timestamp(n.week_start + dt.timedelta(days=6)) for n in found],
            "label": [f"Note: {n.text}" for n in found],
            "kind": ["note"] * len(found),
        },
        columns=["start_date", "end_date", "label", "kind"],
    )
