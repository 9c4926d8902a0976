"""Each invitee's answer on the training page: bounced, automatic reply, a decline's comment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import Store, open_store
from schemas.state import Attendee, Meeting
from tests.desk.conftest import SLUG
from tests.desk.html import read_page


def silent(store: Store) -> list[tuple[Meeting, Attendee]]:
    """Return the invitees who have not answered, of the demo's meetings without notes."""
    noted = {o.meeting_id for o in store.observations(SLUG)}
    return [
        (meeting, attendee)
        for meeting in store.meetings(SLUG)
        if meeting.id not in noted and meeting.status == "confirmed"
        for attendee in store.attendees(meeting.id)
        if attendee.role != "CHAIR" and attendee.partstat == "NEEDS-ACTION"
    ]


def invitation_to(store: Store, meeting: Meeting, email: str) -> int:
    [sent] = [
        m
        for m in store.messages(meeting.id, "sent")
        if m.recipient == email and m.kind == "invitation"
    ]
    return sent.id


def invitee_line(page_text: str, email: str) -> str:
    """Return the words about one invitee in a meeting's row: from the address to the next."""
    return page_text.split(email, 1)[1].split("@", 1)[0]


def test_a_bounced_invitation_shows_as_bounced_with_the_reason_not_as_waiting(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        (meeting, bounced), (other_meeting, away), *_ = silent(store)
        store.record_inbound(
            "inbox/bounce.eml",
            "bounce",
            "5.1.1 (550 5.1.1 User unknown); about the invitation of " + meeting.id,
            message=invitation_to(store, meeting, bounced.email),
            address=bounced.email,
            status="5.1.1",
        )
        store.record_inbound(
            "inbox/ooo.eml",
            "auto_reply",
            "Auto-Submitted: auto-replied (vacation); subject 'Out of office'",
            message=invitation_to(store, other_meeting, away.email),
            address=away.email,
        )
    page = read_page(open_desk(desk_demo).get(f"/trainings/{SLUG}").text)

    line = invitee_line(page.text(f"meeting-{meeting.id.rsplit('/', 1)[-1]}"), bounced.email)
    assert "bounced 5.1.1 (550 5.1.1 User unknown)" in line
    assert "no answer yet" not in line
    other = page.text(f"meeting-{other_meeting.id.rsplit('/', 1)[-1]}")
    line = invitee_line(other, away.email)
    assert "no answer yet" in line
    assert "automatic reply (Auto-Submitted: auto-replied (vacation))" in line


def test_a_declines_comment_shows_beside_the_answer(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [(meeting, nino), *_] = silent(store)
        store.record_reply(
            meeting.id,
            nino.email,
            "DECLINED",
            meeting.sequence,
            "inbox/nino.eml",
            comment="On mission that week, sorry",
        )
    page = read_page(open_desk(desk_demo).get(f"/trainings/{SLUG}").text)

    line = invitee_line(page.text(f"meeting-{meeting.id.rsplit('/', 1)[-1]}"), nino.email)
    assert "declined · \N{LEFT DOUBLE QUOTATION MARK}On mission that week, sorry" in line
