"""The problem of placing a round's meetings: its parties, its window, and what keeps its time.

`round_problem` turns a round of the workspace into the `Round` that the
planner solves and that a change of one meeting is checked against;
`bookings` gives the meetings of every training that keep their time, and
`fetch_round_feeds` the busy time of the round's parties. Planning a round
(`consult.planning.plan`) and moving a meeting (`consult.planning.changes`)
both start here, so both see the same parties, rules and other meetings.
Light: importing it loads neither the solver nor the feeds' libraries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from consult.errors import PlanningError
from consult.planning.slots import Booking, Party, Preferences, Request, Round
from consult.store import Store
from consult.store.polls import PollState
from consult.workspace.invitees import invitees
from consult.workspace.loading import Workspace
from schemas import Contact, Organisation, PlannedMeeting, Training
from schemas.state import Meeting

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult

KEPT = ("confirmed", "held", "notes_missing")
"""Statuses of meetings a re-plan keeps where they are, unless asked to re-plan them."""


def feed_urls(workspace: Workspace, slug: str, round_id: str) -> dict[str, str]:
    """Return the busy-time feed URLs a round depends on, each with its owner's time zone."""
    training = workspace.training(slug)
    round_ = training.round(round_id)
    urls: dict[str, str] = {}
    for facilitator in training.consultation.facilitators:
        if facilitator.busy_feed:
            urls[str(facilitator.busy_feed)] = facilitator.timezone
    for planned in round_.meetings:
        organisation = workspace.stakeholders.organisation(planned.organisation)
        for contact in invitees(planned, organisation):
            for url in (organisation.busy_feed, contact.busy_feed):
                if url:
                    urls.setdefault(str(url), contact.timezone)
    return urls


def fetch_round_feeds(
    workspace: Workspace, slug: str, round_id: str, cache_dir: Path | None = None
) -> dict[str, FeedResult]:
    """Return each busy-time feed of the round, fetched for the round's window."""
    # the feeds' libraries load only when feeds are read: a flow that changes one
    # meeting starts without them (tests/unit/test_imports.py)
    from consult.planning.feeds import fetch_busy

    start, end = _window(workspace.training(slug), round_id)
    return {
        url: fetch_busy(url, start, end, owner_timezone=zone, cache_dir=cache_dir)
        for url, zone in feed_urls(workspace, slug, round_id).items()
    }


