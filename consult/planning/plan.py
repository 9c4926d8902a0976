"""Plans a consultation round: from the workspace and busy-time feeds to stored, proposed meetings.

    feeds = fetch_round_feeds(workspace, "winter-2027", "round-1")
    plan = plan_round(workspace, "winter-2027", "round-1", feeds, store.meetings(...))
    save_plan(store, plan, actor="coordinator")

Each step is a plain function, so a flow wraps each in a task and the CLI
calls them in a row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.errors import PlanningError
from consult.planning.assignment import Assignment
from consult.planning.feeds import FeedResult
from consult.planning.polls import Option, poll_options
from consult.planning.problem import (
    KEPT,
    booking_of,
    feed_problems,
    feed_urls,
    fetch_round_feeds,
    round_problem,
)
from consult.planning.slots import Booking, Round, candidates, not_before
from consult.planning.solver import solve
from consult.settings import LEAD_WORKING_DAYS
from consult.store import Proposal, Store
from consult.workspace.invitees import invitees
from consult.workspace.links import planned_location
from consult.workspace.loading import TRAININGS, Workspace
from consult.workspace.rounds import meeting_id
from consult.workspace.yamlfile import path_of, read_yaml
from schemas import PlannedMeeting, Training
from schemas.state import Attendee, Meeting
from schemas.training import Poll

__all__ = [
    "KEPT",
    "PlannedRow",
    "RoundPlan",
    "feed_urls",
    "fetch_round_feeds",
    "plan_round",
    "save_plan",
    "schedule_markdown",
    "schedule_rows",
]


@dataclass(frozen=True)
class PlannedRow:
    """One meeting of a round's plan: where and when it landed, or why it did not."""

    id: str
    organisation: str
    format: str
    start: dt.datetime | None
    end: dt.datetime | None
    location: str | None
    facilitators: tuple[str, ...]
    attendees: tuple[Attendee, ...]
    reason: str | None
    kept: bool = False
    options: tuple[Option, ...] = ()
    """A date poll's candidate times, by start (the first is `start`); none: no poll."""
    deadline: dt.datetime | None = None
    """When a date poll's voting closes (midnight after its last day, training's zone)."""
    asked: int = 0
    """How many times the date poll asked for (`options` may hold fewer: those that keep
    every rule)."""


@dataclass(frozen=True)
class RoundPlan:
    """The plan of a round: its meetings, the feeds that failed, whether it is proven optimal."""

    training: str
    round: str
    timezone: str
    rows: tuple[PlannedRow, ...]
    feed_problems: tuple[str, ...]
    optimal: bool

    @property
    def placed(self) -> int:
        """Return how many meetings have a time."""
        return sum(1 for row in self.rows if row.start is not None)


def plan_round(
    workspace: Workspace,
    slug: str,
    round_id: str,
    feeds: Mapping[str, FeedResult],
    existing: Sequence[Meeting],
    replan: bool = False,
    time_limit: float = 60.0,
    *,
    now: dt.datetime | None = None,
    lead_working_days: int = LEAD_WORKING_DAYS,
    booked: Sequence[Booking] = (),
) -> RoundPlan:
    """Return the best plan of a round, around the meetings that keep their time.

    Those are the round's confirmed meetings (unless `replan`) and `booked`,
    the meetings of every other round of every training (`bookings`): each
    takes its people's time, with the buffer, and counts toward each
    facilitator's per-day maximum. No meeting is placed before `now` (the
    current time when None) plus the lead time, `lead_working_days` of each
    party's working days (see `consult.planning.slots.earliest_start`). Raises
    PlanningError when a feed failed and the training says to fail then, and
    when the lead time lets no meeting of the round start within its window.
    """
    training = workspace.training(slug)
    problems = feed_problems(training, slug, round_id, feeds)
    stored = {m.id: m for m in existing}
    kept = {
        planned.id
        for planned in training.round(round_id).meetings
        if (m := stored.get(meeting_id(slug, round_id, planned.id))) is not None
        and m.status in KEPT
        and not replan
    }
    problem = round_problem(
        workspace,
        slug,
        round_id,
        feeds,
        [p for p in training.round(round_id).meetings if p.id not in kept],
        [
            *(b for b in booked if not b.id.startswith(f"{slug}/{round_id}/")),
            *(
                booking_of(workspace, slug, stored[meeting_id(slug, round_id, planned.id)])
                for planned in training.round(round_id).meetings
                if planned.id in kept
            ),
        ],
        now=now or dt.datetime.now(dt.UTC),
        lead_working_days=lead_working_days,
    )
    _check_window(workspace, slug, round_id, problem)
    assignment = solve(problem, candidates(problem), time_limit=time_limit)
    rows = _rows(workspace, slug, round_id, training, assignment, stored, replan)
    return RoundPlan(
        slug,
        round_id,
        training.timezone,
        _polls(training, round_id, problem, rows),
        problems,
        assignment.optimal,
    )


