"""Who a meeting invites: every contact of its organisation, or those its `attendees` name.

One function, `invitees`, answers it for planning (whose busy time and working
hours count), for the invitations (stored with the plan) and for the briefing
pack; `unmatched` says which entries of a meeting's `attendees` name nobody, for
the workspace's checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.stakeholders import Contact, Organisation
from schemas.training import AttendeeFilter, PlannedMeeting


def invitees(meeting: PlannedMeeting, organisation: Organisation) -> tuple[Contact, ...]:
    """Return the contacts of `organisation` the meeting invites, in the registry's order.

    Without `attendees` that is every contact; with them, each contact that any
    entry matches.
    """
    if not meeting.attendees:
        return organisation.contacts
    return tuple(
        contact
        for contact in organisation.contacts
        if any(matches(entry, contact) for entry in meeting.attendees)
    )


def matches(entry: AttendeeFilter, contact: Contact) -> bool:
    """Return whether one entry of a meeting's `attendees` names the contact."""
    if entry.email is not None and entry.email.casefold() != contact.email.casefold():
        return False
    if entry.location is not None and entry.location.casefold() != (
        (contact.location or "").casefold()
    ):
        return False
    return entry.role is None or entry.role.casefold() in contact.role.casefold()


def unmatched(
    meeting: PlannedMeeting, organisation: Organisation
) -> Iterator[tuple[int, str, str, str]]:
    """Yield each entry of the meeting's `attendees` that names no contact of the organisation.

    As (index, field, value, what was expected): the field is the entry's first key
    that no contact has (its email, its location, its role), or the last one given.
    """
    contacts = organisation.contacts
    for index, entry in enumerate(meeting.attendees):
        if any(matches(entry, contact) for contact in contacts):
            continue
        given = [
            (name, value)
            for name, value in (
                ("email", entry.email),
                ("location", entry.location),
                ("role", entry.role),
            )
            if value is not None
        ]
        for name, value in given:
            if not any(matches(AttendeeFilter.model_validate({name: value}), c) for c in contacts):
                yield index, name, value, _expected(name, organisation)
                break
        else:
            name, value = given[-1]
            expected = f"a filter that matches a contact of {organisation.id} (each of its keys"
            yield index, name, value, f"{expected} matches someone, but no contact all of them)"


def _expected(field: str, organisation: Organisation) -> str:
    """Return what a value of `field` should have been: the organisation's known ones."""
    of = f"of a contact of {organisation.id}"
    if field == "email":
        known = [c.email for c in organisation.contacts]
        return _one_of(f"the email {of}", known)
    if field == "location":
        known = sorted({c.location for c in organisation.contacts if c.location})
        if not known:
            return f"the location {of}, but none of them has a location in stakeholders.yaml"
        return _one_of(f"the location {of}", known)
    return _one_of(f"a part of the role {of}", [c.role for c in organisation.contacts])


def _one_of(what: str, known: list[str]) -> str:
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return f"{what} ({shown})"
