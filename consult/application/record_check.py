"""The check of the record: each organisation confirms or corrects what was recorded from it.

    report = send_record_checks(built, training_ref(ws, "winter-2027"), by="Nino")
    answer_record(built, page, comment="", corrections={"notes/x.yaml#3": "We said ..."})
    decide_correction(built, 12, "accepted", by="Nino")      # the pack uses the new text

Once a meeting's notes are in, `send_record_checks` opens its check (what is sent and
until when are fixed then) and sends each consulted invitee who came (or, attendance
unknown, did not decline) a `record_check` message: its public and internal
observations (never restricted ones, nor the written input its invitees wrote themselves)
in their language where translated, quotes as said. Each answers on their page
(`/i/<token>/record`): confirmed, or a new text for any observation, with a comment.
Corrections wait for the coordinator (the desk, `consult record-check --decide`); an
accepted one replaces the text it corrects in the pack, which marks it; the pack's method
section says, per organisation, confirmed / corrected / no answer
(`consult.briefing.records`). Answers are read on the stakeholders' pages only, so a
check needs their public address (CONSULT_PUBLIC_URL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from consult.answers.tokens import PageLinks
from consult.application.page_answers import PersonalPage
from consult.application.references import TrainingRef
from consult.application.services import Services
from consult.briefing.records import RECORD_PATH, record_lines, record_outgoing
from consult.errors import RecordCheckError
from consult.mail.delivery import Delivered, Outgoing, deliver
from consult.mail.render import RecordLine
from consult.store.observations import written
from consult.store.records import Decision, RecordAnswer, RecordCheck, text_digest
from schemas.state import Attendee, Meeting, Observation

CHECK_DAYS = 7
"""Days an organisation has to answer, unless the training starts sooner."""
MAX_CORRECTION = 4000
"""The longest correction or comment taken, in characters (as a note's text)."""
CHECKED = ("held", "confirmed", "notes_missing")
"""The statuses of a meeting whose record can be checked: it took place."""


@dataclass(frozen=True)
class CheckReport:
    """What a send of the checks did: the meetings opened now, the delivery, those left out."""

    opened: list[str] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """One sentence per meeting asked for whose record was not sent, and why."""


def record_of(built: Services, meeting_id: str) -> list[Observation]:
    """Return what a meeting's check sends: its public and internal observations from notes."""
    return [
        o
        for o in built.store.observations(meeting_id=meeting_id)
        if o.confidentiality != "restricted" and not written(o.key)
    ]


def recipients(built: Services, meeting: Meeting) -> list[Attendee]:
    """Return who checks a meeting's record: its consulted invitees who came (or, attendance
    not recorded, did not decline)."""
    return [
        a
        for a in built.store.attendees(meeting.id)
        if a.role == "REQ-PARTICIPANT"
        and (a.attended if a.attended is not None else a.partstat != "DECLINED")
    ]


def deadline_for(training: TrainingRef, now: dt.datetime) -> dt.datetime:
    """Return when answers close: the end of the day CHECK_DAYS on, or of the day before the
    training starts if that is sooner, in the training's zone. Raises RecordCheckError when
    that leaves no whole day to answer."""
    today = now.astimezone(training.zone).date()
    last = min(today + dt.timedelta(days=CHECK_DAYS), training.training.start - dt.timedelta(1))
    if last <= today:
        raise RecordCheckError(
            f"training {training.slug}: starts on {training.training.start}: too soon to ask "
            "the organisations to check the record (they need at least a day)"
        )
    midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), training.zone)
    return midnight.astimezone(dt.UTC)


def send_record_checks(
    built: Services,
    training: TrainingRef,
    by: str,
    meetings: Collection[str] | None = None,
) -> CheckReport:
    """Return what was done after sending the check of the record of the training's meetings.

    Every meeting that took place and has observations to check (or only those ids) is
    opened (once: its observations and deadline are fixed then) and its message sent to
    each who checks it, once each (the ledger). A meeting whose check has closed gets no
    more messages. Raises RecordCheckError without a public address for the pages.
    """
    mail = built.mailing(training)
    if mail.links is None:
        raise RecordCheckError(
            "CONSULT_PUBLIC_URL: not set; the check of the record is answered on the "
            "stakeholders' pages, so set the address they reach (docs/stakeholder-pages.md)"
        )
    report = CheckReport()
    outgoing: list[Outgoing] = []
    now = built.now()
    checks = built.store.record_checks(training=training.slug)
    for meeting in built.store.meetings(training.slug):
        if meetings is not None and meeting.id not in meetings:
            continue
        check = checks.get(meeting.id)
        if check is None and (meeting.status not in CHECKED or meeting.end > now):
            if meetings is not None:
                to_come = "" if meeting.end <= now else ", to come"
                report.skipped.append(f"{meeting.id}: is {meeting.status}{to_come}")
            continue
        observations, who = record_of(built, meeting.id), recipients(built, meeting)
        if check is None:
            check, why = _open(built, training, meeting, by, observations, who, report)
            if check is None:
                if meetings is not None:
                    report.skipped.append(f"{meeting.id}: {why}")
                continue
        if not check.open_at(now):
            report.skipped.append(f"{meeting.id}: answers closed on {check.deadline:%Y-%m-%d}")
            continue
        shown = [o for o in observations if o.key in check.observations]
        for attendee in who:
            link = _link(mail.links, meeting.id, attendee.email, training)
            outgoing.append(record_outgoing(mail, meeting, attendee, check, shown, link))
    report.delivered.extend(
        deliver(
            built.store,
            built.transport,
            outgoing,
            domain=mail.sender.domain,
            lease=built.settings.claim_lease,
        )
    )
    return report


