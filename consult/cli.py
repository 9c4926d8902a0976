"""The `consult` command: what a coordinator can do from a shell.

Exit codes: 0 done, 1 bad input (the message says what and where), 2 wrong usage.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from consult.bootstrap import (
    compile_briefing,
    preview_folder,
    preview_messages,
    read_replies,
    send_messages,
    sender,
    services,
    transport,
    write_dry_run,
)
from consult.briefing.versions import CompiledPack
from consult.coordination.counters import (
    decide_counter,
    read_inbox_requests,
    review_counters,
    review_lines,
)
from consult.coordination.exports import FORMATS, TABLES, build_table, file_name, write_table
from consult.demo import prepare_demo, serve_feeds
from consult.errors import ConsultError, SendNotConfirmed, UiError
from consult.mail.delivery import (
    BOUNCED,
    WAITING,
    Delivered,
    counts,
    delivery_rows,
    summary,
    taken_over,
    waiting,
)
from consult.mail.invitations import late_meetings
from consult.mail.notices import bounce_warnings, record_inbox
from consult.mail.preview import Preview, confirm_send, example_text, first_send
from consult.mail.reminders import send_due
from consult.mail.replies import round_status, status_markdown
from consult.notes.importing import import_folder, import_kobo
from consult.planning.changes import cancel as cancel_meeting
from consult.planning.changes import find_meeting, free_times, local_start
from consult.planning.changes import move as move_meeting
from consult.planning.plan import fetch_round_feeds, plan_and_propose, schedule_markdown
from consult.planning.quorum import at_risk, risk_line
from consult.settings import Settings
from consult.store import open_store
from consult.store.audit import default_actor
from consult.store.history import history_csv, history_lines
from consult.ui import DEFAULT_PORT, DESK_PORT, LocalUi, interruptible, local_ui, wait
from consult.workspace.columns import (
    MAPPING_FILE,
    covers,
    guess_columns,
    read_mapping,
    write_mapping,
)
from consult.workspace.json_schema import SCHEMA_DIR, stale_schemas, write_schemas
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import update_contact, update_organisation
from consult.workspace.registry_export import export_registry
from consult.workspace.registry_import import apply_import, plan_import
from consult.workspace.rounds import resolve_round
from consult.workspace.sheets import read_sheets
from consult.workspace.summary import PlannedRow, Summary, summarise

USER = default_actor()
"""Who the audit log names when --by is not given: the operating-system user."""

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
    for warning in bounce_warnings(settings, loaded):
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    for notice in loaded.warnings:
        err.print(f"warning: {notice}", markup=False, soft_wrap=True)
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
            built.store.actor = "demo"
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
    """
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        built.store.actor = by
        round_id = resolve_round(built.workspace, training, round_id)
        now = dt.datetime.now(dt.UTC)
        if dry_run:
            _print_preview(preview_messages(built, training, round_id, now, retry_rejected))
            written = write_dry_run(built, training, round_id, now, retry_rejected)
            folder = preview_folder(settings, training, round_id).resolve()
            out.print(
                f"dry run: {len(written)} messages written to {folder}; nothing was sent",
                soft_wrap=True,
                markup=False,
            )
            return
        if first_send(built.store, training, round_id):
            preview = preview_messages(built, training, round_id, now, retry_rejected)
            if preview.recipients:
                if not yes:
                    _print_preview(preview)
                    _ask_to_send(preview, settings)
                confirm_send(built.store, preview, by)
        report = send_messages(built, training, round_id, now, retry_rejected=retry_rejected)
    _print_delivery(f"Delivery: {training}, {round_id}", report, "consult send")


