"""What the desk's pages show, read from the workspace and the store: values, no HTML.

Each page is one function returning a dataclass the template lays out. States
and statuses are shown by their stored names (underscores as spaces), so a
state another part of consult adds (a bounce, a counter-proposal) appears
without a change here; the orders below only put the known ones first.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.briefing.influence import Grid, grid, planned_organisations
from consult.coordination.states import invited_at, meeting_state
from consult.coordination.states import waiting_counters as _countered
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
from consult.planning.problem import fetch_round_feeds
from consult.planning.quorum import FeedsOf, at_risk, has_quorum, risk_line
from consult.settings import LEAD_WORKING_DAYS, Settings
from consult.store import Store
from consult.store.steps import subject as step_subject
from consult.workspace.loading import Workspace
from consult.workspace.people import UNKNOWN, Person, organisation_names
from consult.workspace.people import people as people_of
from schemas.state import Attendee, AuditEvent, Meeting, Message
from schemas.training import Quorum, Training

QUIET_STATUSES = ("pending", "sent")
QUORUM_ORDER = ("no quorum", "not yet", "met")
"""An organisation's quorum is its worst meeting's: one at risk makes it "no quorum"."""
"""Delivery statuses that need no look; every other (failed, rejected, bounced...) comes first."""
DASH = "\N{EN DASH}"
ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED", "NEEDS-ACTION")
"""The answers in the order the answers table shows them; any other after these."""


def words(name: str) -> str:
    """Return a stored name as words: 'notes_missing' -> 'notes missing'."""
    return name.replace("_", " ")


def answer_words(partstat: str) -> str:
    """Return an invitee's answer as words: ACCEPTED is "accepted", NEEDS-ACTION "no answer yet"."""
    if partstat == "NEEDS-ACTION":
        return "no answer yet"
    return words(partstat.lower()).replace("-", " ")


@dataclass(frozen=True)
class TrainingRow:
    """A training in the list: its slug, title, dates and what it holds."""

    slug: str
    title: str
    start: dt.date
    end: dt.date
    timezone: str
    meetings: int
    waiting: int


def training_list(workspace: Workspace, store: Store) -> list[TrainingRow]:
    """Return every training of the workspace, by start date."""
    rows = []
    for slug, training in workspace.trainings.items():
        meetings = [m for m in store.meetings(slug) if m.status != "cancelled"]
        rows.append(
            TrainingRow(
                slug=slug,
                title=training.title.en,
                start=training.start,
                end=training.end,
                timezone=training.timezone,
                meetings=len(meetings),
                waiting=len({m.round for m in meetings if m.status == "proposed"}),
            )
        )
    return sorted(rows, key=lambda row: (row.start, row.slug))


@dataclass(frozen=True)
class TimelineRow:
    """A step of the training's timeline, and where it stands today."""

    what: str
    due: dt.date
    last: dt.date
    state: str
    """done, due, next, later or missed."""


@dataclass(frozen=True)
class Party:
    """An invitee of a meeting, with their answer and their local time."""

    name: str
    email: str
    organisation: str
    role: str
    answer: str
    attended: bool | None
    local: str


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the training page shows it: when first, then who, then its state."""

    id: str
    planned: str
    round: str
    when: str
    """The date and time in the training's zone."""
    local_times: tuple[str, ...]
    """Each other zone of the parties: 'Europe/Bucharest 08:00-09:00'."""
    organisation: str
    format: str
    facilitators: tuple[str, ...]
    invitees: tuple[Party, ...]
    state: str
    observations: int
    quorum: str = ""
    """Why the meeting lacks its quorum and is at risk; empty: it is not."""
    started: bool = True
    """Whether it has started, so that its notes can be recorded."""


@dataclass(frozen=True)
class RoundView:
    """A round of the training: its window and its meetings."""

    id: str
    earliest: dt.date
    latest: dt.date
    meetings: tuple[MeetingRow, ...]
    waiting: bool
    """Its schedule is proposed and waits for the coordinator's decision."""


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
class MessageRow:
    """A message of the delivery ledger, with the name and organisation of its recipient."""

    status: str
    kind: str
    recipient: str
    name: str
    organisation: str
    meeting: str
    attempts: int
    error: str
    sent_at: str


@dataclass(frozen=True)
class Delivery:
    """The training's ledger: totals by status, then the messages, failures first."""

    totals: Mapping[str, int]
    kinds: Mapping[str, int]
    messages: tuple[MessageRow, ...]


@dataclass(frozen=True)
class PackVersion:
    """A version of the briefing pack and its files, by name."""

    version: int
    digest: str
    created: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class AuditRow:
    """An entry of the audit log, its time in the training's zone."""

    at: str
    actor: str
    action: str
    subject: str
    detail: str


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
    answer_columns: tuple[str, ...]
    delivery: Delivery
    packs: tuple[PackVersion, ...]
    audit: tuple[AuditRow, ...]
    waiting: tuple[str, ...] = field(default=())
    """What waits for the coordinator, one line each."""
    influence: Grid | None = None
    """The training's organisations by influence and interest, as the pack's annex has them."""


