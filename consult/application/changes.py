"""Change a meeting: move it (keeping every rule) or call it off, and tell its attendees.

Also what a coordinator looks at before moving one: the free times it could
move to, and the round's meetings without their quorum of acceptances.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consult.application.references import RoundRef
from consult.application.send import send_round
from consult.application.services import Services
from consult.mail.delivery import Delivered
from consult.planning import changes
from consult.planning.problem import fetch_round_feeds
from consult.planning.quorum import AtRisk, at_risk
from schemas.state import Meeting


@dataclass(frozen=True)
class Changed:
    """A meeting after its change, and the delivery of the updates or cancellations."""

    meeting: Meeting
    report: list[Delivered]


def reschedule(
    built: Services, round_: RoundRef, planned: str, start: str, by: str, force: str = ""
) -> Changed:
    """Return the meeting moved to `start` (local, the training's zone) and its updates' delivery.

    A time that breaks a planning rule raises RuleBroken, unless `force` says why it may.
    """
    now = built.now()
    moved = changes.move(
        built.workspace,
        built.store,
        changes.find_meeting(built.store, round_.slug, round_.id, planned),
        changes.local_start(built.workspace, round_.slug, start),
        by,
        now,
        feeds=fetch_round_feeds(
            built.workspace, round_.slug, round_.id, cache_dir=built.settings.feed_cache
        ),
        force=force,
        lead_working_days=built.settings.lead_working_days,
    )
    return Changed(moved, send_round(built, round_, meetings={moved.id}))


def cancel(built: Services, round_: RoundRef, planned: str, by: str, reason: str = "") -> Changed:
    """Return the meeting called off and the delivery of its cancellations.

    `reason` goes to the audit log only: the emails to the attendees do not carry it.
    """
    found = changes.find_meeting(built.store, round_.slug, round_.id, planned)
    cancelled = changes.cancel(built.store, found, by, reason)
    return Changed(cancelled, send_round(built, round_, meetings={cancelled.id}))


def free_times(
    built: Services, round_: RoundRef, planned: str, count: int = 5
) -> tuple[Meeting, list[dt.datetime]]:
    """Return the meeting and up to `count` starts (UTC) it could move to, keeping every rule."""
    found = changes.find_meeting(built.store, round_.slug, round_.id, planned)
    offered = changes.free_times(
        built.workspace,
        built.store,
        found,
        fetch_round_feeds(
            built.workspace, round_.slug, round_.id, cache_dir=built.settings.feed_cache
        ),
        now=built.now(),
        lead_working_days=built.settings.lead_working_days,
        count=count,
    )
    return found, offered


def meetings_at_risk(built: Services, round_: RoundRef) -> list[AtRisk]:
    """Return the round's meetings that lack their quorum of acceptances, with free times."""
    return [
        risk
        for risk in at_risk(
            built.workspace,
            built.store,
            round_.slug,
            built.now(),
            lambda other: fetch_round_feeds(
                built.workspace, round_.slug, other, cache_dir=built.settings.feed_cache
            ),
            lead_working_days=built.settings.lead_working_days,
        )
        if risk.meeting.round == round_.id
    ]
