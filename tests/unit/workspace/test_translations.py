"""Texts in the reader's language: a plain string is English, a mapping gives translations.

`consult validate` lists each text that a reader's language lacks as a warning
(their English is used) and still exits 0.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.demo import DEMO_WORKSPACE
from consult.errors import WorkspaceError
from consult.workspace.loading import load_workspace
from consult.workspace.summary import summarise
from consult.workspace.translations import UnreadableName, missing_translations
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

LINK = "          location: https://meet.example.org/winter-2027/mia\n"
"""The tiny meeting's link: a test that makes it an in-person meeting drops it."""

Write = Callable[..., Path]

LOCALISED_TRAINING = TINY_TRAINING + (
    "  logistics:\n"
    "    en: Rooms 1 and 2.\n"
    "    ka: ოთახები 1 და 2.\n"
    "  sensitivities:\n"
    "    - Discuss cases, never colleagues.\n"
    "terms_of_reference:\n"
    "  en: A three-day training.\n"
    "  ru: Трёхдневный тренинг.\n"
)
"""The tiny training with a mapping, a plain string, and a mapping without Georgian."""

GEORGIAN_NAME_RUSSIAN_READER = TINY_STAKEHOLDERS.replace("language: ka", "language: ru", 1)
"""The tiny registry whose ministry contact (invited to the one meeting) reads Russian."""
RUSSIAN_READER = GEORGIAN_NAME_RUSSIAN_READER.replace(
    "      - name: ნინო ბერიძე\n",
    "      - name: ნინო ბერიძე\n        name_cyrillic: Нино Беридзе\n",
)
"""The same, with the contact's name in Cyrillic letters too."""


def test_a_plain_string_is_the_english_text_and_every_language_falls_back_to_it(
    write_workspace: Write,
) -> None:
    training = load_workspace(write_workspace(trainings={"winter-2027": LOCALISED_TRAINING}))
    briefing = training.training("winter-2027").briefing
    [sensitivity] = briefing.sensitivities
    assert sensitivity.get("ka") == "Discuss cases, never colleagues."
    assert briefing.logistics is not None
    assert briefing.logistics.get("ka") == "ოთახები 1 და 2."
    assert briefing.logistics.get("ru") == "Rooms 1 and 2."
    terms = training.training("winter-2027").terms_of_reference
    assert terms is not None
    assert (terms.get("ru"), terms.get("ka")) == ("Трёхдневный тренинг.", "A three-day training.")


