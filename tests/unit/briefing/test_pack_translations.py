"""The pack shows an observation's translation in its language, saying what it was translated
from, and the text as written where there is none, saying its language.

The demo training's pack over one prosecutor's office meeting: an English observation
translated into Georgian, one left in English, and a quote, which is never translated.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from consult.briefing.analysis import Analysis
from consult.briefing.render import render_pack
from consult.demo import DEMO_WORKSPACE
from consult.workspace.loading import load_workspace
from schemas.state import Observation
from schemas.training import Training
from tests.unit.briefing.demo_pack import NOW, SLUG, analysed, held_meeting

TRANSLATED = "Prosecutors rarely record the bias motive."
GEORGIAN = "პროკურორები იშვიათად აფიქსირებენ სიძულვილის მოტივს."
UNTRANSLATED = "Interpreters are booked too late."
QUOTE = "We see the motive too late."


def observation(number: int, text: str, **extra: Any) -> Observation:
    return Observation(
        id=number,
        key=f"test#{number}",
        meeting_id=f"{SLUG}/round-1/prosecutors-office",
        organisation="prosecutors-office",
        kind="gap",
        theme="bias-indicators",
        severity=4 - number,
        text=text,
        speaker_role="prosecutor",
        confidentiality="public",
        created_at=NOW,
        updated_at=NOW,
        **extra,
    )


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    meeting = held_meeting(
        "prosecutors-office",
        "prosecutors-office",
        "in_person",
        dt.datetime(2026, 12, 22, 8, 0, tzinfo=dt.UTC),
        1,
        "test@consult",
    )
    translations = {"ka": {"text": GEORGIAN, "speaker_role": "პროკურორი"}}
    return analysed(
        meeting,
        [
            observation(1, TRANSLATED, language="en", translations=translations, quote=QUOTE),
            observation(2, UNTRANSLATED),
        ],
    )


@pytest.fixture(scope="module")
def training() -> Training:
    return load_workspace(DEMO_WORKSPACE).training(SLUG)


def item_of(text: str, words: str, number: int) -> str:
    """Return what the pack says of an observation from `words` to its reference, no tags."""
    after = text.split(words, 1)[1].split(f"#{number}", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", after)).split()).rstrip(" (")


def test_a_georgian_pack_shows_the_translation_and_what_it_was_translated_from(
    analysis: Analysis, training: Training
) -> None:
    pack = render_pack(analysis, training, "ka", version=1, compiled=NOW.date())
    for text in (pack.html, pack.markdown):
        assert TRANSLATED not in text
        said = item_of(text, GEORGIAN, 1)
        assert said.startswith("(თარგმნილია ინგლისურიდან)"), said
        assert f"“{QUOTE}” (ინგლისურად)" in said
        assert said.endswith("საქართველოს პროკურატურა, პროკურორი")


def test_a_georgian_pack_marks_an_untranslated_text_with_its_language(
    analysis: Analysis, training: Training
) -> None:
    pack = render_pack(analysis, training, "ka", version=1, compiled=NOW.date())
    for text in (pack.html, pack.markdown):
        said = item_of(text, UNTRANSLATED, 2)
        assert said.startswith("(ინგლისურად) —"), said


def test_the_english_pack_shows_the_text_as_written_unmarked(
    analysis: Analysis, training: Training
) -> None:
    pack = render_pack(analysis, training, "en", version=1, compiled=NOW.date())
    for text in (pack.html, pack.markdown):
        assert GEORGIAN not in text
        said = item_of(text, TRANSLATED, 1)
        assert said.startswith(f"“{QUOTE}” —"), said
        assert said.endswith("Prosecutor's Office of Georgia, prosecutor")
