"""Consent: recorded per contact (given, refused, withdrawn; when; how; a note), and kept.

A training with `consent_required: true` stores the notes of a meeting whose invitees
have not all given their consent as restricted at most (never shown in a pack), and a
withdrawn consent turns the observations attributed to that person (`source`) restricted
in every training, so no quote of theirs reaches a pack compiled after it. Both are
enforced after every import of notes and before every pack (`enforce_consent`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from consult.application.services import Services
from consult.errors import ConsentError, PersonUnknown, StoreError
from consult.settings import Settings
from consult.store import open_store
from consult.store.consents import HOWS, STATUSES, Consent
from consult.workspace.forgetting import find_person
from consult.workspace.invitees import invitees
from consult.workspace.loading import Workspace


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
    return missing_consents(built.workspace, slug, built.store.consents())


def missing_consents(
    workspace: Workspace, slug: str, known: Mapping[str, Consent]
) -> list[Missing]:
    """Return the training's invitees without consent given among `known` (by casefolded
    email), when the training requires consent; none when it does not."""
    training = workspace.training(slug)
    if not training.consent_required:
        return []
    found: dict[str, Missing] = {}
    registry = workspace.stakeholders
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


def consent_warnings(settings: Settings, workspace: Workspace) -> list[str]:
    """Return a warning per invitee without consent of each training that requires it, read
    from the state database if it exists (none yet: nobody has consented)."""
    needing = [slug for slug, t in sorted(workspace.trainings.items()) if t.consent_required]
    if not needing:
        return []
    known: Mapping[str, Consent] = {}
    url = settings.store_url
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        try:
            with open_store(url) as store:
                known = store.consents()
        except StoreError as error:
            return [f"the consents could not be checked: {error}"]
    return [
        f"trainings/{slug}.yaml: consent_required, but {m.email} ({m.organisation}) has "
        f"{'no consent recorded' if m.status == 'none' else f'consent {m.status}'}: their "
        "meeting's notes are stored restricted; record it with `consult consent`"
        for slug in needing
        for m in missing_consents(workspace, slug, known)
    ]
