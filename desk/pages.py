"""What the desk's pages show, read from the workspace and the store: values, no HTML.

Each page is one function returning a dataclass the template lays out. States
and statuses are shown by their stored names (underscores as spaces), so a
state another part of consult adds (a bounce, a counter-proposal) appears
without a change here; the orders below only put the known ones first. A
meeting's row is `desk.meetings`', the ledger `desk.delivery`'s, the pack's
versions `desk.packs`'.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.briefing.influence import Grid, grid, planned_organisations
from consult.coordination.states import invited_at, mail_notices
from consult.coordination.states import waiting_counters as countered_meetings
from consult.coordination.timeline import (
    Progress,
    Step,
    describe,
    due_steps,
    local_day,
    next_step,
    timeline,
)
from consult.coordination.timeline import progress as timeline_progress
from consult.errors import Problem
from consult.planning.quorum import AtRisk, FeedsOf, at_risk, has_quorum, risk_line
from consult.settings import LEAD_WORKING_DAYS
from consult.store import Known, Store
from consult.store.polls import PollState
from consult.workspace.loading import TRAININGS, Workspace
from consult.workspace.people import organisation_names
from consult.workspace.people import people as people_of
from consult.workspace.training_file import written_by_desk
from desk.audit import FIRST_PAGE, AuditQuery, AuditView, audit_view
from desk.delivery import Delivery, delivery
from desk.meetings import MeetingRow, meeting_row, with_mail
from desk.packs import PackVersion, pack_versions
from desk.paging import FIRST, Paging, Window, window
from desk.polls import stored_poll_view
from desk.wording import answer_words, local
from schemas.state import Attendee, Meeting
from schemas.training import Quorum, Training
from schemas.types import ID_PATTERN

QUORUM_ORDER = ("no quorum", "not yet", "met")
"""An organisation's quorum is its worst meeting's: one at risk makes it "no quorum"."""
ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED", "NEEDS-ACTION")
"""The answers in the order the answers table shows them; any other after these."""


@dataclass(frozen=True)
class TrainingRow:
    """A training in the list: its slug, title, dates and what it holds."""

    slug: str
    title: str
    start: dt.date
    end: dt.date
    timezone: str
    meetings: int
    waiting: tuple[str, ...] = ()
    """What waits for the coordinator, as the training's page lists it."""


def training_list(
    workspace: Workspace,
    store: Store,
    now: dt.datetime,
    feeds: Callable[[str], FeedsOf],
    *,
    lead_working_days: int = LEAD_WORKING_DAYS,
) -> list[TrainingRow]:
    """Return every training of the workspace, by start date, with what waits in each.

    `feeds(slug)` gives a training's busy-time feeds, asked only for a meeting
    without its quorum (to offer it free times), as on the training's page.
    """
    rows = []
    for slug, training in workspace.trainings.items():
        known = Known.read(store, slug)
        meetings = known.meetings
        risks = at_risk(
            workspace,
            store,
            slug,
            now,
            feeds(slug),
            lead_working_days=lead_working_days,
            known=known,
        )
        rows.append(
            TrainingRow(
                slug=slug,
                title=training.title.en,
                start=training.start,
                end=training.end,
                timezone=training.timezone,
                meetings=sum(m.status != "cancelled" for m in meetings),
                waiting=waiting_lines(store, slug, training, known, now, risks),
            )
        )
    return sorted(rows, key=lambda row: (row.start, row.slug))


def waiting_lines(
    store: Store,
    slug: str,
    training: Training,
    known: Known,
    now: dt.datetime,
    risks: Sequence[AtRisk],
) -> tuple[str, ...]:
    """Return what waits for the coordinator in a training: the home and its page say the same."""
    today = local_day(training, now)
    progress = timeline_progress(store, slug, known)
    steps = _timeline_rows(slug, training, today, progress)
    proposed = {m.round for m in known.meetings if m.status == "proposed"}
    waiting = tuple(r.id for r in training.consultation.rounds if r.id in proposed)
    countered = countered_meetings(store, f"{slug}/")
    return _waiting(slug, training, waiting, steps, countered, risks) + _voting(
        store, slug, known.meetings, ZoneInfo(training.timezone)
    )


