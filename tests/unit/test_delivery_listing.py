"""`consult send` on a large round lists the messages that need a look, not every one sent."""

from __future__ import annotations

import pytest

from consult.cli.app import out
from consult.cli.output import LISTED, print_delivery
from consult.mail.delivery import Delivered


def report(sent: int) -> list[Delivered]:
    rows = [
        Delivered(f"t/r/m-{i}", f"person{i}@example.org", 0, "invitation", "sent")
        for i in range(sent)
    ]
    rows[3] = Delivered(
        "t/r/m-3", "person3@example.org", 0, "invitation", "sent", "the address bounced 5.1.1"
    )
    rows.append(Delivered("t/r/m-x", "gone@example.org", 0, "invitation", "failed", "no way"))
    return rows


def printed(rows: list[Delivered]) -> str:
    width = out.width
    out.width = 300  # every address on one line of the table
    try:
        with out.capture() as captured, pytest.raises(SystemExit):
            print_delivery("Delivery: t, r", rows, "consult send")
    finally:
        out.width = width
    return captured.get()


def test_a_large_send_lists_the_failed_and_the_bounced_and_counts_the_rest() -> None:
    text = printed(report(LISTED + 10))
    assert "gone@example.org" in text
    assert "person3@example.org" in text  # sent, but its address bounced before
    assert "person0@example.org" not in text
    assert f"{LISTED + 9:,} messages sent or sent before are not listed" in text


def test_a_small_send_lists_every_message() -> None:
    text = printed(report(LISTED - 5))
    assert all(f"person{i}@example.org" in text for i in range(LISTED - 5))
    assert "not listed" not in text
