"""The commands about personal data: forget, personal-data, retention, consent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from consult.cli.app import app, out
from consult.cli.options import USER, ByOption, WorkspaceOption, settings_for
from consult.errors import ConsultError

EmailArgument = Annotated[str, typer.Argument(help="The person's email address.")]


@app.command()
def forget(
    email: EmailArgument,
    delete_observations: Annotated[
        bool,
        typer.Option(
            "--delete-observations",
            help="Delete the observations they made too (by default they are kept, "
            "unattributed; restricted ones are deleted).",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Forget them without asking.")] = False,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Remove a person everywhere: registry, trainings, notes, outbox, exports, store, audit."""
    from consult.application.privacy import check_email, forget
    from consult.bootstrap import services

    email = check_email(email)
    settings = settings_for(workspace)
    if not yes and not typer.confirm(f"Forget {email} everywhere? This cannot be undone"):
        raise ConsultError("nothing forgotten")
    with services(settings, actor=by) as built:
        done = forget(built, email, delete_observations=delete_observations, by=by)
    for line in done.lines:
        out.print(line, soft_wrap=True, markup=False)
    for line in done.packs:
        out.print(f"warning: {line}", soft_wrap=True, markup=False)
    if done.anything:
        out.print(f"forgotten; the audit log names them {done.pseudonym}", soft_wrap=True)


@app.command(name="personal-data")
def personal_data(
    email: EmailArgument,
    target: Annotated[
        Path,
        typer.Option("--out", help="The JSON file to write; the HTML page goes beside it."),
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Write all that consult holds about a person: JSON and a page in their language."""
    from consult.application.access import personal_data, write_personal_data
    from consult.application.privacy import check_email
    from consult.bootstrap import services

    email = check_email(email)
    settings = settings_for(workspace)
    with services(settings) as built:
        held = personal_data(built, email)
        written = write_personal_data(built, held, target)
    for path in written:
        out.print(f"wrote {path}", soft_wrap=True)


@app.command()
def retention(
    apply: Annotated[
        bool, typer.Option("--apply", help="Delete or anonymise what is due (else only list it).")
    ] = False,
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """List the personal data past its retention period; --apply deletes or anonymises it."""
    from consult.application.retention import apply_retention
    from consult.bootstrap import services

    settings = settings_for(workspace)
    with services(settings, actor=by) as built:
        due = apply_retention(built, apply=apply, by=by)
    if not due:
        out.print("nothing is due", soft_wrap=True)
    for line in due:
        out.print(line, soft_wrap=True, markup=False)


@app.command()
def consent(
    email: EmailArgument,
    status: Annotated[str, typer.Argument(help="given, refused or withdrawn.")],
    how: Annotated[
        str, typer.Option("--how", help="page, email or coordinator (their word, recorded).")
    ] = "coordinator",
    at: Annotated[
        dt.datetime | None,
        typer.Option("--at", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"], help="When (default: now)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="How it was given, in words.")] = "",
    by: ByOption = USER,
    workspace: WorkspaceOption = None,
) -> None:
    """Record a contact's consent (given, refused, withdrawn), when and how."""
    from consult.application.consent import record_consent
    from consult.bootstrap import services

    settings = settings_for(workspace)
    with services(settings, actor=by) as built:
        lines = record_consent(built, email, status, how=how, at=at, note=note, by=by)
    for line in lines:
        out.print(line, soft_wrap=True, markup=False)
