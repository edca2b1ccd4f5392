"""The audit trail: who loaded which files, wrote or deleted notes, or was refused, and when.

It lives in the notes file (notes.sqlite) because that file already survives every warehouse swap.
Append-only: triggers make SQLite itself refuse any update or delete of a recorded row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import pandas as pd

from dashboard.review import notes

SCHEMA = """
create table if not exists audit (
    id integer primary key, at text not null, who text not null, action text not null,
    outcome text not null, detail text not null default '', files text not null default '[]');
create trigger if not exists audit_no_update before update on audit
    begin select raise(abort, 'the audit trail is append-only'); end;
create trigger if not exists audit_no_delete before delete on audit
    begin select raise(abort, 'the audit trail is append-only'); end;
"""


def _open() -> sqlite3.Connection:
    target = notes.path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=10)
    con.executescript(SCHEMA)
    return con


def file_facts(paths: Iterable[Path]) -> list[dict[str, object]]:
    """Name, size and SHA-256 of each file (each file inside a folder), read in chunks."""
    facts = []
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if not file.is_file():
                continue
            digest = hashlib.sha256()
            with file.open("rb") as handle:
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(chunk)
            facts.append({"name": file.name, "size": file.stat().st_size, "sha256": digest.hexdigest()})
    return facts


def record(
    who: str, action: str, outcome: str, detail: str = "", files: list[dict[str, object]] | None = None
) -> None:
    at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    with closing(_open()) as con, con:
        con.execute(
            "insert into audit (at, who, action, outcome, detail, files) values (?, ?, ?, ?, ?, ?)",
            (at, who, action, outcome, detail[:2000], json.dumps(files or [])),
        )


def recent(limit: int = 500) -> pd.DataFrame:
    """The newest entries first, files as one readable line each."""
    columns = ["at", "who", "action", "outcome", "detail", "files"]
    if not notes.path().exists():
        return pd.DataFrame(columns=columns)
    with closing(_open()) as con:
        rows = con.execute(
            "select at, who, action, outcome, detail, files from audit order by id desc limit ?", (limit,)
        ).fetchall()
    frame = pd.DataFrame(rows, columns=columns)
    frame["files"] = [
        "; ".join(f"{f['name']} ({f['size']:,} B, sha256 {str(f['sha256'])[:12]})" for f in json.loads(raw))
        for raw in frame["files"]
    ]
    return frame
