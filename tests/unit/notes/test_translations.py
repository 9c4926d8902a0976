# ruff: noqa: RUF001 (Russian words are written in Cyrillic letters that look Latin)
"""An observation may carry translations, kept apart from its text as written.

YAML gives them as a mapping, Markdown as `[text_ka: ...]` fields and CSV as
`text_ka` columns; each reads into the same `translations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from consult.notes.files import NotesFile, read_notes_file
from consult.notes.translated import FLAT, TranslationField

YAML = """\
meeting: unhcr-georgia
organisation: unhcr-georgia
date: 2027-01-12
observations:
  - kind: gap
    theme: interpreters
    severity: 3
    text: Few interpreters for Persian outside Tbilisi.
    speaker_role: protection officer
    language: en
    translations:
      ka: თბილისის გარეთ სპარსულის თარჯიმანი ცოტაა.
      ru:
        text: За пределами Тбилиси мало переводчиков с персидского.
        speaker_role: сотрудник по защите
"""

MARKDOWN = """\
---
meeting: coordinators-east
organisation: mia-victim-coordinators
date: 2027-01-06
---

- [gap] [theme: interpreters] [severity: 3] Interpreters are rarely available at night.
  [speaker: coordinator] [text_ka: "ღამით თარჯიმანი იშვიათად არის ხელმისაწვდომი."]
  [speaker_role_ka: კოორდინატორი] [quote: "We wait hours"]
"""

CSV = (
    "meeting,organisation,date,kind,theme,severity,text,speaker_role,text_ru,speaker_role_ru\n"
    "legal-aid,justice-bridge-legal-aid,2027-01-14,challenge,interpreters,3,"
    "Documents only in Georgian.,lawyer,Документы только на грузинском.,юрист\n"
)


@pytest.fixture
def read(tmp_path: Path):
    """Write a notes file and read it back."""

    def write_and_read(name: str, text: str) -> NotesFile:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return read_notes_file(tmp_path / name, name)

    return write_and_read


def test_yaml_notes_carry_translations_beside_the_text_as_written(read) -> None:
    notes = read("unhcr.yaml", YAML)
    assert notes.problems == ()
    [observation] = notes.items[0][1].observations
    assert observation.text == "Few interpreters for Persian outside Tbilisi."
    assert observation.language == "en"
    assert observation.translations is not None
    assert observation.translations["ka"].text == "თბილისის გარეთ სპარსულის თარჯიმანი ცოტაა."
    assert observation.translations["ka"].speaker_role is None
    assert observation.translations["ru"].speaker_role == "сотрудник по защите"


def test_markdown_notes_give_translations_as_fields(read) -> None:
    notes = read("east.md", MARKDOWN)
    assert notes.problems == ()
    [observation] = notes.items[0][1].observations
    assert observation.text == "Interpreters are rarely available at night."
    assert observation.quote == "We wait hours"
    assert observation.translations is not None
    georgian = observation.translations["ka"]
    assert georgian.text == "ღამით თარჯიმანი იშვიათად არის ხელმისაწვდომი."
    assert georgian.speaker_role == "კოორდინატორი"


def test_csv_notes_give_translations_as_columns(read) -> None:
    notes = read("legal.csv", CSV)
    assert notes.problems == ()
    [observation] = notes.items[0][1].observations
    assert observation.text == "Documents only in Georgian."
    assert observation.translations is not None
    assert observation.translations["ru"].text == "Документы только на грузинском."
    assert observation.translations["ru"].speaker_role == "юрист"


def test_a_translation_into_the_texts_own_language_names_file_line_and_field(read) -> None:
    notes = read("unhcr.yaml", YAML.replace("language: en", "language: ka"))
    [problem] = [str(problem) for problem in notes.problems]
    assert problem.startswith("unhcr.yaml, line 11, observations[0].translations: got {'ka': ")
    assert problem.endswith("expected translations into other languages than the text's own (ka)")


def test_a_translated_role_without_a_role_is_refused_naming_its_field(read) -> None:
    notes = read("east.md", MARKDOWN.replace("[speaker: coordinator] ", ""))
    [problem] = [str(problem) for problem in notes.problems]
    assert problem.startswith("east.md, line 7, observations[0].translations: got {'ka': ")
    assert problem.endswith("expected a speaker_role to translate (a translation gives one)")


def test_a_role_translated_without_its_text_names_the_flat_field(read) -> None:
    notes = read("legal.csv", CSV.replace(",Документы только на грузинском.,", ",,"))
    assert [str(problem) for problem in notes.problems] == [
        "legal.csv, line 2, text_ru: missing, expected a value (the field is required)"
    ]


def test_every_flat_translation_field_is_one_a_survey_question_may_fill() -> None:
    assert set(get_args(TranslationField)) == {"language", *FLAT}


def test_a_quote_is_never_translated(read) -> None:
    notes = read(
        "unhcr.yaml",
        YAML.replace(
            "        speaker_role: сотрудник", "        quote: Мы\n        speaker_role: сотрудник"
        ),
    )
    [problem] = [str(problem) for problem in notes.problems]
    assert problem == (
        "unhcr.yaml, line 15, observations[0].translations.ru.quote: got 'quote', expected one "
        "of the known fields: text, speaker_role"
    )
