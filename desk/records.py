"""The check of the record on the training page: what was sent, the answers, the corrections.

    view = record_view(workspace, store, slug, now, public_url=settings.public_url)
    result = send_checks(built, slug, by="Nino")         # POST /trainings/<slug>/record-check
    result = decide(built, slug, 12, accept=True, by="Nino")  # POST .../corrections/12

The coordinator sends the check once a meeting's notes are in (nothing goes out by
itself: the notes are theirs to read first), sees per meeting who confirmed and who
proposed corrections, and accepts or declines each correction, the proposed text beside
the one recorded (consult.application.record_check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.application.record_check import (
    CHECKED,
    decide_correction,
    send_record_checks,
)
from consult.application.references import training_ref
from consult.application.services import Services
from consult.errors import ConsultError
from consult.store import Store
from consult.store.observations import written
from consult.store.records import RecordAnswer, text_digest
from consult.workspace.loading import Workspace
from desk.actions import delivery_sentence, message_lines
from desk.results import ActionResult, failed


@dataclass(frozen=True)
class CheckRow:
    """A meeting whose record was sent to check, and its answers so far."""

    planned: str
    organisation: str
    points: int
    until: str
    open: bool
    confirmed: tuple[str, ...]
    corrected: tuple[str, ...]


@dataclass(frozen=True)
class CorrectionRow:
    """A correction proposed: who, of which point, the text recorded and the one proposed."""

    id: int
    planned: str
    organisation: str
    attendee: str
    recorded: str
    proposed: str
    comment: str
    state: str


@dataclass(frozen=True)
class RecordView:
    """The training page's section on the check of the record."""

    rows: tuple[CheckRow, ...]
    waiting: tuple[CorrectionRow, ...]
    decided: tuple[CorrectionRow, ...]
    ready: tuple[str, ...]
    """The meetings whose record can be sent to check now (held, noted, none sent)."""
    public: bool
    """Whether the stakeholders' pages have an address (the check needs it)."""


def record_view(
    workspace: Workspace, store: Store, slug: str, now: dt.datetime, *, public_url: str | None
) -> RecordView:
    """Return what the training page shows of the check of the record."""
    zone = ZoneInfo(workspace.training(slug).timezone)
    checks = store.record_checks(training=slug)
    meetings = {m.id: m for m in store.meetings(slug)}
    names = {o.id: o.name.get("en") for o in workspace.stakeholders.organisations}
    observations = store.observations(training=slug)
    checkable = {
        o.meeting_id
        for o in observations
        if o.confidentiality != "restricted" and not written(o.key)
    }
    texts = {o.key: o.text for o in observations}
    rows: list[CheckRow] = []
    waiting: list[CorrectionRow] = []
    decided: list[CorrectionRow] = []
    for meeting_id, check in checks.items():
        meeting = meetings[meeting_id]
        organisation = names.get(meeting.organisation, meeting.organisation)
        planned = meeting_id.rsplit("/", 1)[-1]
        wholes = check.wholes()
        rows.append(
            CheckRow(
                planned,
                organisation,
                len(check.observations),
                f"{(check.deadline - dt.timedelta(seconds=1)).astimezone(zone):%Y-%m-%d}",
                check.open_at(now),
                tuple(a.attendee for a in wholes if a.verdict == "confirmed"),
                tuple(a.attendee for a in wholes if a.verdict == "corrections"),
            )
        )
        comments = {a.attendee: a.text or "" for a in wholes}
        for answer in check.corrections():
            row = _correction(
                answer, planned, organisation, comments.get(answer.attendee, ""), texts
            )
            (waiting if answer.state == "pending" else decided).append(row)
    ready = tuple(
        m.id.rsplit("/", 1)[-1]
        for m in meetings.values()
        if m.id not in checks and m.id in checkable and m.status in CHECKED and m.end <= now
    )
    return RecordView(tuple(rows), tuple(waiting), tuple(decided), ready, bool(public_url))


def _correction(
    answer: RecordAnswer, planned: str, organisation: str, comment: str, texts: dict[str, str]
) -> CorrectionRow:
    """Return a correction's row, the text it corrects as recorded now (changed since: said)."""
    recorded = texts.get(answer.observation or "")
    if recorded is None:
        shown = "(no longer recorded: the notes changed or it was erased)"
    elif text_digest(recorded) != answer.digest:
        shown = (
            f"{recorded} (the notes changed since it was sent: this correction no longer applies)"
        )
    else:
        shown = recorded
    return CorrectionRow(
        answer.id,
        planned,
        organisation,
        answer.attendee,
        shown,
        answer.text or "",
        comment,
        answer.state,
    )


def send_checks(built: Services, slug: str, by: str) -> ActionResult:
    """Send the check of the record of every meeting ready for it, each message once."""
    title = "Check of the record"
    report = send_record_checks(built, training_ref(built.workspace, slug), by=by)
    opened = len(report.opened)
    sentences = (
        f"{opened} meeting{'s' if opened != 1 else ''} sent to check now"
        + (f": {', '.join(m.rsplit('/', 1)[-1] for m in report.opened)}." if opened else "."),
        delivery_sentence(report.delivered, "messages of the check of the record"),
        *report.skipped,
    )
    if not report.delivered and not opened:
        return failed(title, "No meeting's record is ready to check: nothing was sent.")
    return ActionResult(title, sentences, message_lines(report.delivered))


def decide(built: Services, slug: str, ident: int, *, accept: bool, by: str) -> ActionResult:
    """Accept or decline the correction `ident` of one of the training's records."""
    title = "Correction accepted" if accept else "Correction declined"
    checks = built.store.record_checks(training=slug)
    found = next((a for c in checks.values() for a in c.corrections() if a.id == ident), None)
    if found is None:
        return failed(title, f"correction {ident}: no such correction of this training's records.")
    try:
        decided = decide_correction(built, ident, "accepted" if accept else "declined", by)
    except ConsultError as error:
        return failed(title, str(error))
    planned = decided.meeting_id.rsplit("/", 1)[-1]
    effect = (
        "the next version of the pack gives the text proposed, marked as corrected."
        if accept
        else "the pack keeps the text as recorded."
    )
    return ActionResult(
        title, (f"{planned}: the correction of {decided.attendee} {decided.state}: {effect}",)
    )