def _print_preview(preview: Preview) -> None:
    sender = preview.sender
    reply_to = f", replies to {sender.reply_to}" if sender.reply_to else ""
    out.print(
        f"To send: {preview.training}, {preview.round}: {preview.summary()}; "
        f"from {sender.name} <{sender.email}>{reply_to}",
        soft_wrap=True,
        markup=False,
    )
    if not preview.recipients:
        return
    table = Table("name", "organisation", "meeting", "kind", "language")
    for r in preview.recipients:
        meeting = r.meeting_id.rsplit("/", 1)[-1]
        table.add_row(escape(r.name), escape(r.organisation), escape(meeting), r.kind, r.language)
    out.print(table)
    for language, message in preview.examples.items():
        out.print(f"\n--- example in {language} ---", markup=False)
        out.print(example_text(message), markup=False, soft_wrap=True)
        out.print("---", markup=False)


def _ask_to_send(preview: Preview, settings: Settings) -> None:
    """Return once the coordinator confirmed the first send; raise SendNotConfirmed otherwise."""
    command = f"consult send {preview.training} --round {preview.round}"
    if not sys.stdin.isatty():
        raise SendNotConfirmed(
            f"{preview.training}, {preview.round}: the round's first send waits for a "
            f"confirmation, and nothing was sent. Check what is shown above "
            f"({len(preview.recipients)} messages), then run `{command} --yes` to send it "
            f"(or `{command} --dry-run` to write the messages to "
            f"{preview_folder(settings, preview.training, preview.round)} first)"
        )
    if not typer.confirm(f"Send these {len(preview.recipients)} messages?", default=False):
        raise SendNotConfirmed(f"{preview.training}, {preview.round}: not confirmed; nothing sent")