def training_page(
    workspace: Workspace,
    store: Store,
    slug: str,
    now: dt.datetime,
    out_dir: Path,
    *,
    feeds: FeedsOf | None = None,
    lead_working_days: int = LEAD_WORKING_DAYS,
) -> TrainingPage:
    """Return the training page of `slug` as it stands at `now` (aware).

    A meeting without its quorum waits for the coordinator with the free times
    it could move to: only then are its round's busy-time `feeds` asked (by
    default fetched through the workspace's feed cache).
    """
    training = workspace.training(slug)
    zone = ZoneInfo(training.timezone)
    names = organisation_names(workspace)
    facilitators = {f.id: f.name for f in training.consultation.facilitators}
    meetings = store.meetings(slug)
    attendees = {m.id: store.attendees(m.id) for m in meetings}
    messages = [
        m for m in store.messages() if m.meeting_id == slug or m.meeting_id.startswith(f"{slug}/")
    ]
    noted = Counter(o.meeting_id for o in store.observations(slug))
    invited = invited_at(messages)
    today = local_day(training, now)
    risks = at_risk(
        workspace,
        store,
        slug,
        now,
        feeds or _cached_feeds(workspace, slug),
        lead_working_days=lead_working_days,
    )
    lacking = {risk.meeting.id: risk.reason for risk in risks}
    countered = _countered(store, f"{slug}/")
    rounds = []
    for round_ in training.consultation.rounds:
        rows = tuple(
            _meeting_row(
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
            for m in meetings
            if m.round == round_.id
        )
        waiting = any(m.status == "proposed" for m in meetings if m.round == round_.id)
        rounds.append(RoundView(round_.id, round_.earliest, round_.latest, rows, waiting))
    progress = timeline_progress(store, slug)
    steps = _timeline_rows(slug, training, today, progress)
    waiting_lines = tuple(
        f"{r.id}: the proposed schedule waits for your decision" for r in rounds if r.waiting
    ) + tuple(f"{s.what}: due since {s.due.isoformat()}" for s in steps if s.state == "due")
    waiting_lines += tuple(
        f"{meeting_id.removeprefix(f'{slug}/')}: {proposer} proposes another time; "
        "decide it on the review-counter-proposal run, or with consult counter"
        for meeting_id, proposer in sorted(countered.items())
    )
    waiting_lines += tuple(risk_line(risk, training.timezone) for risk in risks)
    if not due_steps(slug, training, today, progress):
        waiting_lines += (f"nothing due today; {next_step(slug, training, today, progress)}",)
    ahead = {
        m.id for m in meetings if m.status == "confirmed" and m.start > now and not noted[m.id]
    }
    answers, columns = _answers(
        meetings, attendees, names, training.consultation.quorum, lacking, ahead
    )
    return TrainingPage(
        slug=slug,
        training=training,
        title=training.title.en,
        today=today,
        steps=steps,
        rounds=tuple(rounds),
        answers=answers,
        answer_columns=columns,
        delivery=_delivery(messages, people_of(workspace, slug, attendees.values()), zone),
        packs=_packs(store, slug, out_dir, zone),
        audit=_audit(store.audit_log(), slug, {m.id for m in meetings}, zone),
        waiting=waiting_lines,
        influence=grid(planned_organisations(training, workspace.stakeholders.organisations), "en"),
    )


def _cached_feeds(workspace: Workspace, slug: str) -> FeedsOf:
    """Return the round's feeds fetched as the planner fetches them, through the feed cache."""
    cache = Settings(workspace=workspace.root).feed_cache
    return lambda round_id: fetch_round_feeds(workspace, slug, round_id, cache_dir=cache)


def round_meetings(
    workspace: Workspace, store: Store, slug: str, round_id: str
) -> tuple[MeetingRow, ...]:
    """Return the rows of a round's meetings, as the training page shows them."""
    training = workspace.training(slug)
    zone = ZoneInfo(training.timezone)
    names = organisation_names(workspace)
    facilitators = {f.id: f.name for f in training.consultation.facilitators}
    countered = _countered(store, f"{slug}/{round_id}/")
    rows = []
    for meeting in store.meetings(slug, round_id):
        told = invited_at(store.messages(meeting.id, "sent"))
        noted = len(store.observations(meeting_id=meeting.id))
        attendees = store.attendees(meeting.id)
        rows.append(
            _meeting_row(
                meeting,
                attendees,
                zone,
                names,
                facilitators,
                told,
                noted,
                countered=meeting.id in countered,
            )
        )
    return tuple(rows)


def _local(moment: dt.datetime, zone: ZoneInfo, with_date: bool = True) -> str:
    shown = moment.astimezone(zone)
    return shown.strftime("%a %d %b %Y %H:%M" if with_date else "%H:%M")


def _span(meeting: Meeting, zone: ZoneInfo) -> str:
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone)
    day = "" if end.date() == start.date() else end.strftime("%a %d %b ")
    return f"{start:%a %d %b %Y %H:%M}{DASH}{day}{end:%H:%M}"


