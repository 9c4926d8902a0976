"""Planning a round from the workspace: feeds, proposals stored once, confirmed meetings kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.errors import PlanningError
from consult.planning.feeds import FeedResult
from consult.planning.plan import plan_round, save_plan, schedule_markdown
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

FEED = "http://127.0.0.1:9/nino.ics"
TBILISI = ZoneInfo("Asia/Tbilisi")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty state store in a SQLite file."""
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


def with_feed(write_workspace: Callable[..., Path], on_error: str) -> Workspace:
    stakeholders = TINY_STAKEHOLDERS.replace(
        "        timezone: Asia/Tbilisi\n",
        f"        timezone: Asia/Tbilisi\n        busy_feed: {FEED}\n",
        1,
    )
    training = TINY_TRAINING.replace("  rounds:\n", f"  on_feed_error: {on_error}\n  rounds:\n")
    return load_workspace(write_workspace(stakeholders, {"winter-2027": training}))


def test_a_round_is_planned_inside_its_window_and_working_day(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
    [row] = plan.rows
    assert row.start is not None
    local = row.start.astimezone(TBILISI)
    assert dt.date(2026, 12, 14) <= local.date() <= dt.date(2027, 1, 15)
    assert dt.time(9) <= local.time()
    assert (local + dt.timedelta(minutes=60)).time() <= dt.time(18)
    assert plan.optimal
    assert [a.role for a in row.attendees] == ["CHAIR", "REQ-PARTICIPANT"]


def test_busy_time_from_a_feed_moves_the_meeting(write_workspace: Callable[..., Path]) -> None:
    workspace = with_feed(write_workspace, "fail")
    first = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT).rows[0].start
    assert first is not None
    busy = (first - dt.timedelta(days=3), first + dt.timedelta(days=7))
    feeds = {FEED: FeedResult(FEED, (busy,), None, False)}
    moved = plan_round(workspace, "winter-2027", "round-1", feeds, [], now=PLANNED_AT).rows[0].start
    assert moved is not None
    assert moved >= busy[1]


def test_a_failed_feed_stops_the_round_when_the_training_says_fail(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = with_feed(write_workspace, "fail")
    feeds = {FEED: FeedResult(FEED, (), f"{FEED}: answered 404 Not Found", False)}
    with pytest.raises(PlanningError) as caught:
        plan_round(workspace, "winter-2027", "round-1", feeds, [], now=PLANNED_AT)
    assert str(caught.value).splitlines() == [
        "1 busy-time feed(s) of winter-2027/round-1 could not be read, and the training says to "
        "stop then (consultation.on_feed_error: fail):",
        f"  {FEED}: answered 404 Not Found",
    ]


def test_a_failed_feed_is_named_in_the_plan_when_the_training_says_proceed(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = with_feed(write_workspace, "proceed")
    feeds = {FEED: FeedResult(FEED, (), f"{FEED}: is HTML, not an iCalendar feed", False)}
    plan = plan_round(workspace, "winter-2027", "round-1", feeds, [], now=PLANNED_AT)
    assert plan.placed == 1
    assert plan.feed_problems == (f"{FEED}: is HTML, not an iCalendar feed",)
    assert f"- {FEED}: is HTML, not an iCalendar feed" in schedule_markdown(workspace, plan)


def test_planning_twice_updates_the_proposal_and_never_duplicates_it(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    workspace = load_workspace(write_workspace())
    save_plan(
        store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "test"
    )
    [first] = store.meetings("winter-2027", "round-1")
    existing = store.meetings("winter-2027", "round-1")
    save_plan(
        store, plan_round(workspace, "winter-2027", "round-1", {}, existing, now=PLANNED_AT), "test"
    )
    [second] = store.meetings("winter-2027", "round-1")
    assert (second.id, second.uid, second.start, second.status) == (
        first.id,
        first.uid,
        first.start,
        "proposed",
    )
    assert [e.action for e in store.audit_log("winter-2027/round-1")] == ["round.proposed"] * 2


def test_confirmed_meetings_are_kept_unless_the_coordinator_asks_to_replan(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    workspace = load_workspace(write_workspace())
    save_plan(
        store, plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT), "test"
    )
    store.decide_round("winter-2027", "round-1", approve=True, actor="Nino")
    [confirmed] = store.meetings("winter-2027", "round-1")
    busy = (confirmed.start - dt.timedelta(days=10), confirmed.end + dt.timedelta(days=2))
    moved_workspace = with_feed(write_workspace, "fail")
    feeds = {FEED: FeedResult(FEED, (busy,), None, False)}

    kept = plan_round(moved_workspace, "winter-2027", "round-1", feeds, [confirmed], now=PLANNED_AT)
    assert (kept.rows[0].kept, kept.rows[0].start) == (True, confirmed.start)

    replanned = plan_round(
        moved_workspace, "winter-2027", "round-1", feeds, [confirmed], replan=True, now=PLANNED_AT
    )
    assert replanned.rows[0].start is not None
    assert replanned.rows[0].start >= busy[1]
    save_plan(store, replanned, "test")
    [moved] = store.meetings("winter-2027", "round-1")
    assert (moved.status, moved.uid, moved.sequence) == (
        "proposed",
        confirmed.uid,
        confirmed.sequence + 1,
    )
