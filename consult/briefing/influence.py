"""Influence and interest: where the training's organisations stand, as a grid.

The coordinator may rate each organisation of `stakeholders.yaml` (`influence`,
`interest`, `stance`, all optional). The grid puts the organisations of a
training's consultation plan in a cell per influence (rows, high at the top) and
interest (columns, low on the left), each name with a marker of its stance. An
organisation without both an influence and an interest cannot be placed: the
grid lists it apart, as not assessed, so that nobody mistakes it for a low one.

Pure data: the pack's annex and the desk's training page put it into words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from schemas.stakeholders import Level, Organisation, Stance
from schemas.training import Training
from schemas.types import Language

INFLUENCE_ROWS: Final[tuple[Level, ...]] = ("high", "medium", "low")
"""The rows of the grid, top to bottom."""
INTEREST_COLUMNS: Final[tuple[Level, ...]] = ("low", "medium", "high")
"""The columns of the grid, left to right."""
STANCE_MARKERS: Final[dict[Stance, str]] = {
    "supportive": "+",
    "neutral": "=",
    "opposed": "\N{MINUS SIGN}",
}
"""The sign after a name that tells its stance; the legend of each grid says it in words."""


@dataclass(frozen=True)
class Placed:
    """An organisation in a cell: its name in the grid's language, and its stance."""

    id: str
    name: str
    stance: Stance | None

    @property
    def marker(self) -> str:
        """Return the sign of its stance, or nothing when no stance is given."""
        return STANCE_MARKERS[self.stance] if self.stance is not None else ""

    @property
    def label(self) -> str:
        """Return its name with the sign of its stance: 'Ministry (+)'."""
        return f"{self.name} ({self.marker})" if self.stance is not None else self.name


@dataclass(frozen=True)
class Row:
    """One level of influence: the organisations in each interest column, by name."""

    influence: Level
    cells: tuple[tuple[Placed, ...], ...]
    """One per `INTEREST_COLUMNS`, in that order."""


@dataclass(frozen=True)
class Grid:
    """The influence x interest grid of a set of organisations."""

    rows: tuple[Row, ...]
    """One per `INFLUENCE_ROWS`, high first."""
    not_assessed: tuple[Placed, ...]
    """The organisations without both an influence and an interest, by name."""
    columns: tuple[Level, ...] = INTEREST_COLUMNS

    @property
    def assessed(self) -> bool:
        """Return whether at least one organisation is placed in the grid."""
        return any(cell for row in self.rows for cell in row.cells)


def planned_organisations(
    training: Training, organisations: Iterable[Organisation]
) -> list[Organisation]:
    """Return the organisations the training's consultation plan meets, in the registry's order."""
    planned = {
        meeting.organisation
        for round_ in training.consultation.rounds
        for meeting in round_.meetings
    }
    return [organisation for organisation in organisations if organisation.id in planned]


def grid(organisations: Iterable[Organisation], language: Language) -> Grid:
    """Return the grid of `organisations`, their names in `language`."""
    cells: dict[tuple[Level, Level], list[Placed]] = {
        (influence, interest): [] for influence in INFLUENCE_ROWS for interest in INTEREST_COLUMNS
    }
    not_assessed: list[Placed] = []
    for organisation in organisations:
        placed = Placed(
            organisation.id,
            organisation.name.get(language),
            organisation.stance,
        )
        if organisation.influence is None or organisation.interest is None:
            not_assessed.append(placed)
        else:
            cells[organisation.influence, organisation.interest].append(placed)
    return Grid(
        rows=tuple(
            Row(
                influence,
                tuple(_by_name(cells[influence, interest]) for interest in INTEREST_COLUMNS),
            )
            for influence in INFLUENCE_ROWS
        ),
        not_assessed=_by_name(not_assessed),
    )


def _by_name(placed: list[Placed]) -> tuple[Placed, ...]:
    return tuple(sorted(placed, key=lambda item: (item.name.casefold(), item.id)))
