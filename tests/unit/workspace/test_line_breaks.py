"""Line breaks in disguise and control characters are refused where the files are read.

A name, a title or a place goes into mail headers, iCalendar lines, CSV cells and
Markdown: a character that one of them reads as a line break (U+2028, U+0085,
a vertical tab...) or a control character that hides or reorders text must stop
at validation, naming file, line, field and the code point, not halfway through
a round of invitations.
"""

# The names hold Cyrillic letters and typographic apostrophes on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import WorkspaceError
from consult.notes.files import read_notes_file
from consult.workspace.loading import load_workspace
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

Write = Callable[..., Path]

# (character, how the error names it, what it is refused as in a one-line field)
LINE_BREAKS = [
    ("\x0b", "U+000B (LINE TABULATION)"),
    ("\x0c", "U+000C (FORM FEED)"),
    ("\x1c", "U+001C (INFORMATION SEPARATOR FOUR)"),
    ("\x1e", "U+001E (INFORMATION SEPARATOR TWO)"),
    ("\x85", "U+0085 (NEXT LINE)"),
    ("\u2028", "U+2028 (LINE SEPARATOR)"),
    ("\u2029", "U+2029 (PARAGRAPH SEPARATOR)"),
]
CONTROLS = [
    ("\x00", "U+0000"),
    ("\x07", "U+0007"),
    ("\x1b", "U+001B"),
    ("\x7f", "U+007F"),
    ("\x9b", "U+009B"),
    ("\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
]
ONE_LINE_REFUSALS = [
    *((char, f"a single line (no line breaks): {name} is one") for char, name in LINE_BREAKS),
    *((char, f"text without control characters: {name} is one") for char, name in CONTROLS),
    ("\t", "text without control characters: U+0009 (CHARACTER TABULATION) is one"),
]

# (file, the text in it to spoil, the field's path): the text is replaced by a quoted
# YAML string holding the character between two words.
ONE_LINE_FIELDS = [
    ("stakeholders.yaml", "name: ნინო ბერიძე", "organisations[0].contacts[0].name"),
    ("stakeholders.yaml", "role: Head of department", "organisations[0].contacts[0].role"),
    ("stakeholders.yaml", "en: Ministry of Internal Affairs", "organisations[0].name.en"),
    ("trainings/winter-2027.yaml", "en: Intercultural communication", "title.en"),
    ("trainings/winter-2027.yaml", "name: Kachreti hotel", "venue.name"),
    ("trainings/winter-2027.yaml", "en: Access to interpreters", "themes[1].label.en"),
]


def _escaped(char: str) -> str:
    """Return `char` as a YAML double-quoted escape."""
    return f"\\u{ord(char):04x}"


def _spoil(source: str, text: str, char: str) -> tuple[str, int]:
    """Return `source` with `text`'s value split by `char`, and the line it is on."""
    key, value = text.split(": ", 1)
    first, _, rest = value.partition(" ")
    spoilt = f'{key}: "{first}{_escaped(char)}{rest or "x"}"'
    assert source.count(text) == 1
    line = source[: source.index(text)].count("\n") + 1
    return source.replace(text, spoilt), line


def _problems(root: Path) -> list[str]:
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    return [str(problem) for problem in caught.value.problems]


def _write(write_workspace: Write, file: str, text: str, char: str) -> tuple[Path, int]:
    """Return a tiny workspace whose `file` has `text` spoilt by `char`, and its line."""
    if file == "stakeholders.yaml":
        stakeholders, line = _spoil(TINY_STAKEHOLDERS, text, char)
        return write_workspace(stakeholders), line
    training, line = _spoil(TINY_TRAINING, text, char)
    return write_workspace(trainings={"winter-2027": training}), line


@pytest.mark.parametrize(("char", "expected"), ONE_LINE_REFUSALS, ids=repr)
@pytest.mark.parametrize(("file", "text", "field"), ONE_LINE_FIELDS, ids=lambda v: v)
def test_a_one_line_field_refuses_line_breaks_and_control_characters(
    write_workspace: Write, file: str, text: str, field: str, char: str, expected: str
) -> None:
    root, line = _write(write_workspace, file, text, char)

    [problem] = _problems(root)

    assert problem.startswith(f"{file}, line {line}, {field}: got ")
    assert problem.endswith(f", expected {expected}")


def test_a_carriage_return_keeps_its_message(write_workspace: Write) -> None:
    root, _ = _write(write_workspace, "stakeholders.yaml", "name: ნინო ბერიძე", "\r")
    assert _problems(root) == [
        "stakeholders.yaml, line 9, organisations[0].contacts[0].name: "
        "got 'ნინო\\rბერიძე', expected a single line (no line breaks)"
    ]


def test_a_lone_surrogate_is_refused_as_not_unicode_text(write_workspace: Write) -> None:
    # pydantic refuses it before our checks run: it could not be written as UTF-8
    root, _ = _write(write_workspace, "stakeholders.yaml", "name: ნინო ბერიძე", "\ud800")
    assert _problems(root) == [
        "stakeholders.yaml, line 9, organisations[0].contacts[0].name: got 'ნინო\\ud800ბერიძე', "
        "expected a valid string, unable to parse raw data as a unicode string"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Nino Beridze",
        "Ана-Мария О’Коннор",
        "ნინო ბერიძე",
        "شیرین\u200cدخت",  # a zero-width non-joiner is part of how Persian is spelt
        "Sofía\u00a0Pérez",
    ],
)
def test_ordinary_names_still_load(write_workspace: Write, text: str) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("name: ნინო ბერიძე", f"name: {text}"))
    contact = load_workspace(root).stakeholders.organisations[0].contacts[0]
    assert contact.name == text


