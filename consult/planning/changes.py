"""Changes a confirmed meeting: moves it, or calls it off; the messages follow from the store.

A move keeps every rule the planner keeps (`consult.planning.rules`), around
every other meeting of the workspace that keeps its time, or is refused with
the rules broken and the next free times; forced, its reason is logged.
Moving a meeting people were told of raises its SEQUENCE, so the next send
gives each attendee an update; cancelling it does the same with a cancellation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from consult.errors import PlanningError, RuleBroken
from consult.planning.problem import bookings, feed_problems, round_problem
from consult.planning.rules import check_slot, free_slots
from consult.planning.slots import Request, Round
from consult.settings import LEAD_WORKING_DAYS
from consult.store import MeetingPlan, Store
from consult.workspace.loading import TRAININGS, Workspace
from consult.workspace.rounds import meeting_id
from schemas.state import Meeting

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult


def find_meeting(store: Store, slug: str, round_id: str, planned: str) -> Meeting:
    """Return the stored meeting of a planned one, or raise PlanningError naming it."""
    found = store.get_meeting(meeting_id(slug, round_id, planned))
    if found is None:
        known = ", ".join(m.id.rsplit("/", 1)[-1] for m in store.meetings(slug, round_id))
        raise PlanningError(
            f"{slug}/{round_id}: got meeting {planned!r}, expected one of: {known or 'none yet'}"
        )
    return found


def local_start(workspace: Workspace, slug: str, text: str) -> dt.datetime:
    """Return the UTC instant of a local date and time written in the training's time zone."""
    zone = ZoneInfo(workspace.training(slug).timezone)
    try:
        naive = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PlanningError(
            f"start: got {text!r}, expected a local date and time such as 2027-01-12T10:00"
        ) from None
    if naive.tzinfo is not None:
        return naive.astimezone(dt.UTC)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def change_problem(
    workspace: Workspace,
    store: Store,
    meeting: Meeting,
    feeds: Mapping[str, FeedResult],
    *,
    now: dt.datetime,
    lead_working_days: int = LEAD_WORKING_DAYS,
) -> tuple[Round, Request]:
    """Return the problem of placing one stored meeting again, and its request.

    Its round's parties and window, the training's buffer and step, and every
    other meeting of the workspace that keeps its time (`bookings`), as when
    the round is planned; the meeting keeps its length.
    """
    slug, round_id = meeting.training, meeting.round
    feed_problems(workspace.training(slug), slug, round_id, feeds)
    planned_id = meeting.id.rsplit("/", 1)[-1]
    planned = [p for p in workspace.training(slug).round(round_id).meetings if p.id == planned_id]
    if not planned:
        raise PlanningError(
            f"{meeting.id}: is no longer in {TRAININGS}/{slug}.yaml, round {round_id}; "
            "cancel it, or put it back in the file"
        )
    problem = round_problem(
        workspace,
        slug,
        round_id,
        feeds,
        planned,
        [b for b in bookings(workspace, store) if b.id != meeting.id],
        now=now,
        lead_working_days=lead_working_days,
        minutes={planned_id: int((meeting.end - meeting.start).total_seconds() // 60)},
    )
    return problem, problem.requests[0]


def free_times(
    workspace: Workspace,
    store: Store,
    meeting: Meeting,
    feeds: Mapping[str, FeedResult],
    *,
    now: dt.datetime,
    lead_working_days: int = LEAD_WORKING_DAYS,
    count: int = 5,
) -> list[dt.datetime]:
    """Return up to `count` starts (UTC) the meeting could move to, keeping every rule.

    One a day at most (the first free start of each), its current time left out.
    """
    problem, request = change_problem(
        workspace, store, meeting, feeds, now=now, lead_working_days=lead_working_days
    )
    return _offer(problem, request, meeting, count)


def _offer(problem: Round, request: Request, meeting: Meeting, count: int) -> list[dt.datetime]:
    """Return the free times of `free_slots`, but the meeting's own."""
    return [s for s in free_slots(problem, request, count + 1) if s != meeting.start][:count]


def check_time(
    workspace: Workspace,
    store: Store,
    meeting: Meeting,
    start: dt.datetime,
    feeds: Mapping[str, FeedResult],
    *,
    now: dt.datetime,
    lead_working_days: int = LEAD_WORKING_DAYS,
) -> list[str]:
    """Return the planning rules the meeting breaks at `start`, for whom; none: it keeps all."""
    if start <= now:
        return [f"{_local_zone(workspace, meeting, start)} is in the past"]
    problem, request = change_problem(
        workspace, store, meeting, feeds, now=now, lead_working_days=lead_working_days
    )
    return [str(b) for b in check_slot(problem, request, start)]


def _local_zone(workspace: Workspace, meeting: Meeting, start: dt.datetime) -> str:
    zone = workspace.training(meeting.training).timezone
    return f"{start.astimezone(ZoneInfo(zone)):%a %Y-%m-%d %H:%M} {zone}"


def move(
    workspace: Workspace,
    store: Store,
    meeting: Meeting,
    start: dt.datetime,
    actor: str,
    now: dt.datetime,
    *,
    feeds: Mapping[str, FeedResult],
    force: str = "",
    lead_working_days: int = LEAD_WORKING_DAYS,
) -> Meeting:
    """Return the meeting moved to `start` when that keeps every planning rule.

    Raises RuleBroken naming each rule broken and for whom, with the next free
    times, unless `force` gives the reason to move it anyway: then the rules
    broken and the reason go to the audit log. A time in the past is refused
    even so.
    """
    _check_future(meeting, start, now)
    problem, request = change_problem(
        workspace, store, meeting, feeds, now=now, lead_working_days=lead_working_days
    )
    breaches = [str(b) for b in check_slot(problem, request, start)]
    if breaches and not force.strip():
        offered = _offer(problem, request, meeting, 5)
        raise RuleBroken(
            _refusal(problem, meeting, start, breaches, offered),
            breaches,
            [_local(problem, s) for s in offered],
        )
    return reschedule(store, meeting, start, actor, now, forced=force.strip(), breaches=breaches)


def _refusal(
    problem: Round,
    meeting: Meeting,
    start: dt.datetime,
    breaches: Sequence[str],
    offered: Sequence[dt.datetime],
) -> str:
    planned = meeting.id.rsplit("/", 1)[-1]
    count = len(breaches)
    lines = [
        f"{meeting.id}: {_local(problem, start)} {problem.timezone} breaks "
        f"{count} planning rule{'s' if count != 1 else ''}:",
        *(f"  - {breach}" for breach in breaches),
    ]
    if offered:
        lines.append(
            f"Free times that keep every rule ({problem.timezone}): "
            + ", ".join(_local(problem, s) for s in offered)
            + f" (more: consult free-slots {meeting.training} {planned} --round {meeting.round})."
        )
    else:
        lines.append(
            f"No time within the round's window ({problem.earliest}..{problem.latest}) keeps "
            "every rule."
        )
    lines.append(
        "To move it anyway, say why: --force REASON (in the flow: force_reason); "
        "the reason goes to the audit log."
    )
    return "\n".join(lines)


def _local(problem: Round, start: dt.datetime) -> str:
    return f"{start.astimezone(ZoneInfo(problem.timezone)):%a %Y-%m-%d %H:%M}"


def _check_future(meeting: Meeting, start: dt.datetime, now: dt.datetime) -> None:
    if meeting.end <= now:
        raise PlanningError(
            f"{meeting.id}: took place on {meeting.start:%Y-%m-%d} (it ended "
            f"{meeting.end:%Y-%m-%d %H:%M} UTC): a meeting held is not moved; record its notes, "
            "or plan another meeting"
        )
    if start <= now:
        raise PlanningError(f"{meeting.id}: got start {start.isoformat()}, expected a future time")
    if meeting.status not in ("proposed", "confirmed"):
        raise PlanningError(f"{meeting.id}: is {meeting.status}, expected proposed or confirmed")


def reschedule(
    store: Store,
    meeting: Meeting,
    start: dt.datetime,
    actor: str,
    now: dt.datetime,
    *,
    forced: str = "",
    breaches: Sequence[str] = (),
) -> Meeting:
    """Return the meeting moved to `start`, its length kept; people told of it get an update.

    This is the move itself, for a time already checked: `move` checks the
    planning rules first. `forced` is the reason a time breaking `breaches`
    was kept; both go to the audit log. A date poll waiting for its pick is not moved:
    its time is one of the poll's, picked.
    """
    _check_future(meeting, start, now)
    poll = store.poll(meeting.id)
    if poll is not None and poll.open:
        raise PlanningError(
            f"{meeting.id}: is a date poll waiting for its pick: pick one of its times "
            f"(consult pick {meeting.training} {meeting.id.rsplit('/', 1)[-1]} OPTION), "
            "then move it if need be"
        )
    moved = store.upsert_meeting(
        dataclasses.replace(
            MeetingPlan.of(meeting), start=start, end=start + (meeting.end - meeting.start)
        )
    )
    detail: dict[str, object] = {
        "from": meeting.start.isoformat(),
        "to": start.isoformat(),
        "sequence": moved.sequence,
    }
    if forced:
        detail |= {"forced": forced, "breaches": list(breaches)}
    store.audit(actor, "meeting.rescheduled", meeting.id, detail)
    return moved


def cancel(store: Store, meeting: Meeting, actor: str, reason: str = "") -> Meeting:
    """Return the meeting cancelled; people told of it get a cancellation on the next send.

    `reason` goes to the audit log with the cancellation, never into the emails.
    """
    if meeting.status == "cancelled":
        return meeting
    return store.set_meeting_status(meeting.id, "cancelled", actor, reason.strip())