@dataclass(frozen=True)
class TimelineRow:
    """A step of the training's timeline, and where it stands today."""

    what: str
    due: dt.date
    last: dt.date
    state: str
    """done, due, next, later or missed."""


@dataclass(frozen=True)
class RoundView:
    """A round of the training: its window and its meetings."""

    id: str
    earliest: dt.date
    latest: dt.date
    meetings: tuple[MeetingRow, ...]
    """The rows of the page shown (`shown`) of the round's meetings."""
    waiting: bool
    """Its schedule is proposed and waits for the coordinator's decision."""
    shown: Window = field(default_factory=lambda: window(0, 1))


@dataclass(frozen=True)
class AnswerRow:
    """The answers of one organisation's invitees, counted by answer."""

    organisation: str
    counts: Mapping[str, int]
    invited: int
    quorum: str = ""
    """The quorum of its confirmed meetings still ahead: "met", "no quorum", "not yet" (answers
    awaited, not yet flagged); empty: it has none ahead."""


@dataclass(frozen=True)
class TrainingPage:
    """Everything the training page shows."""

    slug: str
    training: Training
    title: str
    today: dt.date
    steps: tuple[TimelineRow, ...]
    rounds: tuple[RoundView, ...]
    answers: tuple[AnswerRow, ...]
    """The page `answers_shown` of the answers per organisation."""
    answer_columns: tuple[str, ...]
    delivery: Delivery
    packs: tuple[PackVersion, ...]
    audit: AuditView
    waiting: tuple[str, ...] = field(default=())
    """What waits for the coordinator, one line each."""
    influence: Grid | None = None
    """The training's organisations by influence and interest, as the pack's annex has them."""
    answers_shown: Window = field(default_factory=lambda: window(0, 1))


def training_page(
    workspace: Workspace,
    store: Store,
    slug: str,
    now: dt.datetime,
    out_dir: Path,
    feeds: FeedsOf,
    *,
    lead_working_days: int = LEAD_WORKING_DAYS,
    audit: AuditQuery = FIRST_PAGE,
    paging: Paging = FIRST,
) -> TrainingPage:
    """Return the training page of `slug` as it stands at `now` (aware).

    A meeting without its quorum waits for the coordinator with the free times
    it could move to: only then are its round's busy-time `feeds` asked. Long tables
    hold the page `paging` asks for (`desk.paging`).
    """
    training, known = workspace.training(slug), Known.read(store, slug)
    zone = ZoneInfo(training.timezone)
    meetings, attendees, messages = known.meetings, known.attendees, known.messages
    noted = Counter(known.noted)
    today = local_day(training, now)
    risks = at_risk(
        workspace, store, slug, now, feeds, lead_working_days=lead_working_days, known=known
    )
    lacking = {risk.meeting.id: risk.reason for risk in risks}
    countered = countered_meetings(store, f"{slug}/")
    names = organisation_names(workspace)
    facilitators = {f.id: f.name for f in training.consultation.facilitators}
    invited, notices = invited_at(messages), mail_notices(store, messages, meetings, attendees)

    polls = store.polls_of([m.id for m in meetings])

    def row(m: Meeting) -> MeetingRow:
        built = meeting_row(
            m,
            attendees[m.id],
            zone,
            names,
            facilitators,
            invited,
            noted[m.id],
            lacking.get(m.id, ""),
            m.id in countered,
            m.start <= now,
        )
        return _polled(with_mail(built, notices), m, polls, attendees, zone)

    rounds = _rounds(training, meetings, row, paging)
    progress = timeline_progress(store, slug, known)
    steps = _timeline_rows(slug, training, today, progress)
    ahead = _ahead(meetings, now, noted)
    answers, columns = _answers(
        meetings, attendees, names, training.consultation.quorum, lacking, ahead
    )
    shown = window(len(answers), paging.answers)
    return TrainingPage(
        slug=slug,
        training=training,
        title=training.title.en,
        today=today,
        steps=steps,
        rounds=rounds,
        answers=answers[shown.start : shown.stop],
        answers_shown=shown,
        answer_columns=columns,
        delivery=delivery(
            messages, people_of(workspace, slug, attendees.values()), zone, paging.delivery
        ),
        packs=pack_versions(store, slug, out_dir, zone),
        audit=audit_view(store, slug, {m.id for m in meetings}, zone, audit),
        waiting=_waiting(
            slug, training, [r.id for r in rounds if r.waiting], steps, countered, risks
        )
        + _voting(store, slug, meetings, zone)
        + _nothing_due(slug, training, today, progress),
        influence=grid(planned_organisations(training, workspace.stakeholders.organisations), "en"),
    )


