"""The `consult` application, its two consoles, and the entry point that prints errors."""

from __future__ import annotations

import typer
from rich.console import Console

from consult.errors import ConsultError

app = typer.Typer(
    help="Plan, invite, collect notes and brief the trainers: stakeholder consultations "
    "before a training.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def main() -> None:
    """Run the CLI; a ConsultError prints as one message and exits with its code, no traceback."""
    try:
        app()
    except ConsultError as error:
        err.print(str(error), markup=False, soft_wrap=True)
        raise SystemExit(error.exit_code) from None
