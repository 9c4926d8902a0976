"""The vocabulary of consult: pydantic models for the workspace files and the state.

The JSON Schema of each workspace file kind sits beside these modules
(`stakeholders.schema.json`, `training.schema.json`); `consult schema` rewrites it.
"""

from schemas.notes import Attendance, MeetingNotes, ObservationInput
from schemas.stakeholders import Contact, Organisation, OrganisationKind, StakeholdersFile
from schemas.state import (
    Attendee,
    AuditEvent,
    Confidentiality,
    Meeting,
    MeetingStatus,
    Message,
    MessageKind,
    MessageStatus,
    Observation,
    ObservationKind,
    PartStat,
    Reply,
)
from schemas.training import (
    AgendaSession,
    ConsultationPlan,
    Expert,
    Facilitator,
    MeetingFormat,
    PlannedMeeting,
    Round,
    Theme,
    Training,
)
from schemas.types import Language, Localized, WorkingHours

__all__ = [
    "AgendaSession",
    "Attendance",
    "Attendee",
    "AuditEvent",
    "Confidentiality",
    "ConsultationPlan",
    "Contact",
    "Expert",
    "Facilitator",
    "Language",
    "Localized",
    "Meeting",
    "MeetingFormat",
    "MeetingNotes",
    "MeetingStatus",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Observation",
    "ObservationInput",
    "ObservationKind",
    "Organisation",
    "OrganisationKind",
    "PartStat",
    "PlannedMeeting",
    "Reply",
    "Round",
    "StakeholdersFile",
    "Theme",
    "Training",
    "WorkingHours",
]
