"""An online meeting's link: its own `location`, or the one the training's `meeting_link` makes.

`consult validate` refuses an online meeting with neither (`loading`), and nothing
is sent about one without a link but its cancellation (`mail.invitations`).
"""

from __future__ import annotations

from schemas.state import Meeting
from schemas.training import PlannedMeeting, Training


def made_link(training: Training, slug: str, round_id: str, planned: str) -> str | None:
    """Return the link the training's `meeting_link` makes for a meeting; None without one."""
    template = training.consultation.meeting_link
    if template is None:
        return None
    return template.format(training=slug, round=round_id, meeting=planned)


def planned_location(
    training: Training, slug: str, round_id: str, planned: PlannedMeeting
) -> str | None:
    """Return where a planned meeting is held (in English, as stored), or an online one's link."""
    if planned.location is not None:
        return planned.location.en
    if planned.format != "online":
        return None
    return made_link(training, slug, round_id, planned.id)


def meeting_location(training: Training, meeting: Meeting) -> str | None:
    """Return where a stored meeting is held: its location, or an online one's made link."""
    if meeting.location is not None or meeting.format != "online":
        return meeting.location
    planned = meeting.id.rsplit("/", 1)[-1]
    return made_link(training, meeting.training, meeting.round, planned)
