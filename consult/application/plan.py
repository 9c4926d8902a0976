"""Plan a round: its feeds fetched, its meetings placed and stored as a proposal, then decided.

The command plans in one call (`propose_plan`); the flow takes the same steps
one task each (`fetch_feeds`, `solve`, `propose`), so the Prefect UI shows
which of them failed. This module imports the solver: only what plans imports it.
"""

from __future__ import annotations

from collections.abc import Mapping

from consult.application.references import RoundRef
from consult.application.services import Services
from consult.planning.feeds import FeedResult
from consult.planning.plan import (
    RoundPlan,
    fetch_round_feeds,
    plan_round,
    save_plan,
)
from consult.planning.problem import bookings
from schemas.state import Meeting


def propose_plan(built: Services, round_: RoundRef, *, replan: bool, by: str) -> RoundPlan:
    """Return the round's plan after fetching its feeds, solving, and storing the proposal."""
    plan = solve(built, round_, fetch_feeds(built, round_), replan=replan)
    propose(built, plan, by)
    return plan


def fetch_feeds(built: Services, round_: RoundRef) -> dict[str, FeedResult]:
    """Return the round's busy-time feeds, fetched (conditionally) into the cache."""
    return fetch_round_feeds(
        built.workspace, round_.slug, round_.id, cache_dir=built.settings.feed_cache
    )


def solve(
    built: Services, round_: RoundRef, feeds: Mapping[str, FeedResult], *, replan: bool
) -> RoundPlan:
    """Return the round's optimal plan around the meetings of every training keeping their time."""
    return plan_round(
        built.workspace,
        round_.slug,
        round_.id,
        feeds,
        built.store.meetings(round_.slug, round_.id),
        replan,
        now=built.now(),
        lead_working_days=built.settings.lead_working_days,
        booked=bookings(built.workspace, built.store),
    )


def propose(built: Services, plan: RoundPlan, by: str) -> list[Meeting]:
    """Return the round's meetings after storing the plan as a proposal."""
    return save_plan(built.store, plan, actor=by)


def decide_plan(
    built: Services, round_: RoundRef, *, approve: bool, by: str, comment: str = ""
) -> list[Meeting]:
    """Return the round's meetings after the coordinator approved the proposal or sent it back."""
    return built.store.decide_round(
        round_.slug, round_.id, approve=approve, actor=by, comment=comment
    )
