"""Flow `validate-workspace` on a real Prefect server: the summary or the problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from prefect import get_client

from consult.errors import WorkspaceError
from flows.validate_workspace import ValidateParameters, validate_workspace
from tests.conftest import TINY_STAKEHOLDERS


def artifact(key: str) -> str:
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts()
    markdown = [a.data for a in found if a.key == key]
    assert markdown, f"no artifact {key!r}"
    return str(markdown[0])


def test_a_valid_workspace_publishes_its_summary(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    markdown = validate_workspace(ValidateParameters(workspace=str(root)))
    assert "| winter-2027 | Intercultural communication | 2027-01-26..2027-01-28 |" in markdown
    assert "| winter-2027 | round-1 |" in artifact("workspace-summary")


def test_a_broken_workspace_fails_the_run_and_publishes_the_problems(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"))
    with pytest.raises(WorkspaceError):
        validate_workspace(ValidateParameters(workspace=str(root)))
    assert "organisations[0].contacts[0].email: got 'nino@'" in artifact("workspace-problems")
