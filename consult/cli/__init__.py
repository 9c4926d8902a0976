"""The `consult` command: what a coordinator can do from a shell.

Exit codes: 0 done, 1 bad input (the message says what and where), 2 wrong usage.

One module per group of commands; each command builds the services
(`consult.bootstrap`) and makes one call into `consult.application`. What is
heavy to import (the store, the solver, the PDF) is imported inside the
commands, so `consult --help` starts fast.
"""

from consult.cli import (
    followups,
    polls,
    privacy,
    project,
    records,
    registry,
    rounds,
    starting,
)
from consult.cli.app import app, main
from consult.cli.project import demo

__all__ = [
    "app",
    "demo",
    "followups",
    "main",
    "polls",
    "privacy",
    "project",
    "records",
    "registry",
    "rounds",
    "starting",
]
