"""`consult validate` reports every problem of every file in one run, in file and line order."""

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


def test_an_edit_with_three_mistakes_reports_three_errors_in_one_run(
    write_workspace: Write,
) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"),
        trainings={
            "winter-2027": TINY_TRAINING.replace(
                "timezone: Asia/Tbilisi", "timezone: Mars/Base", 1
            ).replace("themes: [bias]", "themes: [bias, burnout]")
        },
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 10, organisations[0].contacts[0].email: got 'nino@', "
        "expected an email address (there must be something after the @-sign)",
        "trainings/winter-2027.yaml, line 5, timezone: got 'Mars/Base', "
        "expected an IANA time zone such as 'Asia/Tbilisi'",
        "trainings/winter-2027.yaml, line 33, agenda[0].themes[1]: got 'burnout', "
        "expected a theme id from themes (bias, interpreters)",
    ]


def test_references_are_checked_against_a_registry_with_type_errors(write_workspace: Write) -> None:
    # mia's contact has a broken address: mia still exists, moj never did
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"),
        trainings={"winter-2027": TINY_TRAINING.replace("organisation: mia", "organisation: moj")},
    )
    problems = problems_of(root)
    assert len(problems) == 2
    assert problems[1] == (
        "trainings/winter-2027.yaml, line 50, consultation.rounds[0].meetings[0].organisation: "
        "got 'moj', expected an organisation id from stakeholders.yaml (coordinators, mia)"
    )


def test_duplicates_are_found_beside_a_type_error_in_the_same_file(write_workspace: Write) -> None:
    stakeholders = TINY_STAKEHOLDERS.replace("Asia/Tbilisi", "Asia/Tbilisy", 1).replace(
        "giorgi@mia.example.gov.ge", "nino@mia.example.gov.ge"
    )
    assert problems_of(write_workspace(stakeholders)) == [
        "stakeholders.yaml, line 13, organisations[0].contacts[0].timezone: got 'Asia/Tbilisy', "
        "expected an IANA time zone such as 'Asia/Tbilisi'",
        "stakeholders.yaml, line 21, organisations[1].contacts[0].email: "
        "got 'nino@mia.example.gov.ge', "
        "expected a unique contact email across the registry (this one is used twice)",
    ]


def test_an_item_with_a_type_error_still_counts_as_known(write_workspace: Write) -> None:
    # the theme `bias` has an empty label; the agenda naming it names a theme that exists
    training = TINY_TRAINING.replace(
        "      en: Recognising bias indicators", "      en: ''"
    ).replace("facilitators: [lela]", "facilitators: [lela, bob]")
    assert problems_of(write_workspace(trainings={"winter-2027": training})) == [
        "trainings/winter-2027.yaml, line 24, themes[0].label.en: got '', "
        "expected at least 1 character",
        "trainings/winter-2027.yaml, line 53, consultation.rounds[0].meetings[0].facilitators[1]: "
        "got 'bob', expected a facilitator id from consultation.facilitators (lela)",
    ]


def test_problems_come_in_file_and_line_order(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("Asia/Tbilisi", "Asia/Tbilisy").replace(
            "country: GE", "country: XX"
        ),
        trainings={
            "b-training": TINY_TRAINING.replace("latest: 2027-01-15", "latest: 2027-02-15"),
            "a-training": TINY_TRAINING.replace("count: 16", "count: many"),
        },
    )
    located = [(p.split(",")[0], int(p.split("line ")[1].split(",")[0])) for p in problems_of(root)]
    assert located == sorted(located)
    assert len(located) == 6
