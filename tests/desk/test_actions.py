"""The desk's actions after the first send, against a real SMTP server (aiosmtpd) and store.

Each action does what its command does (`consult replies`, `reschedule`, `cancel`,
`counter`, `remind`, `brief`), says what it sent on the page it redirects to, and
sends nothing twice when posted again; an error is one sentence, nothing done.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.settings import Settings
from consult.store import open_store
from desk.app import Desk, create_app
from schemas.state import Meeting
from tests.desk.conftest import SECRET, SLUG, DeskClient
from tests.desk.html import read_page
from tests.mailserver import Mailbox, free_port, running, send_from

PLANNED = "pm-human-rights-advisor"
"""A demo meeting without notes, still ahead at the desk's clock."""
ZONE = ZoneInfo("Asia/Tbilisi")


@dataclass
class Setup:
    """The desk on a copy of the demo after its first send, its mail to a real SMTP server."""

    root: Path
    client: DeskClient
    mailbox: Mailbox
    now: dt.datetime

    def meeting(self, planned: str = PLANNED) -> Meeting:
        with open_store(Settings(workspace=self.root).store_url) as store:
            found = store.get_meeting(f"{SLUG}/round-1/{planned}")
        assert found is not None
        return found

    def recipients(self) -> list[str]:
        return [r for d in self.mailbox.deliveries for r in d.recipients]

    def bodies(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(d.content, policy=email.policy.default)  # type: ignore[misc]
            for d in self.mailbox.deliveries
        ]

    def result(self, answer: object) -> str:
        """Return the text of the result panel the POST's redirect shows."""
        page = read_page(answer.text)  # type: ignore[attr-defined]
        return page.text("done")


def desk_with_smtp(root: Path, port: int, now: dt.datetime, *, smtp_port: int = 0) -> DeskClient:
    settings = Settings(
        workspace=root,
        transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port or port,
        smtp_security="none",
    )
    desk = Desk(settings=settings, secret=SECRET, hosts=("testserver",), clock=lambda: now)
    return DeskClient(create_app(desk))


@pytest.fixture
def setup(desk_demo: Path) -> Iterator[Setup]:
    send_from(desk_demo)
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/{PLANNED}")
        assert meeting is not None
        now = meeting.start - dt.timedelta(days=2)
    handler = Mailbox()
    with running(handler) as port, desk_with_smtp(desk_demo, port, now) as client:
        client.login()
        yield Setup(desk_demo, client, handler, now)


def reply_eml(meeting: Meeting, who: str, partstat: str, comment: str = "") -> bytes:
    """An Outlook-style answer to the meeting's invitation, with the attendee's comment."""
    said = f"COMMENT:{comment}\r\n" if comment else ""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nSEQUENCE:{meeting.sequence}\r\n"
        f"DTSTAMP:20261201T090000Z\r\n{said}"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{who}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = email.message.EmailMessage()
    message["From"] = who
    message["To"] = "consultations@consult-mail.net"
    message["Subject"] = partstat.capitalize()
    message.set_content(comment)  # a calendar's answer without words has no text
    message.add_alternative(calendar.encode(), "text", "calendar", params={"method": "REPLY"})
    return message.as_bytes()


def counter_ics(meeting: Meeting, who: str, start: dt.datetime) -> str:
    """A calendar's "propose a new time" for the meeting, of the same length."""
    end = start + (meeting.end - meeting.start)
    stamp = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        "METHOD:COUNTER\r\nBEGIN:VEVENT\r\n"
        f"DTSTART:{start.astimezone(dt.UTC):{stamp}}\r\nDTEND:{end.astimezone(dt.UTC):{stamp}}\r\n"
        f"DTSTAMP:20261203T070000Z\r\nUID:{meeting.uid}\r\n"
        f"ATTENDEE;PARTSTAT=TENTATIVE:mailto:{who}\r\nCOMMENT:Later suits us better\r\n"
        f"SEQUENCE:{meeting.sequence}\r\nSUMMARY:Consultation\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def guests(setup: Setup, planned: str = PLANNED) -> list[str]:
    with open_store(Settings(workspace=setup.root).store_url) as store:
        return [a.email for a in store.attendees(f"{SLUG}/round-1/{planned}") if a.role != "CHAIR"]


