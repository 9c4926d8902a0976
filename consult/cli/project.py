"""The commands about the workspace as a whole: validate, schema, demo, ui."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from consult.cli.app import app, err, out
from consult.cli.options import WorkspaceArgument, WorkspaceOption, settings_for
from consult.cli.output import print_pack, print_summary
from consult.errors import ConsultError, UiError
from consult.ui import DEFAULT_PORT, DESK_PORT

if TYPE_CHECKING:
    from consult.application.references import RoundRef
    from consult.application.services import Services


@app.command()
def validate(workspace: WorkspaceArgument = None) -> None:
    """Check every file of a workspace and print what it holds."""
    from consult.application.consent import consent_warnings
    from consult.coordination.timeline import timeline_warnings
    from consult.mail.notices import bounce_warnings
    from consult.workspace.loading import load_workspace
    from consult.workspace.summary import summarise

    settings = settings_for(workspace)
    loaded = load_workspace(settings.workspace)
    print_summary(summarise(loaded))
    for warning in bounce_warnings(settings, loaded):
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    for notice in loaded.warnings:
        err.print(f"warning: {notice}", markup=False, soft_wrap=True)
    for slug, training in loaded.trainings.items():
        for warning in timeline_warnings(slug, training):
            err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    for warning in consent_warnings(settings, loaded):
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    unsent = [slug for slug, t in loaded.trainings.items() if t.sender is None]
    if loaded.stakeholders.sender is None and unsent and settings.sender_name is None:
        err.print(
            "warning: stakeholders.yaml: no `sender:` block, so the messages of "
            f"{', '.join(unsent)} would go out as consult's default sender, which sending by "
            "SMTP refuses; write who they come from (name, email) in a `sender:` block",
            markup=False,
            soft_wrap=True,
        )
    out.print(f"[green]{settings.workspace}: valid[/green]", soft_wrap=True)


@app.command()
def schema(
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the committed files are stale.")
    ] = False,
) -> None:
    """Write the JSON Schema of stakeholders.yaml and trainings/*.yaml into schemas/."""
    from consult.workspace.json_schema import SCHEMA_DIR, stale_schemas, write_schemas

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
    from consult.bootstrap import services
    from consult.demo import prepare_demo, serve_feeds
    from consult.workspace.summary import summarise

    with serve_feeds() as port:
        workspace = prepare_demo(target, dt.date.today(), feed_port=port)
        settings = settings_for(workspace)
        with services(settings, actor="demo") as built:
            built.store.audit("demo", "workspace.prepared", str(workspace), {})
            print_summary(summarise(built.workspace))
            for slug in built.workspace.trainings:
                _run_demo_training(built, slug)
    out.print()
    out.print(f"demo workspace: {workspace.resolve()}", soft_wrap=True)
    out.print(f"state database: {settings.store_url}", soft_wrap=True)
    out.print(f"outputs:        {settings.out_dir.resolve()}", soft_wrap=True)


def _run_demo_training(built: Services, slug: str) -> None:
    """Plan, approve and invite every round of the training, import its notes, brief and send."""
    from consult.application.brief import compile_briefing
    from consult.application.notes import import_notes
    from consult.application.plan import decide_plan, propose_plan
    from consult.application.references import round_ref, training_ref
    from consult.application.send import send_round
    from consult.planning.plan import schedule_markdown

    settings = built.settings
    training = training_ref(built.workspace, slug)
    for round_ in training.training.consultation.rounds:
        ref = round_ref(built.workspace, slug, round_.id)
        result = propose_plan(built, ref, replan=False, by="demo")
        out.print()
        out.print(schedule_markdown(built.workspace, result), soft_wrap=True, markup=False)
        decide_plan(built, ref, approve=True, by="demo")
        out.print(f"{slug}, {round_.id}: approved by the demo", soft_wrap=True)
        report = [d for d in send_round(built, ref) if d.outcome == "sent"]
        sent = sum(1 for d in report if d.kind != "poll")
        sent += _demo_polls(built, ref, sum(1 for d in report if d.kind == "poll"))
        after = _after_the_meetings(built, ref)
        notes = import_notes(after, training, "demo")
        out.print(
            f"{slug}: notes imported from {settings.notes.resolve()}: {notes.summary()}",
            soft_wrap=True,
        )
        _demo_written(after, ref)
        out.print(
            f"{slug}, {round_.id}: {sent} invitations written to {settings.outbox.resolve()}",
            soft_wrap=True,
        )
    compiled, delivered = compile_briefing(built, training)
    out.print()
    print_pack(compiled)
    sent = sum(1 for d in delivered if d.outcome == "sent")
    out.print(
        f"{slug}: the pack emailed to {sent} recipients, in {settings.outbox.resolve()}",
        soft_wrap=True,
    )


def _demo_polls(built: Services, round_: RoundRef, asked: int) -> int:
    """Return the invitations sent once the round's date polls are voted on and picked.

    `asked` is how many poll messages went out. Every invitee votes (as by phone: `consult
    vote`), and the demo picks the best time, as the desk's coordinator would; the meeting
    is then invited like the others.
    """
    from consult.application.polls import pick, poll_of, polls_of_round, record_vote

    sent = 0
    for poll in polls_of_round(built, round_.slug, round_.id):
        for index, invitee in enumerate(poll.invitees):
            votes = {
                o.option: ("yes", "if_need_be", "no")[(o.option + index) % 3] for o in poll.options
            }
            record_vote(built, poll.meeting.id, invitee.email, votes, via="demo", by="demo")
        best = poll_of(built, poll.meeting.id).best()
        picked = pick(built, poll.meeting.id, best, by="demo")
        invited = sum(1 for d in picked.report if d.outcome == "sent")
        out.print(
            f"{poll.meeting.id}: date poll of {len(poll.options)} times sent to "
            f"{len(poll.invitees)} invitees ({asked} poll messages in the round), "
            f"{len(poll.invitees)} voted; option {best} picked, {invited} invitations sent",
            soft_wrap=True,
        )
        sent += invited
    return sent


def _demo_written(built: Services, round_: RoundRef) -> None:
    """Send the demo's written input on an invitee's personal page, as its form does.

    The invitee of a meeting whose notes the demo does not have writes on two themes,
    as internal, after the consent text in their language: the same call as the page's
    (`record_written`), on the page their signed token opens.
    """
    from consult.answers.tokens import make_token, page_secret
    from consult.application.page_answers import open_page
    from consult.application.written import WrittenEntry, consent_for, record_written
    from consult.demo import WRITTEN_BY, WRITTEN_INPUT, WRITTEN_MEETING

    meeting_id = round_.meeting_id(WRITTEN_MEETING)
    if built.store.get_meeting(meeting_id) is None:
        return
    secret = page_secret(built.settings)
    token = make_token(secret, meeting_id, WRITTEN_BY, round_.training.training.end)
    page = open_page(built, token)
    if page is None:
        raise ConsultError(f"{meeting_id}: the demo's written input found no page of {WRITTEN_BY}")
    entries = [WrittenEntry(theme, text, severity) for theme, severity, text in WRITTEN_INPUT]
    report = record_written(built, page, entries, "internal", consent_for(built, page))
    if report.rejected:
        raise ConsultError(f"{meeting_id}: the demo's written input: {'; '.join(report.rejected)}")
    out.print(
        f"{meeting_id}: written input from {page.attendee.name} on the personal page "
        f"({page.language}, {len(entries)} themes, internal, consent given): {report.summary()}",
        soft_wrap=True,
    )


def _after_the_meetings(built: Services, round_: RoundRef) -> Services:
    """Return the services as on the day after the round's last meeting, its notes dated to it.

    The demo's meetings lie ahead, and notes are taken only once a meeting has
    been held, on its day: the demo dates its notes files to the meetings just
    planned and imports them as if the meetings had taken place.
    """
    from zoneinfo import ZoneInfo

    from consult.demo import date_notes

    meetings = built.store.meetings(round_.slug, round_.id)
    if not meetings:
        return built
    zone = ZoneInfo(round_.training.training.timezone)
    days = {m.id.rsplit("/", 1)[-1]: m.start.astimezone(zone).date() for m in meetings}
    date_notes(built.settings.notes, days)
    later = max(m.end for m in meetings) + dt.timedelta(days=1)
    return replace(built, clock=lambda: later)


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
    from consult.ui import LocalUi, interruptible, local_ui, wait
    from consult.workspace.loading import load_workspace

    local = LocalUi.for_workspace(workspace, port, desk_port)
    load_workspace(local.workspace or Path())  # a workspace with problems starts nothing
    if home is not None:
        local = replace(local, home=home.resolve())
    out.print(f"starting the Prefect server (state in {local.home})...", soft_wrap=True)
    try:
        with interruptible(), local_ui(local) as running:
            out.print(f"Prefect UI: {running.url}", soft_wrap=True)
            out.print(f"Desk: {running.desk_login}", soft_wrap=True)
            out.print(f"Stakeholders' pages: {running.public_url}", soft_wrap=True)
            out.print(
                f"serving the deployments of {local.project / 'prefect.yaml'} on workspace "
                f"{local.workspace}; logs in {running.logs}. Ctrl-C stops them all.",
                soft_wrap=True,
            )
            why = wait(running)
    except KeyboardInterrupt:
        why = "stopped"
    if why != "stopped":
        raise UiError(why)
    out.print("stopped", soft_wrap=True)
