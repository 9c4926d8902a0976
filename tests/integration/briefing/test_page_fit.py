"""The demo's pack fits the page in en, ka and ru: every table's columns are printed inside
the margins, nothing runs off the right edge, and the heatmap's labels never overlap."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import typing

import pytest

from consult.briefing.labels import load_labels
from consult.briefing.render import column_label, render_pack
from schemas.stakeholders import OrganisationKind, StakeholderGroup
from tests.integration.briefing.conftest import LANGUAGES, DemoPack
from tests.integration.briefing.pdfpages import (
    SIDE_MARGIN,
    glyphs,
    squeeze,
    svg_text_boxes,
    table_headers,
    visible_pages,
)

pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 12, 3)
TOLERANCE = 1.0
"""Points a glyph may stand past the margin: antialiasing and rounding, not a column."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_column_header_of_every_table_is_printed_on_the_page(
    demo_pack: DemoPack, language: str
) -> None:
    files = demo_pack.files[language]
    tables = table_headers(files["html"].read_text(encoding="utf-8"))
    assert len(tables) >= 4  # the log, the ranked gaps, the agenda's coverage, the actions
    pages = visible_pages(files["pdf"])
    # Each table's header row is printed whole, inside the page, on one page: every word
    # of every header (a word broken mid-word, or past the edge, is not found).
    missing = [
        headers
        for headers in tables
        if not any(
            all(word in page for header in headers for word in header.split()) for page in pages
        )
    ]
    assert missing == []
    # The consultation log's last column, once cut off in the PDF.
    assert any(squeeze(load_labels(language, None)("log.notes")) in page for page in pages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_runs_past_the_margins(demo_pack: DemoPack, language: str) -> None:
    outside = [
        (glyph.page, glyph.text, round(glyph.x0), round(glyph.x1))
        for glyph in glyphs(demo_pack.files[language]["pdf"])
        if glyph.x0 < SIDE_MARGIN - TOLERANCE
        or glyph.x1 > glyph.page_width - SIDE_MARGIN + TOLERANCE
    ]
    assert outside[:10] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_heatmaps_labels_never_overlap_and_stay_in_the_figure(
    demo_pack: DemoPack, language: str
) -> None:
    html = demo_pack.files[language]["html"].read_text(encoding="utf-8")
    width, height, boxes = svg_text_boxes(html)
    assert len(boxes) > 20
    assert [box.text for box in boxes if not box.inside(width, height)] == []
    assert [(a.text, b.text) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_heatmap_of_every_kind_keeps_each_languages_longest_labels_apart(
    demo_pack: DemoPack, language: str
) -> None:
    # Every kind and every group a column (and the others, and all), the demo's themes
    # (the longest in each language) the rows.
    kinds = tuple(f"kind:{kind}" for kind in typing.get_args(OrganisationKind) if kind != "other")
    groups = tuple(f"group:{group}" for group in typing.get_args(StakeholderGroup))
    columns = (*kinds, *groups, "other", "all")
    everyone = dataclasses.replace(demo_pack.analysis, kinds=columns)
    html = render_pack(everyone, demo_pack.training, language, version=1, compiled=TODAY).html
    width, height, boxes = svg_text_boxes(html)
    labels = load_labels(language, None)
    drawn = squeeze("".join(box.text for box in boxes))
    assert all(squeeze(column_label(column, labels)) in drawn for column in columns)
    assert [box.text for box in boxes if not box.inside(width, height)] == []
    assert [(a.text, b.text) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)] == []