def offered(setup: Setup, planned: str = PLANNED) -> list[str]:
    """Return the free times the reschedule form offers, local."""
    form = setup.client.get(f"/trainings/{SLUG}/meetings/round-1/{planned}/reschedule")
    assert form.status_code == 200, form.text
    return [v for v in re.findall(r'name="choice" value="([^"]+)"', form.text) if v != "own"]


def drop_counter(setup: Setup) -> tuple[str, dt.datetime]:
    """Drop into inbox/ a counter-proposal of a guest for a time that keeps every rule."""
    meeting = setup.meeting()
    who = guests(setup)[0]
    start = dt.datetime.fromisoformat(offered(setup)[0]).replace(tzinfo=ZONE)
    inbox = setup.root / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / "counter.ics").write_text(counter_ics(meeting, who, start), encoding="utf-8")
    return who, start


def read(setup: Setup) -> object:
    answer = setup.client.post(f"/trainings/{SLUG}/replies", data={}, follow_redirects=True)
    assert answer.status_code == 200, answer.text
    return answer


def counter_form(setup: Setup) -> str:
    """Return the address of the first waiting counter-proposal's form on the training page."""
    page = setup.client.get(f"/trainings/{SLUG}").text
    found = re.search(rf'action="(/trainings/{SLUG}/counters/[0-9a-f]+)"', page)
    assert found, "no counter-proposal on the page"
    return found.group(1)


def test_reading_replies_records_an_answer_and_a_counter_proposal_once(setup: Setup) -> None:
    meeting, elsewhere = setup.meeting(), setup.meeting("scmi-secretariat")
    who, other = guests(setup)[0], guests(setup, "scmi-secretariat")[0]
    inbox = setup.root / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / "yes.eml").write_bytes(reply_eml(meeting, who, "ACCEPTED"))
    (inbox / "no.eml").write_bytes(reply_eml(elsewhere, other, "DECLINED", "We are abroad then"))
    drop_counter(setup)
    home = read_page(setup.client.get("/").text)
    assert "inbox/ holds 3 calendar files not read yet" in home.text("unread")

    first = read(setup)
    said = setup.result(first)
    assert "3 answers read: " in said
    for kind in ("1 accepted;", "1 declined with a comment;", "1 counter-proposal recorded."):
        assert kind in said
    assert "1 counter-proposal waits for your decision" in said
    with open_store(Settings(workspace=setup.root).store_url) as store:
        partstats = {a.email: a.partstat for a in store.attendees(meeting.id)}
    assert partstats[who] == "ACCEPTED"
    page = read_page(first.text)
    assert who in page.text("waiting")
    assert "keeps every planning rule" in page.text("waiting")
    assert "review-counter-proposal run" not in first.text
    assert 'id="unread"' not in first.text
    # The home page lists the counter-proposal too, linked to where it is decided.
    home_html = setup.client.get("/").text
    assert f'href="/trainings/{SLUG}#counters"' in home_html
    assert "proposes another time" in read_page(home_html).text(f"waits-{SLUG}")

    again = setup.result(read(setup))
    assert "already recorded before" in again
    assert "accepted" not in again
    assert setup.mailbox.deliveries == []


def test_accepting_a_counter_proposal_moves_the_meeting_and_updates_everyone_once(
    setup: Setup,
) -> None:
    _, start = drop_counter(setup)
    read(setup)
    action = counter_form(setup)

    answer = setup.client.post(
        action, data={"decision": "accept", "by": "Nino"}, follow_redirects=True
    )
    said = setup.result(answer)
    assert "Counter-proposal accepted" in said
    assert setup.meeting().start == start
    attendees = guests(setup)
    assert set(attendees) <= set(setup.recipients())
    for recipient in setup.recipients():
        assert recipient in said
    sent = len(setup.mailbox.deliveries)
    assert sent > 0

    again = setup.client.post(
        action, data={"decision": "accept", "by": "Nino"}, follow_redirects=True
    )
    assert "waits for no decision any more: nothing was sent" in setup.result(again)
    assert len(setup.mailbox.deliveries) == sent


