"""Loading a workspace: everything valid loads, and every problem names file, line, field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import WorkspaceError
from consult.workspace.loading import load_workspace
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

Write = Callable[..., Path]


def problems_of(root: Path) -> list[str]:
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    return [str(problem) for problem in caught.value.problems]


def test_the_demo_workspace_loads(demo_copy: Path) -> None:
    workspace = load_workspace(demo_copy)
    kinds = {organisation.kind for organisation in workspace.stakeholders.organisations}
    assert {"ministry", "prosecution", "judiciary", "ngo", "participant_group"} <= kinds
    training = next(iter(workspace.trainings.values()))
    assert training.experts
    assert sum(len(r.meetings) for r in training.consultation.rounds) >= 10


def test_a_tiny_workspace_loads_with_its_values(write_workspace: Write) -> None:
    workspace = load_workspace(write_workspace())
    training = workspace.training("winter-2027")
    assert training.title.get("ka") == "Intercultural communication"
    assert workspace.stakeholders.organisation("mia").name.get("ka") == "შინაგან საქმეთა სამინისტრო"


def test_an_unquoted_time_is_a_time_not_base_60_seconds(write_workspace: Write) -> None:
    # YAML 1.1 reads `18:00` as the integer 1080; the tiny training writes it unquoted
    training = load_workspace(write_workspace()).training("winter-2027")
    assert training.consultation.facilitators[0].working_hours.end.isoformat() == "18:00:00"


def test_norway_stays_a_country_code(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("country: GE", "country: NO", 1))
    assert load_workspace(root).stakeholders.organisations[0].country == "NO"


def test_an_invalid_email_names_file_line_field_and_value(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"))
    assert problems_of(root) == [
        "stakeholders.yaml, line 10, organisations[0].contacts[0].email: got 'nino@', "
        "expected an email address (there must be something after the @-sign)"
    ]


def test_an_unknown_time_zone_is_named(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("Asia/Tbilisi", "Asia/Tbilisy", 1))
    assert problems_of(root) == [
        "stakeholders.yaml, line 13, organisations[0].contacts[0].timezone: got 'Asia/Tbilisy', "
        "expected an IANA time zone such as 'Asia/Tbilisi'"
    ]


def test_an_unknown_key_lists_the_known_ones(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("    kind: ministry\n", "    kind: ministry\n    colour: red\n")
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 4, organisations[0].colour: got 'colour', expected one of the "
        "known fields: id, kind, kind_label, country, name, working_hours, busy_feed, contacts, "
        "influence, interest, stance"
    ]


def test_a_wrong_kind_lists_the_kinds(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("kind: ministry", "kind: ministri"))
    [problem] = problems_of(root)
    assert problem.startswith(
        "stakeholders.yaml, line 3, organisations[0].kind: got 'ministri', "
        "expected 'ministry', 'prosecution', "
    )


def test_a_missing_field_points_at_its_parent(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("        role: Head of department\n", ""))
    assert problems_of(root) == [
        "stakeholders.yaml, line 9, organisations[0].contacts[0].role: missing, "
        "expected a value (the field is required)"
    ]


def test_a_wrong_type_names_the_value(write_workspace: Write) -> None:
    root = write_workspace(
        trainings={"winter-2027": TINY_TRAINING.replace("count: 16", "count: many")}
    )
    [problem] = problems_of(root)
    assert problem.startswith(
        "trainings/winter-2027.yaml, line 13, participants.count: "
        "got 'many', expected a valid integer"
    )


def test_broken_yaml_names_the_line(write_workspace: Write) -> None:
    root = write_workspace("organisations: [1, 2\n\n")
    [problem] = problems_of(root)
    assert problem.startswith("stakeholders.yaml, line 3: is not valid YAML: expected ',' or ']'")


def test_a_repeated_key_is_an_error_not_a_silent_overwrite(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("    country: GE\n", "    country: GE\n    country: AM\n", 1)
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 5, organisations[0].country: got 'country', "
        "expected each key once in a mapping (this one is repeated)"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "stakeholders.yaml: is empty, expected a YAML mapping"),
        ("  \n# nothing\n", "stakeholders.yaml: is empty, expected a YAML mapping"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "stakeholders.yaml: is a binary file, expected YAML text"),
        (b"name: caf\xe9\n", "stakeholders.yaml: is not UTF-8 text (byte 0xe9 at offset 9)"),
        (
            "- mia\n- pog\n",
            "stakeholders.yaml, line 1: got 'list', expected a YAML mapping at the top of the file",
        ),
    ],
)
def test_files_that_are_not_yaml_mappings_get_one_clear_message(
    write_workspace: Write, content: str | bytes, message: str
) -> None:
    assert problems_of(write_workspace(content)) == [message]


def test_cross_references_are_checked(write_workspace: Write) -> None:
    training = (
        TINY_TRAINING.replace("themes: [bias]", "themes: [bias, burnout]")
        .replace("organisation: mia", "organisation: moj")
        .replace("facilitators: [lela]", "facilitators: [lela, bob]")
        .replace("  - id: interpreters", "  - id: bias")
    )
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 25, themes[1].id: got 'bias', "
        "expected a unique theme id (this one is used twice)",
        "trainings/winter-2027.yaml, line 33, agenda[0].themes[1]: got 'burnout', "
        "expected a theme id from themes (bias)",
        "trainings/winter-2027.yaml, line 50, consultation.rounds[0].meetings[0].organisation: "
        "got 'moj', expected an organisation id from stakeholders.yaml (coordinators, mia)",
        "trainings/winter-2027.yaml, line 53, consultation.rounds[0].meetings[0].facilitators[1]: "
        "got 'bob', expected a facilitator id from consultation.facilitators (lela)",
    ]


def test_dates_must_be_in_order(write_workspace: Write) -> None:
    training = (
        TINY_TRAINING.replace("end: 2027-01-28", "end: 2027-01-20")
        .replace("latest: 2027-01-15", "latest: 2027-02-15")
        .replace("due: 2027-01-19", "due: 2027-02-19")
    )
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 4, end: got '2027-01-20', "
        "expected a date on or after the start (2027-01-26)",
        "trainings/winter-2027.yaml, line 47, consultation.rounds[0].latest: got '2027-02-15', "
        "expected a date before the training starts (2027-01-26)",
        "trainings/winter-2027.yaml, line 56, briefing.due: got '2027-02-19', "
        "expected a date on or before the training starts (2027-01-26)",
    ]


def test_a_duplicate_organisation_id_is_named(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("id: coordinators", "id: mia"))
    assert (
        "stakeholders.yaml, line 14, organisations[1].id: got 'mia', "
        "expected a unique organisation id (this one is used twice)"
    ) in problems_of(root)


def test_the_participants_must_be_a_participant_group(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace("organisation: coordinators", "organisation: mia")
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 12, participants.organisation: got 'mia', "
        "expected an organisation of kind 'participant_group'"
    ]


def test_every_problem_of_every_file_is_reported_at_once(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"),
        trainings={
            "winter-2027": TINY_TRAINING.replace("timezone: Asia/Tbilisi", "timezone: Mars/Base"),
            "Bad Name": TINY_TRAINING,
        },
    )
    files = {problem.split(",")[0].split(":")[0] for problem in problems_of(root)}
    assert files == {"stakeholders.yaml", "trainings/Bad Name.yaml", "trainings/winter-2027.yaml"}


def test_a_header_value_with_a_line_break_is_refused(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace(
            "role: Head of department", 'role: "Head\\r\\nBcc: x@example.org"'
        )
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 11, organisations[0].contacts[0].role: "
        "got 'Head\\r\\nBcc: x@example.org', expected a single line (no line breaks)"
    ]


def test_a_workspace_without_trainings_says_so(write_workspace: Write) -> None:
    root = write_workspace()
    (root / "trainings" / "winter-2027.yaml").unlink()
    assert problems_of(root) == ["trainings/: holds no training, expected trainings/<slug>.yaml"]


def test_a_missing_folder_is_not_a_workspace(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: is not a workspace folder"
    ]


def test_a_date_that_does_not_exist_is_named_not_a_crash(write_workspace: Write) -> None:
    # found by the fuzz test: PyYAML raises ValueError on 0000-00-00
    training = TINY_TRAINING.replace("end: 2027-01-28", "end: 2027-02-30")
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 4, end: got '2027-02-30', expected a valid date or "
        "datetime, day value is outside expected range"
    ]


def test_text_that_looks_like_an_impossible_date_stays_text(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("role: Head of department", "role: 0000-00-00")
    )
    assert load_workspace(root).stakeholders.organisations[0].contacts[0].role == "0000-00-00"


def test_working_hours_with_a_zone_are_refused(write_workspace: Write) -> None:
    # found by the fuzz test: '09:00+04:00' could not be compared with '18:00'
    training = TINY_TRAINING.replace('start: "09:00"', 'start: "09:00+04:00"')
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 42, consultation.facilitators[0].working_hours.start: "
        "got '09:00+04:00', expected a time of day without a zone, such as '09:00' (it is read "
        "in the party's own time zone)"
    ]


def test_an_online_meeting_without_a_link_names_the_file_the_meeting_and_the_field(
    write_workspace: Write,
) -> None:
    training = TINY_TRAINING.replace(
        "          location: https://meet.example.org/winter-2027/mia\n", ""
    )
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 49, consultation.rounds[0].meetings[0].location: "
        "missing, expected the https link of online meeting 'mia', or a "
        "consultation.meeting_link such as https://meet.jit.si/{training}-{round}-{meeting}"
    ]


def test_an_online_meetings_location_must_be_an_https_link(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace("https://meet.example.org/winter-2027/mia", "Zoom, ID 123 456")
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 54, consultation.rounds[0].meetings[0].location: "
        "got 'Zoom, ID 123 456', expected the https link of online meeting 'mia' (https://...)"
    ]


@pytest.mark.parametrize(
    "template",
    [
        "http://meet.example.org/{meeting}",
        "https://meet.example.org/{organisation}",
        "meet.example.org/{meeting}",
    ],
)
def test_a_meeting_link_template_must_make_an_https_link_of_the_ids(
    write_workspace: Write, template: str
) -> None:
    training = TINY_TRAINING.replace("  rounds:\n", f"  meeting_link: {template}\n  rounds:\n")
    [problem] = problems_of(write_workspace(trainings={"winter-2027": training}))
    assert problem.startswith(
        "trainings/winter-2027.yaml, line 44, consultation.meeting_link: "
        f"got {template!r}, expected an https URL in which only {{training}}, {{round}} and "
        "{meeting} stand for the ids"
    )
