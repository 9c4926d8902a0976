"""Flow `record-replies` reading a real IMAP mailbox whose credentials live in a block."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from prefect import get_client
from pydantic import SecretStr

from consult.planning.changes import find_meeting
from consult.store import open_store
from flows.blocks import ImapMailbox
from flows.record_replies import RepliesParameters, record_replies_flow
from schemas.state import Meeting
from tests.flows.test_followup_flows import invited_workspace
from tests.imapserver import Dovecot
from tests.integration.mail.test_imap import reply_email


def save_mailbox(dovecot: Dovecot, block: str, folder: str = "INBOX") -> None:
    """Save a block of the test server's mailbox (that folder) under the name `block`."""
    ImapMailbox(
        host="127.0.0.1",
        port=dovecot.port,
        security="none",
        username="coordinator",
        password=SecretStr("secret"),
        folder=folder,
    ).save(block, overwrite=True)


def test_the_flow_reads_the_mailbox_of_its_block(
    dovecot: Dovecot, write_workspace: Callable[..., Path]
) -> None:
    root, settings = invited_workspace(write_workspace)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, "winter-2027", "round-1", "mia")
    dovecot.append(reply_email(meeting, "TENTATIVE", "Tentative: consultation"))
    save_mailbox(dovecot, "replies-mailbox")

    status = record_replies_flow(
        RepliesParameters(training="winter-2027", workspace=str(root), imap_block="replies-mailbox")
    )
    # The round's status names her under "tentative".
    [row] = [line for line in status.splitlines() if "winter-2027/round-1/mia" in line]
    assert row.split("|")[7].strip() == "ნინო ბერიძე (nino@mia.example.gov.ge)"
    with get_client(sync_client=True) as client:
        [artifact] = [a for a in client.read_latest_artifacts() if a.key == "replies"]
    assert "recorded TENTATIVE" in str(artifact.data)
    assert "secret" not in str(artifact.data)
    with open_store(settings.store_url) as store:
        [nino] = [a for a in store.attendees(meeting.id) if a.email == "nino@mia.example.gov.ge"]
    assert nino.partstat == "TENTATIVE"


def itip_email(meeting: Meeting, method: str, event: str) -> bytes:
    """A Gmail-style iTIP message (COUNTER or REFRESH) from Nino, the calendar inline."""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:{meeting.uid}\r\n"
        f"SEQUENCE:{meeting.sequence}\r\nDTSTAMP:20261203T070000Z\r\n{event}"
        "ATTENDEE;CN=Nino:mailto:nino@mia.example.gov.ge\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = "nino@mia.example.gov.ge"
    message["To"] = "consultations@example.org"
    message["Subject"] = f"{method.title()}: consultation"
    message.set_content("Could we meet later?")
    message.add_alternative(calendar.encode(), "text", "calendar", params={"method": method})
    return message.as_bytes()


def test_a_counter_proposal_and_a_refresh_in_the_mailbox_are_read_once(
    dovecot: Dovecot, write_workspace: Callable[..., Path]
) -> None:
    root, settings = invited_workspace(write_workspace)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, "winter-2027", "round-1", "mia")
    later = meeting.start + dt.timedelta(hours=2)
    event = (
        f"DTSTART:{later:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{later + dt.timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\nCOMMENT:Later suits us\r\n"
    )
    folder = f"Counter{meeting.uid[:6]}"
    dovecot.append(itip_email(meeting, "COUNTER", event), folder)
    dovecot.append(itip_email(meeting, "REFRESH", ""), folder)
    save_mailbox(dovecot, "counter-mailbox", folder)
    parameters = RepliesParameters(
        training="winter-2027", workspace=str(root), imap_block="counter-mailbox"
    )
    sent_before = set(settings.outbox.glob("*.eml"))

    for _ in range(2):  # the second run finds both recorded and answered
        record_replies_flow(parameters)

    with open_store(settings.store_url) as store:
        [counter] = store.counters(meeting.id)
        unreadable = store.inbound_sources()
    assert counter.proposer == "nino@mia.example.gov.ge"
    assert counter.start == later
    assert counter.state == "pending"
    assert not [source for source in unreadable if folder in source]  # neither is "unreadable"
    [refreshed] = set(settings.outbox.glob("*.eml")) - sent_before  # the REQUEST, sent once
    message = email.message_from_bytes(refreshed.read_bytes(), policy=email.policy.default)
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert b"METHOD:REQUEST" in calendar.get_payload(decode=True)
    with get_client(sync_client=True) as client:
        [artifact] = [a for a in client.read_latest_artifacts() if a.key == "replies"]
    assert "counter-proposal of nino@mia.example.gov.ge" in str(artifact.data)
