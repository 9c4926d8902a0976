"""Countries are ISO 3166 codes; one without public holiday data loads, with a warning."""

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


def test_country_xx_is_an_error_not_a_country_without_holidays(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("country: GE", "country: XX", 1))
    assert problems_of(root) == [
        "stakeholders.yaml, line 4, organisations[0].country: got 'XX', "
        "expected an ISO 3166 two-letter country code such as 'GE' (XX is none)"
    ]


def test_a_facilitators_country_is_checked_too(write_workspace: Write) -> None:
    training = TINY_TRAINING.replace("      country: GE", "      country: UK")
    [problem] = problems_of(write_workspace(trainings={"winter-2027": training}))
    assert problem.startswith(
        "trainings/winter-2027.yaml, line 40, consultation.facilitators[0].country"
    )
    assert "(UK is none; the United Kingdom is GB)" in problem


def test_a_country_without_holiday_data_loads_with_a_warning(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("country: GE", "country: BV", 1))
    workspace = load_workspace(root)
    assert [str(warning) for warning in workspace.warnings] == [
        "stakeholders.yaml, line 4, organisations[0].country: got 'BV', expected a country "
        "with public holiday data (none is known for Bouvet Island in 2026-2027, "
        "so no day is kept free for a holiday)"
    ]


def test_a_workspace_of_countries_with_holidays_has_no_warning(write_workspace: Write) -> None:
    assert load_workspace(write_workspace()).warnings == ()


def test_kind_other_needs_a_label_of_its_own(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("kind: ministry", "kind: other"))
    assert problems_of(root) == [
        "stakeholders.yaml, line 2, organisations[0].kind_label: missing, expected a label "
        "for kind 'other' (kind_label: {en: Bar association})"
    ]


def test_kind_other_with_its_label_loads(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace(
            "kind: ministry",
            "kind: other\n    kind_label: {en: Bar association, ka: ადვოკატთა ასოციაცია}",
        )
    )
    organisation = load_workspace(root).stakeholders.organisation("mia")
    assert organisation.kind == "other"
    assert organisation.kind_label is not None
    assert organisation.kind_label.get("ka") == "ადვოკატთა ასოციაცია"


def test_a_label_belongs_only_to_kind_other(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace(
            "kind: ministry", "kind: ministry\n    kind_label: {en: Ministry}"
        )
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 4, organisations[0].kind_label: got {'en': 'Ministry'}, "
        "expected no kind_label (only kind 'other' has one)"
    ]


def test_influence_interest_and_stance_are_optional_levels(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace(
            "kind: ministry",
            "kind: ministry\n    influence: high\n    interest: low\n    stance: supportive",
        )
    )
    workspace = load_workspace(root)
    mia = workspace.stakeholders.organisation("mia")
    assert (mia.influence, mia.interest, mia.stance) == ("high", "low", "supportive")
    assert workspace.stakeholders.organisation("coordinators").influence is None


def test_an_unknown_influence_lists_the_levels(write_workspace: Write) -> None:
    root = write_workspace(
        TINY_STAKEHOLDERS.replace("kind: ministry", "kind: ministry\n    influence: huge")
    )
    assert problems_of(root) == [
        "stakeholders.yaml, line 4, organisations[0].influence: got 'huge', "
        "expected 'low', 'medium' or 'high'"
    ]