def _polls(
    training: Training, round_id: str, problem: Round, rows: tuple[PlannedRow, ...]
) -> tuple[PlannedRow, ...]:
    """Return the rows with each date poll's options, its start the first of them."""
    round_ = training.round(round_id)
    polls: dict[str, Poll] = {}
    for row in rows:
        planned = row.id.rsplit("/", 1)[-1]
        poll = round_.poll_of(planned)
        if poll is not None and not row.kept:
            polls[planned] = poll
    wanted = {planned: poll.options for planned, poll in polls.items()}
    if not wanted:
        return rows
    placed = {
        row.id.rsplit("/", 1)[-1]: (row.start, row.end)
        for row in rows
        if row.start is not None and row.end is not None
    }
    found = poll_options(problem, wanted, placed)
    zone = ZoneInfo(training.timezone)
    polled = []
    for row in rows:
        planned = row.id.rsplit("/", 1)[-1]
        poll = polls.get(planned)
        options = found.get(planned, ())
        if poll is None or not options:
            polled.append(row)
            continue
        closes = dt.datetime.combine(poll.deadline + dt.timedelta(days=1), dt.time(), zone)
        polled.append(
            dataclasses.replace(
                row,
                start=options[0][0],
                end=options[0][1],
                options=options,
                deadline=closes.astimezone(dt.UTC),
                asked=poll.options,
            )
        )
    return tuple(polled)


def _check_window(workspace: Workspace, slug: str, round_id: str, problem: Round) -> None:
    """Raise PlanningError, naming the round's line, when no meeting can start in its window."""
    late = [
        start
        for request in problem.requests
        if (start := not_before(problem, request)) is not None
        and start + dt.timedelta(minutes=request.minutes) > problem.horizon
    ]
    if not problem.requests or len(late) < len(problem.requests):
        return
    training = workspace.training(slug)
    index = [r.id for r in training.consultation.rounds].index(round_id)
    name = f"{TRAININGS}/{slug}.yaml"
    loc = ("consultation", "rounds", index, "latest")
    # the loaded workspace keeps values, not lines: read the file again, on this rare path only
    line = read_yaml(workspace.root / name, name)[1].of(loc)
    local = min(late).astimezone(ZoneInfo(training.timezone))
    round_ = training.round(round_id)
    where = ", ".join(part for part in (name, f"line {line}" if line else "", path_of(loc)) if part)
    raise PlanningError(
        f"{where}: the window of round {round_id} ({round_.earliest}..{round_.latest}) ends "
        "before the lead time allows any of its meetings to start "
        f"({problem.lead_working_days} working days after now, CONSULT_LEAD_WORKING_DAYS); "
        f"the earliest start is {local:%a %Y-%m-%d %H:%M} {training.timezone}. Move the "
        "round's window (earliest, latest) to dates from then on, and plan again."
    )


def _rows(
    workspace: Workspace,
    slug: str,
    round_id: str,
    training: Training,
    assignment: Assignment,
    stored: Mapping[str, Meeting],
    replan: bool,
) -> tuple[PlannedRow, ...]:
    placements = assignment.by_request()
    rows = []
    for planned in training.round(round_id).meetings:
        id_ = meeting_id(slug, round_id, planned.id)
        attendees = _attendees(workspace, training, planned, id_)
        kept = stored.get(id_)
        if kept is not None and kept.status in KEPT and not replan:
            rows.append(
                PlannedRow(
                    id_,
                    planned.organisation,
                    planned.format,
                    kept.start,
                    kept.end,
                    kept.location,
                    planned.facilitators,
                    attendees,
                    None,
                    True,
                )
            )
            continue
        placement = placements[planned.id]
        rows.append(
            PlannedRow(
                id_,
                planned.organisation,
                planned.format,
                placement.start,
                placement.end,
                planned_location(training, slug, round_id, planned),
                planned.facilitators,
                attendees,
                placement.reason,
            )
        )
    return tuple(rows)


def _attendees(
    workspace: Workspace, training: Training, planned: PlannedMeeting, id_: str
) -> tuple[Attendee, ...]:
    facilitators = {f.id: f for f in training.consultation.facilitators}
    organisation = workspace.stakeholders.organisation(planned.organisation)
    chairs = [
        Attendee(
            meeting_id=id_,
            email=f.email,
            name=f.name_for(f.language),
            role="CHAIR",
            organisation=None,
            language=f.language,
            timezone=f.timezone,
        )
        for f in (facilitators[i] for i in planned.facilitators)
    ]
    consulted = [
        Attendee(
            meeting_id=id_,
            email=c.email,
            name=c.name_for(c.language),
            role="REQ-PARTICIPANT",
            organisation=organisation.id,
            language=c.language,
            timezone=c.timezone,
        )
        for c in invitees(planned, organisation)
    ]
    return (*chairs, *consulted)


