"""A real Dovecot mailbox: bounces and automatic replies read, a malformed message set aside once.

The mailbox is read-only, so a message that cannot be read stays there: it is recorded
as unreadable, by its IMAP URL, and later runs neither fetch it nor fail on it.
"""

from __future__ import annotations

from pathlib import Path

from consult.mail.bounces import AutoReply, Bounce
from consult.mail.imap import read_imap
from consult.mail.notices import record_inbox
from consult.store import open_store
from tests.imapserver import Dovecot
from tests.unit.mail.test_replies import quoted_email
from tests.unit.mail.test_replies_hostile import events

DATA = Path(__file__).parents[2] / "data"
MALFORMED = DATA / "hostile" / "mail" / "disposition-star.eml"


def test_one_malformed_message_is_recorded_as_unreadable_and_never_read_again(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    folder = "Malformed"
    dovecot.append(MALFORMED.read_bytes(), folder)
    dovecot.append((DATA / "bounces" / "gmail.eml").read_bytes(), folder)
    dovecot.append((DATA / "bounces" / "exchange-automatic-reply.eml").read_bytes(), folder)
    dovecot.append(quoted_email(events(1)), folder)
    mailbox = dovecot.mailbox(folder=folder)

    read = read_imap(mailbox)

    assert [f.source.rsplit(";", 1)[1] for f in read.found] == ["UID=4"]
    assert [(type(n.notice), n.source.rsplit(";", 1)[1]) for n in read.notices] == [
        (Bounce, "UID=2"),
        (AutoReply, "UID=3"),
    ]
    [broken] = read.unreadable
    assert broken.source.startswith(f"imap://coordinator@127.0.0.1:{dovecot.port}/{folder};")
    assert broken.source.endswith(";UID=1")
    assert broken.reason.startswith("the message cannot be read (IndexError: ")
    assert read.problems == [f"{broken.source}: {broken.reason}"]

    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        record_inbox(store, read)
        [recorded] = store.inbound("unreadable")
        again = read_imap(mailbox, skip=store.inbound_sources())

    assert (recorded.source, recorded.detail) == (broken.source, broken.reason)
    assert (again.problems, again.unreadable) == ([], [])
    assert [f.source for f in again.found] == [f.source for f in read.found]
    # the automatic reply was recorded, so it is not fetched again either; the bounce,
    # about no message of this (empty) ledger, was not
    assert [n.source for n in again.notices] == [read.notices[0].source]
