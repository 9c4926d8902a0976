"""The arguments and options several commands share, described once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from consult.actors import default_actor

if TYPE_CHECKING:
    from consult.settings import Settings

USER = default_actor()
"""Who the audit log names when --by is not given: the operating-system user."""

WorkspaceArgument = Annotated[
    Path | None,
    typer.Argument(help="The workspace folder (default: $CONSULT_WORKSPACE or ./workspace)."),
]
TrainingArgument = Annotated[str, typer.Argument(help="The training's slug (its file name).")]
RoundOption = Annotated[str | None, typer.Option("--round", help="The round (default: the first).")]
ByOption = Annotated[
    str, typer.Option("--by", help="Who acts, for the audit log (default: the OS user).")
]
WorkspaceOption = Annotated[Path | None, typer.Option("--workspace", help="The workspace folder.")]
MeetingArgument = Annotated[str, typer.Argument(help="The meeting's id in the round's plan.")]
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
        help="Only actions of this kind, repeatable: a family (message, reply, mail, round, "
        "meeting, notes, observation, pack, step) or one action (message.rejected, "
        "mail.bounce).",
    ),
]
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


def settings_for(workspace: Path | None) -> Settings:
    """Return the settings of the workspace (or $CONSULT_WORKSPACE), imported only now: the
    command line names its commands and options without pydantic (`consult --help`)."""
    from consult.settings import Settings

    return Settings.for_workspace(workspace)
