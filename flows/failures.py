"""A flow that meets bad input ends Failed with one line saying what, not with a traceback.

    @one_line_failures  # under the flow decorator, on every flow of flows/
    def record_notes(parameters: NotesParameters) -> str: ...

consult raises a `ConsultError` for every problem it means to report (a wrong
meeting id, a workspace that does not load, an SMTP server that refuses the
login): the Prefect UI then shows the run Failed with that sentence as its
message, and the flow's log holds the same sentence, without a traceback (the
task that raised it logs its failure without one too). Anything else is a bug
and keeps Prefect's traceback. Called in code (a test, a parent flow), the
flow still raises the same error, since the state carries it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prefect import get_run_logger
from prefect.client.schemas.objects import State
from prefect.states import Failed

from consult.errors import ConsultError

TASK_LOGGER = "prefect.task_runs"
"""The logger Prefect's task engine reports a task's failure on, with its traceback."""

P = ParamSpec("P")
R = TypeVar("R")


def one_line_failures(function: Callable[P, R]) -> Callable[P, R | State[Any]]:
    """Return `function` turning a ConsultError into a Failed state whose message is its text."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | State[Any]:
        try:
            return function(*args, **kwargs)
        except ConsultError as error:
            message = " ".join(str(error).split()) or type(error).__name__
            get_run_logger().error(message)
            return Failed(message=message, data=error)

    return run


class _NoTracebackForConsultErrors(logging.Filter):
    """Drop the traceback from a log record about a ConsultError: its sentence says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ConsultError):
            record.exc_info = None
            record.exc_text = None
        return True


def _install_filter() -> None:
    logger = logging.getLogger(TASK_LOGGER)
    if not any(isinstance(f, _NoTracebackForConsultErrors) for f in logger.filters):
        logger.addFilter(_NoTracebackForConsultErrors())


_install_filter()
