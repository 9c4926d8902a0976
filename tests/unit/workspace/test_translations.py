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
from consult.workspace.translations import missing_translations
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

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

RUSSIAN_READER = TINY_STAKEHOLDERS.replace("language: ka", "language: ru", 1)
"""The tiny registry whose ministry contact (invited to the one meeting) reads Russian."""


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
