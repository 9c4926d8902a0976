"""The golden workspace (tests/data/golden) and a store filled with its hand-checked notes.

Every figure the golden tests expect was worked out by hand from the table
below; tests/unit/briefing/test_analysis.py shows the sums next to each assertion.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from consult.store import MeetingPlan, Store
from schemas.state import Attendee

SLUG = "golden"
GOLDEN = Path(__file__).parent / "data" / "golden"
NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC)
CANARY = "CANARY-7f3e restricted words"
SCRIPT = "<script>alert(1)</script>"
HIDDEN_ROLE = "desk officer, Gori"

# (meeting, kind, theme, severity, confidentiality, extra): stored in this order, so the
# observation numbers in the store are 1, 2, 3... down the table.
OBSERVATIONS: list[tuple[str, str, str, int, str, dict[str, Any]]] = [
    ("mia", "gap", "bias", 2, "internal", {"speaker_role": HIDDEN_ROLE}),  # 1
    ("mia", "good_practice", "referral", 1, "public", {}),  # 2
    (
        "mia",
        "commitment",
        "referral",
        2,
        "public",
        {"owner": "MIA Human Rights Department", "due": dt.date(2027, 1, 10)},
    ),  # 3
    (
        "po",
        "gap",
        "bias",
        3,
        "public",
        {"quote": "We see the motive too late.", "speaker_role": "prosecutor"},
    ),  # 4
    ("po", "challenge", "interpreters", 4, "internal", {}),  # 5
    ("ngo-a", "gap", "bias", 4, "internal", {"text": f"{SCRIPT} Attacks recorded as hooliganism."}),
    ("ngo-a", "gap", "referral", 4, "internal", {}),  # 7
    ("ngo-a", "need", "interpreters", 3, "internal", {}),  # 8
    ("ngo-a", "question", "referral", 2, "internal", {"owner": "State Fund"}),  # 9
    ("coords", "challenge", "interpreters", 4, "internal", {"quote": "We wait hours."}),  # 10
    ("coords", "challenge", "burnout", 3, "internal", {}),  # 11
    ("coords", "need", "bias", 2, "internal", {}),  # 12
    ("coords", "gap", "referral", 4, "restricted", {"text": CANARY, "quote": CANARY}),  # 13
    ("coords", "recommendation", "burnout", 2, "public", {"text": "Monthly peer supervision."}),
]


def golden_workspace(tmp_path: Path) -> Path:
    """Return a copy of the golden workspace that a test may change."""
    root = tmp_path / "golden"
    shutil.copytree(GOLDEN, root)
    return root


def meeting_id(planned: str) -> str:
    """Return the store id of a planned meeting of the golden round."""
    return f"{SLUG}/round-1/{planned}"


def fill_store(store: Store) -> None:
    """Store the golden meetings, answers, attendance and observations."""
    day = dt.datetime(2026, 12, 8, 7, 0, tzinfo=dt.UTC)
    planned = ["mia", "po", "ngo-a", "ngo-b", "un", "osce", "coords"]
    organisation = {"coords": "coords", "late": "ngo-b"}
    for index, name in enumerate(planned):
        start = day + dt.timedelta(days=index)
        store.upsert_meeting(
            MeetingPlan(
                id=meeting_id(name),
                training=SLUG,
                round="round-1",
                organisation=organisation.get(name, name),
                format="group_discussion" if name == "coords" else "online",
                start=start,
                end=start + dt.timedelta(hours=1),
                facilitators=("lela",),
            )
        )
        store.set_meeting_status(meeting_id(name), "confirmed", "test")
    late = dt.datetime(2027, 1, 25, 7, 0, tzinfo=dt.UTC)
    store.upsert_meeting(
        MeetingPlan(
            id=meeting_id("late"),
            training=SLUG,
            round="round-1",
            organisation="ngo-b",
            format="online",
            start=late,
            end=late + dt.timedelta(hours=1),
        )
    )
    store.set_meeting_status(meeting_id("late"), "confirmed", "test")
    store.set_meeting_status(meeting_id("ngo-b"), "cancelled", "test")
    un = meeting_id("un")
    store.set_attendees(
        un,
        [
            _attendee(un, "lela@example.org", "CHAIR", None),
            _attendee(un, "sara@un.example.org", "REQ-PARTICIPANT", "un"),
            _attendee(un, "omar@un.example.org", "REQ-PARTICIPANT", "un"),
        ],
    )
    store.record_reply(un, "lela@example.org", "ACCEPTED", 0, "test")
    for email in ("sara@un.example.org", "omar@un.example.org"):
        store.record_reply(un, email, "DECLINED", 0, "test")
    store.audit(
        "test",
        "notes.attendance",
        meeting_id("coords"),
        {
            "source": "notes/coords.md",
            "attendance": [
                {"name": "Giorgi Kapanadze", "role": "Coordinator, Batumi"},
                {"name": "Maka Goguadze", "role": "Coordinator, Tbilisi"},
            ],
        },
    )
    for number, (meeting, kind, theme, severity, confidentiality, extra) in enumerate(
        OBSERVATIONS, start=1
    ):
        fields = {"text": f"Observation {number} on {theme}.", **extra}
        store.upsert_observation(
            f"golden#{number}",
            meeting_id=meeting_id(meeting),
            organisation=meeting if meeting != "late" else "ngo-b",
            kind=kind,  # type: ignore[arg-type]
            theme=theme,
            severity=severity,
            confidentiality=confidentiality,  # type: ignore[arg-type]
            **fields,
        )


def _attendee(meeting: str, email: str, role: str, organisation: str | None) -> Attendee:
    return Attendee(
        meeting_id=meeting,
        email=email,
        name=email.split("@")[0].title(),
        role=role,  # type: ignore[arg-type]
        organisation=organisation,
        language="en",
        timezone="Asia/Tbilisi",
    )
