"""Consultation notes as people write them: in the Prefect UI form, in files, or in a survey."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from schemas.state import Confidentiality, ObservationKind
from schemas.types import Email, Id, Language, OneLine, Strict, Text


class ObservationTranslation(Strict):
    """An observation's text, and its speaker's role, in a language other than it was said in.

    A file gives either a plain string, the text, or `{text: ..., speaker_role: ...}`.
    """

    text: Text = Field(min_length=1, max_length=4000)
    speaker_role: OneLine | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string_is_the_text(cls, data: object) -> object:
        return {"text": data} if isinstance(data, str) else data


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
    source: Email | None = Field(
        default=None,
        description="The email of the contact who said it, if they agreed to be named: their "
        "consent and erasure follow it (docs/data-protection.md). Never shown in a pack.",
    )
    language: Language | None = Field(
        default=None,
        description="The language the text was written in; without it, the one whose "
        "letters it is written in (Latin: English).",
    )
    translations: dict[Language, ObservationTranslation] | None = Field(
        default=None,
        description="The text (and the speaker's role) in other languages, e.g. "
        "{ka: ..., ru: {text: ..., speaker_role: ...}}; the text stays as written, and a "
        "quote is never translated.",
    )
    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        """The line of its notes file where it starts; None from a form or KoboToolbox.

        Not a field: the reader of a file says it (`written_at`), never what was written.
        """
        return self._line

    def written_at(self, line: int | None) -> ObservationInput:
        """Return this observation as read from `line` of its notes file."""
        placed = self.model_copy()
        placed._line = line
        return placed

    @model_validator(mode="after")
    def _commitments_have_an_owner(self) -> ObservationInput:
        if self.kind == "commitment" and not self.owner:
            raise PydanticCustomError("commitment", "an owner for a commitment")
        return self

    @field_validator("translations")
    @classmethod
    def _translations_into_other_languages(
        cls, translations: dict[Language, ObservationTranslation] | None, info: ValidationInfo
    ) -> dict[Language, ObservationTranslation] | None:
        if not translations:
            return None
        language = info.data.get("language")
        if language is not None and language in translations:
            raise PydanticCustomError(
                "translations",
                "translations into other languages than the text's own ({language})",
                {"language": language},
            )
        if info.data.get("speaker_role") is None and any(
            t.speaker_role for t in translations.values()
        ):
            raise PydanticCustomError(
                "translations", "a speaker_role to translate (a translation gives one)"
            )
        return translations


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