def test_declining_a_counter_proposal_answers_the_proposer_only(setup: Setup) -> None:
    who, _ = drop_counter(setup)
    before = setup.meeting()
    read(setup)

    answer = setup.client.post(
        counter_form(setup), data={"decision": "decline", "by": "Nino"}, follow_redirects=True
    )
    assert "Counter-proposal declined" in setup.result(answer)
    assert setup.recipients() == [who]
    assert setup.meeting().start == before.start
    assert "DECLINECOUNTER" in setup.mailbox.deliveries[0].content.decode("utf-8", "replace")


def test_a_counter_decision_without_a_name_does_nothing_and_says_so(setup: Setup) -> None:
    drop_counter(setup)
    read(setup)
    answer = setup.client.post(
        counter_form(setup), data={"decision": "accept"}, follow_redirects=True
    )
    assert "give your name, for the audit log: nothing was done" in setup.result(answer).lower()
    assert setup.mailbox.deliveries == []


def test_rescheduling_to_an_offered_time_sends_the_updates(setup: Setup) -> None:
    times = offered(setup)
    assert times
    url = f"/trainings/{SLUG}/meetings/round-1/{PLANNED}/reschedule"

    answer = setup.client.post(url, data={"choice": times[0], "by": "Nino"}, follow_redirects=True)
    said = setup.result(answer)
    assert "Meeting moved" in said
    expected = dt.datetime.fromisoformat(times[0]).replace(tzinfo=ZONE)
    assert setup.meeting().start == expected
    assert set(guests(setup)) <= set(setup.recipients())
    assert "sent" in said
    # Reloading the result page shows the same result and sends nothing again.
    sent = len(setup.mailbox.deliveries)
    reloaded = setup.client.get(str(answer.url))
    assert setup.result(reloaded) == said
    assert len(setup.mailbox.deliveries) == sent


def test_a_time_that_breaks_a_rule_asks_for_the_reason_then_moves_with_it(
    setup: Setup,
) -> None:
    url = f"/trainings/{SLUG}/meetings/round-1/{PLANNED}/reschedule"
    before = setup.meeting()
    saturday = before.start.astimezone(ZONE).date()
    while saturday.weekday() != 5:
        saturday += dt.timedelta(days=1)
    own = {"choice": "own", "date": saturday.isoformat(), "time": "22:00", "by": "Nino"}

    refused = setup.client.post(url, data=own)
    assert refused.status_code == 400
    page = read_page(refused.text)
    assert "give the reason to force it" in page.text("error-summary")
    assert 'aria-invalid="true" aria-describedby="force_reason-error"' in refused.text
    assert setup.meeting().start == before.start
    assert setup.mailbox.deliveries == []

    forced = setup.client.post(
        url, data={**own, "force_reason": "the ministry asked for it"}, follow_redirects=True
    )
    assert "breaking planning rules because: the ministry asked for it" in setup.result(forced)
    assert setup.meeting().start.astimezone(ZONE).date() == saturday
    assert setup.mailbox.deliveries


def test_a_bad_date_is_named_beside_its_field(setup: Setup) -> None:
    url = f"/trainings/{SLUG}/meetings/round-1/{PLANNED}/reschedule"
    answer = setup.client.post(
        url, data={"choice": "own", "date": "12/01/2027", "time": "10:00", "by": "Nino"}
    )
    assert answer.status_code == 400
    assert "got &#39;12/01/2027&#39;, expected a date such as 2027-01-12" in answer.text
    assert setup.mailbox.deliveries == []


