"""The timeline of a training: which preparation steps fall due on a day, counted from its start.

    steps = due_steps("winter-2027", training, today, done=store.started_steps("winter-2027"))

A training's file sets the days (`timeline:`; see `schemas.training.Timeline`):
each round is planned at T-45 and invited at T-40, reminders go daily from the
invitations until the training starts, and the briefing pack is compiled and
sent at T-7. A step missed on its day is due on every later day until it is
done, as long as it still makes sense (a round's planning and invitations
until its last day, the briefing until the training starts); a day's reminders
are due on that day only, since each run of them catches up on its own.
A round's invite step, its first send, waits for the coordinator to confirm what
goes out (the send-invitations flow pauses with the preview), like `consult send`
without --yes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from schemas import Training

StepKind = Literal["plan", "invite", "remind", "brief"]


@dataclass(frozen=True)
class Step:
    """One step of a training's preparation, and the first day it is due."""

    training: str
    kind: StepKind
    due: dt.date
    last: dt.date
    """The last day it is still worth starting."""
    round: str | None = None

    @property
    def key(self) -> str:
        """Return what names the step among its training's: done once per key."""
        if self.kind == "remind":
            return f"remind/{self.due.isoformat()}"
        if self.round is not None:
            return f"{self.kind}/{self.round}"
        return self.kind


def timeline(slug: str, training: Training) -> list[Step]:
    """Return every step of the training's preparation, by due day."""
    days = training.timeline
    start = training.start
    eve = start - dt.timedelta(days=1)
    steps: list[Step] = []
    for round_ in training.consultation.rounds:
        plan = start - dt.timedelta(days=days.plan_days_before)
        invite = start - dt.timedelta(days=days.invite_days_before)
        steps.append(Step(slug, "plan", plan, min(round_.latest, eve), round_.id))
        steps.append(Step(slug, "invite", invite, min(round_.latest, eve), round_.id))
    if days.daily_reminders:
        first = start - dt.timedelta(days=days.invite_days_before)
        for offset in range((start - first).days):
            day = first + dt.timedelta(days=offset)
            steps.append(Step(slug, "remind", day, day))
    brief = start - dt.timedelta(days=days.briefing_days_before)
    steps.append(Step(slug, "brief", brief, max(brief, eve)))
    return sorted(steps, key=lambda step: (step.due, _ORDER[step.kind]))


_ORDER: dict[StepKind, int] = {"plan": 0, "invite": 1, "remind": 2, "brief": 3}


def due_steps(slug: str, training: Training, today: dt.date, done: Collection[str]) -> list[Step]:
    """Return the steps due on `today` (in the training's time zone) whose key is not in `done`."""
    return [
        step
        for step in timeline(slug, training)
        if step.due <= today <= step.last and step.key not in done
    ]


def local_day(training: Training, now: dt.datetime) -> dt.date:
    """Return the day it is at `now` (aware) in the training's time zone."""
    if now.utcoffset() is None:
        raise ValueError(f"{now.isoformat()} has no time zone, expected an aware datetime")
    return now.astimezone(ZoneInfo(training.timezone)).date()
