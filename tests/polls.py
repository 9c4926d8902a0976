"""A workspace with a round planned as a date poll: one ministry meeting, three invitees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from consult.demo import shift_dates
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

SLUG, ROUND = "winter-2027", "round-1"
MEETING = f"{SLUG}/{ROUND}/mia"
NINO, ANNA, IVAN = "nino@mia.example.gov.ge", "anna@mia.example.gov.ge", "ivan@mia.example.gov.ge"
STAKEHOLDERS = TINY_STAKEHOLDERS.replace(
    "        timezone: Asia/Tbilisi\n  - id: coordinators",
    """        timezone: Asia/Tbilisi
      - name: Anna Smith
        email: anna@mia.example.gov.ge
        role: Adviser
        language: en
        timezone: Europe/London
      - name: Иван Петров
        email: ivan@mia.example.gov.ge
        role: Analyst
        language: ru
        timezone: Europe/Moscow
  - id: coordinators""",
)
"""The tiny registry, the ministry with three contacts: Georgian, English and Russian."""
POLL_TRAINING = TINY_TRAINING.replace(
    "      latest: 2027-01-15\n",
    "      latest: 2027-01-15\n      poll:\n        options: 3\n        deadline: 2026-12-10\n",
)
"""The tiny training, its round a date poll of three times that closes before the window."""


def planned_poll(write_workspace: Callable[..., Path]) -> Path:
    """Return a workspace whose poll round is planned and approved, dated from today.

    Dated from today (the round three weeks on): the store stamps messages with the real clock.
    """
    training = shift_dates(POLL_TRAINING, dt.date.today() + dt.timedelta(weeks=3))
    root = write_workspace(stakeholders=STAKEHOLDERS, trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
    return root


def recipients_of_a_send(store: Store, slug: str) -> int:
    """Return how many messages a training's first send puts out: one per attendee of each
    meeting, but a date poll waiting for its pick (the demo has one) asks its consulted
    invitees alone, and nobody once voting has closed (the daily run picks, then invites)."""
    polls = store.polls_of()
    now = dt.datetime.now(dt.UTC)
    return sum(
        1
        for meeting in store.meetings(slug)
        for a in store.attendees(meeting.id)
        if meeting.id not in polls or (a.role != "CHAIR" and polls[meeting.id].deadline > now)
    )
