"""The commands of the check of the record: send it, list the answers, decide a correction."""

from __future__ import annotations

from typing import Annotated

import typer

from consult.cli.app import app, out
from consult.cli.options import USER, ByOption, TrainingArgument, WorkspaceOption, settings_for
from consult.cli.output import print_delivery


@app.command(name="record-check")
def record_check(
    training: TrainingArgument,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Send each organisation what was recorded from its meeting, to confirm or correct on its
    page (needs CONSULT_PUBLIC_URL); each message once, whatever the reruns."""
    from consult.application.record_check import send_record_checks
    from consult.application.references import training_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        report = send_record_checks(built, training_ref(built.workspace, training), by=by)
    for meeting_id in report.opened:
        out.print(f"{meeting_id}: its record sent to check", markup=False)
    for line in report.skipped:
        out.print(line, markup=False)
    print_delivery(f"Check of the record: {training}", report.delivered, "consult record-check")


@app.command()
def corrections(training: TrainingArgument, workspace: WorkspaceOption = None) -> None:
    """List the answers to the check of the record: who confirmed, each correction and its state."""
    from consult.application.record_check import checks_of
    from consult.application.references import training_ref
    from consult.bootstrap import services

    with services(settings_for(workspace)) as built:
        checks = checks_of(built, training_ref(built.workspace, training))
    if not checks:
        out.print(f"{training}: no record was sent to check yet", markup=False)
    for meeting_id, check in checks.items():
        out.print(
            f"{meeting_id}: {len(check.observations)} points, answers until "
            f"{check.deadline:%Y-%m-%d %H:%M} UTC",
            markup=False,
        )
        for whole in check.wholes():
            said = f': "{whole.text}"' if whole.text else ""
            out.print(f"  {whole.attendee}: {whole.verdict}{said}", markup=False)
        for answer in check.corrections():
            out.print(
                f"  correction {answer.id} of {answer.observation} by {answer.attendee}, "
                f'{answer.state}: "{answer.text}"',
                markup=False,
            )


@app.command()
def correction(
    ident: Annotated[int, typer.Argument(help="The correction's number (consult corrections).")],
    accept: Annotated[
        bool, typer.Option("--accept/--decline", help="Accept the text proposed, or keep ours.")
    ],
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Accept or decline a correction an organisation proposed to its record: an accepted one
    replaces the text in the next version of the pack, marked as corrected."""
    from consult.application.record_check import decide_correction
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        decided = decide_correction(built, ident, "accepted" if accept else "declined", by)
    out.print(
        f"correction {decided.id} of {decided.observation} ({decided.meeting_id}): {decided.state}",
        markup=False,
    )
