"""Reading notes files: Markdown, YAML and CSV give meeting notes, and bad input clear problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from consult.demo import DEMO_WORKSPACE
from consult.notes.files import CSV_MAX_BYTES, NotesFile, read_notes_file, read_notes_folder
from consult.workspace.yamlfile import MAX_BYTES

FRONT = """\
---
meeting: coordinators-east
round: round-1
organisation: mia-victim-coordinators
date: 2027-01-06
attendance:
  - name: Maka Goguadze
    organisation: mia-victim-coordinators
    role: Senior coordinator, Tbilisi
---
"""

MARKDOWN = (
    FRONT
    + """
# Group discussion

Paragraphs are ignored.

- [gap] [theme: interpreters] [severity: 3] [confidentiality: internal] Interpreters for
  Azerbaijani and Armenian are rarely available at night. [quote: "We wait hours"]
  [speaker: coordinator, Gori] [id: interp-night]
- [commitment] [theme: referral] [severity: 2] [owner: State Fund] [due: 2027-01-10]
  Draft a one-page referral form.
"""
)

YAML_ONE = """\
meeting: unhcr-georgia
organisation: unhcr-georgia
date: 2027-01-12
observations:
  - kind: gap
    theme: interpreters
    severity: 3
    text: Few interpreters for Persian outside Tbilisi.
    speaker_role: protection officer
"""

YAML_TWO = """\
meetings:
  - meeting: coe-office-georgia
    round: round-1
    organisation: coe-office-georgia
    date: 2027-01-11
    observations:
      - kind: need
        theme: international-instruments
        severity: 2
        text: Know ECRI's recommendations.
  - meeting: unhcr-georgia
    round: round-1
    organisation: unhcr-georgia
    date: 2027-01-12
    observations:
      - kind: gap
        theme: interpreters
        severity: 9
        text: Few interpreters.
      - kind: challenge
        theme: migrants-refugees
        severity: 3
        text: Asylum seekers fear reporting.
