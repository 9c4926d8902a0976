"""A date poll's page: its times and votes, the pick (POST), and a vote given by phone or email.

The pick runs as the desk's other actions do (desk.endpoints.actions): the SMTP
server asked first, the result kept and shown on the training page after a
redirect. A form with a mistake comes back with the sentence beside its field
and nothing done.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from consult.application.polls import Poll, poll_of, record_vote
from consult.bootstrap import services
from consult.errors import ConsultError, PollError
from desk.endpoints.shared import (
    NAME_MISSING,
    Fields,
    form,
    in_thread,
    one_value,
    round_and_meeting,
    run_for,
    shown_on_training,
    training_of,
)
from desk.polls import VOTE_WORDS, pick_time, poll_view
from desk.resources import resources
from desk.responses import DeskError, page


async def poll(request: Request) -> Response:
    """The poll's page (GET), and the pick of one of its times (POST)."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_poll, request, fields, "pick")


async def poll_vote(request: Request) -> Response:
    """A vote recorded for an invitee who gave it by phone or email (POST)."""
    fields = await form(request)
    return await in_thread(_poll, request, fields, "vote")


def _read(request: Request, meeting_id: str) -> Poll:
    shared = resources(request)
    with services(shared.settings) as opened:
        opened = dataclasses.replace(opened, clock=shared.desk.clock)
        try:
            return poll_of(opened, meeting_id)
        except PollError:
            raise DeskError(404, f"{meeting_id} is not planned as a date poll") from None


def _poll(request: Request, fields: Fields | None, action: str) -> Response:
    built, slug = training_of(request)
    round_id, planned = round_and_meeting(request, built, slug)
    meeting_id = f"{slug}/{round_id}/{planned}"
    found = _read(request, meeting_id)
    values = {"option": "", "by": "", "voter": "", "voter_by": ""}
    votes: dict[str, str] = {}
    errors: dict[str, str] = {}
    recorded = ""
    if fields is not None:
        values |= {name: one_value(fields, name) for name in values}
        if action == "pick":
            redirect = _pick(request, slug, found, values, errors)
        else:
            votes = {str(o.option): one_value(fields, f"vote-{o.option}") for o in found.options}
            redirect = None
            recorded = _vote(request, found, values, votes, errors)
            found = _read(request, meeting_id)
        if redirect is not None:
            return redirect
    zone = ZoneInfo(built.trainings[slug].timezone)
    return page(
        request,
        "poll.html.j2",
        status=400 if errors else 200,
        slug=slug,
        round=round_id,
        planned=planned,
        timezone=zone.key,
        poll=poll_view(found, zone),
        invitees=[(a.email, a.name) for a in found.invitees],
        values=values,
        votes=votes,
        vote_words=[(v, VOTE_WORDS[v]) for v in ("yes", "if_need_be", "no")],
        errors=errors,
        action=action,
        recorded=recorded,
    )


def _pick(
    request: Request, slug: str, found: Poll, values: dict[str, str], errors: dict[str, str]
) -> Response | None:
    """Return the redirect to the training page once the time is picked; None on a mistake."""
    numbers = {str(o.option) for o in found.options}
    if values["option"] not in numbers:
        errors["option"] = (
            f"got {values['option']!r}, expected one of the times, 1 to {len(numbers)}"
            if values["option"]
            else "choose one of the times"
        )
    if not values["by"]:
        errors["by"] = NAME_MISSING
    if not found.open:
        errors[""] = f"option {found.picked} was picked already (by {found.picked_by})"
    if errors:
        return None
    try:
        result = run_for(
            request,
            values["by"],
            lambda s: pick_time(s, found.meeting.id, int(values["option"]), values["by"]),
        )
    except ConsultError as error:
        errors[""] = str(error)
        return None
    return shown_on_training(request, slug, result)


def _vote(
    request: Request,
    found: Poll,
    values: dict[str, str],
    votes: dict[str, str],
    errors: dict[str, str],
) -> str:
    """Return whose vote was recorded; '' with the errors beside their fields when none was."""
    invited = {a.email.lower(): a.email for a in found.invitees}
    if values["voter"].lower() not in invited:
        errors["voter"] = (
            f"got {values['voter']!r}, expected one of the invitees"
            if values["voter"]
            else "choose the invitee who voted"
        )
    given = {number: vote for number, vote in votes.items() if vote}
    if not given:
        errors["vote-1"] = "give a vote on at least one time"
    if not values["voter_by"]:
        errors["voter_by"] = NAME_MISSING
    if errors:
        return ""
    shared = resources(request)
    try:
        with services(shared.settings, actor=values["voter_by"]) as opened:
            record_vote(
                dataclasses.replace(opened, clock=shared.desk.clock),
                found.meeting.id,
                values["voter"],
                given,
                via="desk",
                by=values["voter_by"],
            )
    except PollError as error:
        errors[""] = str(error)
        return ""
    return values["voter"]
