"""The check of the record: its message in the reader's words, and the corrections in the pack.

Each observation is given in the recipient's language where the notes translate it,
else as written, saying its language; a quote as said, saying its language; never
a restricted one (`consult.application.record_check` picks what is sent). The message
carries no calendar; it links to the recipient's page of the record
(`<public URL>/i/<token>/record`), where they confirm or propose corrections until the
day it names. Keyed in the ledger like any message (meeting, recipient, SEQUENCE,
`record_check`), so each invitee gets it once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from consult.briefing.labels import load_labels, theme_label
from consult.briefing.render import script_language
from consult.mail.delivery import Outgoing
from consult.mail.invitations import TEMPLATES, addressed, language_of, meeting_context
from consult.mail.mailing import Mailing
from consult.mail.mime import RawMessage
from consult.mail.render import RecordLine, render_message
from consult.store.records import RecordCheck, text_digest
from schemas import Language, Training
from schemas.state import Attendee, Meeting, Observation

RECORD_PATH = "/record"
"""What the record's page adds to the address of the personal page."""


def record_lines(
    training: Training, observations: Sequence[Observation], language: Language
) -> list[RecordLine]:
    """Return the observations as the check tells a reader of `language`, numbered from 1."""
    labels = load_labels(language, None)
    lines = []
    for number, observation in enumerate(observations, start=1):
        translated = (observation.translations or {}).get(language) or {}
        written = observation.language or script_language(observation.text)
        foreign = written if written not in (None, language) else None
        if translated.get("text"):
            text, shown_in = str(translated["text"]), None
            note = labels(f"translated_from.{foreign}") if foreign else ""
        else:
            text, shown_in = observation.text, foreign
            note = labels(f"quote_languages.{foreign}") if foreign else ""
        said = script_language(observation.quote) if observation.quote else None
        said = said if said not in (None, language) else None
        lines.append(
            RecordLine(
                number=number,
                theme=theme_label(training, observation.theme, language),
                text=text,
                text_note=note,
                quote=observation.quote,
                quote_note=labels(f"quote_languages.{said}") if said else "",
                severity=observation.severity,
                confidentiality=observation.confidentiality,
                text_lang=shown_in,
                quote_lang=said,
            )
        )
    return lines


def record_outgoing(
    mail: Mailing,
    meeting: Meeting,
    attendee: Attendee,
    check: RecordCheck,
    observations: Sequence[Observation],
    link: str,
) -> Outgoing:
    """Return the check of the record's message to `attendee`, keyed like any message."""

    def build(message_id: str) -> RawMessage:
        language = language_of(attendee)
        located = meeting.model_copy(update={"location": None})
        context = dataclasses.replace(
            meeting_context(mail, located, attendee),
            record=tuple(record_lines(mail.training, observations, language)),
            reply_by=_last_day(check, mail.training.timezone),
            page_url=link,
        )
        rendered = render_message(
            "record_check", language, context, overrides=mail.workspace.root / TEMPLATES
        )
        return addressed(mail.sender, attendee, rendered, None, mail.now, message_id)

    return Outgoing(meeting.id, attendee.email, meeting.sequence, "record_check", build)


def _last_day(check: RecordCheck, timezone: str) -> dt.date:
    """Return the last day answers are taken, in the training's zone."""
    return (check.deadline - dt.timedelta(seconds=1)).astimezone(ZoneInfo(timezone)).date()


CheckStatus = Literal["confirmed", "corrected", "awaiting", "declined", "no_answer"]
"""What came of an organisation's check of the record, as the pack's method section says it:
confirmed as recorded; corrected (a correction was accepted); corrections awaiting the
coordinator; corrections proposed and not accepted; no answer."""


@dataclass(frozen=True)
class CheckedVoice:
    """An organisation whose record was sent to check, and what came of it."""

    organisation: str
    status: CheckStatus


def corrected_observations(
    observations: Sequence[Observation], checks: Mapping[str, RecordCheck]
) -> tuple[list[Observation], frozenset[str]]:
    """Return the observations with each accepted correction applied, and the keys corrected.

    A correction replaces the text it was proposed for, in the language it was written in
    (the notes' translations were of the text replaced); one whose observation's text has
    changed since it was sent (the notes were imported again) no longer applies.
    """
    accepted = {
        answer.observation: answer
        for check in checks.values()
        for answer in check.corrections("accepted")
    }
    out, keys = [], set()
    for observation in observations:
        answer = accepted.get(observation.key)
        if answer is None or not answer.text or answer.digest != text_digest(observation.text):
            out.append(observation)
            continue
        update = {"text": answer.text, "language": answer.language, "translations": None}
        out.append(observation.model_copy(update=update))
        keys.add(observation.key)
    return out, frozenset(keys)


def record_statuses(
    meetings: Sequence[Meeting], checks: Mapping[str, RecordCheck]
) -> tuple[CheckedVoice, ...]:
    """Return each organisation whose record was sent to check, with what came of it."""
    by_organisation: dict[str, list[RecordCheck]] = {}
    for meeting in meetings:
        if meeting.id in checks:
            by_organisation.setdefault(meeting.organisation, []).append(checks[meeting.id])
    return tuple(
        CheckedVoice(organisation, _status(found))
        for organisation, found in by_organisation.items()
    )


def _status(checks: Sequence[RecordCheck]) -> CheckStatus:
    answers = [answer for check in checks for answer in check.answers]
    states = {a.state for a in answers if a.observation is not None}
    if "accepted" in states:
        return "corrected"
    if "pending" in states:
        return "awaiting"
    if any(a.observation is None and a.verdict == "confirmed" for a in answers):
        return "confirmed"
    return "declined" if "declined" in states else "no_answer"
