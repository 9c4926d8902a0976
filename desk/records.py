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

import dataclasses
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
from consult.briefing.render import script_language
from consult.errors import ConsultError
from consult.store import Store
from consult.store.records import RecordAnswer, text_digest
from consult.workspace.loading import Workspace
from desk.actions import delivery_sentence, message_lines
from desk.results import ActionResult, failed
from schemas.state import Observation


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
    point: int = 0
    """The point's number in the record the organisation was sent."""
    note: str = ""
    """What accepting it does that the coordinator should know (another language, internal)."""


@dataclass(frozen=True)
class RecordView:
    """The training page's section on the check of the record."""

    rows: tuple[CheckRow, ...]
    waiting: tuple[CorrectionRow, ...]
    decided: tuple[CorrectionRow, ...]
    ready: tuple[str, ...]
    """The organisations (and meetings) whose record can be sent to check now."""
    public: bool
    """Whether the stakeholders' pages have an address (the check needs it)."""


def record_view(
    workspace: Workspace, store: Store, slug: str, now: dt.datetime, *, public_url: str | None
) -> RecordView:
    """Return what the training page shows of the check of the record."""
    zone = ZoneInfo(workspace.training(slug).timezone)
    checks = store.record_checks(training=slug)
    organisations = store.organisations_of(list(checks))
    names = {o.id: o.name.get("en") for o in workspace.stakeholders.organisations}
    texts = store.observations_of(
        {a.observation for c in checks.values() for a in c.corrections() if a.observation}
    )
    rows: list[CheckRow] = []
    waiting: list[CorrectionRow] = []
    decided: list[CorrectionRow] = []
    for meeting_id, check in checks.items():
        organisation = names.get(organisations[meeting_id], organisations[meeting_id])
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
        points = {key: n for n, key in enumerate(check.observations, start=1)}
        for answer in check.corrections():
            row = _correction(
                answer, planned, organisation, comments.get(answer.attendee, ""), texts
            )
            row = dataclasses.replace(row, point=points.get(answer.observation or "", 0))
            (waiting if answer.state == "pending" else decided).append(row)
    ready = tuple(
        f"{names.get(organisation, organisation)} ({meeting_id.rsplit('/', 1)[-1]})"
        for meeting_id, organisation in store.ready_to_check(slug, CHECKED, now).items()
    )
    return RecordView(tuple(rows), tuple(waiting), tuple(decided), ready, bool(public_url))


def _correction(
    answer: RecordAnswer,
    planned: str,
    organisation: str,
    comment: str,
    observations: dict[str, Observation],
) -> CorrectionRow:
    """Return a correction's row, the text it corrects as recorded now (changed since: said)."""
    found = observations.get(answer.observation or "")
    note = ""
    if found is None:
        shown = "(no longer recorded: the notes changed or it was erased)"
    elif text_digest(found.text) != answer.digest:
        shown = (
            f"{found.text} (the notes changed since it was sent: this correction no longer applies)"
        )
    else:
        shown = found.text
        written = found.language or script_language(found.text)
        if written and written != answer.language:
            note = (
                f"written in {LANGUAGE_NAMES.get(answer.language, answer.language)}, the record "
                f"in {LANGUAGE_NAMES.get(written, written)}: accepted, every pack shows it in "
                f"{LANGUAGE_NAMES.get(answer.language, answer.language)} (its translations "
                "were of the old text)"
            )
    return CorrectionRow(
        answer.id,
        planned,
        organisation,
        answer.attendee,
        shown,
        answer.text or "",
        comment,
        answer.state,
        note=note,
    )


LANGUAGE_NAMES = {"ka": "Georgian", "en": "English", "ru": "Russian"}


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
    title = DECISION
    checks = built.store.record_checks(training=slug)
    found = next((a for c in checks.values() for a in c.corrections() if a.id == ident), None)
    if found is None:
        return failed(title, "That correction is not one of this training's: nothing was done.")
    point = list(checks[found.meeting_id].observations).index(found.observation or "") + 1
    which = f"{found.meeting_id.rsplit('/', 1)[-1]}, point {point}, by {found.attendee}"
    if found.state != "pending":
        return failed(
            title,
            f"The correction of {which} was {found.state} already (by {found.decided_by}): "
            "the first decision stands.",
        )
    try:
        decided = decide_correction(built, ident, "accepted" if accept else "declined", by)
    except ConsultError as error:
        return failed(title, str(error))
    observation = next(
        (o for o in built.store.observations(meeting_id=decided.meeting_id)
         if o.key == decided.observation),
        None,
    )  # fmt: skip
    if not accept:
        effect = "the pack keeps the text as recorded."
    elif observation is not None and observation.confidentiality == "public":
        effect = "the next version of the pack gives the text proposed, marked as corrected."
    else:
        effect = (
            "the next version of the pack gives the text proposed; an internal observation "
            "is not marked, only counted in the method section."
        )
    done = "Correction accepted" if accept else "Correction declined"
    return ActionResult(done, (f"The correction of {which} is {decided.state}: {effect}",))


DECISION = "Decision on a correction"
"""The title of a decision that did nothing: it names neither outcome."""
