"""How a CSV file is written (compression, encoding, delimiter), detected from its first megabyte."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}
"""Names a person may write -> the encodings DuckDB's CSV reader has built in."""

SNIFF_RECORDS = 50
CONTROL = bytes(range(32)).replace(b"\t", b"").replace(b"\n", b"").replace(b"\r", b"")


class DialectError(ValueError):
    """The file is not CSV text this loader reads; the message says what it looks like instead."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    encoding: str
    gzip: bool

    @property
    def compression(self) -> str:
        return "gzip" if self.gzip else "none"


def detect(path: Path, delimiter: str | None = None, encoding: str | None = None) -> Dialect:
    """Sniff what is not given; a given value wins, so a mapping file can settle a guess."""
    with Path(path).open("rb") as handle:
        zipped = handle.read(2) == b"\x1f\x8b"
    data, complete = sample(path, zipped)
    if encoding is None:
        encoding = encoding_of(data, complete)
    elif encoding.lower() not in ENCODINGS:
        raise DialectError(f"encoding {encoding} is not supported (use one of utf-8, latin-1)")
    encoding = ENCODINGS[encoding.lower()]
    text = decode(data, encoding, complete)
    if delimiter is None:
        delimiter = delimiter_of(text, complete)
    elif delimiter in ("tab", "\\t"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise DialectError(f"delimiter {delimiter!r} must be one character (or 'tab')")
    return Dialect(delimiter, encoding, zipped)


def sample(path: Path, zipped: bool) -> tuple[bytes, bool]:
    """The first SAMPLE_BYTES of the (decompressed) text and whether that is all of it."""
    opener = gzip.open if zipped else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DialectError(f"is not a readable gzip file ({exc})") from exc
    return data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES


def encoding_of(data: bytes, complete: bool) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, otherwise Latin-1; never binary."""
    kind = binary_kind(data)
    if kind:
        raise DialectError(f"is {kind}, not CSV text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def binary_kind(data: bytes) -> str | None:
    """Name what a non-text file probably is, so the message tells the person what to do."""
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive or an Excel workbook (save a workbook as .xlsx)"
    if data.startswith(b"PAR1"):
        return "a Parquet file (name it .parquet)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (save it as UTF-8 CSV)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel .xls workbook (save it as .xlsx or CSV)"
    if b"\x00" in data:
        return "binary data (it contains NUL bytes)"
    controls = sum(data.count(byte) for byte in CONTROL)
    if data and controls / len(data) > 0.01:
        return "binary data (many control characters)"
    return None


def decode(data: bytes, encoding: str, complete: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=complete)
    return text.removeprefix("\ufeff")


def records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The first records, dropping a last one the sample may have cut in half."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    found: list[list[str]] = []
    try:
        for record in reader:
            found.append(record)
            if len(found) > SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if not complete and len(found) <= SNIFF_RECORDS and len(found) > 1:
        found.pop()
    return found[:SNIFF_RECORDS]


def delimiter_of(text: str, complete: bool = True) -> str:
    """The candidate that splits the header into the most fields and the rows consistently with it."""
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        found = [r for r in records(text, delimiter, complete) if r]
        if not found or len(found[0]) < 2:
            continue
        width = len(found[0])
        body = found[1:]
        consistent = sum(len(r) == width for r in body) / len(body) if body else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


HEADER_LIMIT = 1 << 20
"""Characters a header line may hold; a longer first line is not a table's header."""


def header(path: Path, dialect: Dialect) -> list[str]:
    """Only the header is parsed in Python: it names columns, which never reach SQL as text."""
    opener = gzip.open if dialect.gzip else open
    with opener(path, "rb") as handle:
        text = io.TextIOWrapper(handle, encoding=dialect.encoding, errors="replace", newline="")
        head = text.read(HEADER_LIMIT + 1)
    if len(head) > HEADER_LIMIT and not any(mark in head for mark in ("\n", "\r")):
        raise DialectError(f"has a first line longer than {HEADER_LIMIT:,} characters: not a table's header")
    try:
        record = next(csv.reader(io.StringIO(head), delimiter=dialect.delimiter), [])
    except csv.Error as exc:
        raise DialectError(f"has a header line that cannot be read ({exc})") from exc
    return [record[0].removeprefix("\ufeff"), *record[1:]] if record else []
