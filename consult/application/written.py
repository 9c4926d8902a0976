"""Written input from a personal page: observations of source "written submission".

An invitee (whether they attend or not) writes, per theme of the training, what
the training should address, with a severity and the confidentiality they
choose, after consenting to how it is used. It is stored as the notes' import
stores observations (`consult.notes.importing.store_written`): checked as every
note is, then counted by the pack (`consult.briefing`), where an organisation
heard only in writing is no missing voice and is marked as heard in writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from consult.answers.wording import consent_text
from consult.application.consent import record_consent
from consult.application.page_answers import PersonalPage
from consult.application.services import Services
from consult.notes.importing import ImportReport, WrittenTarget, store_written
from consult.workspace.forgetting import find_person
from schemas import Confidentiality, ObservationInput

WRITTEN_SOURCE = "written submission"
"""The source the pack and the audit log name written input by."""
KIND = "need"
"""What a written entry is, among the observations' kinds: what the training should address."""


@dataclass(frozen=True)
class WrittenEntry:
    """What an invitee wrote on one theme, and how serious it is (1 minor ... 4 critical)."""

    theme: str
    text: str
    severity: int


def consent_for(built: Services, page: PersonalPage) -> str:
    """Return the consent text the page shows its reader: who reads it, how it is used."""
    sender = built.sender(page.training.slug).organisation_for(page.language)
    return consent_text(page.language, sender, page.title())


def record_written(
    built: Services,
    page: PersonalPage,
    entries: Sequence[WrittenEntry],
    confidentiality: Confidentiality,
    consent: str,
) -> ImportReport:
    """Return the report after storing the entries, with the consent text the writer agreed to.

    Nothing is stored when one entry does not hold (the report's `rejected` says why).
    """
    observations = []
    for entry in entries:
        try:
            observations.append(
                ObservationInput(
                    id=entry.theme,
                    kind=KIND,
                    theme=entry.theme,
                    severity=entry.severity,
                    text=entry.text,
                    confidentiality=confidentiality,
                    language=page.language,
                    source=page.attendee.email,
                )
            )
        except ValidationError as error:
            # named by its theme (`#<theme>`), so the page shows it beside that theme's text
            first = error.errors()[0]
            where = first["loc"][0] if first["loc"] else "text"
            return ImportReport(rejected=[f"#{entry.theme}: {where}: {first['msg']}"])
    target = WrittenTarget(
        built.workspace,
        built.store,
        page.meeting,
        page.attendee.email,
        actor=page.attendee.email,
        now=built.now(),
    )
    detail = {
        "by": page.attendee.email,
        "language": page.language,
        "consent": consent,
        "confidentiality": confidentiality,
        "kind": WRITTEN_SOURCE,
    }
    report = store_written(target, observations, detail)
    if not report.rejected and find_person(built.workspace, page.attendee.email) is not None:
        # The consent text agreed to on the page is the contact's consent (data-protection.md).
        record_consent(
            built,
            page.attendee.email,
            "given",
            how="page",
            note=f"written input on {page.meeting.id}",
            by=page.attendee.email,
        )
    return report
