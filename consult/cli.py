"""The `consult` command: what a coordinator can do from a shell.

Exit codes: 0 done, 1 bad input (the message says what and where), 2 wrong usage.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from consult.bootstrap import (
    compile_briefing,
    read_replies,
    send_messages,
    sender,
    services,
    transport,
)
from consult.briefing.versions import CompiledPack
from consult.demo import prepare_demo, serve_feeds
from consult.errors import ConsultError, UiError
from consult.mail.delivery import Delivered, counts, delivery_rows, summary
from consult.mail.invitations import late_meetings
from consult.mail.reminders import send_due
from consult.mail.replies import record_replies, round_status, status_markdown
from consult.notes.importing import import_folder, import_kobo
from consult.planning.changes import cancel as cancel_meeting
from consult.planning.changes import find_meeting, local_start
from consult.planning.changes import reschedule as reschedule_meeting
from consult.planning.plan import plan_and_propose, schedule_markdown
from consult.settings import Settings
from consult.ui import DEFAULT_PORT, LocalUi, interruptible, local_ui, wait
from consult.workspace.json_schema import SCHEMA_DIR, stale_schemas, write_schemas
from consult.workspace.loading import load_workspace
from consult.workspace.rounds import resolve_round
from consult.workspace.summary import PlannedRow, Summary, summarise

USER = os.environ.get("USER") or os.environ.get("USERNAME") or "coordinator"
"""Who the audit log names when --by is not given."""

app = typer.Typer(
    help="Plan, invite, collect notes and brief the trainers: stakeholder consultations "
    "before a training.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

WorkspaceArgument = Annotated[
    Path | None,
    typer.Argument(help="The workspace folder (default: $CONSULT_WORKSPACE or ./workspace)."),
]


@app.command()
def validate(workspace: WorkspaceArgument = None) -> None:
    """Check every file of a workspace and print what it holds."""
    settings = Settings.for_workspace(workspace)
    loaded = load_workspace(settings.workspace)
    print_summary(summarise(loaded))
    out.print(f"[green]{settings.workspace}: valid[/green]", soft_wrap=True)


@app.command()
def schema(
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the committed files are stale.")
    ] = False,
) -> None:
    """Write the JSON Schema of stakeholders.yaml and trainings/*.yaml into schemas/."""
    if check:
        stale = stale_schemas()
        if stale:
            raise ConsultError(
                f"stale JSON Schema in {SCHEMA_DIR}: {', '.join(stale)}; run `consult schema`"
            )
        out.print("JSON Schema up to date")
        return
    for path in write_schemas():
        out.print(f"wrote {path}")


@app.command()
def demo(
    target: Annotated[
        Path, typer.Option("--into", help="Where to put the demo's workspace and outputs.")
    ] = Path("build/demo"),
) -> None:
    """Run the pipeline on a fresh copy of the demo workspace, dated six weeks ahead."""
    with serve_feeds() as port:
        workspace = prepare_demo(target, dt.date.today(), feed_port=port)
        settings = Settings(workspace=workspace)
        with services(settings) as built:
            built.store.audit("demo", "workspace.prepared", str(workspace), {})
            print_summary(summarise(built.workspace))
            for slug, training in built.workspace.trainings.items():
                for round_ in training.consultation.rounds:
                    result = plan_and_propose(
                        built.workspace,
                        built.store,
                        slug,
                        round_.id,
                        replan=False,
                        actor="demo",
                        cache_dir=settings.feed_cache,
                        lead_working_days=settings.lead_working_days,
                    )
                    out.print()
                    out.print(
                        schedule_markdown(built.workspace, result), soft_wrap=True, markup=False
                    )
                    built.store.decide_round(slug, round_.id, approve=True, actor="demo")
                    out.print(f"{slug}, {round_.id}: approved by the demo", soft_wrap=True)
                    report = send_messages(built, slug, round_.id, dt.datetime.now(dt.UTC))
                    sent = sum(1 for d in report if d.outcome == "sent")
                    notes = import_folder(
                        built.workspace, built.store, slug, settings.notes, "demo"
                    )
                    out.print(
                        f"{slug}: notes imported from {settings.notes.resolve()}: "
                        f"{notes.summary()}",
                        soft_wrap=True,
                    )
                    out.print(
                        f"{slug}, {round_.id}: {sent} invitations written to "
                        f"{settings.outbox.resolve()}",
                        soft_wrap=True,
                    )
                compiled, delivered = compile_briefing(built, slug, dt.datetime.now(dt.UTC))
                out.print()
                _print_pack(compiled)
                sent = sum(1 for d in delivered if d.outcome == "sent")
                out.print(
                    f"{slug}: the pack emailed to {sent} recipients, "
                    f"in {settings.outbox.resolve()}",
                    soft_wrap=True,
                )
    out.print()
    out.print(f"demo workspace: {workspace.resolve()}", soft_wrap=True)
    out.print(f"state database: {settings.store_url}", soft_wrap=True)
    out.print(f"outputs:        {settings.out_dir.resolve()}", soft_wrap=True)


@app.command()
def send(
    training: Annotated[str, typer.Argument(help="The training's slug (its file name).")],
    round_id: Annotated[
        str | None, typer.Option("--round", help="The round (default: the first).")
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", help="The workspace folder.")
    ] = None,
    retry_rejected: Annotated[
        bool,
        typer.Option(
            "--retry-rejected",
            help="Try again the recipients the server rejected (5xx) on an earlier run.",
        ),
    ] = False,
) -> None:
    """Send the invitations, updates and cancellations a round calls for, each once."""
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        report = send_messages(
            built, training, round_id, dt.datetime.now(dt.UTC), retry_rejected=retry_rejected
        )
    _print_delivery(f"Delivery: {training}, {round_id}", report)


def _print_delivery(title: str, report: list[Delivered]) -> None:
    table = Table(
        "meeting",
        "recipient",
        "kind",
        "seq",
        "outcome",
        "detail",
        title=title,
        title_justify="left",
    )
    for row in delivery_rows(report):
        table.add_row(*row.values())
    out.print(table)
    out.print(summary(report), soft_wrap=True)
    tally = counts(report)
    if tally.get("rejected"):
        out.print(
            "rejected: the server refused these addresses for good; they are not tried again "
            "until the address changes in the registry, or `consult send --retry-rejected`",
            soft_wrap=True,
        )
    late = late_meetings(report)
    if late:
        out.print(
            "too late: these meetings had started, so nothing but a cancellation goes to their "
            "people; reschedule (`consult reschedule`) or cancel (`consult cancel`) each:",
            soft_wrap=True,
        )
        for line in late:
            out.print(f"  {line}", markup=False, soft_wrap=True)
    # A rejection is final (only the registry can change it), and so is a message too late
    # for its meeting (only a new time can); a failure calls for a rerun.
    if tally.get("failed") or tally.get("will retry"):
        raise SystemExit(1)


TrainingArgument = Annotated[str, typer.Argument(help="The training's slug (its file name).")]
RoundOption = Annotated[str | None, typer.Option("--round", help="The round (default: the first).")]
ByOption = Annotated[str, typer.Option("--by", help="Who decides, for the audit log.")]
WorkspaceOption = Annotated[Path | None, typer.Option("--workspace", help="The workspace folder.")]
MeetingArgument = Annotated[str, typer.Argument(help="The meeting's id in the round's plan.")]


@app.command()
def reschedule(
    training: TrainingArgument,
    meeting: MeetingArgument,
    start: Annotated[str, typer.Argument(help="New local start, e.g. 2027-01-12T10:00.")],
    round_id: RoundOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Move a meeting to a new start (training's time zone) and send the updates."""
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        found = find_meeting(built.store, training, round_id, meeting)
        moved = reschedule_meeting(
            built.store, found, local_start(built.workspace, training, start), by, now
        )
        report = send_messages(built, training, round_id, now, meetings={moved.id})
    _print_delivery(f"Updates: {moved.id} (SEQUENCE {moved.sequence})", report)


@app.command()
def cancel(
    training: TrainingArgument,
    meeting: MeetingArgument,
    round_id: RoundOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Call a meeting off and send the cancellations to everyone who was told of it."""
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        cancelled = cancel_meeting(
            built.store, find_meeting(built.store, training, round_id, meeting), by
        )
        report = send_messages(built, training, round_id, now, meetings={cancelled.id})
    _print_delivery(f"Cancellations: {cancelled.id}", report)


@app.command()
def remind(training: TrainingArgument, workspace: WorkspaceOption = None) -> None:
    """Send the reminders, nudges and notes-missing messages due now, each once."""
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        report = send_due(
            built.workspace,
            built.store,
            transport(settings),
            sender(settings),
            training,
            now=now,
            lease=settings.claim_lease,
        )
    _print_delivery(f"Reminders: {training}", report)


@app.command()
def replies(
    training: TrainingArgument, round_id: RoundOption = None, workspace: WorkspaceOption = None
) -> None:
    """Record the calendar replies in inbox/ (and the IMAP mailbox, if set); show who answered."""
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        read = read_replies(settings)
        report = record_replies(built.store, read.found)
        status = round_status(built.workspace, built.store, training, round_id)
    for problem in read.problems:
        err.print(problem, markup=False, soft_wrap=True)
    out.print(report.to_markdown(), markup=False, soft_wrap=True)
    out.print(status_markdown(status), markup=False, soft_wrap=True)


@app.command(name="import-notes")
def import_notes(training: TrainingArgument, workspace: WorkspaceOption = None) -> None:
    """Import the notes files of notes/ and the KoboToolbox form of kobo.yaml; each once."""
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        report = import_folder(built.workspace, built.store, training, settings.notes, USER)
        import_kobo(built.workspace, built.store, training, USER, report=report)
    for reason in report.rejected:
        err.print(reason, markup=False, soft_wrap=True)
    out.print(report.summary(), soft_wrap=True)
    if report.rejected:
        raise SystemExit(1)


@app.command()
def plan(
    training: Annotated[str, typer.Argument(help="The training's slug (its file name).")],
    round_id: Annotated[
        str | None, typer.Option("--round", help="The round to plan (default: the first).")
    ] = None,
    approve: Annotated[
        bool, typer.Option("--approve", help="Confirm the proposal at once, without review.")
    ] = False,
    replan: Annotated[
        bool, typer.Option("--replan", help="Move confirmed meetings too, not only proposed ones.")
    ] = False,
    by: Annotated[
        str, typer.Option("--by", help="Who plans and decides, for the audit log.")
    ] = USER,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", help="The workspace folder.")
    ] = None,
) -> None:
    """Plan a consultation round: propose a time for each meeting, and store the proposal."""
    with services(Settings.for_workspace(workspace)) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        result = plan_and_propose(
            built.workspace,
            built.store,
            training,
            round_id,
            replan=replan,
            actor=by,
            cache_dir=built.settings.feed_cache,
            lead_working_days=built.settings.lead_working_days,
        )
        out.print(schedule_markdown(built.workspace, result), soft_wrap=True, markup=False)
        if approve:
            meetings = built.store.decide_round(training, round_id, approve=True, actor=by)
            confirmed = sum(1 for m in meetings if m.status == "confirmed")
            out.print(f"approved by {by}: {confirmed} meetings confirmed", soft_wrap=True)
        else:
            out.print("proposed; approve with --approve or in the Prefect UI", soft_wrap=True)


@app.command()
def brief(
    training: TrainingArgument,
    send: Annotated[
        bool,
        typer.Option("--send/--no-send", help="Email the PDF to the experts (once per version)."),
    ] = True,
    workspace: WorkspaceOption = None,
) -> None:
    """Compile the briefing pack (HTML, PDF, Markdown) and send it to the experts."""
    with services(Settings.for_workspace(workspace)) as built:
        compiled, report = compile_briefing(built, training, dt.datetime.now(dt.UTC), send=send)
    _print_pack(compiled)
    if send:
        _print_delivery(f"Briefing pack v{compiled.version}: {training}", report)


def _print_pack(compiled: CompiledPack) -> None:
    state = "new version" if compiled.new else "unchanged since it was last compiled"
    analysis = compiled.analysis
    out.print(
        f"{compiled.training}: briefing pack v{compiled.version} ({state}): "
        f"{len(analysis.gaps)} gaps ranked, {len(analysis.uncovered)} not covered by the agenda, "
        f"{analysis.observations} observations ({analysis.withheld} restricted left out)",
        soft_wrap=True,
    )
    for language, files in compiled.files.items():
        out.print(f"  {language}: {files['pdf'].resolve()}", soft_wrap=True)


@app.command()
def ui(
    workspace: WorkspaceOption = None,
    port: Annotated[
        int, typer.Option("--port", help="The port on 127.0.0.1; a free one if it is taken.")
    ] = DEFAULT_PORT,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="The server's state folder (default: in the workspace)."),
    ] = None,
) -> None:
    """Start a local Prefect server and serve every deployment; Ctrl-C stops both."""
    local = LocalUi.for_workspace(workspace, port)
    load_workspace(local.workspace or Path())  # a workspace with problems starts nothing
    if home is not None:
        local = replace(local, home=home.resolve())
    out.print(f"starting the Prefect server (state in {local.home})...", soft_wrap=True)
    try:
        with interruptible(), local_ui(local) as running:
            out.print(f"Prefect UI: {running.url}", soft_wrap=True)
            out.print(
                f"serving the deployments of {local.project / 'prefect.yaml'} on workspace "
                f"{local.workspace}; logs in {running.logs}. Ctrl-C stops both.",
                soft_wrap=True,
            )
            why = wait(running)
    except KeyboardInterrupt:
        why = "stopped"
    if why != "stopped":
        raise UiError(why)
    out.print("stopped", soft_wrap=True)


def print_summary(summary: Summary) -> None:
    """Print a workspace summary as tables."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary.kinds.items())
    out.print(
        f"{summary.organisations} organisations ({kinds}), {summary.contacts} contacts, "
        f"{len(summary.trainings)} training(s), {len(summary.planned)} planned consultations",
        soft_wrap=True,
    )
    trainings = Table("training", "title", "dates", title="Trainings", title_justify="left")
    for slug, title, dates in summary.trainings:
        trainings.add_row(slug, title, dates)
    out.print(trainings)
    rounds: dict[tuple[str, str, str], list[PlannedRow]] = {}
    for row in summary.planned:
        rounds.setdefault((row.training, row.round, row.window), []).append(row)
    for (training, round_id, window), rows in rounds.items():
        planned = Table(
            "meeting",
            "organisation",
            "format",
            "min",
            "facilitators",
            title=f"Planned consultations: {training}, {round_id} ({window})",
            title_justify="left",
        )
        for r in rows:
            planned.add_row(
                r.meeting,
                r.organisation,
                r.format,
                str(r.minutes),
                r.facilitators.replace(", ", "\n"),
            )
        out.print(planned)


def main() -> None:
    """Run the CLI; a ConsultError prints as one message and exits with its code, no traceback."""
    try:
        app()
    except ConsultError as error:
        err.print(str(error), markup=False, soft_wrap=True)
        raise SystemExit(error.exit_code) from None
