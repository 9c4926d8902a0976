"""`stakeholders.yaml`: the organisations consult talks to, and their contacts."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field

from schemas.types import (
    Country,
    Email,
    Id,
    Language,
    Localized,
    OneLine,
    Strict,
    TimeZone,
    WorkingHours,
)

OrganisationKind = Literal[
    "ministry",
    "prosecution",
    "judiciary",
    "state_agency",
    "government_advisor",
    "international_organisation",
    "un_agency",
    "ngo",
    "participant_group",
]


class Contact(Strict):
    """A person consult writes to, in their language and time zone."""

    name: OneLine
    email: Email
    role: OneLine
    language: Language
    timezone: TimeZone
    busy_feed: AnyHttpUrl | None = Field(
        default=None, description="An ICS feed of the contact's busy time, if they publish one."
    )


class Organisation(Strict):
    """A consulted organisation, or a group of the training's future participants."""

    id: Id
    kind: OrganisationKind
    country: Country = Field(description="Where its public holidays come from.")
    name: Localized
    working_hours: WorkingHours = WorkingHours()
    busy_feed: AnyHttpUrl | None = None
    contacts: tuple[Contact, ...] = Field(min_length=1)


class StakeholdersFile(Strict):
    """The stakeholder registry of a workspace."""

    organisations: tuple[Organisation, ...] = Field(min_length=1)

    def organisation(self, organisation_id: str) -> Organisation:
        """Return the organisation with this id."""
        for organisation in self.organisations:
            if organisation.id == organisation_id:
                return organisation
        raise KeyError(organisation_id)
