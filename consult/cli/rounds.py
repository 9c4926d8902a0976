"""Commands about a round and its meetings: plan, send, reschedule, free-slots, cancel, counter."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from consult.cli.output import print_delivery, print_preview
from consult.errors import SendNotConfirmed

if TYPE_CHECKING:
    from consult.application.references import RoundRef
    from consult.application.services import Services
    from consult.mail.preview import Preview


RoundsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--round",
        help="A round to act on; give it again for several (default: the training's first).",
    ),
]
AllRoundsOption = Annotated[
    bool, typer.Option("--all-rounds", help="Act on every round of the training, in its order.")
]


def _rounds(
    built: Services, training: str, round_ids: list[str] | None, all_rounds: bool
) -> list[RoundRef]:
    """Return the rounds a command acts on, each checked before anything is done."""
    from consult.application.references import round_refs

    if all_rounds and round_ids:
        raise typer.BadParameter("give --round or --all-rounds, not both", param_hint="--round")
    return round_refs(built.workspace, training, round_ids or (), every=all_rounds)


@app.command()
def plan(
    training: TrainingArgument,
    round_ids: RoundsOption = None,
    all_rounds: AllRoundsOption = False,
    approve: Annotated[
        bool, typer.Option("--approve", help="Confirm the proposal at once, without review.")
    ] = False,
    replan: Annotated[
        bool, typer.Option("--replan", help="Move confirmed meetings too, not only proposed ones.")
    ] = False,
    by: Annotated[
        str, typer.Option("--by", help="Who plans and decides, for the audit log.")
    ] = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Plan a consultation round: propose a time for each meeting, and store the proposal.

    --round again, or --all-rounds, plans several rounds in one run, in turn.
    """
    from consult.application.plan import decide_plan, propose_plan
    from consult.bootstrap import services
    from consult.planning.plan import schedule_markdown

    # The workspace is loaded once, whatever the number of rounds.
    with services(settings_for(workspace), actor=by) as built:
        rounds = _rounds(built, training, round_ids, all_rounds)
        for round_ in rounds:
            if len(rounds) > 1:
                out.print(f"## {training}, {round_.id}", soft_wrap=True, markup=False)
            result = propose_plan(built, round_, replan=replan, by=by)
            out.print(schedule_markdown(built.workspace, result), soft_wrap=True, markup=False)
            if approve:
                meetings = decide_plan(built, round_, approve=True, by=by)
                confirmed = sum(1 for m in meetings if m.status == "confirmed")
                out.print(f"approved by {by}: {confirmed} meetings confirmed", soft_wrap=True)
            else:
                out.print("proposed; approve with --approve or in the Prefect UI", soft_wrap=True)


@app.command()
def send(
    training: TrainingArgument,
    round_ids: RoundsOption = None,
    all_rounds: AllRoundsOption = False,
    workspace: WorkspaceOption = None,
    retry_rejected: Annotated[
        bool,
        typer.Option(
            "--retry-rejected",
            help="Try again the recipients the server rejected (5xx) on an earlier run.",
        ),
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who sends, for the audit log.")] = USER,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Send a round's first send without showing it and asking."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Write the messages to out/preview/<training>/<round>/ as .eml files instead; "
            "nothing is sent or recorded.",
        ),
    ] = False,
) -> None:
    """Send the invitations, updates and cancellations a round calls for, each once.

    A round's first send shows what will go out and asks first (or needs --yes).
    --round again, or --all-rounds, sends several rounds in one run, in turn.
    """
    from consult.application import send as sending
    from consult.bootstrap import services

    rerun = False
    # The workspace is loaded once, whatever the number of rounds; each round is sent
    # (and its delivery shown) before the next, so that one waiting for a confirmation
    # stops the command with the rounds before it sent and told.
    with services(settings_for(workspace), actor=by) as built:
        for round_ in _rounds(built, training, round_ids, all_rounds):
            if dry_run:
                done = sending.dry_run(built, round_, retry_rejected)
                print_preview(done.preview)
                out.print(done.summary(), soft_wrap=True, markup=False)
                continue
            _confirm_first_send(built, round_, retry_rejected, yes, by)
            report = sending.send_round(built, round_, retry_rejected=retry_rejected)
            try:
                print_delivery(f"Delivery: {training}, {round_.id}", report, "consult send")
            except SystemExit:
                rerun = True  # the next rounds are sent all the same; the exit says rerun
    if rerun:
        raise SystemExit(1)


def _confirm_first_send(
    built: Services, round_: RoundRef, retry_rejected: bool, yes: bool, by: str
) -> None:
    """Return once a round's first send is confirmed (or needs no confirmation)."""
    from consult.application import send as sending

    # Confirmed beforehand (--yes): the confirmation records the counts, nothing is rendered.
    preview = sending.first_send_preview(built, round_, retry_rejected, examples=not yes)
    if preview is None:
        return
    if not yes:
        print_preview(preview)
        _ask_to_send(preview, sending.preview_folder(built.settings, round_))
    sending.confirm_first_send(built, preview, by)


