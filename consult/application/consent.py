"""Consent: recorded per contact (given, refused, withdrawn; when; how; a note), and kept.

A training with `consent_required: true` stores the notes of a meeting whose invitees
have not all given their consent as restricted at most (never shown in a pack), and a
withdrawn consent turns the observations attributed to that person (`source`) restricted
in every training, so no quote of theirs reaches a pack compiled after it. Both are
enforced after every import of notes and before every pack (`enforce_consent`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consult.application.services import Services
from consult.errors import ConsentError, PersonUnknown
from consult.store.consents import HOWS, STATUSES, Consent
from consult.workspace.forgetting import find_person
from consult.workspace.invitees import invitees


def record_consent(
    built: Services,
    email: str,
    status: str,
    *,
    how: str = "coordinator",
    at: dt.datetime | None = None,
    note: str = "",
    by: str,
) -> list[str]:
    """Return what was recorded, in words; a withdrawal restricts their observations too.

    Raises PersonUnknown for an email no contact has, ConsentError for a status or a
    way (`how`) consult does not know; nothing is recorded then.
    """
    person = find_person(built.workspace, email)
    if person is None:
        raise PersonUnknown(f"{email}: no contact of stakeholders.yaml has this email")
    if status not in STATUSES:
        raise ConsentError(f"consent: got {status!r}, expected one of {', '.join(STATUSES)}")
    if how not in HOWS:
        raise ConsentError(f"--how: got {how!r}, expected one of {', '.join(HOWS)}")
    when = at or built.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    built.store.record_consent(Consent(person.email, status, when, how, note, by, built.now()))
    lines = [f"{person.email}: consent {status} ({how}, {when:%Y-%m-%d}) recorded"]
    if status != "given":
        restricted = enforce_consent(built)
        if restricted:
            lines.append(f"{restricted} observation(s) now restricted")
    return lines


@dataclass(frozen=True)
class Missing:
    """An invitee of a training that needs consent, without their consent given."""

    email: str
    organisation: str
    status: str
    """none, refused or withdrawn."""


def without_consent(built: Services, slug: str) -> list[Missing]:
    """Return the training's invitees whose consent is not given, when it requires consent;
    none when it does not."""
    training = built.workspace.training(slug)
    if not training.consent_required:
        return []
    known = built.store.consents()
    found: dict[str, Missing] = {}
    registry = built.workspace.stakeholders
    for round_ in training.consultation.rounds:
        for meeting in round_.meetings:
            organisation = registry.organisation(meeting.organisation)
            for contact in invitees(meeting, organisation):
                consent = known.get(contact.email.casefold())
                if consent is None or consent.status != "given":
                    status = consent.status if consent else "none"
                    found[contact.email] = Missing(contact.email, organisation.id, status)
    return sorted(found.values(), key=lambda m: (m.organisation, m.email))


def enforce_consent(built: Services) -> int:
    """Return how many observations became restricted: those attributed to a person whose
    consent is withdrawn or refused, and, in a training that requires consent, those of a
    meeting with an invitee whose consent is not given."""
    known = built.store.consents()
    refused = [email for email, c in known.items() if c.status in ("withdrawn", "refused")]
    count = 0
    for slug, training in sorted(built.workspace.trainings.items()):
        meetings: list[str] = []
        if training.consent_required:
            attendees = built.store.attendees_of([m.id for m in built.store.meetings(slug)])
            meetings = [
                id
                for id, people in attendees.items()
                if any(
                    known.get(a.email.casefold()) is None
                    or known[a.email.casefold()].status != "given"
                    for a in people
                    if a.role != "CHAIR"
                )
            ]
        if refused or meetings:
            count += built.store.restrict_observations(
                slug, sources=refused, meeting_ids=meetings, reason="consent"
            )
    return count
