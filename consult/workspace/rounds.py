"""A training's consultation rounds and meetings by id: what every flow needs of planning.

Apart from `consult.planning.plan` so that the flows that send, remind or record
do not import the solver (numpy, HiGHS) and the busy-time feeds
(recurring-ical-events, and requests where nothing else needs it): each flow
run is a new process, and those imports were 0.2 s of its start.
"""

from __future__ import annotations

from consult.errors import PlanningError
from consult.workspace.loading import Workspace
from schemas import Training


def resolve_round(workspace: Workspace, slug: str, round_id: str | None) -> str:
    """Return the round asked for, or the training's first; raise PlanningError if unknown."""
    return round_of(workspace.training(slug), slug, round_id)


def round_of(training: Training, slug: str, round_id: str | None) -> str:
    """Return the round of the training asked for, or its first; raise PlanningError if unknown."""
    rounds = [r.id for r in training.consultation.rounds]
    if round_id is None:
        return rounds[0]
    if round_id not in rounds:
        raise PlanningError(
            f"trainings/{slug}.yaml, consultation.rounds: got {round_id!r}, "
            f"expected one of {', '.join(rounds)}"
        )
    return round_id


def meeting_id(training: str, round_id: str, planned: str) -> str:
    """Return the store id of a planned meeting: stable across re-plans."""
    return f"{training}/{round_id}/{planned}"
