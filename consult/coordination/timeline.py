"""The timeline of a training: which preparation steps fall due on a day, counted from its start.

    steps = due_steps("winter-2027", training, today, progress(store, "winter-2027"))

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

What was done by hand counts too (`Progress`): a round whose schedule is stored
(proposed and waiting, or approved, by the flow, `consult plan` or the desk) is
not planned again, and a round's invitations fall due only once its schedule is
approved: until then the invite step waits, whatever the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from consult.store import Known, Store
from schemas import Training
from schemas.training import Round

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
    """Return every step of the training's preparation, by due day.

    Each round follows its own window: its invitations go out by T-`invite_days_before`,
    and earlier if need be, `invite_days_before_round` days before the window opens
    (the planning's lead time and the invitees' time to answer), its planning the same
    number of days before its invitations as the training's days say (T-45 and T-40: 5).
    The reminders run daily from the first invitations until the training starts; the
    pack is compiled at T-`briefing_days_before`, or the day after the last round
    closes if that is later, and at the latest on the eve of the training.
    """
    days = training.timeline
    start = training.start
    eve = start - dt.timedelta(days=1)
    steps: list[Step] = []
    for round_ in training.consultation.rounds:
        invite, plan = round_days(training, round_)
        steps.append(Step(slug, "plan", plan, min(round_.latest, eve), round_.id))
        steps.append(Step(slug, "invite", invite, min(round_.latest, eve), round_.id))
    if days.daily_reminders:
        first = min(step.due for step in steps if step.kind == "invite")
        for offset in range((start - first).days):
            day = first + dt.timedelta(days=offset)
            steps.append(Step(slug, "remind", day, day))
    brief = brief_day(training)
    steps.append(Step(slug, "brief", brief, max(brief, eve)))
    return sorted(steps, key=lambda step: (step.due, _ORDER[step.kind]))


def round_days(training: Training, round_: Round) -> tuple[dt.date, dt.date]:
    """Return the day a round's invitations are due, and the day it is planned."""
    days = training.timeline
    invite = min(
        training.start - dt.timedelta(days=days.invite_days_before),
        round_.earliest - dt.timedelta(days=days.invite_days_before_round),
    )
    return invite, invite - dt.timedelta(days=days.plan_days_before - days.invite_days_before)


def brief_day(training: Training) -> dt.date:
    """Return the day the pack is due: at T-n, after the last round closes, before the start."""
    by_days = training.start - dt.timedelta(days=training.timeline.briefing_days_before)
    closed = max(r.latest for r in training.consultation.rounds) + dt.timedelta(days=1)
    return min(max(by_days, closed), training.start - dt.timedelta(days=1))


def timeline_warnings(slug: str, training: Training) -> list[str]:
    """Return, in words, each step of the timeline that cannot fit the training's dates."""
    file = f"trainings/{slug}.yaml"
    found = []
    by_days = training.start - dt.timedelta(days=training.timeline.briefing_days_before)
    briefed = brief_day(training)
    for round_ in training.consultation.rounds:
        if round_.latest >= by_days:
            found.append(
                f"{file}, consultation.rounds {round_.id}: it ends on {round_.latest}, on or "
                f"after the day the pack is due ({by_days}, T-"
                f"{training.timeline.briefing_days_before}): the pack waits until "
                f"{briefed}, which leaves the trainers "
                f"{(training.start - briefed).days} day(s) to read it"
            )
        if round_.latest >= training.start:
            found.append(
                f"{file}, consultation.rounds {round_.id}: it ends on {round_.latest}, on or "
                f"after the training starts ({training.start}): its later meetings come too "
                "late for the pack"
            )
    return found


_ORDER: dict[StepKind, int] = {"plan": 0, "invite": 1, "remind": 2, "brief": 3}


