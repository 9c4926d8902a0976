"""Date polls: what a poll holds, an invitee's vote, the pick, and the picks due at deadlines.

    poll = poll_of(built, "winter-2027/round-2/ngo-alliance")
    record_vote(built, poll.meeting.id, "nino@example.org", {1: "yes", 2: "if_need_be", 3: "no"})
    picked = pick(built, poll.meeting.id, 1, by="Nino")     # the invitations go out
    close_due_polls(built)                                  # run daily: the best, at the deadline

Every caller (the stakeholders' page, the desk, `consult vote`, the daily run)
calls these: a vote from any of them replaces that invitee's earlier vote on
the same options, and is audited. Once an option is picked the meeting is an
ordinary confirmed meeting at that time, and its calendar invitation (iTIP
REQUEST) goes out through the round's send, each message once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from consult.application.references import round_ref
from consult.application.send import send_round
from consult.application.services import Services
from consult.errors import PlanningError, PollError
from consult.mail.delivery import Delivered
from consult.planning import changes
from consult.planning.polls import best_option
from consult.planning.problem import fetch_round_feeds
from consult.store.polls import VOTES, PollOption, PollState
from schemas.state import Attendee, Meeting, Vote


@dataclass(frozen=True)
class OptionVotes:
    """One option of a poll and who voted what on it (emails, as the invitees are listed)."""

    number: int
    start: dt.datetime
    end: dt.datetime
    yes: tuple[str, ...]
    if_need_be: tuple[str, ...]
    no: tuple[str, ...]


@dataclass(frozen=True)
class Poll:
    """A meeting planned as a date poll: its options, its invitees, the votes so far, the pick."""

    meeting: Meeting
    deadline: dt.datetime
    """When voting closes: at that moment the best option is picked if nobody picked one."""
    options: tuple[PollOption, ...]
    invitees: tuple[Attendee, ...]
    """Who votes: the meeting's consulted invitees (not its facilitators)."""
    votes: Mapping[str, Mapping[int, Vote]]
    """Each voter's (lower-case email) current vote per option number."""
    picked: int | None = None
    picked_by: str | None = None

    @property
    def open(self) -> bool:
        """Return whether the poll waits for its pick."""
        return self.picked is None

    def vote_of(self, email: str, number: int) -> Vote | None:
        """Return the invitee's current vote on option `number`, or None."""
        return self.votes.get(email.lower(), {}).get(number)

    def counts(self) -> list[OptionVotes]:
        """Return each option with who voted yes, if need be and no."""
        return [
            OptionVotes(
                option.option,
                option.start,
                option.end,
                *(
                    tuple(
                        a.email for a in self.invitees if self.vote_of(a.email, option.option) == v
                    )
                    for v in VOTES
                ),
            )
            for option in self.options
        ]

    def best(self) -> int:
        """Return the best option's number: most yes, then most if need be; ties, the earliest.

        Only the votes of those invited now count (a plan made again may invite others).
        """
        invited = {a.email.lower() for a in self.invitees}
        votes = {email: mine for email, mine in self.votes.items() if email in invited}
        return best_option([(o.start, o.end) for o in self.options], votes)

    def waiting(self) -> list[Attendee]:
        """Return the invitees who have not voted yet."""
        return [a for a in self.invitees if a.email.lower() not in self.votes]


@dataclass(frozen=True)
class Picked:
    """A poll's pick: the meeting at its time, the option, and the delivery of its invitations."""

    meeting: Meeting
    option: int
    report: list[Delivered]


def _poll(built: Services, meeting: Meeting, state: PollState) -> Poll:
    return Poll(
        meeting,
        state.deadline,
        state.options,
        tuple(a for a in built.store.attendees(meeting.id) if a.role == "REQ-PARTICIPANT"),
        state.votes,
        state.picked,
        state.picked_by,
    )


def poll_of(built: Services, meeting_id: str) -> Poll:
    """Return the meeting's poll, or raise PollError when it is no poll."""
    meeting = built.store.get_meeting(meeting_id)
    state = built.store.poll(meeting_id)
    if meeting is None or state is None:
        raise PollError(f"meeting: got {meeting_id!r}, expected a meeting planned as a date poll")
    return _poll(built, meeting, state)


def polls_of_round(built: Services, slug: str, round_id: str) -> list[Poll]:
    """Return the polls of a round's meetings, by the meetings' start."""
    meetings = built.store.meetings(slug, round_id)
    states = built.store.polls_of([m.id for m in meetings])
    return [_poll(built, m, states[m.id]) for m in meetings if m.id in states]


def parse_votes(text: Mapping[str, str] | Mapping[int, str]) -> dict[int, Vote]:
    """Return votes keyed by option number, from numbers or their digits; PollError if not."""
    found: dict[int, Vote] = {}
    for key, value in text.items():
        try:
            number = int(key)
        except ValueError:
            raise PollError(f"option: got {key!r}, expected an option's number") from None
        vote = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        for known in VOTES:
            if vote == known:
                found[number] = known
                break
        else:
            raise PollError(f"option {number}: got {value!r}, expected one of {', '.join(VOTES)}")
    return found