def _meeting_row(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    zone: ZoneInfo,
    names: Mapping[str, str],
    facilitators: Mapping[str, str],
    invited: set[tuple[str, int]],
    observations: int,
    quorum: str = "",
    countered: bool = False,
    started: bool = True,
) -> MeetingRow:
    zones = sorted({a.timezone for a in attendees} - {zone.key})
    local_times = tuple(
        f"{other} {_local(meeting.start, ZoneInfo(other), False)}{DASH}"
        f"{_local(meeting.end, ZoneInfo(other), False)}"
        for other in zones
    )
    parties = tuple(
        Party(
            name=a.name,
            email=a.email,
            organisation=names.get(a.organisation or "", a.organisation or ""),
            role=words(a.role.lower()),
            answer=answer_words(a.partstat),
            attended=a.attended,
            local=_local(meeting.start, ZoneInfo(a.timezone)),
        )
        for a in attendees
    )
    return MeetingRow(
        id=meeting.id,
        planned=meeting.id.rsplit("/", 1)[-1],
        round=meeting.round,
        when=f"{_span(meeting, zone)} ({zone.key})",
        local_times=local_times,
        organisation=names.get(meeting.organisation, meeting.organisation),
        format=words(meeting.format),
        facilitators=tuple(facilitators.get(f, f) for f in meeting.facilitators),
        invitees=parties,
        state=meeting_state(
            meeting, attendees, (meeting.id, meeting.sequence) in invited, observations, countered
        ),
        observations=observations,
        quorum=quorum,
        started=started,
    )


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


def _delivery(
    messages: Sequence[Message], people: Mapping[str, Person], zone: ZoneInfo
) -> Delivery:
    ordered = sorted(
        messages,
        key=lambda m: (
            QUIET_STATUSES.index(m.status) + 1 if m.status in QUIET_STATUSES else 0,
            m.meeting_id,
            m.recipient,
            m.id,
        ),
    )
    rows = tuple(
        MessageRow(
            status=words(m.status),
            kind=words(m.kind),
            recipient=m.recipient,
            name=people.get(m.recipient.lower(), UNKNOWN).name,
            organisation=people.get(m.recipient.lower(), UNKNOWN).organisation,
            meeting=m.meeting_id.split("/", 1)[-1],
            attempts=m.attempts,
            error=m.error or "",
            sent_at=_local(m.sent_at, zone) if m.sent_at else "",
        )
        for m in ordered
    )
    totals = Counter(words(m.status) for m in ordered)
    quiet = [words(s) for s in QUIET_STATUSES]
    order = [s for s in totals if s not in quiet] + [s for s in quiet if s in totals]
    return Delivery(
        totals={status: totals[status] for status in order},
        kinds=dict(sorted(Counter(words(m.kind) for m in ordered).items())),
        messages=rows,
    )


def pack_folder(out_dir: Path, slug: str, version: int) -> Path:
    """Return the folder the files of a version of the training's pack are in."""
    return out_dir / "briefing" / slug / f"v{version}"


def pack_files(out_dir: Path, slug: str, version: int) -> tuple[str, ...]:
    """Return the names of the files of a version of the pack that are on disk."""
    folder = pack_folder(out_dir, slug, version)
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))


def _packs(store: Store, slug: str, out_dir: Path, zone: ZoneInfo) -> tuple[PackVersion, ...]:
    return tuple(
        PackVersion(version, digest[:12], _local(created, zone), pack_files(out_dir, slug, version))
        for version, digest, created in reversed(store.pack_versions(slug))
    )


def about_training(event: AuditEvent, slug: str, meetings: Iterable[str]) -> bool:
    """Return whether an audit event is about the training, one of its rounds, steps or meetings."""
    subject = event.subject
    return (
        subject == slug
        or subject.startswith((f"{slug}/", step_subject(slug, "")))
        or subject in meetings
    )


def _audit(
    events: Sequence[AuditEvent], slug: str, meetings: set[str], zone: ZoneInfo
) -> tuple[AuditRow, ...]:
    return tuple(
        AuditRow(
            at=_local(e.at, zone) + e.at.astimezone(zone).strftime(":%S"),
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            detail=json.dumps(e.detail, ensure_ascii=False, sort_keys=True, default=str),
        )
        for e in reversed(events)
        if about_training(e, slug, meetings)
    )