@dataclass(frozen=True)
class Progress:
    """What a training's preparation has done so far, by its timeline or by hand."""

    started: Collection[str] = frozenset()
    """The keys of the steps started by the timeline (and not released)."""
    schedules: Mapping[str, str] = field(default_factory=dict)
    """Each round's last schedule decision: "proposed", "approved" or "sent_back"."""
    invited: Collection[str] = frozenset()
    """The rounds whose every meeting going ahead has its invitations sent, by whatever means."""
    packed: bool = False
    """Whether a version of the briefing pack went to the experts, by whatever means (a
    version compiled only to be looked at first does not count: they have nothing yet)."""

    def done(self, step: Step) -> bool:
        """Return whether the step needs no (more) starting."""
        if step.key in self.started:
            return True
        if step.kind == "plan":
            return self.schedules.get(step.round or "") in ("proposed", "approved")
        if step.kind == "invite":
            return (step.round or "") in self.invited
        return step.kind == "brief" and self.packed

    def waiting(self, step: Step) -> bool:
        """Return whether the step cannot start yet: invitations of a round not approved."""
        return step.kind == "invite" and self.schedules.get(step.round or "") != "approved"


def progress(store: Store, slug: str, known: Known | None = None) -> Progress:
    """Return what the training's preparation has done: by the timeline, or by hand.

    A round counts as invited once each of its meetings going ahead (not cancelled)
    has every invitation sent; then `consult send` or the flow started by hand did it.
    `known`: the training's meetings, attendees and messages as the caller read them.
    """
    known = known or Known.read(store, slug)
    sent: dict[str, set[str]] = {}  # sent, or rejected for good: nothing more to send
    briefed = False
    for message in known.messages:
        if message.status not in ("sent", "rejected"):
            continue
        if message.kind == "invitation":
            sent.setdefault(message.meeting_id, set()).add(message.recipient.lower())
        elif message.kind == "briefing" and message.meeting_id == f"{slug}/briefing":
            briefed = True
    rounds: dict[str, bool] = {}
    for meeting in known.meetings:
        if meeting.status == "cancelled":
            continue
        invitees = {a.email.lower() for a in known.attendees[meeting.id] if a.role != "CHAIR"}
        complete = bool(invitees) and invitees <= sent.get(meeting.id, set())
        rounds[meeting.round] = rounds.get(meeting.round, True) and complete
    return Progress(
        started=frozenset(store.started_steps(slug)),
        schedules=store.round_schedules(slug),
        invited=frozenset(r for r, complete in rounds.items() if complete),
        packed=briefed,
    )


def due_steps(slug: str, training: Training, today: dt.date, progress: Progress) -> list[Step]:
    """Return the steps due on `today` (in the training's time zone), not done, not waiting."""
    return [
        step
        for step in timeline(slug, training)
        if step.due <= today <= step.last and not progress.done(step) and not progress.waiting(step)
    ]


def next_step(slug: str, training: Training, today: dt.date, progress: Progress) -> str:
    """Return, in words, what comes next after `today`: "nothing due today; next: ... on ..."."""
    for step in timeline(slug, training):
        if progress.done(step) or today > step.last:
            continue
        if progress.waiting(step):
            return f"next: {describe(step)}, once the schedule is approved"
        if step.due > today:
            return f"next: {describe(step)} on {step.due.isoformat()}"
    return "nothing left on the timeline"


def describe(step: Step) -> str:
    """Return what the step does, in a coordinator's words."""
    what = {
        "plan": "plan the round",
        "invite": "send the round's invitations",
        "remind": f"send the reminders of {step.due.isoformat()}",
        "brief": "compile the briefing pack and send it",
    }[step.kind]
    return f"{step.round}: {what}" if step.round else what


def local_day(training: Training, now: dt.datetime) -> dt.date:
    """Return the day it is at `now` (aware) in the training's time zone."""
    if now.utcoffset() is None:
        raise ValueError(f"{now.isoformat()} has no time zone, expected an aware datetime")
    return now.astimezone(ZoneInfo(training.timezone)).date()
