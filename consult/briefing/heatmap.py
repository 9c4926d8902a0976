"""The heatmap's geometry: where each label and cell of the theme x kind matrix goes.

Labels are measured with the advance widths of the PDF's own font (DejaVu Sans, read
with fontTools), so that no label runs into another in any language: the kinds stand
upright above their columns (rotated a quarter turn, each in its own column, however
long), wrapped onto two lines when long; the themes are wrapped onto at most two
lines beside their rows, and cut with an ellipsis only beyond that. Every figure is in
SVG user units; the template scales the whole to the page.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

SIZE: Final = 10.0
"""The font size of every text in the heatmap."""
LINE: Final = 12.0
"""The distance between two lines of one label: more than a line's ink (1.17 x SIZE)."""
ASCENT: Final = 0.93
DESCENT: Final = 0.24
"""DejaVu Sans's ascent and descent, in ems (its hhea table: 1901 and 483 of 2048)."""
CENTRE: Final = (ASCENT - DESCENT) / 2 * SIZE
"""How far below a line's middle its baseline lies."""
CELL_W: Final = 52.0
CELL_H: Final = 22.0
PAD: Final = 6.0
THEME_WIDTH: Final = 250.0
"""The widest a theme's line may be; a longer theme wraps, and past two lines is cut."""
KIND_WIDTH: Final = 96.0
"""A kind's label longer than this wraps onto a second line."""
FALLBACK_EM: Final = 0.8
"""The width of a character, in ems, when the font cannot be read: wider than most."""

FONT_FILES: Final = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
"""Where Debian and others put DejaVu Sans; else fontconfig's fc-match is asked."""


@dataclass(frozen=True)
class Text:
    """One line of a label: its anchor point, and whether it stands upright (rotated -90)."""

    text: str
    x: float
    y: float
    anchor: str = "start"
    upright: bool = False


@dataclass(frozen=True)
class Column:
    """A stakeholder kind's column and the lines of its label."""

    kind: str
    x: float
    lines: tuple[Text, ...]


@dataclass(frozen=True)
class Row:
    """A theme's row and the lines of its label."""

    theme: str
    y: float
    height: float
    lines: tuple[Text, ...]

    @property
    def middle(self) -> float:
        """Return the baseline of a line of text centred in the row."""
        return self.y + self.height / 2 + CENTRE


@dataclass(frozen=True)
class Layout:
    """The heatmap's size, its columns and its rows."""

    width: float
    height: float
    cell_width: float
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


def layout(
    kinds: Sequence[tuple[str, str]],
    themes: Sequence[tuple[str, str]],
    measure: Callable[[str], float] | None = None,
) -> Layout:
    """Return where everything goes: `kinds` and `themes` are (id, label) pairs, in order."""
    width_of = measure or text_width
    kind_lines = [wrap(label, KIND_WIDTH, 2, width_of, cut=False) for _, label in kinds]
    theme_lines = [wrap(label, THEME_WIDTH, 2, width_of) for _, label in themes]
    longest_kind = max((width_of(line) for lines in kind_lines for line in lines), default=0.0)
    longest_theme = max((width_of(line) for lines in theme_lines for line in lines), default=0.0)
    head = PAD + longest_kind + PAD
    left = longest_theme + 2 * PAD

    columns = []
    for index, ((kind, _), lines) in enumerate(zip(kinds, kind_lines, strict=True)):
        centre = left + CELL_W * index + CELL_W / 2
        upright = [
            Text(line, _spread(centre, i, len(lines)) + CENTRE, head - PAD, upright=True)
            for i, line in enumerate(lines)
        ]
        columns.append(Column(kind=kind, x=left + CELL_W * index, lines=tuple(upright)))
    rows = []
    top = head
    for (theme, _), lines in zip(themes, theme_lines, strict=True):
        height = max(CELL_H, LINE * len(lines) + PAD)
        beside = [
            Text(line, left - PAD, _spread(top + height / 2, i, len(lines)) + CENTRE, "end")
            for i, line in enumerate(lines)
        ]
        rows.append(Row(theme=theme, y=top, height=height, lines=tuple(beside)))
        top += height
    return Layout(
        width=round(left + CELL_W * len(kinds) + PAD, 1),
        height=round(top + PAD, 1),
        cell_width=CELL_W,
        columns=tuple(columns),
        rows=tuple(rows),
    )


def _spread(middle: float, index: int, count: int) -> float:
    """Return the middle of line `index` of `count` lines spaced LINE apart around `middle`."""
    return middle + (index - (count - 1) / 2) * LINE


def wrap(
    text: str,
    width: float,
    most: int,
    measure: Callable[[str], float],
    *,
    cut: bool = True,
) -> tuple[str, ...]:
    """Return `text` in lines no wider than `width`, at most `most` of them.

    A word wider than `width` stands on a line of its own. With `cut`, what does not
    fit in `most` lines is cut, and the last line ends with an ellipsis.
    """
    lines: list[str] = []
    for word in text.split():
        if lines and measure(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) <= most:
        return tuple(lines)
    if not cut:
        return (*lines[: most - 1], " ".join(lines[most - 1 :]))
    last = " ".join(lines[most - 1 :])
    while last and measure(f"{last}…") > width:
        last = last[:-1].rstrip()
    return (*lines[: most - 1], f"{last}…")


def text_width(text: str) -> float:
    """Return the width of `text` set in DejaVu Sans at SIZE, kerning left out (a little wider)."""
    advances = _advances()
    if advances is None:
        return len(text) * FALLBACK_EM * SIZE
    widths, default = advances
    return sum(widths.get(ord(char), default) for char in text) * SIZE


@functools.cache
def _advances() -> tuple[dict[int, float], float] | None:
    """Return DejaVu Sans's advance of each character, in ems, and that of a missing one."""
    font_file = _font_file()
    if font_file is None:
        return None
    from fontTools.ttLib import TTFont  # imported here: only a pack's heatmap needs it

    font: Any
    with TTFont(font_file) as font:
        units = float(font["head"].unitsPerEm)
        metrics = font["hmtx"].metrics
        widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
        return widths, metrics[".notdef"][0] / units


def _font_file() -> Path | None:
    for candidate in FONT_FILES:
        if candidate.is_file():
            return candidate
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    found = subprocess.run(
        [fc_match, "-f", "%{file}", "DejaVu Sans"],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    ).stdout.strip()
    return Path(found) if found and Path(found).is_file() else None