"""

CSV_HEADER = (
    "meeting,round,organisation,date,kind,theme,severity,text,quote,speaker_role,"
    "confidentiality,owner,due,id\n"
)
CSV = CSV_HEADER + (
    "hsoj,round-1,high-school-of-justice,2027-01-13,gap,bias-indicators,2,"
    '"Few cases, little motive.",,judge trainer,,,,motive\n'
    "hsoj,round-1,high-school-of-justice,2027-01-13,commitment,referral,2,Share the module.,"
    ",,public,High School of Justice,2027-01-15,\n"
    "legal-aid,,justice-bridge-legal-aid,2027-01-14,challenge,interpreters,3,"
    "Documents only in Georgian.,,lawyer,,,,\n"
)


@pytest.fixture
def write(tmp_path: Path):
    """Write a notes file into a temporary folder and read it back."""

    def write_and_read(name: str, text: str) -> NotesFile:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return read_notes_file(path, name)

    return write_and_read


def messages(notes: NotesFile) -> list[str]:
    return [str(problem) for problem in notes.problems]


def test_a_markdown_file_gives_one_meeting_with_its_observations(write) -> None:
    notes = write("east.md", MARKDOWN)
    assert messages(notes) == []
    [(key, meeting)] = notes.items
    assert key == "east.md"
    assert (meeting.meeting, meeting.round, meeting.date) == (
        "coordinators-east",
        "round-1",
        dt.date(2027, 1, 6),
    )
    assert meeting.attendance[0].role == "Senior coordinator, Tbilisi"
    gap, commitment = meeting.observations
    assert gap.model_dump(exclude_none=True) == {
        "id": "interp-night",
        "kind": "gap",
        "theme": "interpreters",
        "severity": 3,
        "confidentiality": "internal",
        "text": "Interpreters for Azerbaijani and Armenian are rarely available at night.",
        "quote": "We wait hours",
        "speaker_role": "coordinator, Gori",
    }
    assert (commitment.owner, commitment.due) == ("State Fund", dt.date(2027, 1, 10))
    assert commitment.text == "Draft a one-page referral form."


def test_each_observation_keeps_the_line_where_it_starts_in_its_file(write) -> None:
    markdown = write("east.md", MARKDOWN)
    assert [o.line for o in markdown.items[0][1].observations] == [16, 19]
    # the gap of severity 9 (line 16) is refused: the challenge after it keeps its own line
    yaml_two = write("io.yml", YAML_TWO)
    assert [[o.line for o in notes.observations] for _, notes in yaml_two.items] == [[7], [20]]
    csv = write("legal.csv", CSV)
    assert [[o.line for o in notes.observations] for _, notes in csv.items] == [[2, 3], [4]]


def test_the_line_is_the_readers_never_a_field_of_the_notes(write) -> None:
    notes = write("unhcr.yaml", YAML_ONE + "    line: 3\n")
    [problem] = notes.problems
    assert str(problem).startswith(
        "unhcr.yaml, line 10, observations[0].line: got 'line', expected one of the known fields"
    )
    assert notes.items[0][1].observations == ()


def test_a_yaml_file_may_hold_one_meeting(write) -> None:
    notes = write("unhcr.yaml", YAML_ONE)
    assert messages(notes) == []
    [(key, meeting)] = notes.items
    assert key == "unhcr.yaml"
    assert meeting.round is None
    assert meeting.observations[0].speaker_role == "protection officer"


def test_a_yaml_file_may_hold_several_meetings_keyed_by_round_and_meeting(write) -> None:
    notes = write("io.yml", YAML_TWO.replace("severity: 9", "severity: 3"))
    assert messages(notes) == []
    assert [key for key, _ in notes.items] == [
        "io.yml#round-1/coe-office-georgia",
        "io.yml#round-1/unhcr-georgia",
    ]
    assert len(notes.items[1][1].observations) == 2


def test_a_csv_file_groups_its_rows_into_meetings(write) -> None:
    notes = write("legal.csv", CSV)
    assert messages(notes) == []
    assert [key for key, _ in notes.items] == ["legal.csv#round-1/hsoj", "legal.csv#legal-aid"]
    hsoj, legal_aid = (meeting for _, meeting in notes.items)
    assert hsoj.organisation == "high-school-of-justice"
    assert [o.kind for o in hsoj.observations] == ["gap", "commitment"]
    assert hsoj.observations[0].text == "Few cases, little motive."
    assert hsoj.observations[1].confidentiality == "public"
    assert hsoj.observations[1].due == dt.date(2027, 1, 15)
    assert legal_aid.round is None
    assert legal_aid.attendance == ()


def test_the_same_file_read_twice_gives_the_same_keys(write) -> None:
    first = write("legal.csv", CSV)
    assert [key for key, _ in write("legal.csv", CSV).items] == [key for key, _ in first.items]


def test_the_demo_notes_parse_with_no_problem() -> None:
    notes = read_notes_folder(DEMO_WORKSPACE / "notes")
    assert messages(notes) == []
    keys = [key for key, _ in notes.items]
    assert "notes/prosecutors-office.md" in keys
    assert "notes/international-organisations.yaml#round-1/unhcr-georgia" in keys
    assert len(keys) == len(set(keys)) >= 8
    observations = [o for _, meeting in notes.items for o in meeting.observations]
    assert len(observations) >= 40
    assert {o.confidentiality for o in observations} == {"public", "internal", "restricted"}
    assert sum(o.kind == "commitment" for o in observations) >= 3


def test_the_demo_notes_name_only_meetings_and_themes_of_the_demo_training() -> None:
    import yaml

    training = yaml.safe_load(
        (DEMO_WORKSPACE / "trainings" / "intercultural-communication-2027.yaml").read_text()
    )
    themes = {theme["id"] for theme in training["themes"]}
    planned = {
        (m["id"], m["organisation"]) for m in training["consultation"]["rounds"][0]["meetings"]
    }
    for _, meeting in read_notes_folder(DEMO_WORKSPACE / "notes").items:
        assert (meeting.meeting, meeting.organisation) in planned
        assert {o.theme for o in meeting.observations} <= themes


def test_a_folder_is_read_recursively_in_path_order_skipping_readme(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "west").mkdir(parents=True)
    (folder / "README.md").write_text("# Notes\n", encoding="utf-8")
    (folder / "west" / "b.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "a.yaml").write_text(YAML_ONE, encoding="utf-8")
    (folder / "c.txt").write_text("not notes", encoding="utf-8")
    notes = read_notes_folder(folder)
    assert messages(notes) == []
    assert [key for key, _ in notes.items] == ["notes/a.yaml", "notes/west/b.md"]


def test_a_severity_of_9_in_markdown_names_file_line_field_and_value(write) -> None:
    notes = write("east.md", MARKDOWN.replace("[severity: 3]", "[severity: 9]"))
    assert messages(notes) == [
        "east.md, line 16, observations[0].severity: got 9, "
        "expected a severity from 1 (minor) to 4 (critical)"
    ]


def test_a_bad_observation_is_skipped_and_the_rest_of_the_file_kept(write) -> None:
    notes = write("io.yaml", YAML_TWO)
    assert messages(notes) == [
        "io.yaml, line 18, meetings[1].observations[0].severity: got 9, "
        "expected a severity from 1 (minor) to 4 (critical)"
    ]
    assert [key for key, _ in notes.items] == [
        "io.yaml#round-1/coe-office-georgia",
        "io.yaml#round-1/unhcr-georgia",
    ]
    assert [o.kind for o in notes.items[1][1].observations] == ["challenge"]


def test_an_unknown_kind_lists_the_kinds(write) -> None:
    notes = write("east.md", MARKDOWN.replace("[gap]", "[gapp]"))
    assert messages(notes) == [
        "east.md, line 16, observations[0].kind: got 'gapp', expected 'gap', 'need', "
        "'challenge', 'good_practice', 'recommendation', 'commitment' or 'question'"
    ]
    assert [o.kind for o in notes.items[0][1].observations] == ["commitment"]


def test_an_item_without_a_kind_says_what_a_kind_is(write) -> None:
    notes = write("east.md", FRONT + "- [theme: referral] [severity: 2] No kind here.\n")
    assert messages(notes) == [
        "east.md, line 11, observations[0].kind: missing, expected a kind: gap, need, "
        "challenge, good_practice, recommendation, commitment or question"
    ]


def test_an_unknown_markdown_field_lists_the_known_ones(write) -> None:
    notes = write("east.md", MARKDOWN.replace("[severity: 2]", "[sevrity: 2]"))
    assert messages(notes) == [
        "east.md, line 19, observations[1].sevrity: got 'sevrity', expected one of the known "
        "fields: theme, severity, confidentiality, quote, speaker, owner, due, id, language, "
        "text_ka, text_en, text_ru, speaker_role_ka, speaker_role_en, speaker_role_ru, source"
    ]


def test_a_commitment_without_an_owner_names_the_owner(write) -> None:
    notes = write("east.md", MARKDOWN.replace("[owner: State Fund] ", ""))
    assert messages(notes) == [
        "east.md, line 19, observations[1].owner: missing, expected an owner for a commitment"
    ]


def test_good_practice_may_be_written_with_a_space(write) -> None:
    notes = write("east.md", MARKDOWN.replace("[gap]", "[Good practice]"))
    assert notes.items[0][1].observations[0].kind == "good_practice"


def test_a_markdown_file_without_front_matter_is_one_problem(write) -> None:
    notes = write("east.md", "# Notes\n\n- [gap] [theme: referral] [severity: 2] Text.\n")
    assert messages(notes) == [
        "east.md, line 1: has no front matter: expected a first line '---', the meeting's "
        "fields (meeting, organisation, date...), then a line '---'"
    ]
    assert notes.items == ()


def test_front_matter_without_its_closing_line_is_one_problem(write) -> None:
    notes = write("east.md", FRONT.removesuffix("---\n"))
    assert messages(notes) == [
        "east.md, line 1: has front matter with no end: "
        "expected a line '---' after the meeting's fields"
    ]


def test_a_bad_date_in_front_matter_names_its_line(write) -> None:
    notes = write("east.md", MARKDOWN.replace("date: 2027-01-06", "date: 2027-02-30"))
    [problem] = messages(notes)
    assert problem.startswith("east.md, line 5, date: got '2027-02-30', expected a valid date")
    assert notes.items == ()


def test_broken_yaml_is_one_problem_with_its_line(write) -> None:
    notes = write("io.yaml", "meetings:\n  - meeting: [unclosed\n    date: 2027-01-11\n")
    assert len(notes.problems) == 1
    assert messages(notes)[0].startswith("io.yaml, line 3: is not valid YAML:")
    assert notes.items == ()


def test_broken_front_matter_yaml_is_one_problem_with_its_line_in_the_file(write) -> None:
    notes = write("east.md", MARKDOWN.replace("round: round-1", "round: [round-1"))
    assert len(notes.problems) == 1
    assert messages(notes)[0].startswith("east.md, line 4: front matter is not valid YAML:")


def test_a_csv_row_with_too_few_columns_names_its_line_and_count(write) -> None:
    notes = write("legal.csv", CSV + "legal-aid,,justice-bridge-legal-aid,2027-01-14,gap\n")
    assert messages(notes) == ["legal.csv, line 5: has 5 columns, expected 14 as in the header"]
    assert len(notes.items) == 2


def test_a_csv_severity_of_9_names_the_line_and_column(write) -> None:
    notes = write("legal.csv", CSV.replace("interpreters,3,", "interpreters,9,"))
    assert messages(notes) == [
        "legal.csv, line 4, severity: got 9, expected a severity from 1 (minor) to 4 (critical)"
    ]
    assert [key for key, _ in notes.items] == ["legal.csv#round-1/hsoj", "legal.csv#legal-aid"]
    assert notes.items[1][1].observations == ()


def test_a_csv_row_that_disagrees_on_the_date_of_its_meeting_is_skipped(write) -> None:
    notes = write("legal.csv", CSV.replace("2027-01-13,commitment", "2027-01-12,commitment"))
    assert messages(notes) == [
        "legal.csv, line 3, date: got '2027-01-12', expected '2027-01-13' as on line 2, "
        "for the same meeting"
    ]


def test_an_unknown_csv_column_is_named_and_the_file_not_read(write) -> None:
    notes = write("legal.csv", CSV.replace(",severity,", ",severty,", 1))
    assert messages(notes) == [
        "legal.csv, line 1: got 'severty', expected a column among: meeting, round, "
        "organisation, date, date_reason, held, others, kind, theme, severity, text, quote, "
        "speaker_role, confidentiality, owner, due, source, id, language, text_ka, text_en, "
        "text_ru, speaker_role_ka, speaker_role_en, speaker_role_ru",
        "legal.csv, line 1, severity: missing, expected a column of this name in the header",
    ]
    assert notes.items == ()


def test_html_and_template_text_is_kept_verbatim(write) -> None:
    raw = "<script>alert(1)</script> {{ meeting.secret }} <b>bold</b> {% if x %}"
    markdown = write("east.md", MARKDOWN.replace("Draft a one-page referral form.", raw))
    assert markdown.items[0][1].observations[1].text == raw
    csv = write("legal.csv", CSV.replace("Share the module.", f'"{raw}"'))
    assert csv.items[0][1].observations[1].text == raw
    yaml_text = YAML_ONE.replace("Few interpreters for Persian outside Tbilisi.", f'"{raw}"')
    assert write("u.yaml", yaml_text).items[0][1].observations[0].text == raw


def test_a_bracket_after_the_kind_stays_in_the_text(write) -> None:
    notes = write(
        "east.md", MARKDOWN.replace("Draft a", "Draft [sic] a [form](https://x.example) a")
    )
    assert notes.items[0][1].observations[1].text == (
        "Draft [sic] a [form](https://x.example) a one-page referral form."
    )


def test_a_list_in_a_code_block_is_no_observation(write) -> None:
    notes = write("east.md", MARKDOWN + "\n```\n- [gap] not an observation\n```\n")
    assert messages(notes) == []
    assert len(notes.items[0][1].observations) == 2


def test_a_file_of_another_kind_is_one_problem(write) -> None:
    assert messages(write("notes.txt", "hello")) == [
        "notes.txt: got '.txt', expected a notes file ending in .md, .yaml, .yml or .csv"
    ]


def test_a_file_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "east.md"
    path.write_bytes(b"---\nmeeting: caf\xe9\n")
    assert messages(read_notes_file(path, "east.md")) == [
        "east.md, line 2: is not UTF-8 text (byte 0xe9)"
    ]


def test_a_folder_that_does_not_exist_is_one_problem(tmp_path: Path) -> None:
    notes = read_notes_folder(tmp_path / "missing")
    assert messages(notes) == [f"{tmp_path / 'missing'}: is not a folder"]


CSV_HEADER = "meeting,round,organisation,date,kind,theme,severity,text,confidentiality\n"


def test_a_csv_notes_file_of_10_000_rows_is_read_whole(tmp_path: Path) -> None:
    rows = "".join(
        f"mia,round-1,mia,2027-01-10,gap,bias,3,"
        f'"Observation {n}: what was said, in a sentence or two of plain text, and more.",public\n'
        for n in range(10_000)
    )
    path = tmp_path / "notes.csv"
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    assert path.stat().st_size > 1_000_000  # over the limit of YAML and Markdown files
    read = read_notes_file(path, "notes/notes.csv")
    assert read.problems == ()
    [(_, notes)] = read.items
    assert len(notes.observations) == 10_000


@pytest.mark.parametrize(
    ("suffix", "size", "limit", "kind"),
    [
        (".csv", CSV_MAX_BYTES + 1, CSV_MAX_BYTES, "CSV"),
        (".md", MAX_BYTES + 1, MAX_BYTES, "Markdown or YAML"),
    ],
)
def test_a_notes_file_over_its_kinds_limit_is_one_problem_naming_both_limits(
    tmp_path: Path, suffix: str, size: int, limit: int, kind: str
) -> None:
    path = tmp_path / f"big{suffix}"
    path.write_bytes(b" " * size)
    read = read_notes_file(path, f"notes/big{suffix}")
    assert read.items == ()
    assert [str(problem) for problem in read.problems] == [
        f"notes/big{suffix}: is {size:,} bytes, more than the {limit:,} consult reads in a "
        f"{kind} notes file (CSV: 10,000,000; Markdown and YAML: 1,000,000)"
    ]
