"""The pack in the expert's language: its texts translated, and quotes marked, not translated.

The demo training's Georgian pack, over a few observations whose quotes are in
Georgian, Russian and English as they were said.
"""

# The quotes are in Georgian and Russian on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from markupsafe import escape

from consult.briefing.analysis import Analysis
from consult.briefing.labels import load_labels
from consult.briefing.render import Pack, render_pack, script_language
from consult.demo import DEMO_WORKSPACE
from consult.workspace.loading import load_workspace
from schemas.stakeholders import OrganisationKind
from schemas.state import Observation
from schemas.training import Training
from tests.unit.briefing.demo_pack import NOW, SLUG, analysed, held_meeting

MEETING = f"{SLUG}/round-1/prosecutors-office"
QUOTES = {
    "ka": "მოტივს ძალიან გვიან ვხედავთ.",
    "ru": "Мы слишком поздно видим мотив.",
    "en": "We see the motive too late.",
}


@pytest.fixture(scope="module")
def training() -> Training:
    return load_workspace(DEMO_WORKSPACE).training(SLUG)


def observation(number: int, quote: str) -> Observation:
    return Observation(
        id=number,
        key=f"test#{number}",
        meeting_id=MEETING,
        organisation="prosecutors-office",
        kind="gap",
        theme="bias-indicators",
        severity=3,
        text=f"Observation {number}.",
        quote=quote,
        speaker_role="prosecutor",
        confidentiality="public",
        created_at=NOW,
        updated_at=NOW,
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
    observations = [observation(n, QUOTES[lang]) for n, lang in enumerate(QUOTES, start=1)]
    return analysed(meeting, observations)


def pack(analysis: Analysis, training: Training, language: str) -> Pack:
    return render_pack(analysis, training, language, version=1, compiled=NOW.date())


def test_the_georgian_pack_gives_the_training_texts_in_georgian(
    analysis: Analysis, training: Training
) -> None:
    georgian = pack(analysis, training, "ka")
    assert training.terms_of_reference is not None
    assert training.participants.description is not None
    assert training.briefing.logistics is not None
    texts = [
        training.terms_of_reference,
        training.participants.description,
        training.briefing.logistics,
        *training.briefing.sensitivities,
    ]
    for text in texts:
        assert text.ka is not None
        assert str(escape(" ".join(text.ka.split()))) in " ".join(georgian.html.split())
        assert str(escape(" ".join(text.en.split()))) not in " ".join(georgian.html.split())
    for expert in training.experts:
        assert f"{expert.name}: {expert.role.get('ka')}" in georgian.html
        assert expert.role.en not in georgian.html
    assert training.project is not None
    names = [training.project, training.venue.name, training.venue.address]
    for name in names:
        assert str(escape(name.get("ka"))) in georgian.html
        assert str(escape(name.en)) not in georgian.html
    places = ", ".join(place.get("ka") for place in training.participants.locations)
    assert places in georgian.html


def test_the_english_pack_keeps_the_english_texts(analysis: Analysis, training: Training) -> None:
    english = pack(analysis, training, "en")
    assert training.terms_of_reference is not None
    assert str(escape(" ".join(training.terms_of_reference.en.split()))) in " ".join(
        english.html.split()
    )


@pytest.mark.parametrize(
    ("language", "marks"),
    [
        ("ka", {"ka": None, "ru": "(რუსულად)", "en": "(ინგლისურად)"}),
        ("en", {"ka": "(in Georgian)", "ru": "(in Russian)", "en": None}),
    ],
)
def test_the_pack_says_the_language_of_each_quote_not_in_its_own(
    analysis: Analysis, training: Training, language: str, marks: dict[str, str | None]
) -> None:
    rendered = pack(analysis, training, language)
    every_mark = {mark for mark in marks.values() if mark}
    for quote_language, mark in marks.items():
        quote = QUOTES[quote_language]
        for text in (rendered.html, rendered.markdown):
            after = text.split(quote, 1)[1].split("\n", 1)[0]
            if mark is None:
                assert not any(other in after for other in every_mark), after
            else:
                assert mark in after, after


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("ბეჭდური მასალები IOM-ის ოფისში", "ka"),
        ("Нам нужен переводчик, а не OK", "ru"),
        ("Café au lait", "en"),
        ("12:30 — 14:00", None),
    ],
)
def test_a_quotes_language_is_the_script_most_of_its_letters_are_in(
    quote: str, expected: str | None
) -> None:
    assert script_language(quote) == expected


@pytest.mark.parametrize("language", ["en", "ka", "ru"])
def test_every_kind_of_organisation_has_its_name_in_every_language(language: str) -> None:
    # A pack whose gaps come from an organisation of kind `other` once failed: no label.
    labels = load_labels(language, None)
    for kind in get_args(OrganisationKind):
        assert labels(f"kinds.{kind}")
