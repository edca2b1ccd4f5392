"""What was sent where, per week, in a small SQLite file beside the notes.

A scheduled run that fires twice (a retry, a second timer) must not send the same week twice;
a target that failed is not logged, so the next run sends to it again and to nobody else.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from dashboard.review import notes


def path() -> Path:
    return notes.path().with_name("sent.sqlite")


def _open() -> sqlite3.Connection:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=10)
    con.execute(
        "create table if not exists sent (kind text not null, week text not null, target text not null,"
        " sent_at text not null, primary key (kind, week, target))"
    )
    return con


def sent_at(kind: str, week: str, target: str) -> dt.datetime | None:
    """When this week's report (or alerts) last went to the target, or None."""
    if not path().exists():
        return None
    with closing(_open()) as con:
        row = con.execute(
            "select sent_at from sent where kind = ? and week = ? and target = ?", (kind, week, target)
        ).fetchone()
    return dt.datetime.fromisoformat(row[0]) if row else None


def record(kind: str, week: str, target: str) -> None:
    now = dt.datetime.now().replace(microsecond=0).isoformat()
    with closing(_open()) as con, con:
        con.execute(
            "insert into sent (kind, week, target, sent_at) values (?, ?, ?, ?)"
            " on conflict (kind, week, target) do update set sent_at = excluded.sent_at",
            (kind, week, target, now),
        )
