"""The facts a waiting decision is about, as its form on /decisions shows them.

A plan waits with its schedule: the round's meetings. A round's first send
waits with what it would put out: who gets what (each recipient by name and
organisation, the meeting by its date and time, the kind, the language) and
one example per language as its reader sees it, built by the same
`consult.mail.preview` the flow publishes as artifacts. The preview is made
when the page is shown, so it is what resuming the run would send now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from consult.application.counter_proposals import review_counters, review_lines
from consult.application.references import round_ref, training_ref
from consult.application.send import preview_round
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.errors import ConsultError
from consult.mail.preview import Preview, example_text
from consult.settings import Settings
from consult.store import Store
from consult.workspace.loading import Workspace
from desk.meetings import MeetingRow, round_meetings
from desk.prefect_api import WaitingRun

SEND_FLOW = "send-invitations"
"""The flow whose first send of a round waits for a confirmation."""
COUNTER_FLOW = "review-counter-proposal"
"""The flow whose decision on an attendee's proposed time waits."""


@dataclass(frozen=True)
class Recipient:
    """One message of a first send, as the confirmation form lists it."""

    name: str
    email: str
    organisation: str
    when: str
    kind: str
    language: str


@dataclass(frozen=True)
class SendFacts:
    """What a round's first send would put out: the sender, the counts, who, one example each."""

    sender: str
    summary: str
    recipients: tuple[Recipient, ...]
    examples: tuple[tuple[str, str], ...]
    """(language, the message as its reader sees it: From, To, Subject and the text)."""


@dataclass(frozen=True)
class Facts:
    """What a waiting run's form is about: the round's meetings, and a first send's preview."""

    meetings: tuple[MeetingRow, ...] = ()
    send: SendFacts | None = None
    counter: tuple[str, ...] = ()
    """A counter-proposal: who proposes which time, and each planning rule it breaks."""
    problem: str = ""
    """Why the preview could not be made, in one sentence; empty: it was."""
    since: str = ""
    """When the run began to wait, in the training's zone; empty: no training known."""


def facts(
    settings: Settings, workspace: Workspace, store: Store, run: WaitingRun, now: dt.datetime
) -> Facts:
    """Return the facts of a waiting run: nothing when its training or round is not known."""
    slug = run.training
    if slug is None or slug not in workspace.trainings:
        return Facts()
    rounds = workspace.trainings[slug].consultation.rounds
    round_id = run.round or rounds[0].id
    if round_id not in {r.id for r in rounds}:
        return Facts()
    facts = _facts(settings, workspace, store, run, slug, round_id, now)
    if run.since is None:
        return facts
    zone = ZoneInfo(workspace.trainings[slug].timezone)
    return replace(facts, since=f"{run.since.astimezone(zone):%a %d %b %Y %H:%M} ({zone.key})")


def _facts(
    settings: Settings,
    workspace: Workspace,
    store: Store,
    run: WaitingRun,
    slug: str,
    round_id: str,
    now: dt.datetime,
) -> Facts:
    meetings = round_meetings(workspace, store, slug, round_id)
    if run.flow == COUNTER_FLOW:
        planned = f"{slug}/{round_id}/{run.meeting}"
        built = assemble(settings, workspace, store, lambda: now)
        return counter_facts(built, slug, planned, meetings, now)
    if run.flow != SEND_FLOW:
        return Facts(meetings)
    try:
        built = assemble(settings, workspace, store, lambda: now)
        preview = preview_round(built, round_ref(workspace, slug, round_id))
    except ConsultError as error:
        return Facts(meetings, problem=f"the send preview cannot be made: {error}")
    return Facts(meetings, send_facts(preview, meetings))


def counter_facts(
    built: Services, slug: str, meeting_id: str, meetings: tuple[MeetingRow, ...], now: dt.datetime
) -> Facts:
    """Return the meeting a counter-proposal is about, and the proposal checked by the rules."""
    concerned = tuple(m for m in meetings if m.id == meeting_id)
    try:
        training = training_ref(built.workspace, slug)
        reviews = [r for r in review_counters(built, training) if r.meeting.id == meeting_id]
    except ConsultError as error:
        return Facts(concerned, problem=f"the counter-proposal cannot be checked: {error}")
    lines = review_lines(reviews, training)
    planned = meeting_id.rsplit("/", 1)[-1]
    return Facts(concerned, counter=tuple(lines) or (f"{planned}: no counter-proposal waits",))


def send_facts(preview: Preview, meetings: tuple[MeetingRow, ...]) -> SendFacts:
    """Return a send preview as the confirmation form shows it."""
    when = {m.id: f"{m.when} · {m.organisation}" for m in meetings}
    sender = preview.sender
    return SendFacts(
        sender=f"{sender.name} <{sender.email}>"
        + (f", replies to {sender.reply_to}" if sender.reply_to else ""),
        summary=preview.summary(),
        recipients=tuple(
            Recipient(
                r.name,
                r.email,
                r.organisation,
                when.get(r.meeting_id, r.meeting_id),
                r.kind,
                r.language,
            )
            for r in preview.recipients
        ),
        examples=tuple(
            (language, example_text(message))
            for language, message in sorted(preview.examples.items())
        ),
    )
