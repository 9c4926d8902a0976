"""Flow `record-replies` reading a real IMAP mailbox whose credentials live in a block."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import get_client
from pydantic import SecretStr

from consult.planning.changes import find_meeting
from consult.store import open_store
from flows.blocks import ImapMailbox
from flows.record_replies import RepliesParameters, record_replies_flow
from tests.flows.test_followup_flows import invited_workspace
from tests.imapserver import Dovecot
from tests.integration.mail.test_imap import reply_email


def test_the_flow_reads_the_mailbox_of_its_block(
    dovecot: Dovecot, write_workspace: Callable[..., Path]
) -> None:
    root, settings = invited_workspace(write_workspace)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, "winter-2027", "round-1", "mia")
    dovecot.append(reply_email(meeting, "TENTATIVE", "Tentative: consultation"))
    ImapMailbox(
        host="127.0.0.1",
        port=dovecot.port,
        security="none",
        username="coordinator",
        password=SecretStr("secret"),
    ).save("replies-mailbox", overwrite=True)

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
