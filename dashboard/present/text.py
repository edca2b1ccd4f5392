"""User-provided text shown through Streamlit's markdown as the plain text it is.

Notes, URL values and names could otherwise carry live links or external images (a beacon that
tells a stranger who opened the page). Every markdown-significant character is escaped, so a link
shows as its text and URL and an image as its text, never loaded.
"""

from __future__ import annotations

import re

SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=^%])")


def plain(text: object) -> str:
    """Markdown that renders exactly as `text` reads; newlines become markdown line breaks."""
    escaped = SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def one_line(exc: BaseException) -> str:
    """An error as one short line for a person: its first line, at most 300 characters."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return first[:300]
