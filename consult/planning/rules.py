"""Checks one time for one meeting against every rule the planner keeps, and offers free times.

The rules are the periods `consult.planning.slots.blocks` gives each party
(days off, public holidays, working hours, busy time, other meetings with the
buffer, full days, the lead time) and the round's window: the planner places
meetings only where these leave time free, and `check_slot` names the rule
and the party a given time breaks, e.g.

    Claire Martin (facilitator): Saturday is not a working day in Europe/Paris

Pure: values in, values out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.planning.slots import Request, Round, blocks, candidates

UTC = dt.UTC


@dataclass(frozen=True)
class RuleBreach:
    """One rule a time breaks, for whom ("" for the round itself), and how."""

    rule: str
    party: str
    why: str

    def __str__(self) -> str:
        return f"{self.party}: {self.why}" if self.party else self.why


def check_slot(round_: Round, request: Request, start: dt.datetime) -> list[RuleBreach]:
    """Return every rule that `request` starting at `start` breaks; none when it keeps them all.

    The meetings in `round_.fixed` are the others that keep their time (the
    request's own stored meeting left out), so they count as they do when the
    round is planned.
    """
    end = start + dt.timedelta(minutes=request.minutes)
    zone = ZoneInfo(round_.timezone)
    breaches: list[RuleBreach] = []
    if start < round_.origin or end > round_.horizon:
        breaches.append(
            RuleBreach(
                "round window",
                "",
                f"the round's window is {round_.earliest}..{round_.latest} ({round_.timezone}), "
                f"the meeting would be {start.astimezone(zone):%a %Y-%m-%d %H:%M}",
            )
        )
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    for party_id in (*request.facilitators, *request.attendees):
        party = round_.parties[party_id]
        for block in blocks(round_, party, first, last):
            if not (block.start < end and start < block.end):
                continue
            why = block.why
            if block.rule == "working hours":
                local = ZoneInfo(party.timezone)
                why = (
                    f"{start.astimezone(local):%a %H:%M}-{end.astimezone(local):%H:%M} "
                    f"{party.timezone} is outside the working hours {block.why}"
                )
            breach = RuleBreach(block.rule, party.name, why)
            if breach not in breaches:
                breaches.append(breach)
    return breaches


def free_slots(round_: Round, request: Request, count: int = 5) -> list[dt.datetime]:
    """Return up to `count` starts (UTC) that keep every rule: the first free one of each day.

    One a day, in the training's time zone, so the offer spans several days
    rather than the steps of one morning.
    """
    [found] = candidates(
        Round(
            round_.earliest,
            round_.latest,
            round_.timezone,
            round_.step_minutes,
            round_.buffer_minutes,
            round_.parties,
            (request,),
            round_.preferences,
            round_.fixed,
            round_.now,
            round_.lead_working_days,
        )
    )
    zone = ZoneInfo(round_.timezone)
    offered: list[dt.datetime] = []
    days: set[dt.date] = set()
    for index in found.starts:
        start = round_.at(index)
        day = start.astimezone(zone).date()
        if day in days:
            continue
        days.add(day)
        offered.append(start)
        if len(offered) == count:
            break
    return offered