def keeps_everything(plan: RoundPlan) -> bool:
    """Return whether every meeting of the plan keeps its confirmed time: nothing to approve."""
    return bool(plan.rows) and all(row.kept for row in plan.rows)


def save_plan(store: Store, plan: RoundPlan, actor: str) -> list[Meeting]:
    """Return the round's meetings after storing its plan as a proposal, in one transaction.

    Kept (confirmed) meetings are left as they are; meetings proposed before
    that the plan no longer places are cancelled. A plan that only keeps
    confirmed meetings stores nothing: the round stays as it was decided.
    """
    placed = {row.id for row in plan.rows if row.start is not None}
    proposals = [
        Proposal(
            row.id,
            plan.training,
            plan.round,
            row.organisation,
            row.format,
            row.start,
            row.end,
            row.location,
            row.facilitators,
            row.attendees,
            row.options,
            row.deadline,
        )
        for row in plan.rows
        if row.start is not None and row.end is not None and not row.kept
    ]
    withdraw = [
        m.id
        for m in store.meetings(plan.training, plan.round)
        if m.status == "proposed" and m.id not in placed
    ]
    if keeps_everything(plan) and not withdraw:
        # A proposal of nothing would put the approved round back to waiting for approval.
        return store.meetings(plan.training, plan.round)
    return store.propose_round(
        plan.training,
        plan.round,
        proposals,
        withdraw,
        actor,
        {
            "unplaced": {row.id: row.reason for row in plan.rows if row.start is None},
            "feed_problems": list(plan.feed_problems),
            "optimal": plan.optimal,
        },
    )


def schedule_rows(workspace: Workspace, plan: RoundPlan) -> list[dict[str, str]]:
    """Return the plan as table rows, by start, the date and time first, then each party's."""
    zone = ZoneInfo(plan.timezone)
    names = {o.id: o.name.en for o in workspace.stakeholders.organisations}
    rows = []
    for row in sorted(plan.rows, key=lambda r: (r.start is None, r.start or _EPOCH, r.id)):
        if row.start is None or row.end is None:
            when, local = "not placed", row.reason or ""
        else:
            start, end = row.start.astimezone(zone), row.end.astimezone(zone)
            when = f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M}"
            zones = sorted({a.timezone for a in row.attendees} - {plan.timezone})
            local = (
                "; ".join(
                    f"{z} {row.start.astimezone(ZoneInfo(z)):%H:%M}-"
                    f"{row.end.astimezone(ZoneInfo(z)):%H:%M}"
                    for z in zones
                )
                or "-"
            )
        rows.append(
            {
                plan.timezone: when,
                "local times": local,
                "meeting": row.id.rsplit("/", 1)[-1],
                "organisation": names[row.organisation],
                "format": row.format.replace("_", " "),
                "facilitators": ", ".join(row.facilitators),
                "invited": ", ".join(a.name for a in row.attendees if a.role != "CHAIR"),
                "status": _status(row, zone),
            }
        )
    return rows


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _status(row: PlannedRow, zone: ZoneInfo) -> str:
    if row.kept:
        return "kept (confirmed)"
    if row.options and row.deadline is not None:
        others = ", ".join(f"{s.astimezone(zone):%a %Y-%m-%d %H:%M}" for s, _ in row.options[1:])
        last = (row.deadline.astimezone(zone) - dt.timedelta(days=1)).date()
        fewer = (
            f", not the {row.asked} asked: only these keep every rule"
            if len(row.options) < row.asked
            else ""
        )
        also = f" (also {others})" if others else ""
        return f"date poll: {len(row.options)} times{fewer}{also}, votes until {last}"
    return "proposed" if row.start else "-"


def schedule_markdown(workspace: Workspace, plan: RoundPlan) -> str:
    """Return the plan as Markdown: a table with each party's local time, and the feed problems."""
    training = workspace.training(plan.training)
    rows = schedule_rows(workspace, plan)
    columns = list(rows[0]) if rows else []
    lines = [
        f"# Schedule: {training.title.en}, {plan.round}",
        "",
        f"{plan.placed} of {len(plan.rows)} meetings placed"
        + ("" if plan.optimal else " (best found; the solver's time limit came before a proof)")
        + ".",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + " --- |" * len(columns),
        *("| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows),
    ]
    if plan.feed_problems:
        lines += ["", "Busy-time feeds planned without (consultation.on_feed_error: proceed):", ""]
        lines += [f"- {_cell(problem)}" for problem in plan.feed_problems]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