def _ask_to_send(preview: Preview, folder: Path) -> None:
    """Return once the coordinator confirmed the first send; raise SendNotConfirmed otherwise."""
    command = f"consult send {preview.training} --round {preview.round}"
    if not sys.stdin.isatty():
        raise SendNotConfirmed(
            f"{preview.training}, {preview.round}: the round's first send waits for a "
            f"confirmation, and nothing was sent. Check what is shown above "
            f"({len(preview.recipients)} messages), then run `{command} --yes` to send it "
            f"(or `{command} --dry-run` to write the messages to {folder} first)"
        )
    if not typer.confirm(f"Send these {len(preview.recipients)} messages?", default=False):
        raise SendNotConfirmed(f"{preview.training}, {preview.round}: not confirmed; nothing sent")


@app.command()
def reschedule(
    training: TrainingArgument,
    meeting: MeetingArgument,
    start: Annotated[str, typer.Argument(help="New local start, e.g. 2027-01-12T10:00.")],
    round_id: RoundOption = None,
    by: ByOption = USER,
    force: Annotated[
        str | None,
        typer.Option(
            "--force",
            metavar="REASON",
            help="Move it even though the time breaks planning rules; the reason is logged.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Move a meeting to a new start (training's time zone) keeping every rule; send the updates."""
    from consult.application.changes import reschedule as move
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        round_ = round_ref(built.workspace, training, round_id)
        moved = move(built, round_, meeting, start, by, force=force or "")
    title = f"Updates: {moved.meeting.id} (SEQUENCE {moved.meeting.sequence})"
    print_delivery(title, moved.report, "consult send")


@app.command(name="free-slots")
def free_slots(
    training: TrainingArgument,
    meeting: MeetingArgument,
    round_id: RoundOption = None,
    count: Annotated[int, typer.Option("--count", min=1, help="How many times to offer.")] = 5,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the next times a meeting could move to that keep every planning rule."""
    from consult.application.changes import free_times
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(settings_for(workspace)) as built:
        round_ = round_ref(built.workspace, training, round_id)
        found, offered = free_times(built, round_, meeting, count)
    zone = round_.training.timezone
    if not offered:
        out.print(f"{found.id}: no time within the round's window keeps every rule", markup=False)
        raise SystemExit(1)
    out.print(f"{found.id}: free times that keep every rule ({zone}):", markup=False)
    for start in offered:
        out.print(f"  {start.astimezone(round_.training.zone):%a %Y-%m-%d %H:%M}", markup=False)


@app.command()
def cancel(
    training: TrainingArgument,
    meeting: MeetingArgument,
    round_id: RoundOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, for the audit log (never in the emails).")
    ] = "",
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Call a meeting off and send the cancellations to everyone who was told of it."""
    from consult.application.changes import cancel as call_off
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        round_ = round_ref(built.workspace, training, round_id)
        cancelled = call_off(built, round_, meeting, by, reason)
    print_delivery(f"Cancellations: {cancelled.meeting.id}", cancelled.report, "consult send")


@app.command()
def counter(
    training: TrainingArgument,
    meeting: MeetingArgument,
    accept: Annotated[
        bool, typer.Option("--accept", help="Move the meeting to the proposed time.")
    ] = False,
    decline: Annotated[
        bool, typer.Option("--decline", help="Keep the time; tell the proposer so.")
    ] = False,
    comment: Annotated[
        str, typer.Option("--comment", help="Why; a decline sends it to the proposer.")
    ] = "",
    round_id: RoundOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Show a meeting's counter-proposal and the rules it breaks, or accept or decline it."""
    from consult.application.counter_proposals import (
        decide_counter,
        meeting_counters,
        review_lines,
    )
    from consult.application.references import round_ref
    from consult.bootstrap import services

    if accept and decline:
        raise typer.BadParameter("give --accept or --decline, not both")
    with services(settings_for(workspace)) as built:
        round_ = round_ref(built.workspace, training, round_id)
        if not (accept or decline):
            found, reviews = meeting_counters(built, round_, meeting)
            lines = review_lines(reviews, round_.training)
            for line in lines or [f"{found.id}: no counter-proposal waiting"]:
                out.print(line, markup=False, soft_wrap=True)
            return
        report = decide_counter(built, round_, meeting, accept=accept, by=by, comment=comment)
    verdict = "accepted: updates" if accept else "declined: DECLINECOUNTER"
    title = f"Counter-proposal {verdict} for {round_.meeting_id(meeting)}"
    print_delivery(title, report, "consult send")
