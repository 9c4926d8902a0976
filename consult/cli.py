"""The `consult` command: what a coordinator can do from a shell.

Exit codes: 0 done, 1 bad input (the message says what and where), 2 wrong usage.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from consult.bootstrap import sender, services, transport
from consult.delivery import delivery_rows
from consult.demo import prepare_demo, serve_feeds
from consult.errors import ConsultError
from consult.invitations import send_round
from consult.planning import plan_and_propose, resolve_round, schedule_markdown
from consult.schema import SCHEMA_DIR, stale_schemas, write_schemas
from consult.settings import Settings
from consult.summary import PlannedRow, Summary, summarise
from consult.workspace import load_workspace

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


def _settings(workspace: Path | None) -> Settings:
    return Settings(workspace=workspace) if workspace is not None else Settings()


@app.command()
def validate(workspace: WorkspaceArgument = None) -> None:
    """Check every file of a workspace and print what it holds."""
    settings = _settings(workspace)
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
                    )
                    out.print()
                    out.print(
                        schedule_markdown(built.workspace, result), soft_wrap=True, markup=False
                    )
                    built.store.decide_round(slug, round_.id, approve=True, actor="demo")
                    out.print(f"{slug}, {round_.id}: approved by the demo", soft_wrap=True)
                    report = send_round(
                        built.workspace,
                        built.store,
                        transport(settings),
                        sender(settings),
                        slug,
                        round_.id,
                        now=dt.datetime.now(dt.UTC),
                    )
                    sent = sum(1 for d in report if d.outcome == "sent")
                    out.print(
                        f"{slug}, {round_.id}: {sent} invitations written to "
                        f"{settings.outbox.resolve()}",
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
) -> None:
    """Send the invitations, updates and cancellations a round calls for, each once."""
    settings = _settings(workspace)
    with services(settings) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        report = send_round(
            built.workspace,
            built.store,
            transport(settings),
            sender(settings),
            training,
            round_id,
            now=dt.datetime.now(dt.UTC),
            lease=dt.timedelta(seconds=settings.claim_lease_seconds),
        )
    table = Table(
        "meeting",
        "recipient",
        "kind",
        "seq",
        "outcome",
        "detail",
        title=f"Delivery: {training}, {round_id}",
        title_justify="left",
    )
    for row in delivery_rows(report):
        table.add_row(*row.values())
    out.print(table)
    counts = Counter(d.outcome for d in report)
    out.print(
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "nothing to send",
        soft_wrap=True,
    )
    if counts.get("failed") or counts.get("will retry"):
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
    ] = getpass.getuser(),
    workspace: Annotated[
        Path | None, typer.Option("--workspace", help="The workspace folder.")
    ] = None,
) -> None:
    """Plan a consultation round: propose a time for each meeting, and store the proposal."""
    with services(_settings(workspace)) as built:
        round_id = resolve_round(built.workspace, training, round_id)
        result = plan_and_propose(
            built.workspace,
            built.store,
            training,
            round_id,
            replan=replan,
            actor=by,
            cache_dir=built.settings.feed_cache,
        )
        out.print(schedule_markdown(built.workspace, result), soft_wrap=True, markup=False)
        if approve:
            meetings = built.store.decide_round(training, round_id, approve=True, actor=by)
            confirmed = sum(1 for m in meetings if m.status == "confirmed")
            out.print(f"approved by {by}: {confirmed} meetings confirmed", soft_wrap=True)
        else:
            out.print("proposed; approve with --approve or in the Prefect UI", soft_wrap=True)


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
    """Run the CLI; a ConsultError prints as one message and exits 1, without a traceback."""
    try:
        app()
    except ConsultError as error:
        err.print(str(error), markup=False, soft_wrap=True)
        raise SystemExit(1) from None