def _ahead(meetings: Sequence[Meeting], now: dt.datetime, noted: Mapping[str, int]) -> set[str]:
    """Return the confirmed meetings still ahead and without notes: those a quorum is for."""
    return {m.id for m in meetings if m.status == "confirmed" and m.start > now and not noted[m.id]}


def _polled(
    row: MeetingRow,
    meeting: Meeting,
    polls: Mapping[str, PollState],
    attendees: Mapping[str, Sequence[Attendee]],
    zone: ZoneInfo,
) -> MeetingRow:
    """Return the meeting's row, with its date poll's votes if it has one; voting, so named."""
    state = polls.get(meeting.id)
    if state is None:
        return row
    row = dataclasses.replace(row, poll=stored_poll_view(meeting, state, attendees, zone))
    if state.open and meeting.status == "confirmed":
        row = dataclasses.replace(row, state="voting")
    return row


def _rounds(
    training: Training,
    meetings: Sequence[Meeting],
    row: Callable[[Meeting], MeetingRow],
    paging: Paging,
) -> tuple[RoundView, ...]:
    """Return each round of the training with the rows of the page `paging` asks for of its
    meetings (in the order of `meetings`); rows are built for those alone."""
    by_round: dict[str, list[Meeting]] = {}
    for m in meetings:
        by_round.setdefault(m.round, []).append(m)
    views = []
    for round_ in training.consultation.rounds:
        own = by_round.get(round_.id, [])
        shown = window(len(own), paging.of_round(round_.id))
        views.append(
            RoundView(
                round_.id,
                round_.earliest,
                round_.latest,
                tuple(row(m) for m in own[shown.start : shown.stop]),
                any(m.status == "proposed" for m in own),
                shown,
            )
        )
    return tuple(views)


def _waiting(
    slug: str,
    training: Training,
    proposed: Sequence[str],
    steps: Sequence[TimelineRow],
    countered: Mapping[str, str],
    risks: Sequence[AtRisk],
) -> tuple[str, ...]:
    """Return what waits for the coordinator: schedules, steps due, counter-proposals, risks."""
    lines = tuple(
        f"{round_id}: the proposed schedule waits for your decision" for round_id in proposed
    ) + tuple(f"{s.what}: due since {s.due.isoformat()}" for s in steps if s.state == "due")
    lines += tuple(
        f"{meeting_id.removeprefix(f'{slug}/')}: {proposer} proposes another time; "
        "accept or decline it under Counter-proposals"
        for meeting_id, proposer in sorted(countered.items())
    )
    return lines + tuple(risk_line(risk, training.timezone) for risk in risks)


def _voting(
    store: Store, slug: str, meetings: Sequence[Meeting], zone: ZoneInfo
) -> tuple[str, ...]:
    """Return a line for each confirmed meeting whose date poll waits for its pick."""
    polls = store.polls_of([m.id for m in meetings])
    return tuple(
        f"{m.id.removeprefix(f'{slug}/')}: its date poll waits for your pick (or the best "
        f"time is picked when voting closes, {local(polls[m.id].deadline, zone)})"
        for m in meetings
        if m.id in polls and polls[m.id].open and m.status == "confirmed"
    )


def _nothing_due(
    slug: str, training: Training, today: dt.date, progress: Progress
) -> tuple[str, ...]:
    """Return the line that says what comes next when nothing is due today; none otherwise."""
    if due_steps(slug, training, today, progress):
        return ()
    return (f"nothing due today; {next_step(slug, training, today, progress)}",)


