"""The commands after the invitations: remind, replies, import-notes, brief, log."""

from __future__ import annotations

from typing import Annotated

import typer

from consult.cli.app import app, err, out
from consult.cli.options import (
    USER,
    ByOption,
    KindOption,
    RoundOption,
    SinceOption,
    TrainingArgument,
    WorkspaceOption,
    settings_for,
)
from consult.cli.output import print_delivery, print_pack


@app.command()
def remind(
    training: TrainingArgument, by: ByOption = USER, workspace: WorkspaceOption = None
) -> None:
    """Record the replies waiting, then send the reminders, nudges and notes-missing messages
    due now, each once."""
    from consult.application.references import training_ref
    from consult.application.remind import send_reminders
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        report = send_reminders(built, training_ref(built.workspace, training))
    print_delivery(f"Reminders: {training}", report, "consult remind")


@app.command()
def replies(
    training: TrainingArgument, round_id: RoundOption = None, workspace: WorkspaceOption = None
) -> None:
    """Record the calendar replies in inbox/ (and the IMAP mailbox, if set); show who answered."""
    from consult.application.changes import meetings_at_risk
    from consult.application.counter_proposals import review_lines
    from consult.application.references import round_ref
    from consult.application.replies import record_replies
    from consult.bootstrap import services
    from consult.mail.delivery import summary
    from consult.mail.replies import status_markdown
    from consult.planning.quorum import risk_line

    with services(settings_for(workspace)) as built:
        round_ = round_ref(built.workspace, training, round_id)
        recorded = record_replies(built, round_)
        risks = meetings_at_risk(built, round_)
    requests = recorded.requests
    for problem in recorded.unread:
        err.print(problem, markup=False, soft_wrap=True)
    for line in (*requests.problems, *requests.outcomes):
        out.print(line, markup=False, soft_wrap=True)
    if requests.refreshed:
        out.print(summary(requests.refreshed) + " (answers to REFRESH)", soft_wrap=True)
    out.print(recorded.report.to_markdown(), markup=False, soft_wrap=True)
    out.print(status_markdown(recorded.status), markup=False, soft_wrap=True)
    if risks:
        out.print("Meetings without their quorum (move with `consult reschedule`):", soft_wrap=True)
        for risk in risks:
            out.print(
                f"  {risk_line(risk, round_.training.timezone)}", markup=False, soft_wrap=True
            )
    if recorded.reviews:
        out.print("Counter-proposals waiting (decide with `consult counter`):", soft_wrap=True)
        for line in review_lines(recorded.reviews, round_.training):
            out.print(line, markup=False, soft_wrap=True)


@app.command(name="import-notes")
def import_notes(
    training: TrainingArgument, by: ByOption = USER, workspace: WorkspaceOption = None
) -> None:
    """Import the notes files of notes/ and the KoboToolbox form of kobo.yaml; each once."""
    from consult.application.notes import import_notes as import_into_store
    from consult.application.references import training_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        report = import_into_store(built, training_ref(built.workspace, training), by)
    for reason in report.rejected:
        err.print(reason, markup=False, soft_wrap=True)
    out.print(report.summary(), soft_wrap=True)
    if report.rejected:
        raise SystemExit(1)


@app.command()
def brief(
    training: TrainingArgument,
    send: Annotated[
        bool,
        typer.Option("--send/--no-send", help="Email the PDF to the experts (once per version)."),
    ] = True,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Compile the briefing pack (HTML, PDF, Markdown) and send it to the experts."""
    from consult.application.brief import compile_briefing
    from consult.application.references import training_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        compiled, report = compile_briefing(
            built, training_ref(built.workspace, training), send=send
        )
    print_pack(compiled)
    if send:
        print_delivery(f"Briefing pack v{compiled.version}: {training}", report, "consult brief")


@app.command(name="send-pack")
def send_pack(
    training: TrainingArgument,
    version: Annotated[int, typer.Argument(help="The compiled version to send, e.g. 2.")],
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Email a version of the pack compiled before (`consult brief --no-send`) to the experts,
    each once."""
    from consult.application.brief import send_version
    from consult.application.references import training_ref
    from consult.bootstrap import services

    with services(settings_for(workspace), actor=by) as built:
        report = send_version(built, training_ref(built.workspace, training), version)
    print_delivery(f"Briefing pack v{version}: {training}", report, "consult send-pack")


@app.command(name="log")
def log_(
    training: TrainingArgument,
    since: SinceOption = None,
    kind: KindOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of columns.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Print who did what and when: messages, replies, notes, packs, decisions; newest last."""
    from consult.application.references import training_ref
    from consult.bootstrap import services
    from consult.store.history import history_csv, history_lines

    with services(settings_for(workspace)) as built:
        zone = training_ref(built.workspace, training).zone
        start = None if since is None else since.replace(tzinfo=zone)
        entries = built.store.history(training, since=start, kinds=kind or ())
    if as_csv:
        out.print(history_csv(entries, zone), end="", markup=False, soft_wrap=True)
        return
    out.print(
        f"{training}: {len(entries)} actions, times in {zone.key}", markup=False, soft_wrap=True
    )
    for line in history_lines(entries, zone, training):
        out.print(line, markup=False, soft_wrap=True)
