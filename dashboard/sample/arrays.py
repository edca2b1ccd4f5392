"""Vectorised helpers the simulator's parts share: FIFO hand-out, sums, clock times."""

from __future__ import annotations

import numpy as np


def fifo(keys: np.ndarray, claims: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Units each claim gets when each key's supply is handed out in claim order."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    q = claims[order]
    before = np.cumsum(q) - q
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    before -= np.repeat(before[starts], np.diff(np.r_[starts, len(k)]))
    got = np.empty_like(q)
    got[order] = np.clip(supply[k] - before, 0, q)
    return got


def repeated(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """True for every (group, key) pair already seen earlier in the arrays."""
    order = np.lexsort((np.arange(len(key)), key, group))
    g, k = group[order], key[order]
    seen = np.r_[False, (g[1:] == g[:-1]) & (k[1:] == k[:-1])]
    out = np.zeros(len(key), dtype=bool)
    out[order] = seen
    return out


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole units summing to `total`, in proportion to `weights` (largest remainder)."""
    share = weights * total / weights.sum()
    units = np.floor(share).astype(np.int64)
    units[np.argsort(units - share, kind="stable")[: total - int(units.sum())]] += 1
    return units


def sum_by(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=n).round().astype(np.int64)


def clock(rng: np.random.Generator, n: int, after: np.ndarray | None = None) -> np.ndarray:
    """Second of the day (working hours) an event happens; later than `after` when given."""
    sec = rng.integers(8 * 3600, 20 * 3600, n)
    if after is not None:
        sec = np.minimum(np.maximum(sec, after + rng.integers(1800, 4 * 3600, n)), 86399)
    return sec


def compact(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Event columns as int32, which halves the memory that 10M lines hold until the end."""
    return tuple(np.asarray(c, dtype=np.int32) for c in columns)
