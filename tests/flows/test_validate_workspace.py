"""Flow `validate-workspace` on a real Prefect server: the summary or the problems."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from consult.errors import WorkspaceError
from consult.mail.notices import bounce_warnings, record_inbox
from consult.mail.replies import read_inbox
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.validate_workspace import ValidateParameters, validate_workspace
from tests.conftest import TINY_STAKEHOLDERS
from tests.flows.test_followup_flows import invited_workspace

BOUNCES = Path(__file__).parents[1] / "data" / "bounces"
NINO, GIORGI = "nino@mia.example.gov.ge", "giorgi@mia.example.gov.ge"


def artifact(key: str) -> str:
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts()
    markdown = [a.data for a in found if a.key == key]
    assert markdown, f"no artifact {key!r}"
    return str(markdown[0])


def warnings_logged(run_id: object, saying: str, timeout: float = 20) -> list[str]:
    """Return the run's warning log lines once one says `saying` (logs come in batches)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
            )
            warnings = [log.message for log in found if log.level == logging.WARNING]
            if any(saying in m for m in warnings) or time.monotonic() > deadline:
                return warnings
            time.sleep(0.2)


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


def test_a_bounced_contact_is_warned_about_in_the_log_and_the_summary(
    write_workspace: Callable[..., Path],
) -> None:
    root, settings = invited_workspace(write_workspace)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(BOUNCES / "postfix.eml", settings.inbox / "postfix.eml")
    with open_store(settings.store_url) as store:
        record_inbox(store, read_inbox(settings.inbox))
    [warning] = bounce_warnings(settings, load_workspace(root))  # what `consult validate` says
    assert warning.startswith(
        "stakeholders.yaml, line 10, organisations[0].contacts[0].email: "
        f"{NINO} bounced 5.1.1 (550 5.1.1 <{NINO}>: Recipient address rejected: "
    )

    state = validate_workspace(ValidateParameters(workspace=str(root)), return_state=True)

    assert state.is_completed()
    warned = state.result().partition("## Warnings")[2]
    assert f"- {warning}\n" in warned
    assert GIORGI not in warned
    assert f"- {warning}\n" in artifact("workspace-summary").partition("## Warnings")[2]
    logged = warnings_logged(state.state_details.flow_run_id, NINO)
    assert logged == [warning]
