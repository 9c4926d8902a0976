"""The training or round a use case acts on, resolved once with its time zone.

A command or a flow names a training by its slug and a round by its id, or
none for the first; `training_ref` and `round_ref` check them once, with the
clear error an unknown one gets, and every function after takes the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.workspace.loading import Workspace
from consult.workspace.rounds import meeting_id, round_of
from schemas.training import Training


@dataclass(frozen=True)
class TrainingRef:
    """A training of the workspace: its slug, its file's content, and its time zone."""

    slug: str
    training: Training

    @property
    def timezone(self) -> str:
        """Return the IANA name of the training's time zone."""
        return self.training.timezone

    @property
    def zone(self) -> ZoneInfo:
        """Return the training's time zone."""
        return ZoneInfo(self.training.timezone)


@dataclass(frozen=True)
class RoundRef:
    """A consultation round of a training."""

    training: TrainingRef
    id: str

    @property
    def slug(self) -> str:
        """Return the slug of the round's training."""
        return self.training.slug

    def meeting_id(self, planned: str) -> str:
        """Return the store id of the round's meeting planned as `planned`."""
        return meeting_id(self.slug, self.id, planned)


def training_ref(workspace: Workspace, slug: str) -> TrainingRef:
    """Return the training with this slug; raise WorkspaceError naming the known ones if none."""
    return TrainingRef(slug, workspace.training(slug))


def round_ref(workspace: Workspace, slug: str, round_id: str | None = None) -> RoundRef:
    """Return the round asked for, or the training's first; raise an error naming the known ones."""
    training = training_ref(workspace, slug)
    return RoundRef(training, round_of(training.training, slug, round_id))


def round_refs(
    workspace: Workspace, slug: str, round_ids: Sequence[str] = (), *, every: bool = False
) -> list[RoundRef]:
    """Return the rounds asked for, in the order given (once each), every round, or the first.

    Each is checked before any is returned: an unknown one raises the error naming the
    known ones, so that a command acting on several does nothing rather than a part.
    """
    training = training_ref(workspace, slug)
    if every:
        return [RoundRef(training, r.id) for r in training.training.consultation.rounds]
    if not round_ids:
        return [round_ref(workspace, slug)]
    asked = list(dict.fromkeys(round_ids))
    return [RoundRef(training, round_of(training.training, slug, r)) for r in asked]
