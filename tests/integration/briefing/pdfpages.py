"""Reading a pack back as a reader sees it: the PDF's characters where they are printed,
the HTML's table headers, and the heatmap's text boxes measured with the PDF's font."""

from __future__ import annotations

import math
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from fontTools.ttLib import TTFont
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTContainer, LTItem, LTPage

MM = 72 / 25.4
"""PDF points per millimetre."""
SIDE_MARGIN = 16 * MM
"""The pack's left and right page margins (consult/templates/briefing/pack.html.j2, @page)."""


@dataclass(frozen=True)
class Glyph:
    """A character as printed: its page, its text and its box in PDF points."""

    page: int
    text: str
    x0: float
    x1: float
    page_width: float


def glyphs(pdf: Path) -> list[Glyph]:
    """Return every character the PDF prints, in the order it draws them."""
    found: list[Glyph] = []

    def walk(item: LTItem, number: int, width: float) -> None:
        if isinstance(item, LTChar):
            found.append(Glyph(number, item.get_text(), item.x0, item.x1, width))
        elif isinstance(item, LTContainer):
            for inner in item:
                walk(inner, number, width)

    for number, page in enumerate(extract_pages(pdf, laparams=None), start=1):
        assert isinstance(page, LTPage)
        walk(page, number, page.width)
    return found


def visible_pages(pdf: Path) -> list[str]:
    """Return each page's text printed inside its width, without whitespace, in drawing order.

    WeasyPrint draws a table's header row line by line, so a header wrapped onto two
    lines is two runs of text: look for its words, not for it whole.
    """
    pages: dict[int, list[str]] = defaultdict(list)
    for glyph in glyphs(pdf):
        if glyph.x0 >= 0 and glyph.x1 <= glyph.page_width and not glyph.text.isspace():
            pages[glyph.page].append(glyph.text)
    return ["".join(pages[number]) for number in sorted(pages)]


def squeeze(text: str) -> str:
    """Return `text` without whitespace: a header wrapped over lines reads the same."""
    return re.sub(r"\s+", "", text)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self._header: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "th":
            self._header = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._header is not None:
            self.tables[-1].append(" ".join("".join(self._header).split()))
            self._header = None

    def handle_data(self, data: str) -> None:
        if self._header is not None:
            self._header.append(data)


def table_headers(html: str) -> list[list[str]]:
    """Return the column headers of every table in the HTML, table by table."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@dataclass(frozen=True)
class TextBox:
    """A piece of SVG text as the four corners of the box its glyphs fill."""

    text: str
    corners: tuple[tuple[float, float], ...]

    def overlaps(self, other: TextBox) -> bool:
        """Return whether the two boxes share any area (separating axis test)."""
        for box in (self, other):
            for (ax, ay), (bx, by) in zip(
                box.corners, box.corners[1:] + box.corners[:1], strict=True
            ):
                nx, ny = by - ay, ax - bx
                mine = [nx * x + ny * y for x, y in self.corners]
                theirs = [nx * x + ny * y for x, y in other.corners]
                if max(mine) <= min(theirs) + 1e-6 or max(theirs) <= min(mine) + 1e-6:
                    return False
        return True

    def inside(self, width: float, height: float) -> bool:
        """Return whether the box lies within the SVG's view box."""
        return all(-0.5 <= x <= width + 0.5 and -0.5 <= y <= height + 0.5 for x, y in self.corners)


@dataclass(frozen=True)
class _Metrics:
    units: float
    ascent: float
    descent: float
    advances: dict[int, int]
    missing: int


@cache
def _font() -> _Metrics:
    path = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, check=True
    ).stdout
    with TTFont(path) as font:
        metrics = font["hmtx"]
        return _Metrics(
            units=font["head"].unitsPerEm,
            ascent=font["hhea"].ascent,
            descent=-font["hhea"].descent,
            advances={code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()},
            missing=metrics[".notdef"][0],
        )


def advance(text: str, size: float) -> float:
    """Return the width of `text` set in DejaVu Sans at `size` (no kerning: a little wider)."""
    font = _font()
    units = sum(font.advances.get(ord(char), font.missing) for char in text)
    return units * size / font.units


_ROTATE = re.compile(r"rotate\(\s*(-?[\d.]+)(?:[ ,]+(-?[\d.]+)[ ,]+(-?[\d.]+))?\s*\)")


def svg_text_boxes(html: str) -> tuple[float, float, list[TextBox]]:
    """Return the heatmap's view box size and the box of each of its texts."""
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    svg = ET.fromstring(html[start:end])
    _, _, width, height = (float(v) for v in svg.attrib["viewBox"].split())
    font = _font()
    ascent, descent = font.ascent / font.units, font.descent / font.units
    boxes = []
    for element in svg.iter("{http://www.w3.org/2000/svg}text"):
        text = "".join(element.itertext())
        size = float(element.attrib.get("font-size", "16"))
        x, y = float(element.attrib["x"]), float(element.attrib["y"])
        length = advance(text, size)
        anchor = element.attrib.get("text-anchor", "start")
        left = x - {"start": 0, "middle": length / 2, "end": length}[anchor]
        corners = [
            (left, y - ascent * size),
            (left + length, y - ascent * size),
            (left + length, y + descent * size),
            (left, y + descent * size),
        ]
        rotation = _ROTATE.search(element.attrib.get("transform", ""))
        if rotation is not None:
            angle = math.radians(float(rotation.group(1)))
            cx, cy = float(rotation.group(2) or 0), float(rotation.group(3) or 0)
            cos, sin = math.cos(angle), math.sin(angle)
            corners = [
                (cx + (px - cx) * cos - (py - cy) * sin, cy + (px - cx) * sin + (py - cy) * cos)
                for px, py in corners
            ]
        boxes.append(TextBox(text, tuple(corners)))
    return width, height, boxes