def _open(
    built: Services,
    training: TrainingRef,
    meeting: Meeting,
    by: str,
    observations: list[Observation],
    who: list[Attendee],
    report: CheckReport,
) -> tuple[RecordCheck | None, str]:
    """Return the meeting's check, opened now (or by another run a moment ago); None and why
    not when it has nothing to check or nobody to check it."""
    if not observations:
        return None, "has no public or internal observation recorded to check"
    if not who:
        return None, "nobody of the organisation came (attendance) to check it"
    check, opened = built.store.open_record_check(
        meeting.id,
        deadline_for(training, built.now()),
        {o.key: text_digest(o.text) for o in observations},
        by,
    )
    if opened:
        report.opened.append(meeting.id)
    return check, ""


def _link(links: PageLinks, meeting_id: str, email: str, training: TrainingRef) -> str:
    return links.url(meeting_id, email, training.training.end) + RECORD_PATH


@dataclass(frozen=True)
class RecordOnPage:
    """A meeting's record as one reader checks it on their page."""

    check: RecordCheck
    lines: tuple[RecordLine, ...]
    keys: tuple[str, ...]
    """The key of each line's observation, by line number - 1."""
    recorded: tuple[str, ...]
    """Each line's observation as written (a line may show its translation)."""
    open: bool
    mine: tuple[RecordAnswer, ...]
    """The reader's current answer (the whole first), if any."""


def record_on_page(built: Services, page: PersonalPage) -> RecordOnPage | None:
    """Return the record of the page's meeting as its reader checks it; None when there is no
    check for them (none was sent to them: they chaired it, did not come, or it is not sent)."""
    check = built.store.record_check(page.meeting.id)
    if check is None or not page.consulted or not _asked(built, page):
        return None
    shown = [o for o in record_of(built, page.meeting.id) if o.key in check.observations]
    lines = record_lines(page.training.training, shown, page.language)
    return RecordOnPage(
        check,
        tuple(lines),
        tuple(o.key for o in shown),
        tuple(o.text for o in shown),
        check.open_at(built.now()),
        tuple(check.answer_of(page.attendee.email)),
    )


def _asked(built: Services, page: PersonalPage) -> bool:
    """Return whether the reader was sent the meeting's record to check (the ledger says)."""
    return any(
        m.kind == "record_check" and m.status == "sent" and m.recipient.lower() == page.token.email
        for m in built.store.messages(page.meeting.id)
    )


def answer_record(
    built: Services, page: PersonalPage, comment: str, corrections: Mapping[str, str]
) -> RecordCheck:
    """Return the check once the reader's answer is recorded: no corrections confirms.

    Raises RecordCheckError when no check was sent to them, answers have closed, an
    observation was not sent, or a text is longer than MAX_CORRECTION.
    """
    shown = record_on_page(built, page)
    if shown is None:
        raise RecordCheckError(f"{page.meeting.id}: no check of the record for this reader")
    for key, text in {"comment": comment, **corrections}.items():
        if len(text) > MAX_CORRECTION:
            raise RecordCheckError(
                f"{key}: {len(text)} characters, expected at most {MAX_CORRECTION}"
            )
    return built.store.answer_record_check(
        page.meeting.id,
        page.attendee.email,
        page.language,
        comment.strip() or None,
        {key: text.strip() for key, text in corrections.items() if text.strip()},
        now=built.now(),
    )


def decide_correction(built: Services, answer_id: int, decision: Decision, by: str) -> RecordAnswer:
    """Return the correction once accepted or declined by `by`; the first decision stands."""
    if not by.strip():
        raise RecordCheckError("by: empty, expected who decides, for the audit log")
    return built.store.decide_record_correction(answer_id, decision, by.strip())


def checks_of(built: Services, training: TrainingRef) -> dict[str, RecordCheck]:
    """Return the training's checks of the record, by meeting id."""
    return built.store.record_checks(training=training.slug)
