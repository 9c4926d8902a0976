"""Consultation notes as people write them: in the Prefect UI form, in files, or in a survey."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.state import Confidentiality, ObservationKind
from schemas.types import Id, OneLine, Strict, Text


class ObservationInput(Strict):
    """One thing learnt in a consultation, before it is stored."""

    id: Id | None = Field(
        default=None,
        description="Optional: a stable id within its source, so that edits update it.",
    )
    kind: ObservationKind = Field(
        description="gap, need, challenge, good_practice, recommendation, commitment or question "
        "(an open question for the experts or an owner to answer)."
    )
    theme: Id = Field(description="A theme id of the training's taxonomy.")
    severity: int = Field(ge=1, le=4, description="1 minor ... 4 critical.")
    text: Text = Field(min_length=1, max_length=4000, description="What was said or observed.")
    quote: Text | None = Field(default=None, max_length=2000, description="A verbatim quote.")
    speaker_role: OneLine | None = Field(
        default=None, description="The speaker's role, never their name (e.g. 'investigator')."
    )
    confidentiality: Confidentiality = Field(
        default="internal",
        description="public: quoted as is; internal: shown only anonymised; restricted: "
        "stored, never shown anywhere.",
    )
    owner: OneLine | None = Field(
        default=None, description="Who committed (commitments), or who should answer (questions)."
    )
    due: dt.date | None = Field(default=None, description="By when (commitments only).")

    @model_validator(mode="after")
    def _commitments_have_an_owner(self) -> ObservationInput:
        if self.kind == "commitment" and not self.owner:
            raise PydanticCustomError("commitment", "an owner for a commitment")
        return self


class Attendance(Strict):
    """Someone who came to a meeting."""

    name: OneLine
    organisation: Id | None = None
    role: OneLine | None = None


class MeetingNotes(Strict):
    """The notes of one meeting: who came, and what was learnt."""

    meeting: Id = Field(description="The meeting's id in the round's plan.")
    round: Id | None = Field(default=None, description="The round; empty for the first.")
    organisation: Id
    date: dt.date = Field(description="The day the meeting took place, in its time zone.")
    date_reason: OneLine | None = Field(
        default=None,
        description="Why `date` is not the meeting's day (e.g. 'held a day late, by phone'); "
        "without it, a date other than the meeting's is refused.",
    )
    held: bool = Field(
        default=False,
        description="The meeting was cancelled but held after all: its notes are taken and it "
        "is no longer cancelled. Without it, a cancelled meeting's notes are refused.",
    )
    attendance: tuple[Attendance, ...] = Field(
        default=(), description="Who came, by name: invitees, or people who were not invited."
    )
    others: int = Field(
        default=0,
        ge=0,
        le=10000,
        description="How many more came, not named (a group discussion of 16 with 3 invited).",
    )
    observations: tuple[ObservationInput, ...] = ()
