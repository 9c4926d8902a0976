"""Flow `review-counter-proposal`: shows the proposed time, pauses, applies the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from prefect.flow_runs import resume_flow_run

from consult.bootstrap import Services, send_messages
from consult.coordination.counters import read_inbox_requests
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.review_counter import CounterParameters, review_counter_proposal
from tests.conftest import PLANNED_AT
from tests.flows.conftest import Background
from tests.flows.runs import paused_run_id
from tests.integration.planning.test_counters import COUNTER, NINO, TUESDAY


def test_a_declined_counter_proposal_sends_the_proposer_a_declinecounter(
    write_workspace: Callable[..., Path], in_background: Background
) -> None:
    root = write_workspace()
    settings, workspace, now = (
        Settings(workspace=root),
        load_workspace(root),
        dt.datetime.now(dt.UTC),
    )
    with open_store(settings.store_url) as store:
        save_plan(
            store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "t"
        )
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        built = Services(settings, workspace, store)
        send_messages(built, "winter-2027", "round-1", now)
        [meeting] = store.meetings("winter-2027", "round-1")
        settings.inbox.mkdir(parents=True, exist_ok=True)
        (settings.inbox / "counter.ics").write_text(
            COUNTER.format(start=TUESDAY[0], end=TUESDAY[1], uid=meeting.uid, who=NINO)
        )
        read_inbox_requests(built, now)

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