def _with_logistics(value: str) -> str:
    return TINY_TRAINING + f'  logistics: "{value}"\n'


def test_a_multi_line_field_keeps_new_lines_and_tabs(write_workspace: Write) -> None:
    logistics = _with_logistics("Rooms:\\r\\n\\t1 and 2\\n\\t3")
    root = write_workspace(trainings={"winter-2027": logistics})
    training = load_workspace(root).training("winter-2027")
    assert training.briefing.logistics is not None
    assert training.briefing.logistics.en == "Rooms:\r\n\t1 and 2\n\t3"


MULTI_LINE_REFUSALS = [
    *(
        (char, f"text whose line breaks are new lines: {name} is not one")
        for char, name in LINE_BREAKS
    ),
    *((char, f"text without control characters: {name} is one") for char, name in CONTROLS),
]


@pytest.mark.parametrize(("char", "expected"), MULTI_LINE_REFUSALS, ids=repr)
def test_a_multi_line_field_refuses_other_line_breaks_and_controls(
    write_workspace: Write, char: str, expected: str
) -> None:
    training = _with_logistics(f"Rooms{_escaped(char)}1 and 2")
    root = write_workspace(trainings={"winter-2027": training})

    [problem] = _problems(root)

    line = training.count("\n")
    assert problem.startswith(f"trainings/winter-2027.yaml, line {line}, briefing.logistics: got ")
    assert problem.endswith(f", expected {expected}")


def test_a_notes_file_with_a_line_separator_in_an_observation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mia.yaml"
    path.write_text(
        "meeting: mia\norganisation: mia\ndate: 2027-01-12\nobservations:\n"
        "  - kind: gap\n    theme: bias\n    severity: 3\n"
        '    text: "Cases recorded\\u2028as hooliganism."\n',
        encoding="utf-8",
    )

    notes = read_notes_file(path, "mia.yaml")

    assert [meeting.observations for _, meeting in notes.items] == [()]
    assert [str(problem) for problem in notes.problems] == [
        "mia.yaml, line 8, observations[0].text: got 'Cases recorded\\u2028as hooliganism.', "
        "expected text whose line breaks are new lines: U+2028 (LINE SEPARATOR) is not one"
    ]


def test_a_markdown_note_folds_a_line_separator_into_a_space(tmp_path: Path) -> None:
    # Markdown notes join an observation's words with single spaces, as they do a wrapped line
    path = tmp_path / "mia.md"
    path.write_text(
        "---\nmeeting: mia\norganisation: mia\ndate: 2027-01-12\n---\n\n"
        "- [gap] [theme: bias] [severity: 3] Cases recorded\u2028as\x0bhooliganism.\n",
        encoding="utf-8",
    )

    notes = read_notes_file(path, "mia.md")

    assert notes.problems == ()
    [(_, meeting)] = notes.items
    assert meeting.observations[0].text == "Cases recorded as hooliganism."


def test_a_markdown_note_with_a_control_character_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mia.md"
    path.write_text(
        "---\nmeeting: mia\norganisation: mia\ndate: 2027-01-12\n---\n\n"
        "- [gap] [theme: bias] [severity: 3] Cases recorded\x1b[2J as hooliganism.\n",
        encoding="utf-8",
    )

    assert [str(problem) for problem in read_notes_file(path, "mia.md").problems] == [
        "mia.md, line 7, observations[0].text: got 'Cases recorded\\x1b[2J as hooliganism.', "
        "expected text without control characters: U+001B is one"
    ]