def record_vote(
    built: Services,
    meeting_id: str,
    email: str,
    votes: Mapping[str, str] | Mapping[int, str],
    via: str = "page",
    by: str | None = None,
) -> Poll:
    """Return the poll once `email`'s votes ("yes", "if_need_be", "no" per option) are recorded.

    They replace that invitee's earlier votes on the same options. `via` says where the
    vote came from (page, desk, cli); `by` who recorded it (the voter when None). Raises
    PollError naming the field and value: no such poll, option or invitee, a vote that is
    none of the three, a poll picked already.
    """
    meeting = poll_of(built, meeting_id).meeting
    state = built.store.record_votes(
        meeting_id, email, parse_votes(votes), via, by or email.strip().lower()
    )
    return _poll(built, meeting, state)


def pick(
    built: Services, meeting_id: str, option: int, by: str, *, reason: str = "picked"
) -> Picked:
    """Return the meeting moved to the option picked, and the delivery of its invitations.

    The option is checked against every planning rule again (busy time and other
    meetings may have changed since it was offered; the planner's lead time is not
    asked again, only a time still ahead); one that breaks any raises PollError naming
    them. The first pick stands: a second raises PollError. A meeting whose round waits
    for approval is invited when the round is sent.
    """
    poll = poll_of(built, meeting_id)
    chosen = _option(poll, option)
    if not poll.open:
        raise PollError(
            f"{meeting_id}: the poll was picked already (option {poll.picked}, by "
            f"{poll.picked_by}): the first pick stands"
        )
    breaches = _breaches(built, poll.meeting, chosen)
    if breaches:
        raise PollError(
            f"{meeting_id}: option {option} no longer keeps every planning rule: "
            + "; ".join(breaches)
        )
    _, meeting = built.store.pick_option(
        meeting_id, option, by, {"reason": reason, "votes": _tally(poll, option)}
    )
    round_ = round_ref(built.workspace, meeting.training, meeting.round)
    return Picked(meeting, option, send_round(built, round_, meetings={meeting.id}))


def close_due_polls(built: Services, now: dt.datetime | None = None) -> list[Picked]:
    """Return the picks made for the polls whose deadline has passed and nobody picked.

    Each takes the best option that still keeps every rule (most yes, then most if need
    be; ties, the earliest), as `deadline`; a poll none of whose options does, or whose
    rules cannot be checked (a busy-time feed the training must not plan without), is left
    for the coordinator. Run daily by `run-due-steps`; a second run picks nothing again.
    """
    moment = now or built.now()
    picked = []
    for meeting_id, state in sorted(built.store.polls_of().items()):
        meeting = built.store.get_meeting(meeting_id)
        if (
            meeting is None
            or not state.open
            or state.deadline > moment
            or meeting.training not in built.workspace.trainings
            or meeting.status not in ("proposed", "confirmed")
        ):
            continue
        poll = _poll(built, meeting, state)
        try:
            for option in sorted(poll.options, key=lambda o: _rank(poll, o.option)):
                if option.start > moment and not _breaches(built, meeting, option):
                    picked.append(
                        pick(built, meeting_id, option.option, "deadline", reason="deadline")
                    )
                    break
        except PlanningError:
            # a feed that must not be planned without, or a pick made meanwhile: this poll
            # waits for the coordinator (or the next run), the others are closed
            continue
    return picked


def _rank(poll: Poll, number: int) -> tuple[int, int, dt.datetime]:
    counted = next(c for c in poll.counts() if c.number == number)
    return (-len(counted.yes), -len(counted.if_need_be), counted.start)


def _option(poll: Poll, number: int) -> PollOption:
    for option in poll.options:
        if option.option == number:
            return option
    known = ", ".join(str(o.option) for o in poll.options)
    raise PollError(f"{poll.meeting.id}: option: got {number!r}, expected one of {known}")


def _breaches(built: Services, meeting: Meeting, option: PollOption) -> list[str]:
    """Return the planning rules the meeting breaks at the option's time, for whom."""
    return changes.check_time(
        built.workspace,
        built.store,
        meeting,
        option.start,
        fetch_round_feeds(
            built.workspace, meeting.training, meeting.round, cache_dir=built.settings.feed_cache
        ),
        now=built.now(),
        # the invitees were offered these times: the planner's lead time is behind them
        lead_working_days=0,
    )


def _tally(poll: Poll, number: int) -> dict[str, int]:
    counted = next(c for c in poll.counts() if c.number == number)
    return {"yes": len(counted.yes), "if_need_be": len(counted.if_need_be), "no": len(counted.no)}
