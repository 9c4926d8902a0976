"""A date poll on the personal page: the invitee's vote on each of its times.

    POST /i/<token>/vote    vote-1=yes, vote-2=if_need_be, vote-3=no

A meeting planned as a date poll (docs/polls.md) has no fixed time while its poll is
open: its invitees' pages show its times in the reader's zone, each with yes / if
need be / no and their current vote, instead of the answer form; the vote goes
through `consult.application.polls.record_vote` (the desk's and the CLI's call), and
replaces their earlier vote. Once picked, the page is an ordinary meeting's page.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from answers_web.wording import words
from consult.application import page_answers as answers
from consult.application import polls
from consult.application.services import Services
from consult.errors import PollError
from consult.mail.render import last_day
from consult.store.polls import VOTES


@dataclass(frozen=True)
class PollOnPage:
    """An open date poll as the page shows it: each time in the reader's zone and their vote."""

    times: tuple[tuple[int, str, str], ...]
    """(option number, the time in words, the reader's vote or "")."""
    deadline: str
    """The last day of voting, in the reader's zone and words."""
    voted: bool
    """Whether the reader has voted on any time yet."""


def open_poll(built: Services, page: answers.PersonalPage) -> PollOnPage | None:
    """Return the meeting's poll if it is open and the reader votes in it; else None."""
    if built.store.poll(page.meeting.id) is None:
        return None
    poll = polls.poll_of(built, page.meeting.id)
    voters = {a.email.lower() for a in poll.invitees}
    if not poll.open or page.attendee.email.lower() not in voters:
        return None
    email = page.attendee.email
    return PollOnPage(
        tuple(
            (o.option, page.when(o.start), poll.vote_of(email, o.option) or "")
            for o in poll.options
        ),
        last_day(poll.deadline, page.attendee.timezone, page.language),
        any(poll.vote_of(email, o.option) for o in poll.options),
    )


async def vote(request: Request) -> Response:
    """POST /i/<token>/vote: the reader's vote on each time of the meeting's date poll."""
    from answers_web.endpoints import _done, _open, _show, form_of

    form = form_of(await request.form())

    def voted() -> Response:
        built, page = _open(request)
        shown = open_poll(built, page)
        if shown is None:
            raise HTTPException(404)
        w = words(page.language)
        votes = {str(number): form.get(f"vote-{number}", "") for number, _, _ in shown.times}
        errors = {f"vote-{n}-yes": w["error_vote"] for n, v in votes.items() if v not in VOTES}
        if not errors:
            try:
                polls.record_vote(built, page.meeting.id, page.attendee.email, votes, via="page")
            except PollError:
                first = shown.times[0][0]
                errors[f"vote-{first}-yes"] = w["error_poll_closed"]
        if errors:
            return _show(request, built, page, errors, form)
        return _done(request, page, "voted")

    return await run_in_threadpool(voted)