def _print_delivery(title: str, report: list[Delivered], command: str) -> None:
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
    if tally.get(BOUNCED):
        out.print(
            "bounced: these addresses bounced, so no reminder or nudge goes to them; correct "
            "each in the registry (stakeholders.yaml), and the new address is invited",
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
    for line in taken_over(report):
        out.print(f"taken over: {line}; this run sent them", markup=False, soft_wrap=True)
    for line in waiting(report):
        out.print(
            f"waiting: {line}; run `{command}` again after that", markup=False, soft_wrap=True
        )
    # A rejection is final (only the registry can change it), and so is a message too late
    # for its meeting (only a new time can); a failure, or a message another run holds,
    # calls for a rerun.
    if tally.get("failed") or tally.get("will retry") or tally.get(WAITING):
        raise SystemExit(1)


TrainingArgument = Annotated[str, typer.Argument(help="The training's slug (its file name).")]
RoundOption = Annotated[str | None, typer.Option("--round", help="The round (default: the first).")]
ByOption = Annotated[
    str, typer.Option("--by", help="Who acts, for the audit log (default: the OS user).")
]
WorkspaceOption = Annotated[Path | None, typer.Option("--workspace", help="The workspace folder.")]
MeetingArgument = Annotated[str, typer.Argument(help="The meeting's id in the round's plan.")]


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
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        built.store.actor = by
        round_id = resolve_round(built.workspace, training, round_id)
        found = find_meeting(built.store, training, round_id, meeting)
        moved = move_meeting(
            built.workspace,
            built.store,
            found,
            local_start(built.workspace, training, start),
            by,
            now,
            feeds=fetch_round_feeds(
                built.workspace, training, round_id, cache_dir=settings.feed_cache
            ),
            force=force or "",
            lead_working_days=settings.lead_working_days,
        )
        report = send_messages(built, training, round_id, now, meetings={moved.id})
    _print_delivery(f"Updates: {moved.id} (SEQUENCE {moved.sequence})", report, "consult send")


@app.command(name="free-slots")
def free_slots(
    training: TrainingArgument,
    meeting: MeetingArgument,
    round_id: RoundOption = None,
    count: Annotated[int, typer.Option("--count", min=1, help="How many times to offer.")] = 5,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the next times a meeting could move to that keep every planning rule."""
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        found = find_meeting(built.store, training, round_id, meeting)
        offered = free_times(
            built.workspace,
            built.store,
            found,
            fetch_round_feeds(built.workspace, training, round_id, cache_dir=settings.feed_cache),
            now=now,
            lead_working_days=settings.lead_working_days,
            count=count,
        )
        zone = built.workspace.training(training).timezone
    if not offered:
        out.print(f"{found.id}: no time within the round's window keeps every rule", markup=False)
        raise SystemExit(1)
    out.print(f"{found.id}: free times that keep every rule ({zone}):", markup=False)
    for start in offered:
        out.print(f"  {start.astimezone(ZoneInfo(zone)):%a %Y-%m-%d %H:%M}", markup=False)


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
        built.store.actor = by
        round_id = resolve_round(built.workspace, training, round_id)
        cancelled = cancel_meeting(
            built.store, find_meeting(built.store, training, round_id, meeting), by
        )
        report = send_messages(built, training, round_id, now, meetings={cancelled.id})
    _print_delivery(f"Cancellations: {cancelled.id}", report, "consult send")


@app.command()
def remind(
    training: TrainingArgument, by: ByOption = USER, workspace: WorkspaceOption = None
) -> None:
    """Send the reminders, nudges and notes-missing messages due now, each once."""
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        built.store.actor = by
        report = send_due(
            built.workspace,
            built.store,
            transport(settings),
            sender(settings, built.workspace, training),
            training,
            now=now,
            lease=settings.claim_lease,
        )
    _print_delivery(f"Reminders: {training}", report, "consult remind")


@app.command()
def replies(
    training: TrainingArgument, round_id: RoundOption = None, workspace: WorkspaceOption = None
) -> None:
    """Record the calendar replies in inbox/ (and the IMAP mailbox, if set); show who answered."""
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        read = read_replies(settings, skip=built.store.inbound_sources())
        report = record_inbox(built.store, read)
        now = dt.datetime.now(dt.UTC)
        requests = read_inbox_requests(built, now, read.requests)
        reviews = review_counters(built, training, now)
        status = round_status(built.workspace, built.store, training, round_id)
        zone = built.workspace.training(training).timezone
        risks = [
            r
            for r in at_risk(
                built.workspace,
                built.store,
                training,
                now,
                lambda r: fetch_round_feeds(
                    built.workspace, training, r, cache_dir=settings.feed_cache
                ),
                lead_working_days=settings.lead_working_days,
            )
            if r.meeting.round == round_id
        ]
    # a COUNTER or REFRESH is no REPLY, but no problem either: it is read just below
    for problem in read.problems:
        if problem.split(": ", 1)[0] not in requests.sources:
            err.print(problem, markup=False, soft_wrap=True)
    for line in (*requests.problems, *requests.outcomes):
        out.print(line, markup=False, soft_wrap=True)
    if requests.refreshed:
        out.print(summary(requests.refreshed) + " (answers to REFRESH)", soft_wrap=True)
    out.print(report.to_markdown(), markup=False, soft_wrap=True)
    out.print(status_markdown(status), markup=False, soft_wrap=True)
    if risks:
        out.print("Meetings without their quorum (move with `consult reschedule`):", soft_wrap=True)
        for risk in risks:
            out.print(f"  {risk_line(risk, zone)}", markup=False, soft_wrap=True)
    if reviews:
        out.print("Counter-proposals waiting (decide with `consult counter`):", soft_wrap=True)
        for line in review_lines(reviews, zone):
            out.print(line, markup=False, soft_wrap=True)


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
    if accept and decline:
        raise typer.BadParameter("give --accept or --decline, not both")
    settings = Settings.for_workspace(workspace)
    now = dt.datetime.now(dt.UTC)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        found = find_meeting(built.store, training, round_id, meeting)
        if not (accept or decline):
            reviews = [r for r in review_counters(built, training, now) if r.meeting.id == found.id]
            zone = built.workspace.training(training).timezone
            lines = review_lines(reviews, zone) or [f"{found.id}: no counter-proposal waiting"]
            for line in lines:
                out.print(line, markup=False, soft_wrap=True)
            return
        report = decide_counter(
            built, training, round_id, meeting, accept=accept, by=by, now=now, comment=comment
        )
    verdict = "accepted: updates" if accept else "declined: DECLINECOUNTER"
    _print_delivery(f"Counter-proposal {verdict} for {found.id}", report, "consult send")


@app.command(name="import-notes")
def import_notes(
    training: TrainingArgument, by: ByOption = USER, workspace: WorkspaceOption = None
) -> None:
    """Import the notes files of notes/ and the KoboToolbox form of kobo.yaml; each once."""
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        built.store.actor = by
        report = import_folder(built.workspace, built.store, training, settings.notes, by)
        import_kobo(built.workspace, built.store, training, by, report=report)
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
        built.store.actor = by
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
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Compile the briefing pack (HTML, PDF, Markdown) and send it to the experts."""
    with services(Settings.for_workspace(workspace)) as built:
        built.store.actor = by
        compiled, report = compile_briefing(built, training, dt.datetime.now(dt.UTC), send=send)
    _print_pack(compiled)
    if send:
        _print_delivery(f"Briefing pack v{compiled.version}: {training}", report, "consult brief")


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


SinceOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--since",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"],
        help="Only what happened from this date (or date and time) on, in the training's zone.",
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        help="Only actions of this kind, repeatable: a family (message, reply, round, meeting, "
        "notes, observation, pack, step) or one action (message.rejected).",
    ),
]