def test_a_plain_title_is_still_valid(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace("title:\n  en: Intercultural communication", "title: Talks")
    loaded = load_workspace(write_workspace(trainings={"winter-2027": training}))
    assert loaded.training("winter-2027").title.get("ru") == "Talks"


def test_a_translation_without_english_names_file_line_and_field(write_workspace: Write) -> None:
    training = LOCALISED_TRAINING.replace("  en: A three-day training.\n", "")
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(write_workspace(trainings={"winter-2027": training}))
    assert [str(problem) for problem in caught.value.problems] == [
        "trainings/winter-2027.yaml, line 63, terms_of_reference.en: missing, "
        "expected a value (the field is required)"
    ]


def test_a_plain_string_with_a_control_character_names_the_field_itself(
    write_workspace: Write,
) -> None:
    training = TINY_TRAINING + 'terms_of_reference: "A \\u202e training"\n'
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(write_workspace(trainings={"winter-2027": training}))
    [problem] = [str(problem) for problem in caught.value.problems]
    assert problem.startswith("trainings/winter-2027.yaml, line 57, terms_of_reference: got ")
    assert problem.endswith("U+202E (RIGHT-TO-LEFT OVERRIDE) is one")


def test_facilitators_and_experts_read_english_unless_they_say(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace("    language: en\n", "")
    loaded = load_workspace(write_workspace(trainings={"winter-2027": training}))
    plan = loaded.training("winter-2027")
    assert plan.experts[0].language == "en"
    assert plan.consultation.facilitators[0].language == "en"


def test_a_missing_russian_translation_is_a_warning_naming_file_line_and_field(
    write_workspace: Write,
) -> None:
    workspace = load_workspace(write_workspace(RUSSIAN_READER))
    assert [str(warning) for warning in missing_translations(workspace)] == [
        "stakeholders.yaml, line 5, organisations[0].name: no Russian (ru) text, "
        "so its Russian readers get the English",
        "trainings/winter-2027.yaml, line 1, title: no Russian (ru) text, "
        "so its Russian readers get the English",
    ]


def test_a_text_is_asked_only_in_its_readers_languages(write_workspace: Write) -> None:
    # The experts (en) read the logistics and the sensitivity; the invited (ka) the title
    # and, as no purpose is given, the terms of reference; nobody reads Russian.
    workspace = load_workspace(write_workspace(trainings={"winter-2027": LOCALISED_TRAINING}))
    assert [str(warning) for warning in missing_translations(workspace)] == [
        "trainings/winter-2027.yaml, line 1, title: no Georgian (ka) text, "
        "so its Georgian readers get the English",
        "trainings/winter-2027.yaml, line 62, terms_of_reference: no Georgian (ka) text, "
        "so its Georgian readers get the English",
    ]


def test_a_purpose_given_is_what_the_invited_read(write_workspace: Write) -> None:
    training = LOCALISED_TRAINING.replace(
        "  rounds:\n",
        "  purpose: {en: To hear the ministry., ka: მოვისმინოთ სამინისტრო.}\n  rounds:\n",
    )
    workspace = load_workspace(write_workspace(trainings={"winter-2027": training}))
    assert [warning.path for warning in missing_translations(workspace)] == ["title"]


def test_the_demo_workspace_has_every_text_in_its_readers_languages() -> None:
    assert missing_translations(load_workspace(DEMO_WORKSPACE)) == []


@pytest.mark.slow
def test_validate_lists_the_missing_translations_as_warnings_and_exits_0(
    write_workspace: Write,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "consult", "validate", str(write_workspace(RUSSIAN_READER))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "warning: trainings/winter-2027.yaml, line 1, title: no Russian (ru) text, "
        "so its Russian readers get the English"
    ) in " ".join(result.stdout.split())
    assert "valid" in result.stdout


def test_the_summary_that_flows_publish_lists_the_warnings(write_workspace: Write) -> None:
    markdown = summarise(load_workspace(write_workspace(RUSSIAN_READER))).to_markdown()
    assert markdown.endswith(
        "## Warnings\n\n"
        "- stakeholders.yaml, line 5, organisations[0].name: no Russian (ru) text, "
        "so its Russian readers get the English\n"
        "- trainings/winter-2027.yaml, line 1, title: no Russian (ru) text, "
        "so its Russian readers get the English\n"
    )


LOCALISED_SENDER = """\
sender:
  name: IOM Georgia consultations
  email: consultations@iom.example.org
  organisation: {en: IOM Georgia, ka: IOM საქართველო}
"""
"""A sender whose name is English only and whose organisation lacks Russian."""

ROOM = """\
          format: in_person
          location: {en: Ministry room 3, ka: სამინისტროს ოთახი 3}
"""


def test_a_place_a_reader_lacks_is_a_warning_naming_its_meeting(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace(LINK, "").replace("          format: online\n", ROOM)
    workspace = load_workspace(write_workspace(RUSSIAN_READER, {"winter-2027": training}))
    assert (
        "trainings/winter-2027.yaml, line 52, consultation.rounds[0].meetings[0].location: "
        "no Russian (ru) text, so its Russian readers get the English"
    ) in [str(warning) for warning in missing_translations(workspace)]


def test_a_link_needs_no_translation(write_workspace: Write) -> None:
    training = TINY_TRAINING  # its online meeting's location is its link
    workspace = load_workspace(write_workspace(RUSSIAN_READER, {"winter-2027": training}))
    assert "location" not in " ".join(str(w) for w in missing_translations(workspace))


def test_a_sender_a_reader_lacks_is_a_warning_naming_the_field(write_workspace: Write) -> None:
    workspace = load_workspace(write_workspace(LOCALISED_SENDER + RUSSIAN_READER))
    warnings = [str(warning) for warning in missing_translations(workspace)]
    assert warnings[:2] == [
        "stakeholders.yaml, line 2, sender.name: no Russian (ru) text, "
        "so its Russian readers get the English",
        "stakeholders.yaml, line 4, sender.organisation: no Russian (ru) text, "
        "so its Russian readers get the English",
    ]


def test_a_trainings_own_sender_is_asked_in_its_readers_languages(
    write_workspace: Write,
) -> None:
    training = TINY_TRAINING + "sender:\n  name: {en: Training team, ru: Команда тренинга}\n"
    training += "  email: team@iom.example.org\n"
    workspace = load_workspace(write_workspace(trainings={"winter-2027": training}))
    assert [str(w) for w in missing_translations(workspace) if "sender" in w.path] == [
        "trainings/winter-2027.yaml, line 58, sender.name: no Georgian (ka) text, "
        "so its Georgian readers get the English"
    ]


def test_a_name_in_a_script_its_reader_does_not_read_is_a_warning(
    write_workspace: Write,
) -> None:
    training = TINY_TRAINING.replace("      name: Lela Tsereteli\n", "      name: ლელა წერეთელი\n")
    stakeholders = GEORGIAN_NAME_RUSSIAN_READER
    workspace = load_workspace(write_workspace(stakeholders, {"winter-2027": training}))
    names = [str(w) for w in missing_translations(workspace) if isinstance(w, UnreadableName)]
    assert names == [
        "stakeholders.yaml, line 9, organisations[0].contacts[0].name: no spelling that "
        "Russian (ru) readers read, so they get it in Georgian letters "
        "(give name_cyrillic or name_latin)",
        "trainings/winter-2027.yaml, line 37, consultation.facilitators[0].name: no spelling "
        "that English (en) readers read, so they get it in Georgian letters (give name_latin)",
        "trainings/winter-2027.yaml, line 37, consultation.facilitators[0].name: no spelling "
        "that Russian (ru) readers read, so they get it in Georgian letters "
        "(give name_cyrillic or name_latin)",
    ]


def test_a_latin_or_cyrillic_spelling_is_read_instead(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace(
        "      name: Lela Tsereteli\n",
        "      name: ლელა წერეთელი\n      name_latin: Lela Tsereteli\n",
    )
    workspace = load_workspace(write_workspace(RUSSIAN_READER, {"winter-2027": training}))
    assert not [w for w in missing_translations(workspace) if isinstance(w, UnreadableName)]
    contact = workspace.stakeholders.organisations[0].contacts[0]
    assert [contact.name_for(language) for language in ("ka", "en", "ru")] == [
        "ნინო ბერიძე",
        "ნინო ბერიძე",
        "Нино Беридзе",
    ]
    lela = workspace.training("winter-2027").consultation.facilitators[0]
    assert [lela.name_for(language) for language in ("ka", "en", "ru")] == [
        "ლელა წერეთელი",
        "Lela Tsereteli",
        "Lela Tsereteli",
    ]


def test_a_spelling_in_the_wrong_script_is_refused(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace(
        "      name: Lela Tsereteli\n",
        "      name: Lela Tsereteli\n      name_cyrillic: Lela Tsereteli\n",
    )
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(write_workspace(trainings={"winter-2027": training}))
    assert [str(problem) for problem in caught.value.problems] == [
        "trainings/winter-2027.yaml, line 38, consultation.facilitators[0].name_cyrillic: "
        "got 'Lela Tsereteli', expected a name in Cyrillic letters only"
    ]
