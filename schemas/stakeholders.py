"""`stakeholders.yaml`: the organisations consult talks to, and their contacts."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from pydantic import AnyHttpUrl, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from schemas.privacy import Retention
from schemas.types import (
    Country,
    CyrillicName,
    Email,
    Id,
    Language,
    LatinName,
    Localized,
    OneLine,
    Strict,
    TimeZone,
    WorkingHours,
    spelling_for,
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
    "other",
]
"""What an organisation is; `other` says it in its own words, in `kind_label`."""

StakeholderGroup = Literal[
    "state_institutions", "international_bodies", "civil_society", "participants"
]
"""A broader group of kinds: what the briefing pack names when a kind has too few members."""

KIND_GROUPS: Final[Mapping[OrganisationKind, StakeholderGroup | None]] = MappingProxyType(
    {
        "ministry": "state_institutions",
        "prosecution": "state_institutions",
        "judiciary": "state_institutions",
        "state_agency": "state_institutions",
        "government_advisor": "state_institutions",
        "international_organisation": "international_bodies",
        "un_agency": "international_bodies",
        "ngo": "civil_society",
        "participant_group": "participants",
        "other": None,  # each says what it is in its own words: no group to hide in
    }
)
"""The group each kind belongs to, for the pack's anonymity rule (docs/briefing.md)."""

Level = Literal["low", "medium", "high"]
"""How much an organisation can sway the training's outcome, or cares about it."""

Stance = Literal["supportive", "neutral", "opposed"]
"""Where an organisation stands on what the training sets out to change."""


class Contact(Strict):
    """A person consult writes to, in their language and time zone."""

    name: OneLine
    name_latin: LatinName | None = Field(
        default=None, description="The name in Latin letters, for readers of English."
    )
    name_cyrillic: CyrillicName | None = Field(
        default=None, description="The name in Cyrillic letters, for readers of Russian."
    )
    email: Email
    role: OneLine
    language: Language
    timezone: TimeZone
    busy_feed: AnyHttpUrl | None = Field(
        default=None, description="An ICS feed of the contact's busy time, if they publish one."
    )
    location: OneLine | None = Field(
        default=None,
        description="Where the contact works (a city, a region): a meeting may invite by it.",
    )

    def name_for(self, language: Language) -> str:
        """Return the spelling of the name that a reader of `language` reads."""
        return spelling_for(language, self.name, self.name_latin, self.name_cyrillic)


class Organisation(Strict):
    """A consulted organisation, or a group of the training's future participants."""

    id: Id
    kind: OrganisationKind
    kind_label: Localized | None = Field(
        default=None,
        validate_default=True,
        description="What an organisation of kind `other` is, in its own words.",
    )
    country: Country = Field(description="Where its public holidays come from.")
    name: Localized
    working_hours: WorkingHours = WorkingHours()
    busy_feed: AnyHttpUrl | None = None
    contacts: tuple[Contact, ...] = Field(min_length=1)
    influence: Level | None = Field(
        default=None, description="How much it can sway what the training changes."
    )
    interest: Level | None = Field(default=None, description="How much it cares about it.")
    stance: Stance | None = None

    @field_validator("kind_label")
    @classmethod
    def _label_with_kind_other(
        cls, label: Localized | None, info: ValidationInfo
    ) -> Localized | None:
        kind = info.data.get("kind")
        if kind == "other" and label is None:
            raise PydanticCustomError(
                "kind_label_missing",
                "a label for kind 'other' (kind_label: {example})",
                {"example": "{en: Bar association}"},
            )
        if kind not in (None, "other") and label is not None:
            raise PydanticCustomError("kind_label", "no kind_label (only kind 'other' has one)")
        return label


class MailSender(Strict):
    """Who the messages come from: the From of every email, the ORGANIZER of every invite."""

    name: Localized = Field(
        description="The From name and the signature, per language; a plain string is English."
    )
    email: Email = Field(description="The From address; the calendar replies (RSVPs) go here.")
    reply_to: Email | None = Field(
        default=None, description="Where written answers go, if not to the From address."
    )
    organisation: Localized | None = Field(
        default=None, description="The organisation the messages name as the sender's."
    )


class StakeholdersFile(Strict):
    """The stakeholder registry of a workspace."""

    sender: MailSender | None = Field(
        default=None,
        description="Who the workspace's messages come from; a training's `sender` overrides it.",
    )
    organisations: tuple[Organisation, ...] = Field(
        description="The organisations consulted; none yet in a workspace just started "
        "(`consult init`), which `consult validate` then names."
    )
    retention: Retention | None = Field(
        default=None,
        description="How long each kind of personal data is kept after a training ends "
        "(docs/data-protection.md); a training's own `retention` overrides it key by key.",
    )

    def organisation(self, organisation_id: str) -> Organisation:
        """Return the organisation with this id."""
        for organisation in self.organisations:
            if organisation.id == organisation_id:
                return organisation
        raise KeyError(organisation_id)