def _timeline_rows(
    slug: str, training: Training, today: dt.date, progress: Progress
) -> tuple[TimelineRow, ...]:
    rows: list[TimelineRow] = []
    reminders = [s for s in timeline(slug, training) if s.kind == "remind"]
    upcoming_seen = False
    for step in timeline(slug, training):
        if step.kind == "remind":
            if step is not reminders[0]:
                continue
            sent = sum(progress.done(s) for s in reminders)
            state = _state(step, today, progress.done(step))
            if reminders[0].due <= today <= reminders[-1].last:
                state = "due"
            elif today > reminders[-1].last:
                state = "done"
            what = f"daily reminders ({sent} of {len(reminders)} days sent)"
            rows.append(TimelineRow(what, step.due, reminders[-1].last, state))
            continue
        state = _state(step, today, progress.done(step))
        if state in ("due", "later") and progress.waiting(step):
            proposed = progress.schedules.get(step.round or "") == "proposed"
            state = "waits for approval" if proposed else "waits for the plan"
        elif state == "later" and not upcoming_seen:
            state, upcoming_seen = "next", True
        rows.append(TimelineRow(describe(step), step.due, step.last, state))
    return tuple(rows)


def _state(step: Step, today: dt.date, done: bool) -> str:
    if done:
        return "done"
    if step.due <= today <= step.last:
        return "due"
    return "missed" if today > step.last else "later"


def _answers(
    meetings: Sequence[Meeting],
    attendees: Mapping[str, Sequence[Attendee]],
    names: Mapping[str, str],
    quorum: Quorum,
    lacking: Collection[str],
    ahead: Collection[str],
) -> tuple[tuple[AnswerRow, ...], tuple[str, ...]]:
    """Return the answers per organisation, with the quorum of its meetings still `ahead`."""
    by_org: dict[str, Counter[str]] = {}
    quorums: dict[str, set[str]] = {}
    for meeting in meetings:
        if meeting.status == "cancelled":
            continue
        for a in attendees[meeting.id]:
            if a.role == "CHAIR":
                continue
            org = names.get(a.organisation or meeting.organisation, a.organisation or "")
            by_org.setdefault(org, Counter())[a.partstat] += 1
        if meeting.id in ahead:
            own = names.get(meeting.organisation, meeting.organisation)
            quorums.setdefault(own, set()).add(
                "no quorum"
                if meeting.id in lacking
                else "met"
                if has_quorum(meeting, attendees[meeting.id], quorum)
                else "not yet"
            )
    seen = {answer for counts in by_org.values() for answer in counts}
    columns = tuple(a for a in ANSWERS if a in seen) + tuple(sorted(seen - set(ANSWERS)))
    rows = tuple(
        AnswerRow(
            org,
            {answer_words(k): v for k, v in counts.items()},
            sum(counts.values()),
            next((q for q in QUORUM_ORDER if q in quorums.get(org, ())), ""),
        )
        for org, counts in sorted(by_org.items())
    )
    return rows, tuple(answer_words(c) for c in columns)


@dataclass(frozen=True)
class WorkspaceProblem:
    """A problem that stops the workspace from loading, as `consult validate` says it."""

    file: str
    line: int | None
    field: str
    said: str
    """What is wrong: the value, and what is expected."""
    round_form: str = ""
    """The slug of a training file the desk wrote, when the problem is one of its rounds':
    its new-round form can add the round it lacks or replace one."""


def workspace_problems(root: Path, problems: Sequence[Problem]) -> tuple[WorkspaceProblem, ...]:
    """Return the problems of a workspace that does not load, each with the desk's form if any."""
    shown = []
    for problem in problems:
        slug = ""
        if problem.file.startswith(f"{TRAININGS}/") and problem.file.endswith(".yaml"):
            candidate = problem.file.removeprefix(f"{TRAININGS}/").removesuffix(".yaml")
            if ID_PATTERN.match(candidate) and written_by_desk(Path(root) / problem.file):
                slug = candidate
        bare = str(dataclasses.replace(problem, file="", line=None, path="")).removeprefix(": ")
        about_rounds = problem.path.startswith("consultation.rounds")
        shown.append(
            WorkspaceProblem(
                problem.file, problem.line, problem.path, bare, slug if about_rounds else ""
            )
        )
    return tuple(shown)
