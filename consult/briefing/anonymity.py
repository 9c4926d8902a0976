"""The pack's anonymity rule, in one place: where an internal observation may be counted.

The rule: no place where an internal observation is counted, grouped or placed (its
attribution, a gap's "raised by" line, a heatmap column and its cells, a divergence,
the participants' own themes, the log's counts, sources.csv) points to fewer than k
consulted organisations (k = `ANONYMITY_K`, the setting CONSULT_ANONYMITY_K). An
organisation counts as consulted when the pack shows at least one of its observations.

`crowds` splits the consulted organisations into *columns*, each of at least k of them,
and every figure that groups organisations is by column:

1. a group of kinds (`schemas.stakeholders.KIND_GROUPS`) with at least k consulted
   organisations is a column, split into a column per kind that has k of its own when
   what is left of the group has k too (or nothing is left);
2. the organisations of smaller groups, and of kind `other` (no group), together make
   the column "other stakeholders" when they are k or more; fewer, they join the
   smallest column, which is then called "other stakeholders";
3. a single column of everyone is "all stakeholders".

The columns *partition* the consulted organisations, so that no column can be told
apart from another by subtraction (a "state institution" that is not among the
ministries shown apart would be the one prosecution office). An internal
observation is attributed to its organisation's column: its kind, its group, or
"a stakeholder". A public one names its organisation, but is counted in the
figures by column like any other, so that a figure never mixes a precise count with
an anonymous one.

Fewer than k organisations consulted in all: no column can hide anyone, and the
internal observations are left out of the pack (it says how many); the public ones
are then grouped by kind, as they name their organisations anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, cast

from schemas.stakeholders import KIND_GROUPS

ANONYMITY_K: Final = 3
"""The fewest consulted organisations an internal observation's place may point to."""

AttributionLevel = Literal["organisation", "kind", "group", "stakeholder"]
ColumnLevel = Literal["kind", "group", "other", "all"]
PARTICIPANTS: Final = frozenset({"kind:participant_group", "group:participants"})
"""The columns that are the training's participants and no one else."""


@dataclass(frozen=True)
class Attribution:
    """Whom the pack says an observation came from: as precisely as anonymity allows."""

    level: AttributionLevel
    name: str = ""
    """The organisation's id, the kind, or the group; empty for "a stakeholder"."""


STAKEHOLDER: Final = Attribution("stakeholder")


@dataclass(frozen=True)
class Column:
    """Organisations the pack counts together: a kind, a group, or the others."""

    level: ColumnLevel
    name: str
    """The kind or the group; empty for the others and for all."""
    organisations: tuple[str, ...]
    """Their ids, sorted: the same columns hash the same (the pack's version is by content)."""

    @property
    def id(self) -> str:
        """Return the column's id: `kind:ngo`, `group:civil_society`, `other` or `all`."""
        return f"{self.level}:{self.name}" if self.name else self.level

    @property
    def attribution(self) -> Attribution:
        """Return how an internal observation counted in this column is attributed."""
        if self.level in ("kind", "group"):
            return Attribution(self.level, self.name)
        return STAKEHOLDER


@dataclass(frozen=True)
class Crowds:
    """The consulted organisations in columns of at least k: the one answer to "where"."""

    k: int
    columns: tuple[Column, ...]
    """In the order of KIND_GROUPS, then the others."""

    def column(self, organisation: str) -> Column:
        """Return the column an organisation is counted in."""
        return next(c for c in self.columns if organisation in c.organisations)

    def attribution(self, organisation: str, public: bool) -> Attribution:
        """Return whom an observation of `organisation` is said to come from."""
        if public:
            return Attribution("organisation", organisation)
        return self.column(organisation).attribution


def crowds(consulted: Iterable[tuple[str, str]], k: int) -> Crowds:
    """Return the columns of the consulted organisations, given as (organisation, kind) pairs.

    See the module's docstring for the rule; `k` of 1 makes a column of every kind
    but `other`.
    """
    kind_of = dict(consulted)
    groups = cast(Mapping[str, str | None], KIND_GROUPS)
    by_group: dict[str, list[str]] = defaultdict(list)
    rest: list[str] = []
    for organisation, kind in kind_of.items():
        group = groups.get(kind)
        (by_group[group] if group is not None else rest).append(organisation)
    columns: list[Column] = []
    for group in dict.fromkeys(g for g in groups.values() if g is not None):
        members = by_group.get(group, [])
        if len(members) < k:
            rest += members
            continue
        columns += _split(group, members, kind_of, k)
    if len(rest) >= k or (rest and not columns):
        columns.append(Column("other", "", _ids(rest)))
    elif rest:
        smallest = min(columns, key=lambda column: len(column.organisations))
        merged = Column("other", "", _ids([*smallest.organisations, *rest]))
        columns = [column for column in columns if column is not smallest] + [merged]
    if len(columns) == 1 and columns[0].level == "other":
        columns = [Column("all", "", columns[0].organisations)]
    if sum(len(column.organisations) for column in columns) < k:
        return Crowds(k, ())
    return Crowds(k, tuple(columns))


def _split(group: str, members: list[str], kind_of: Mapping[str, str], k: int) -> list[Column]:
    """Return a group's columns: a kind of k apart when what is left is k or nothing."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for organisation in members:
        by_kind[kind_of[organisation]].append(organisation)
    apart = {kind: orgs for kind, orgs in by_kind.items() if len(orgs) >= k}
    left = [organisation for organisation in members if kind_of[organisation] not in apart]
    if not apart or 0 < len(left) < k:
        return [Column("group", group, _ids(members))]
    columns = [Column("kind", kind, _ids(orgs)) for kind, orgs in apart.items()]
    if left:
        columns.append(Column("group", group, _ids(left)))
    return columns


def _ids(organisations: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(organisations)))