def test_cancelling_tells_the_attendees_and_audits_the_reason_only(setup: Setup) -> None:
    url = f"/trainings/{SLUG}/meetings/round-1/{PLANNED}/cancel"
    confirm = setup.client.get(url)
    assert confirm.status_code == 200
    told = read_page(confirm.text).text("told")
    for guest in guests(setup):
        assert guest in told.replace("\u200b", "")

    missing = setup.client.post(url, data={"by": "Nino"})
    assert missing.status_code == 400
    assert "say why the meeting is cancelled" in missing.text
    assert setup.meeting().status != "cancelled"

    reason = "the organisation merged with another"
    done = setup.client.post(url, data={"by": "Nino", "reason": reason}, follow_redirects=True)
    said = setup.result(done)
    assert "Meeting cancelled" in said
    assert setup.meeting().status == "cancelled"
    assert set(guests(setup)) <= set(setup.recipients())
    for message in setup.bodies():
        assert reason not in message.as_string()
    with open_store(Settings(workspace=setup.root).store_url) as store:
        [event] = [
            e
            for e in store.audit_log(f"{SLUG}/round-1/{PLANNED}")
            if e.action == "meeting.status" and e.detail.get("to") == "cancelled"
        ]
    assert (event.actor, event.detail["reason"]) == ("Nino", reason)
    audit = read_page(setup.client.get(f"/trainings/{SLUG}?audit_kind=meeting").text)
    assert reason in audit.text("audit")

    sent = len(setup.mailbox.deliveries)
    again = setup.client.post(url, data={"by": "Nino", "reason": reason})
    assert "is cancelled already" in again.text
    assert len(setup.mailbox.deliveries) == sent


def test_reminders_due_go_once(setup: Setup) -> None:
    first = setup.client.post(f"/trainings/{SLUG}/reminders", data={}, follow_redirects=True)
    said = setup.result(first)
    assert re.search(r"\d+ reminders due: \d+ sent", said)
    assert setup.mailbox.deliveries
    for recipient in setup.recipients():
        assert recipient in said
    # Each message once: posted again (a reload, a double click), nothing goes twice. (The
    # demo's late answerers get a nudge first, their reminder on the next run: core's rule.)
    for _ in range(2):
        setup.client.post(f"/trainings/{SLUG}/reminders", data={}, follow_redirects=True)
    ids = [m["Message-ID"] for m in setup.bodies()]
    assert len(ids) == len(set(ids))
    sent = len(setup.mailbox.deliveries)
    last = setup.client.post(f"/trainings/{SLUG}/reminders", data={}, follow_redirects=True)
    assert len(setup.mailbox.deliveries) == sent
    assert " sent" not in setup.result(last).replace("already sent", "")


def test_compiling_sends_nothing_then_sending_a_version_goes_once(setup: Setup) -> None:
    # A new venue name is new content, so a new version: the demo's v1 was sent already.
    training = setup.root / "trainings" / f"{SLUG}.yaml"
    text = training.read_text(encoding="utf-8")
    training.write_text(text.replace("Kachreti Vineyard Hotel", "Kachreti Hotel", 1), "utf-8")
    compiled = setup.client.post(f"/trainings/{SLUG}/pack", data={}, follow_redirects=True)
    said = setup.result(compiled)
    assert "Version 2 compiled (a new version); nothing was sent." in said
    assert re.search(r"notes of \d+ meetings? held of \d+ planned", said)
    assert setup.mailbox.deliveries == []
    page = read_page(compiled.text)
    assert "Send version 2 to the experts" in page.text("pack")
    assert "briefing-intercultural-communication-2027-en.pdf" in page.text("pack")

    url = f"/trainings/{SLUG}/packs/2/send"
    sent = setup.client.post(url, data={"by": "Nino"}, follow_redirects=True)
    first = len(setup.mailbox.deliveries)
    assert first > 0
    assert f"{first} pack emails: {first} sent" in setup.result(sent)
    assert all(m.get_content_type() == "multipart/mixed" for m in setup.bodies())
    again = setup.client.post(url, data={"by": "Nino"}, follow_redirects=True)
    assert f"{first} already sent" in setup.result(again)
    assert len(setup.mailbox.deliveries) == first
    assert "sent (" in read_page(again.text).text("pack")


