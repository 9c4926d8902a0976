"""The file outbox: one .eml per message, named after its Message-ID."""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from consult.errors import StorageError, UnsendableMessageError
from consult.mail.mime import RawMessage, as_email, message_bytes, prepare_message
from consult.mail.transports.outbox import FileOutbox, eml_name


def prepared(message_id: str | None = None) -> RawMessage:
    """Return a small invitation to Nino, as the bytes a transport sends."""
    return prepare_message(
        sender=("Consult", "consult@consult.example"),
        recipient=("ნინო ბერიძე", "nino@example.ge"),
        subject="შეხვედრა",
        text="გამარჯობა",
        html="<p>გამარჯობა</p>",
        calendar=None,
        method=None,
        date=datetime(2027, 3, 1, 9, tzinfo=UTC),
        message_id=message_id,
    )


def invitation(message_id: str | None = None) -> EmailMessage:
    """Return a small invitation to Nino."""
    return as_email(prepared(message_id))


def test_a_sent_message_is_written_as_an_eml_named_after_its_message_id(tmp_path: Path):
    message = invitation("<invite-1@consult.example>")

    with FileOutbox(tmp_path / "outbox") as outbox:
        outbox.send(message)

    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["invite-1@consult.example.eml"]


def test_sending_the_same_message_twice_leaves_one_file(tmp_path: Path):
    message = invitation()

    with FileOutbox(tmp_path) as outbox:
        outbox.send(message)
        outbox.send(message)

    assert len(list(tmp_path.iterdir())) == 1


def test_two_messages_make_two_files(tmp_path: Path):
    with FileOutbox(tmp_path) as outbox:
        outbox.send(invitation())
        outbox.send(invitation())

    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_the_file_holds_the_message_bytes_and_parses_back(tmp_path: Path):
    message = invitation()
    FileOutbox(tmp_path).send(message)
    (written,) = tmp_path.iterdir()

    parsed = BytesParser(policy=email.policy.default).parsebytes(written.read_bytes())

    assert written.read_bytes() == message_bytes(message)
    assert parsed["To"].addresses[0].display_name == "ნინო ბერიძე"
    assert parsed["Message-ID"] == message["Message-ID"]


def test_a_prepared_message_is_written_under_its_message_id_with_its_bytes(tmp_path: Path):
    message = prepared("<invite-2@consult.example>")

    FileOutbox(tmp_path).send(message)

    assert (tmp_path / "invite-2@consult.example.eml").read_bytes() == message.data


def test_unsafe_characters_in_a_message_id_do_not_reach_the_file_name():
    first = eml_name(invitation("<../../etc/passwd@x>"))
    second = eml_name(invitation("<.._.._etc_passwd@x>"))

    assert "/" not in first
    assert first.startswith(".._.._etc_passwd@x-")
    assert first != second


def test_a_message_without_a_message_id_is_refused(tmp_path: Path):
    message = invitation()
    del message["Message-ID"]

    with pytest.raises(UnsendableMessageError, match=r"^Message-ID: missing"):
        FileOutbox(tmp_path).send(message)


def test_a_full_disk_leaves_no_part_of_a_message_and_names_the_folder_to_free(
    tmp_path: Path, full_disk: Callable[[], None]
) -> None:
    outbox = tmp_path / "outbox"
    full_disk()

    with pytest.raises(StorageError) as raised:
        FileOutbox(outbox).send(prepared("<invite-1@consult.example>"))

    assert str(raised.value) == (
        f"cannot write {outbox / 'invite-1@consult.example.eml'}: the disk is full (ENOSPC);"
        f" free space on the disk that holds {outbox}"
    )
    assert raised.value.exit_code == 1
    assert list(outbox.iterdir()) == []  # neither the message nor its temporary file
