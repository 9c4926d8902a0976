"""Who a flow run is in the audit log: the Prefect user who started it, else the run itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from prefect import flow, task

from consult.actors import default_actor
from consult.mail.preview import CONFIRMED
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.actor import flow_actor
from flows.send_invitations import SendParameters, send_invitations
from tests.conftest import LIVE_PLANNED_AT, LIVE_TRAINING


@task
def actor_in_a_task() -> str:
    return flow_actor()


@flow(name="who-am-i")
def who_am_i() -> tuple[str, str]:
    return flow_actor(), actor_in_a_task()


def test_a_run_no_user_started_is_named_by_flow_run_and_os_user() -> None:
    in_flow, in_task = who_am_i()

    assert re.fullmatch(rf"who-am-i/[a-z]+-[a-z]+ \({re.escape(default_actor())}\)", in_flow)
    assert in_task == in_flow


def test_outside_a_flow_run_the_actor_is_the_os_user() -> None:
    assert flow_actor() == default_actor()


def test_the_messages_a_flow_sends_are_logged_as_sent_by_its_run(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(trainings={"winter-2027": LIVE_TRAINING})
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        planned = plan_round(
            load_workspace(root), "winter-2027", "round-1", {}, [], now=LIVE_PLANNED_AT
        )
        save_plan(store, planned, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="Nino")
        store.audit("Nino", CONFIRMED, "winter-2027/round-1")  # the first send, confirmed

    send_invitations(SendParameters(training="winter-2027", workspace=str(root)))

    with open_store(settings.store_url) as store:
        sent = store.history("winter-2027", kinds=["message.sent"])
    assert len(sent) == 2
    assert {e.actor.split("/")[0] for e in sent} == {"send-invitations"}
    assert all(e.actor.endswith(f" ({default_actor()})") for e in sent)
