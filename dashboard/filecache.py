"""Files parsed again only when they change.

A page view lists the query files and reads the settings file many times; parsing them every time
was most of a view's CPU. The stat (modification and change times, size, inode) says when a file was
edited or replaced, so an edit still takes effect at the next rerun.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

Parsed = TypeVar("Parsed")


def signature(path: Path) -> tuple[int, ...]:
    """What changes when a file is edited or replaced; raises OSError when it cannot be read."""
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


class ParsedFiles(Generic[Parsed]):
    """What `parse` made of each file, kept until the file's stat changes; safe across the threads
    Streamlit runs sessions in."""

    def __init__(self) -> None:
        self._parsed: dict[Hashable, tuple[tuple[int, ...], Parsed]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, path: Path, parse: Callable[[], Parsed]) -> Parsed:
        """`parse()` unless the file is unchanged since it last ran; a file whose stat cannot be
        read is parsed every time (and `parse` says what is wrong with it)."""
        try:
            stat = signature(path)
        except OSError:
            return parse()
        with self._lock:
            known = self._parsed.get(key)
        if known is not None and known[0] == stat:
            return known[1]
        result = parse()
        with self._lock:
            self._parsed[key] = (stat, result)
        return result
