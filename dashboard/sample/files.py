"""The sample's tables written as files, from the parts they are built in.

Parquet is written a row group at a time, so a 100M-line table never sits in memory whole; the
parts are re-cut to whole row groups of `ROW_GROUP` rows (pyarrow's default), which makes the file
the same as `pq.write_table` of the whole table would be, whatever size the parts have (each row
group is joined into one chunk first: the pages a column is cut into follow its Arrow chunks).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")
ROW_GROUP = 1024 * 1024


def write_parquet(parts: Iterable[pa.Table], path: Path, row_group: int = ROW_GROUP) -> int:
    """Write the parts as one Parquet file in whole row groups; return the rows written."""
    writer: pq.ParquetWriter | None = None
    held: list[pa.Table] = []
    rows = 0
    try:
        for part in parts:
            if writer is None:
                writer = pq.ParquetWriter(path, part.schema)
            held.append(part)
            rows += part.num_rows
            waiting = pa.concat_tables(held)
            while waiting.num_rows >= row_group:
                writer.write_table(waiting.slice(0, row_group).combine_chunks(), row_group_size=row_group)
                waiting = waiting.slice(row_group)
            held = [waiting]
        if writer is None:
            raise ValueError(f"no parts to write to {path}")
        rest = pa.concat_tables(held).combine_chunks()
        if rest.num_rows or rows == 0:
            writer.write_table(rest, row_group_size=row_group)
    finally:
        if writer is not None:
            writer.close()
    return rows


def write_csv(parts: Iterable[pa.Table], path: Path) -> int:
    """ISO 8601 timestamps to the second (the sample has no finer ones), quotes only where needed.

    CSV is for the small sample people copy (sample_data/), so the parts are joined in memory."""
    table = pa.concat_tables(list(parts))
    con = duckdb.connect()
    try:
        con.from_arrow(table).write_csv(str(path), timestamp_format="%Y-%m-%dT%H:%M:%S")
    finally:
        con.close()
    return table.num_rows
