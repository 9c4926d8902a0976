"""Hostile messages in a real IMAP mailbox (Dovecot on loopback): named, and the rest read."""

from __future__ import annotations

from consult.mail.imap import read_imap
from tests.imapserver import Dovecot
from tests.unit.mail.test_replies import quoted_email
from tests.unit.mail.test_replies_hostile import HOSTILE, events, nested_multipart


def test_a_deep_or_broken_message_is_named_by_its_url_and_the_others_are_read(
    dovecot: Dovecot,
) -> None:
    folder = "Hostile"
    dovecot.append(nested_multipart(5_000), folder)
    dovecot.append(quoted_email((HOSTILE / "sequence-twice.ics").read_bytes()), folder)
    dovecot.append(quoted_email(events(1)), folder)

    read = read_imap(dovecot.mailbox(folder=folder))

    assert [found.source.rsplit(";", 1)[1] for found in read.found] == ["UID=3"]
    assert [problem.split(";UID=", 1)[1] for problem in read.problems] == [
        "1: the message nests its parts more than 20 deep",
        "2: event 'hostile-1': SEQUENCE appears more than once",
    ]