def _window(training: Training, round_id: str) -> tuple[dt.datetime, dt.datetime]:
    round_ = training.round(round_id)
    zone = ZoneInfo(training.timezone)
    # a day on each side: parties east and west of the training work on other dates
    start = dt.datetime.combine(round_.earliest - dt.timedelta(days=1), dt.time(), zone)
    end = dt.datetime.combine(round_.latest + dt.timedelta(days=2), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def round_problem(
    workspace: Workspace,
    slug: str,
    round_id: str,
    feeds: Mapping[str, FeedResult],
    meetings: Sequence[PlannedMeeting],
    booked: Sequence[Booking],
    *,
    now: dt.datetime,
    lead_working_days: int,
    minutes: Mapping[str, int] | None = None,
) -> Round:
    """Return the problem of placing `meetings` of a round around the `booked` ones.

    Every party of the round is in it, with the working hours, holidays and
    busy time the training and the feeds give; `minutes` overrides a
    meeting's length (a stored meeting keeps its own).
    """
    training = workspace.training(slug)
    plan = training.consultation
    round_ = training.round(round_id)
    busy = {url: result.busy for url, result in feeds.items() if not result.error}
    parties: dict[str, Party] = {}
    for facilitator in plan.facilitators:
        parties[f"f:{facilitator.id}"] = Party(
            f"f:{facilitator.id}",
            facilitator.timezone,
            facilitator.country,
            facilitator.working_hours,
            busy.get(str(facilitator.busy_feed), ()) if facilitator.busy_feed else (),
            facilitator.max_meetings_per_day,
            facilitator.email.lower(),
            f"{facilitator.name} (facilitator)",
        )
    requests = []
    for planned in meetings:
        organisation = workspace.stakeholders.organisation(planned.organisation)
        requests.append(
            Request(
                planned.id,
                (minutes or {}).get(planned.id, planned.duration_minutes),
                tuple(f"f:{f}" for f in planned.facilitators),
                organisation.id,
                _contact_parties(organisation, invitees(planned, organisation), busy, parties),
            )
        )
    return Round(
        round_.earliest,
        round_.latest,
        training.timezone,
        plan.slot_step_minutes,
        plan.buffer_minutes,
        parties,
        tuple(requests),
        Preferences(**plan.preferences.model_dump()),
        tuple(booked),
        now,
        lead_working_days,
    )


def feed_problems(
    training: Training, slug: str, round_id: str, feeds: Mapping[str, FeedResult]
) -> tuple[str, ...]:
    """Return the feeds that failed, or raise PlanningError when the training says to stop then."""
    problems = tuple(result.error for result in feeds.values() if result.error)
    if problems and training.consultation.on_feed_error == "fail":
        raise PlanningError(
            "\n".join(
                [
                    f"{len(problems)} busy-time feed(s) of {slug}/{round_id} could not be read, "
                    "and the training says to stop then (consultation.on_feed_error: fail):",
                    *(f"  {problem}" for problem in problems),
                ]
            )
        )
    return problems


BOOKED = (*KEPT, "proposed")
"""Statuses of the meetings of other rounds that a plan or a change works around."""


def bookings(workspace: Workspace, store: Store) -> list[Booking]:
    """Return the meetings that keep their time in every training of the workspace.

    Confirmed ones, and proposed ones (a proposal approved later must not
    double-book either); each holds its attendees, by lower-case email. A date
    poll not picked yet holds every one of its options.
    """
    booked = [
        (meeting, frozenset(e.lower() for e in emails))
        for meeting, emails in store.booked(BOOKED)
        if meeting.training in workspace.trainings
    ]
    polls = store.polls_of([meeting.id for meeting, _ in booked])
    return [
        Booking(meeting.id, start, end, people)
        for meeting, people in booked
        for start, end in _times(meeting, polls.get(meeting.id))
    ]


def _times(meeting: Meeting, poll: PollState | None) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return the times a meeting holds: its own, and every option of its poll while open."""
    if poll is None or not poll.open:
        return [(meeting.start, meeting.end)]
    return sorted({(meeting.start, meeting.end), *((o.start, o.end) for o in poll.options)})


def booking_of(workspace: Workspace, slug: str, meeting: Meeting) -> Booking:
    """Return a stored meeting of the workspace as a booking of its facilitators and contacts."""
    training = workspace.training(slug)
    emails = {f.id: f.email for f in training.consultation.facilitators}
    people = {emails[f].lower() for f in meeting.facilitators if f in emails}
    organisation = workspace.stakeholders.organisation(meeting.organisation)
    planned_id = meeting.id.rsplit("/", 1)[-1]
    for planned in training.round(meeting.round).meetings:
        if planned.id == planned_id:
            people |= {c.email.lower() for c in invitees(planned, organisation)}
    return Booking(meeting.id, meeting.start, meeting.end, frozenset(people))


def _contact_parties(
    organisation: Organisation,
    contacts: Sequence[Contact],
    busy: Mapping[str, tuple[tuple[dt.datetime, dt.datetime], ...]],
    parties: dict[str, Party],
) -> tuple[str, ...]:
    ids = []
    shared = busy.get(str(organisation.busy_feed), ()) if organisation.busy_feed else ()
    for contact in contacts:
        own = busy.get(str(contact.busy_feed), ()) if contact.busy_feed else ()
        party_id = f"c:{contact.email}"
        parties[party_id] = Party(
            party_id,
            contact.timezone,
            organisation.country,
            organisation.working_hours,
            (*shared, *own),
            person=contact.email.lower(),
            label=f"{contact.name} (contact, {organisation.id})",
        )
        ids.append(party_id)
    return tuple(ids)
