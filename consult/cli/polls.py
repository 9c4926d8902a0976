"""The commands of date polls: poll (the options and votes), vote (recorded for someone), pick."""

from __future__ import annotations

from typing import Annotated

import typer

from consult.cli.app import app, out
from consult.cli.options import (
    USER,
    ByOption,
    MeetingArgument,
    RoundOption,
    TrainingArgument,
    WorkspaceOption,
    settings_for,
)
from consult.cli.output import print_delivery


@app.command(name="poll")
def show_poll(
    training: TrainingArgument,
    meeting: MeetingArgument,
    round_id: RoundOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Show a date poll's times (training's zone), each invitee's votes, and the pick if any."""
    from consult.application.polls import poll_of
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(settings_for(workspace)) as built:
        round_ = round_ref(built.workspace, training, round_id)
        poll = poll_of(built, round_.meeting_id(meeting))
    zone = round_.training.zone
    closes = poll.deadline.astimezone(zone)
    out.print(f"{poll.meeting.id}: voting closes {closes:%a %Y-%m-%d %H:%M} {zone}", markup=False)
    for counted in poll.counts():
        mark = " (picked)" if poll.picked == counted.number else ""
        out.print(
            f"  {counted.number}. {counted.start.astimezone(zone):%a %Y-%m-%d %H:%M}{mark}: "
            f"{len(counted.yes)} yes, {len(counted.if_need_be)} if need be, {len(counted.no)} no",
            markup=False,
        )
    for attendee in poll.invitees:
        votes = ", ".join(
            f"{o.option}: {poll.vote_of(attendee.email, o.option) or '-'}" for o in poll.options
        )
        out.print(f"  {attendee.email}: {votes}", markup=False)


@app.command()
def vote(
    training: TrainingArgument,
    meeting: MeetingArgument,
    email: Annotated[str, typer.Argument(help="The invitee who voted (their email).")],
    votes: Annotated[
        list[str],
        typer.Argument(help="OPTION=VOTE for each option, VOTE one of yes, if_need_be, no."),
    ],
    round_id: RoundOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Record an invitee's votes in a date poll (given by phone or email); they replace earlier
    votes on the same options."""
    from consult.application.polls import record_vote
    from consult.application.references import round_ref
    from consult.bootstrap import services
    from consult.errors import PollError

    pairs: dict[str, str] = {}
    for given in votes:
        option, sep, answer = given.partition("=")
        if not sep:
            raise PollError(f"votes: got {given!r}, expected OPTION=VOTE, e.g. 1=yes")
        pairs[option.strip()] = answer
    with services(settings_for(workspace), actor=by) as built:
        round_ = round_ref(built.workspace, training, round_id)
        poll = record_vote(built, round_.meeting_id(meeting), email, pairs, via="cli", by=by)
    mine = poll.votes.get(email.strip().lower(), {})
    out.print(
        f"{poll.meeting.id}: {email}: " + ", ".join(f"{n}: {v}" for n, v in sorted(mine.items())),
        markup=False,
    )


@app.command()
def pick(
    training: TrainingArgument,
    meeting: MeetingArgument,
    option: Annotated[int, typer.Argument(help="The number of the option picked.")],
    round_id: RoundOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Pick a date poll's time: the meeting takes it, and its calendar invitations go out."""
    from consult.application.polls import pick as pick_option
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        round_ = round_ref(built.workspace, training, round_id)
        picked = pick_option(built, round_.meeting_id(meeting), option, by)
    print_delivery(
        f"Invitations: {picked.meeting.id} (option {option})", picked.report, "consult send"
    )