@app.command(name="log")
def log_(
    training: TrainingArgument,
    since: SinceOption = None,
    kind: KindOption = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of columns.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Print who did what and when: messages, replies, notes, packs, decisions; newest last."""
    with services(Settings.for_workspace(workspace)) as built:
        zone = ZoneInfo(built.workspace.training(training).timezone)
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
    desk_port: Annotated[
        int,
        typer.Option("--desk-port", help="The desk's port on 127.0.0.1; a free one if taken."),
    ] = DESK_PORT,
) -> None:
    """Start a local Prefect server, serve every deployment and the desk; Ctrl-C stops all."""
    local = LocalUi.for_workspace(workspace, port, desk_port)
    load_workspace(local.workspace or Path())  # a workspace with problems starts nothing
    if home is not None:
        local = replace(local, home=home.resolve())
    out.print(f"starting the Prefect server (state in {local.home})...", soft_wrap=True)
    try:
        with interruptible(), local_ui(local) as running:
            out.print(f"Prefect UI: {running.url}", soft_wrap=True)
            out.print(f"Desk: {running.desk_url}", soft_wrap=True)
            out.print(
                f"serving the deployments of {local.project / 'prefect.yaml'} on workspace "
                f"{local.workspace}; logs in {running.logs}. Ctrl-C stops all three.",
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
    for warning in summary.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)


MappingOption = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        help="A column mapping file (header: field); default: the workspace's "
        "registry-columns.yaml, else guessed from the headers.",
    ),
]
YesOption = Annotated[
    bool, typer.Option("--yes", help="Take the column mapping and the changes without asking.")
]


@app.command(name="import-stakeholders")
def import_stakeholders(
    file: Annotated[Path, typer.Argument(help="A spreadsheet of contacts: .xlsx or .csv.")],
    yes: YesOption = False,
    mapping: MappingOption = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a spreadsheet of contacts into stakeholders.yaml: preview, then merge."""
    settings = Settings.for_workspace(workspace)
    root = settings.workspace
    sheets = read_sheets(file)
    headers = [h for sheet in sheets for h in sheet.header if h.strip()]
    saved = root / MAPPING_FILE
    if mapping is not None:
        columns = read_mapping(mapping, str(mapping))
    elif saved.is_file() and covers(columns := read_mapping(saved), headers):
        out.print(f"columns as in {saved}", soft_wrap=True)
    else:
        columns = {}
        for sheet in sheets:
            columns.update(guess_columns(sheet.header))
        table = Table("header", "field", title="Columns", title_justify="left")
        for header in dict.fromkeys(headers):
            table.add_row(header, columns.get(header, "(ignored)"))
        out.print(table)
        if not yes and not typer.confirm("Read the columns so?"):
            raise ConsultError(f"nothing imported; write the mapping in {saved} and run again")
        write_mapping(saved, columns)
        out.print(f"mapping saved in {saved}", soft_wrap=True)
    preview = plan_import(root, sheets, columns)
    out.print(preview.summary(), soft_wrap=True, markup=False)
    for line in preview.details()[:200]:
        out.print(f"  {line}", soft_wrap=True, markup=False)
    if preview.empty:
        out.print("nothing to change", soft_wrap=True)
        return
    if not yes and not typer.confirm(f"Write these changes into {root / 'stakeholders.yaml'}?"):
        raise ConsultError("nothing imported")
    apply_import(root, preview)
    with open_store(settings.store_url, by) as store:
        store.audit(by, "registry.imported", "stakeholders", {"summary": preview.summary()})
    out.print(f"{root / 'stakeholders.yaml'}: written", soft_wrap=True)


@app.command(name="export-stakeholders")
def export_stakeholders(
    target: Annotated[Path, typer.Argument(help="The file to write: .xlsx or .csv.")],
    format: Annotated[
        str | None, typer.Option("--format", help="xlsx or csv (default: by the file's suffix).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the registry as a spreadsheet, in the columns import-stakeholders reads."""
    settings = Settings.for_workspace(workspace)
    count = export_registry(load_workspace(settings.workspace).stakeholders, target, format)
    out.print(f"{target}: {count} contacts", soft_wrap=True)


@app.command(name="export")
def export_table(
    training: TrainingArgument,
    what: Annotated[str, typer.Option("--what", help=f"The table to write: {', '.join(TABLES)}.")],
    format: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "xlsx",
    target: Annotated[
        Path | None,
        typer.Option(
            "--out", help="The file to write (default: out/exports/<training>-<what>.<format>)."
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write a training's registry, ledger, answers or observations as .csv or .xlsx.

    Restricted observations are never written; the count left out is printed.
    """
    for option, value, choices in (("--what", what, TABLES), ("--format", format, FORMATS)):
        if value not in choices:
            expected = f"expected one of {', '.join(choices)}"
            raise typer.BadParameter(f"got {value!r}, {expected}", param_hint=option)
    settings = Settings.for_workspace(workspace)
    with services(settings) as built:
        table = build_table(what, built.workspace, built.store, training)
    if target is None:
        target = settings.out_dir / "exports" / file_name(training, what, format)
        target.parent.mkdir(parents=True, exist_ok=True)
    write_table(table, target, format)
    left_out = f" ({table.withheld} restricted left out)" if what == "observations" else ""
    out.print(f"{target}: {len(table.rows)} rows{left_out}", soft_wrap=True, markup=False)


@app.command(name="edit-stakeholder")
def edit_stakeholder(
    organisation: Annotated[str, typer.Argument(help="The organisation's id.")],
    changes: Annotated[
        list[str], typer.Argument(help="field=value, e.g. country=AM role='Head of unit'.")
    ],
    contact: Annotated[
        str | None, typer.Option("--contact", help="The contact's email: edit the contact.")
    ] = None,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Edit an organisation's or a contact's fields in stakeholders.yaml, checked and audited."""
    settings = Settings.for_workspace(workspace)
    pairs = {key: value for key, _, value in (change.partition("=") for change in changes)}
    if contact is None:
        entry = update_organisation(settings.workspace, organisation, pairs)
    else:
        entry = update_contact(settings.workspace, organisation, contact, pairs)
    if not entry.changed:
        out.print("nothing to change", soft_wrap=True)
        return
    with open_store(settings.store_url, by) as store:
        store.audit(by, entry.action, entry.subject, dict(entry.detail))
    out.print(f"{entry.subject}: {', '.join(entry.detail['fields'])} changed", soft_wrap=True)


def main() -> None:
    """Run the CLI; a ConsultError prints as one message and exits with its code, no traceback."""
    try:
        app()
    except ConsultError as error:
        err.print(str(error), markup=False, soft_wrap=True)
        raise SystemExit(error.exit_code) from None