def test_a_version_never_compiled_is_one_sentence(setup: Setup) -> None:
    answer = setup.client.post(
        f"/trainings/{SLUG}/packs/99/send", data={"by": "Nino"}, follow_redirects=True
    )
    assert "got pack version 99" in setup.result(answer)
    assert setup.mailbox.deliveries == []


def test_smtp_down_is_said_per_message_and_nothing_is_lost(desk_demo: Path) -> None:
    send_from(desk_demo)
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/{PLANNED}")
        assert meeting is not None
    now = meeting.start - dt.timedelta(days=2)
    with desk_with_smtp(desk_demo, free_port(), now) as client:
        client.login()
        answer = client.post(
            f"/trainings/{SLUG}/meetings/round-1/{PLANNED}/cancel",
            data={"by": "Nino", "reason": "no room"},
            follow_redirects=True,
        )
    said = read_page(answer.text).text("done")
    assert "Meeting not cancelled: nothing was done" in said
    assert "could not be reached" in said
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        still = store.get_meeting(meeting.id)
    assert still is not None
    assert still.status == meeting.status


@pytest.mark.e2e
def test_a_coordinator_clicks_through_every_action_after_the_first_send(
    desk_demo: Path, tmp_path: Path
) -> None:
    from desk.security import login_url
    from desk.serving import served
    from tests.browser import browser_page, screenshots
    from tests.desk import actions_browser as steps

    send_from(desk_demo)
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/{PLANNED}")
        assert meeting is not None
        who = next(a.email for a in store.attendees(meeting.id) if a.role != "CHAIR")
    now = meeting.start - dt.timedelta(days=2)
    training = desk_demo / "trainings" / f"{SLUG}.yaml"
    text = training.read_text(encoding="utf-8")
    training.write_text(text.replace("Kachreti Vineyard Hotel", "Kachreti Hotel", 1), "utf-8")
    handler = Mailbox()
    shots = screenshots(tmp_path)
    with running(handler) as port:
        settings = Settings(
            workspace=desk_demo,
            transport="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
        )
        desk = Desk(settings=settings, secret=SECRET, clock=lambda: now)
        with served(create_app(desk)) as url, browser_page(800, 900, timeout_ms=60_000) as page:
            page.goto(login_url(url, SECRET))
            # a counter-proposal for the first free time the Move form offers
            page.goto(f"{url}/trainings/{SLUG}/meetings/round-1/{PLANNED}/reschedule")
            first = page.locator('input[name="choice"]').first.get_attribute("value")
            assert first
            start = dt.datetime.fromisoformat(first).replace(tzinfo=ZONE)
            (desk_demo / "inbox").mkdir(exist_ok=True)
            (desk_demo / "inbox" / "counter.ics").write_text(
                counter_ics(meeting, who, start), encoding="utf-8"
            )
            (desk_demo / "inbox" / "yes.eml").write_bytes(reply_eml(meeting, who, "ACCEPTED"))
            steps.open_training(page, url, SLUG)

            assert "1 counter-proposal recorded" in steps.read_replies(page)
            page.screenshot(path=shots / "1-replies.png", full_page=True)
            accepted = steps.accept_counter(page, "Nino")
            assert "Counter-proposal accepted" in accepted
            assert who in accepted
            moved = steps.reschedule_to_offered(page, PLANNED, "Nino")
            assert "Meeting moved" in moved
            page.screenshot(path=shots / "2-moved.png", full_page=True)
            assert "Meeting cancelled" in steps.cancel_meeting(
                page, PLANNED, "the ministry closed for a holiday", "Nino"
            )
            assert "Reminders" in steps.send_reminders(page)
            version = steps.compile_pack(page)
            assert version == 2
            sent = steps.send_pack(page, version, "Nino")
            assert re.search(r"\d+ pack emails: \d+ sent", sent)
            page.screenshot(path=shots / "3-pack-sent.png", full_page=True)
    ids = [
        email.message_from_bytes(d.content, policy=email.policy.default)["Message-ID"]
        for d in handler.deliveries
    ]
    assert len(ids) == len(set(ids))
