"""Flow runs named by what they do: "plan · intercultural-communication-2027 · round-1".

Prefect names a run at random ("eager-cricket") unless the flow names it; a
coordinator scanning the runs list wants the step, the training and the round
(or meeting). The desk names the runs it starts the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect.runtime import flow_run

NAMED_BY = ("training", "round", "meeting")
"""The parameters a run's name shows, in this order, when the run has them."""


def run_name(verb: str, training: str | None, *more: str | None) -> str:
    """Return '<verb> · <training> · <round or meeting>...', leaving out what is not given."""
    return " · ".join(str(part) for part in (verb, training, *more) if part)


def named(verb: str) -> Callable[[], str]:
    """Return the `flow_run_name` of a flow whose runs are named `verb` and their parameters."""

    def name() -> str:
        given: Any = flow_run.parameters.get("parameters", {})
        values = [
            given.get(key) if isinstance(given, dict) else getattr(given, key, None)
            for key in NAMED_BY
        ]
        return run_name(verb, *values)

    return name
