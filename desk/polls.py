"""A date poll as the desk shows it: its times, each invitee's votes, the pick; and the pick itself.

    view = poll_view(poll, zone)        # consult.application.polls.Poll, the training's zone
    result = pick_time(built, poll.meeting.id, 2, "Nino")

The training page shows each poll meeting's votes under its row; the poll's own
page (`/trainings/<slug>/meetings/<round>/<meeting>/poll`) adds the forms that
pick a time and record a vote given by phone or email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.application.polls import Poll, pick
from consult.application.services import Services
from consult.store.polls import PollState
from desk.actions import delivery_sentence, message_lines
from desk.results import ActionResult
from desk.wording import DASH, local
from schemas.state import Attendee, Meeting

VOTE_WORDS = {"yes": "yes", "if_need_be": "if need be", "no": "no", None: DASH}
"""How a vote reads on the desk; None: not voted."""


@dataclass(frozen=True)
class OptionView:
    """One time of a poll, in the training's zone, and its counts."""

    number: int
    when: str
    yes: int
    if_need_be: int
    no: int
    best: bool


@dataclass(frozen=True)
class VoterView:
    """An invitee and their vote on each option, as words."""

    name: str
    email: str
    votes: tuple[str, ...]


@dataclass(frozen=True)
class PollView:
    """A meeting's date poll as the desk shows it."""

    open: bool
    closes: str
    """When voting closes, in the training's zone."""
    options: tuple[OptionView, ...]
    voters: tuple[VoterView, ...]
    picked: int | None
    picked_by: str | None


def poll_view(poll: Poll, zone: ZoneInfo) -> PollView:
    """Return the poll's times in `zone`, each invitee's votes, and the best option so far."""
    best = poll.best() if poll.options else None
    return PollView(
        poll.open,
        f"{local(poll.deadline, zone)} ({zone.key})",
        tuple(
            OptionView(
                c.number,
                f"{local(c.start, zone)}{DASH}{local(c.end, zone, False)}",
                len(c.yes),
                len(c.if_need_be),
                len(c.no),
                c.number == best,
            )
            for c in poll.counts()
        ),
        tuple(
            VoterView(
                a.name,
                a.email,
                tuple(VOTE_WORDS[poll.vote_of(a.email, o.option)] for o in poll.options),
            )
            for a in poll.invitees
        ),
        poll.picked,
        poll.picked_by,
    )


def stored_poll_view(
    meeting: Meeting, state: PollState, attendees: Mapping[str, Sequence[Attendee]], zone: ZoneInfo
) -> PollView:
    """Return the view of a stored poll with the attendees read for the page (no reading more)."""
    poll = Poll(
        meeting,
        state.deadline,
        state.options,
        tuple(a for a in attendees.get(meeting.id, ()) if a.role == "REQ-PARTICIPANT"),
        state.votes,
        state.picked,
        state.picked_by,
    )
    return poll_view(poll, zone)


def pick_time(built: Services, meeting_id: str, option: int, by: str) -> ActionResult:
    """Pick the poll's option as `consult pick` does: the sentences and the invitations sent."""
    picked = pick(built, meeting_id, option, by)
    training = built.workspace.training(picked.meeting.training)
    zone = ZoneInfo(training.timezone)
    planned = meeting_id.rsplit("/", 1)[-1]
    said = (
        f"{planned}: option {option} picked, "
        f"{local(picked.meeting.start, zone)} {training.timezone}."
    )
    if picked.meeting.status == "proposed":
        said += " The round waits for approval: the invitations go with its send."
    return ActionResult(
        "Date poll picked",
        (said, delivery_sentence(picked.report, "invitations")),
        message_lines(picked.report),
    )
