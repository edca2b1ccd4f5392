"""The report's HTML made readable in mail clients: styles inlined, every SVG turned into a PNG.

Mail clients drop `<style>` blocks or parts of them and do not show inline SVG reliably, so each
`<svg>` (charts and sparklines) is rendered to a PNG with vl-convert and referenced by Content-ID;
the PNG is drawn at twice its size for sharp screens and shown at the SVG's own size. It works on
whatever HTML the report makes, so it follows the report's look without knowing it.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

import css_inline
import vl_convert

SVG_TAG = re.compile(r"<svg\b|</svg\s*>", re.IGNORECASE)
SIZE = re.compile(r'\b(width|height)="([\d.]+)(?:px)?"')
VIEWBOX = re.compile(r'viewBox="[\d.\s-]+?\s([\d.]+)\s+([\d.]+)"')
SCALE = 2.0
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, resolve_css_variables=True)


@dataclass(frozen=True)
class Image:
    cid: str
    png: bytes


@dataclass(frozen=True)
class Body:
    html: str
    images: tuple[Image, ...]


def _svgs(page: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost <svg> element, nested ones included in their parent."""
    spans, depth, start = [], 0, 0
    for tag in SVG_TAG.finditer(page):
        if tag.group().startswith("</"):
            depth -= 1
            if depth == 0:
                spans.append((start, tag.end()))
        else:
            if depth == 0:
                start = tag.start()
            depth += 1
    return spans


def _size(svg: str) -> tuple[str, str]:
    head = svg[: svg.index(">") + 1]
    found = dict(SIZE.findall(head))
    if "width" not in found or "height" not in found:
        box = VIEWBOX.search(head)
        if box:
            found = {"width": box.group(1), "height": box.group(2), **found}
    return found.get("width", ""), found.get("height", "")


def _standalone(svg: str) -> str:
    """Inside HTML an <svg> may omit its namespace; as a file of its own it must have it."""
    head = svg[: svg.index(">")]
    return svg if "xmlns=" in head else svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)


def _img(svg: str, cid: str) -> str:
    width, height = _size(svg)
    sized = "".join(
        f' {name}="{round(float(value))}"' for name, value in (("width", width), ("height", height)) if value
    )
    return (
        f'<img src="cid:{cid}"{sized} alt="chart" style="display:block;max-width:100%;height:auto;border:0">'
    )


def for_mail(page: str, link: str | None = None) -> Body:
    """The mail body and its images; `link`, when given, opens the week in the dashboard."""
    parts, images, seen, at = [], [], {}, 0
    for start, end in _svgs(page):
        svg = page[start:end]
        digest = hashlib.sha256(svg.encode()).hexdigest()[:20]
        if digest not in seen:
            seen[digest] = f"{digest}@backorder-desk"
            images.append(Image(seen[digest], vl_convert.svg_to_png(_standalone(svg), scale=SCALE)))
        parts += [page[at:start], _img(svg, seen[digest])]
        at = end
    parts.append(page[at:])
    body = "".join(parts)
    if link:
        banner = f'<p><a href="{html.escape(link)}">Open this week in Backorder Desk</a></p>'
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, body, count=1)
    return Body(INLINER.inline(body), tuple(images))
