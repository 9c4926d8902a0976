"""Flow `review-counter-proposal`: shows the proposed time, pauses, applies the decision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect.flow_runs import resume_flow_run

from consult.application.counter_proposals import read_inbox_requests
from consult.settings import Settings
from consult.store import open_store
from flows.review_counter import CounterParameters, review_counter_proposal
from tests.flows.conftest import Background
from tests.flows.runs import paused_run_id
from tests.integration.planning.test_counters import TUESDAY, invite, propose


def test_a_declined_counter_proposal_sends_the_proposer_a_declinecounter(
    write_workspace: Callable[..., Path], in_background: Background
) -> None:
    root = write_workspace()
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        built = invite(root, store)
        propose(built, TUESDAY)
        read_inbox_requests(built)

    thread, outcome = in_background(
        review_counter_proposal,
        CounterParameters(training="winter-2027", meeting="mia", workspace=str(root)),
    )
    resume_flow_run(
        paused_run_id("review-counter-proposal", "decision"),
        run_input={"decision": "decline", "decided_by": "Nino", "comment": "Tuesday is taken."},
    )
    thread.join(timeout=120)
    assert outcome.get("result") == "declined by Nino: 1 sent", outcome
    assert len(list(settings.outbox.glob("*.counter_declined.*.eml"))) == 1
