"""The words an attendee typed with an answer, without the quotation or the client's notice."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

import pytest

from consult.mail.calendar import MAX_COMMENT
from consult.mail.comments import typed_text


def leaves(text: str) -> list[Message]:
    message = EmailMessage()
    message.set_content(text)
    return [BytesParser(policy=policy.default).parsebytes(bytes(message))]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Nino Beridze has declined this invitation.\n", ""),
        ("On mission that week, sorry\n\n> You are invited\n", "On mission that week, sorry"),
        (
            "Будем в командировке.\n\nВ пн, 7 дек. 2026 г. IOM написал:\n> текст",  # noqa: RUF001
            "Будем в командировке.",
        ),
        ("Sorry.\n-----Original Message-----\nFrom: IOM\n", "Sorry."),
        ("Busy.\n________________________________\nFrom: IOM", "Busy."),
    ],
)
def test_only_what_the_attendee_typed_is_kept(text: str, kept: str) -> None:
    assert typed_text(leaves(text)) == kept


def test_a_long_text_is_clipped() -> None:
    kept = typed_text(leaves("word " * 500))
    assert len(kept) == MAX_COMMENT
    assert kept.endswith("\N{HORIZONTAL ELLIPSIS}")
