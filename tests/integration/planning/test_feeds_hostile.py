"""Hostile feed servers on loopback: a dripping body and broken chunks end as feed errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consult.planning.feeds import FeedResult
from consult.planning.plan import fetch_round_feeds, plan_round
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING
from tests.integration.planning import test_feeds
from tests.integration.planning.test_feeds import TINY_FEED, Answer, FeedServer, fetch

feeds = test_feeds.feeds

CHUNKED = {"Content-Type": "text/calendar", "Transfer-Encoding": "chunked"}


def drip() -> Iterator[bytes]:
    """Yield the start of a feed, then one byte every 2 s, for at most a minute."""
    yield TINY_FEED[:20]
    for byte in TINY_FEED[20:50]:
        time.sleep(2)
        yield bytes([byte])


def chunks(*pieces: bytes) -> Callable[[], Iterator[bytes]]:
    """Return a body that writes `pieces` as they are, whatever the chunked framing says."""
    return lambda: iter(pieces)


def test_a_body_that_drips_one_byte_every_2_s_is_cut_off_at_the_deadline(
    feeds: FeedServer,
) -> None:
    url = feeds.script(
        "/feeds/drip.ics", Answer(headers={"Content-Type": "text/calendar"}, body=drip)
    )

    result = fetch(url, deadline=1.0)

    # Without the deadline the drip would end, a minute later, in the whole feed.
    assert result == FeedResult(url, error=f"{url}: did not arrive within 1 s")
    assert len(feeds.received["/feeds/drip.ics"]) == 1


def test_a_deadline_left_unused_by_a_fast_feed_changes_nothing(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/x.ics", Answer())

    assert fetch(url, deadline=5.0).error is None


@pytest.mark.parametrize(
    "body",
    [
        chunks(b"zz\r\n", TINY_FEED, b"\r\n0\r\n\r\n"),
        chunks(b"-5\r\nBEGIN\r\n0\r\n\r\n"),
        chunks(b"f" * 40 + b"\r\n", TINY_FEED),
    ],
    ids=["not-hex", "negative", "huge"],
)
def test_a_malformed_chunk_header_is_a_feed_error_naming_the_url(
    feeds: FeedServer, body: Callable[[], Iterator[bytes]]
) -> None:
    url = feeds.script("/feeds/broken.ics", Answer(headers=CHUNKED, body=body))

    result = fetch(url)

    assert result.busy == ()
    assert result.error is not None
    assert result.error.startswith(f"{url}: sent a malformed answer (")


def test_a_chunked_body_cut_short_is_a_dropped_connection_retried(feeds: FeedServer) -> None:
    url = feeds.script("/feeds/short.ics", Answer(headers=CHUNKED, body=chunks(b"400\r\nBEGIN")))

    result = fetch(url)

    assert result == FeedResult(
        url, error=f"{url}: unreachable (connection dropped) after 3 attempts"
    )


def test_a_round_is_planned_without_a_malformed_feed_when_the_training_says_proceed(
    feeds: FeedServer, write_workspace: Callable[..., Path]
) -> None:
    url = feeds.script("/feeds/broken.ics", Answer(headers=CHUNKED, body=chunks(b"zz\r\n")))
    stakeholders = TINY_STAKEHOLDERS.replace(
        "        timezone: Asia/Tbilisi\n",
        f"        timezone: Asia/Tbilisi\n        busy_feed: {url}\n",
        1,
    )
    training = TINY_TRAINING.replace("  rounds:\n", "  on_feed_error: proceed\n  rounds:\n")
    workspace = load_workspace(write_workspace(stakeholders, {"winter-2027": training}))

    plan = plan_round(
        workspace,
        "winter-2027",
        "round-1",
        fetch_round_feeds(workspace, "winter-2027", "round-1"),
        [],
        now=PLANNED_AT,
    )

    assert plan.placed == len(plan.rows) == 1
    assert [problem.partition(": ")[0] for problem in plan.feed_problems] == [url]
