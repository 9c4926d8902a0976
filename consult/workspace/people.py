"""Who an address is: the name and organisation shown beside it wherever consult lists messages.

The desk's delivery table and the ledger export both put a name and an
organisation beside each recipient's address; they ask here, so a person is
named the same in both. An address is looked up lower-cased. A contact of the
registry is named with their organisation; the training's facilitators,
experts and coordinator by what they are to it ("facilitator", "expert",
"facilitator, expert", "coordinator"); an invitee stored with a meeting by the name and organisation
the invitation went out with, which win over the registry's (a contact
renamed since keeps, in the ledger, the name they were written to).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from consult.workspace.loading import Workspace
from schemas.state import Attendee


class Person(NamedTuple):
    """The name and organisation shown beside an address; empty when not known."""

    name: str
    organisation: str


UNKNOWN = Person("", "")


def organisation_names(workspace: Workspace) -> dict[str, str]:
    """Return the English name of each organisation of stakeholders.yaml, by id."""
    return {org.id: org.name.en for org in workspace.stakeholders.organisations}


def people(
    workspace: Workspace, slug: str, invited: Iterable[Sequence[Attendee]] = ()
) -> dict[str, Person]:
    """Return who each address of the training is, by the address lower-cased."""
    names = organisation_names(workspace)
    found = {
        contact.email.lower(): Person(contact.name, organisation.name.en)
        for organisation in workspace.stakeholders.organisations
        for contact in organisation.contacts
    }
    training = workspace.training(slug)
    own = [(f.email, f.name, "facilitator") for f in training.consultation.facilitators]
    own += [(e.email, e.name, "expert") for e in training.experts]
    roles: dict[str, list[str]] = {}
    for email, name, role in own:
        roles.setdefault(email.lower(), []).append(role)
        found[email.lower()] = Person(name, ", ".join(roles[email.lower()]))
    if training.briefing.coordinator_email:
        found.setdefault(training.briefing.coordinator_email.lower(), Person("", "coordinator"))
    for attendees in invited:
        for a in attendees:
            known = found.get(a.email.lower(), UNKNOWN).organisation
            found[a.email.lower()] = Person(a.name, names.get(a.organisation or "", known))
    return found
