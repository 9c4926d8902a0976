"""Gives a date poll's candidate times: 3 to 5 starts that keep every rule for every party.

A round's plan places each meeting once (the solver); a meeting planned as a
poll then gets its options, each a start the planner itself could have chosen
(`consult.planning.slots.candidates`) around everything else the round holds:
the other meetings as placed and the options already given to the round's other
polls, each taking its people's time with the buffer and counting toward their
day's maximum. So whichever option each poll picks, no one is double-booked.
Options spread over days (the cheapest start of each day first, by the round's
preferences), then, when the days run out, other starts of the same days that
do not overlap. Pure: values in, values out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from consult.planning.slots import Booking, Request, Round, candidates

Option = tuple[dt.datetime, dt.datetime]


def poll_options(
    round_: Round, wanted: Mapping[str, int], placed: Mapping[str, Option]
) -> dict[str, tuple[Option, ...]]:
    """Return the options of each poll request of `wanted` (request id: how many), in order.

    `placed` are the round's meetings as the solver placed them; a poll
    request's own placement is left out of what its options work around. A
    request with fewer free starts than wanted gets those it has (none when it
    was not placed).
    """
    by_id = {request.id: request for request in round_.requests}
    taken: list[Booking] = [
        Booking(id_, start, end, _people(round_, by_id[id_]))
        for id_, (start, end) in placed.items()
        if id_ in by_id and id_ not in wanted
    ]
    found: dict[str, tuple[Option, ...]] = {}
    for id_, count in wanted.items():
        request = by_id.get(id_)
        if request is None or id_ not in placed:
            found[id_] = ()
            continue
        others = [
            Booking(other, start, end, _people(round_, by_id[other]))
            for other, (start, end) in placed.items()
            if other in wanted and other != id_ and other not in found
        ]
        problem = dataclasses.replace(
            round_, requests=(request,), fixed=(*round_.fixed, *taken, *others)
        )
        options = choose(problem, request, count)
        found[id_] = options
        taken += [Booking(id_, start, end, _people(round_, request)) for start, end in options]
    return found


def choose(round_: Round, request: Request, count: int) -> tuple[Option, ...]:
    """Return up to `count` options for the round's one request, by start.

    The cheapest start of each day first (ties: the earliest); then other starts
    that overlap no option chosen, its buffer included.
    """
    [found] = candidates(round_)
    if not found.starts:
        return ()
    zone = ZoneInfo(round_.timezone)
    length = dt.timedelta(minutes=request.minutes)
    gap = dt.timedelta(minutes=round_.buffer_minutes)
    ranked = sorted(zip(found.cost, found.starts, strict=True))
    chosen: list[dt.datetime] = []
    days: set[dt.date] = set()
    for _, index in ranked:
        start = round_.at(index)
        day = start.astimezone(zone).date()
        if day not in days and len(chosen) < count:
            days.add(day)
            chosen.append(start)
    for _, index in ranked:
        start = round_.at(index)
        if len(chosen) >= count:
            break
        if all(start >= c + length + gap or start + length + gap <= c for c in chosen):
            chosen.append(start)
    return tuple((start, start + length) for start in sorted(chosen))


def _people(round_: Round, request: Request) -> frozenset[str]:
    return frozenset(
        round_.parties[p].who.lower() for p in (*request.facilitators, *request.attendees)
    )


def best_option(options: Sequence[Option], votes: Mapping[str, Mapping[int, str]]) -> int:
    """Return the number (from 1) of the best option: most yes, then most if need be; earliest.

    `votes` are each voter's votes by option number; an option nobody voted on
    counts none.
    """
    if not options:
        raise ValueError("options: got none, expected at least one")

    def score(number: int) -> tuple[int, int, dt.datetime]:
        cast = [mine.get(number) for mine in votes.values()]
        return (-cast.count("yes"), -cast.count("if_need_be"), options[number - 1][0])

    return min(range(1, len(options) + 1), key=score)
