"""Steps: the preparation steps of every training's timeline that fall due, each started once.

A step is claimed in the store before anything starts it, so two runs on the
same day start it once; one that could not be started is released, for the
next run to try again.
"""

from __future__ import annotations

import datetime as dt

from consult.application.services import Services
from consult.coordination.timeline import Step, due_steps, local_day, next_step, progress


def find_due_steps(built: Services, day: dt.date | None = None) -> tuple[list[Step], list[str]]:
    """Return the steps due over every training of the workspace, not yet done.

    Due today in each training's zone, or on `day`; and, for each training with
    nothing due, one line that says what comes next.
    """
    now = built.now()
    due: list[Step] = []
    idle: list[str] = []
    for slug, training in sorted(built.workspace.trainings.items()):
        today = day or local_day(training, now)
        done = progress(built.store, slug)
        steps = due_steps(slug, training, today, done)
        if not steps:
            idle.append(f"{slug}: nothing due today; {next_step(slug, training, today, done)}")
        due += steps
    return due, idle


def claim_step(built: Services, step: Step, by: str, deployment: str) -> bool:
    """Return whether `by` claims the step; False if another run started it already."""
    return built.store.claim_step(step.training, step.key, by, {"deployment": deployment})


def record_step_run(
    built: Services, step: Step, by: str, deployment: str, run: str | None, error: str | None
) -> None:
    """Record the run that carries out the step, or release the step if none could start."""
    if error is None:
        detail = {"flow_run": run, "deployment": deployment}
        built.store.audit(by, "step.run", f"timeline/{step.training}/{step.key}", detail)
    else:
        built.store.release_step(step.training, step.key, by, error)
