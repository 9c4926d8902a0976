"""The gap analysis of a training's consultations: values in, values out, no I/O.

What counts, so that a reader can redo every figure by hand:

- An observation *raises* a theme when its kind is gap, need or challenge
  (`ISSUE_KINDS`). Good practices, recommendations, commitments and questions
  are evidence and actions, not gaps.
- The matrix counts, for each theme and column of stakeholders (a kind, or
  where fewer than k of a kind were consulted its group, or the others: see
  `consult.briefing.anonymity`), the distinct organisations of that column
  that raised the theme, with the mean and the highest severity of their
  observations (1 minor ... 4 critical).
- A theme raised at least once is a *gap*. Its priority is

      priority = S x (O + K) x P

  S the mean severity of the observations that raise it, rounded to one
  decimal; O the number of distinct organisations and K the number of
  distinct columns of stakeholders that raised it; P = 1.5 when the
  participants raised it themselves (an organisation of kind
  participant_group, in a public observation or in a column of participants
  alone), else 1.
  The result is rounded to one decimal. Gaps rank by priority, then by O,
  then in the order of the training's themes.
- A gap is *covered* by every agenda session tagged with its theme; a gap that
  no session covers becomes a tailoring recommendation.
- Columns *diverge* on a theme when the mean severities given by two columns
  differ by `DIVERGENCE` or more. Only the observations that raise the theme
  (gap, need, challenge) rate it: a good practice's severity says how much the
  practice matters, not how small the gap is, so good practices count neither
  here nor in the heatmap's cells.
- *Missing voices* are the planned meetings that were not held with notes:
  never scheduled, cancelled, declined by everyone invited from the
  organisation, held without notes, or not held yet.
- A meeting is *heard* (`consultations.heard`) unless it is only proposed or
  cancelled: the notes of any other meeting count nowhere (no figure, no
  evidence, no attendance in the log); the pack says how many observations
  were left out for it (`Analysis.cancelled`).

Restricted observations never enter the analysis: not its figures, not its
evidence (only their number is reported, so that a reader knows figures leave
some notes out). Internal ones are evidence without a name, and every figure
that groups organisations keeps the k rule: `place` puts each observation in
the column of its organisation that `consult.briefing.anonymity.crowds` gives
(a kind, a group of kinds, or the other stakeholders, each of at least k
consulted organisations), and the matrix, the gaps' kinds (K), the
divergences and the participants' own themes count by column, never by a
narrower kind. The log counts only public observations against a meeting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final

from consult.briefing.anonymity import (
    ANONYMITY_K,
    PARTICIPANTS,
    STAKEHOLDER,
    Attribution,
    Column,
    crowds,
)
from consult.briefing.consultations import (
    LogEntry,
    MissingVoice,
    WrittenVoice,
    heard,
    in_writing_only,
    meeting_log,
    missing_voices,
    sort_out,
)
from schemas.stakeholders import Organisation
from schemas.state import Attendee, Meeting, Observation

if TYPE_CHECKING:
    from consult.briefing.records import CheckedVoice
from schemas.training import Training

ISSUE_KINDS: Final = frozenset({"gap", "need", "challenge"})
"""The observation kinds that raise a theme as a gap."""
RATING_KINDS: Final = ISSUE_KINDS
"""The observation kinds whose severity counts as a kind's rating of a theme: the issues only."""
ACTION_KINDS: Final = ("commitment", "question")
PARTICIPANT_WEIGHT: Final = Decimal("1.5")
DIVERGENCE: Final = Decimal("2.0")
"""The smallest difference between two kinds' mean severities that counts as divergence."""
EVIDENCE_PER_GAP: Final = 5
"""How many observations a gap shows in full; all of them are referenced."""
__all__ = ["ANONYMITY_K", "STAKEHOLDER", "Attribution", "Column"]


@dataclass(frozen=True)
class Cell:
    """The organisations of one kind that raised one theme, and how severely."""

    organisations: int
    mean_severity: Decimal
    max_severity: int


@dataclass(frozen=True)
class Evidence:
    """An observation as the pack may show it: restricted ones never become Evidence."""

    number: int
    """The observation's id in the store: the reference a reader can trace."""
    meeting_id: str
    organisation: str
    organisation_kind: str
    kind: str
    theme: str
    severity: int
    text: str
    quote: str | None
    speaker_role: str | None
    public: bool
    """Public evidence names its organisation and speaker's role; internal only the kind."""
    owner: str | None = None
    due: dt.date | None = None
    attribution: Attribution = STAKEHOLDER
    """Public: the organisation; internal: its column's (see `place`)."""
    column: str = ""
    """The id of the column it is counted in (`consult.briefing.anonymity.Column.id`)."""
    key: str = ""
    """The store's key of its source item: `<source>#<id or position>` (consult.notes)."""
    language: str | None = None
    """The language the text was written in, if the notes said it."""
    translations: tuple[tuple[str, str, str | None], ...] = ()
    """(language, text, speaker's role) of each translation the notes give."""
    line: int | None = None
    """The line of its notes file where it starts; None from a form or KoboToolbox."""


@dataclass(frozen=True)
class Gap:
    """A theme raised in the consultations, ranked, with what it rests on."""

    rank: int
    theme: str
    priority: Decimal
    mean_severity: Decimal
    organisations: tuple[str, ...]
    kinds: tuple[str, ...]
    """The columns of the organisations that raised it (K): kinds, or their groups."""
    participants: bool
    observations: tuple[int, ...]
    """Every observation that raises it, by number."""
    meetings: tuple[str, ...]
    """The meetings of all its observations: for the coordinator, never printed whole."""
    evidence: tuple[Evidence, ...]
    """The `EVIDENCE_PER_GAP` most severe observations, public ones first among equals."""
    sessions: tuple[str, ...]
    """The agenda sessions that address it; empty when none does."""
    public_meetings: tuple[str, ...] = ()
    """The meetings of its public observations: the only ones its sources name."""
    internal: int = 0
    """How many of its observations are internal: its sources count them, naming no meeting."""

    @property
    def participant_factor(self) -> Decimal:
        """Return P of the priority formula."""
        return PARTICIPANT_WEIGHT if self.participants else Decimal(1)


@dataclass(frozen=True)
class SessionCoverage:
    """An agenda session and the ranked gaps it addresses."""

    session: str
    day: int
    gaps: tuple[int, ...]
    """The ranks of the gaps it addresses."""


@dataclass(frozen=True)
class Divergence:
    """A theme that columns of stakeholders rate differently."""

    theme: str
    by_kind: tuple[tuple[str, Decimal], ...]
    """Each column's mean severity, lowest first."""
    spread: Decimal
    observations: tuple[int, ...]


@dataclass(frozen=True)
class Analysis:
    """Everything the briefing pack says, before it is put into words."""

    training: str
    as_of: dt.date
    themes: tuple[str, ...]
    kinds: tuple[str, ...]
    """The ids of the columns of stakeholders consulted (`anonymity.Column.id`), in order."""
    matrix: Mapping[tuple[str, str], Cell]
    gaps: tuple[Gap, ...]
    coverage: tuple[SessionCoverage, ...]
    divergences: tuple[Divergence, ...]
    missing: tuple[MissingVoice, ...]
    actions: tuple[Evidence, ...]
    """Commitments and open questions, by due date."""
    good_practices: tuple[Evidence, ...]
    recommendations: tuple[Evidence, ...]
    evidence: tuple[Evidence, ...]
    """Every observation the analysis rests on, by number."""
    log: tuple[LogEntry, ...]
    participant_themes: tuple[str, ...]
    """The themes the participants raised themselves, by rank."""
    observations: int
    """The observations the analysis rests on (restricted ones excluded)."""
    withheld: int
    """Restricted observations left out."""
    organisations: Mapping[str, Organisation] = field(repr=False)
    anonymity_k: int = ANONYMITY_K
    """The k of the anonymity rule the attributions follow."""
    cancelled: int = 0
    """Observations left out because their meeting was not held (cancelled, or only proposed)."""
    columns: tuple[Column, ...] = ()
    """The columns the consulted organisations are counted in (`anonymity.crowds`)."""
    unplaced: int = 0
    """Internal observations left out: fewer than k organisations were consulted in all."""
    written: tuple[WrittenVoice, ...] = ()
    """The organisations heard in writing only (a personal page's written input, no notes)."""
    corrected: frozenset[str] = frozenset()
    """The keys of the observations corrected after the check of the record (`records`)."""
    checked: tuple[CheckedVoice, ...] = ()
    """The organisations whose record was sent to check, with what came of it."""

    @property
    def internal(self) -> int:
        """Return how many internal observations the pack shows: none is counted by meeting."""
        return sum(not item.public for item in self.evidence)

    @property
    def uncovered(self) -> tuple[Gap, ...]:
        """Return the gaps no agenda session addresses: the tailoring recommendations."""
        return tuple(gap for gap in self.gaps if not gap.sessions)

    def gap(self, theme: str) -> Gap | None:
        """Return the gap of this theme, if it was raised."""
        return next((gap for gap in self.gaps if gap.theme == theme), None)


def analyse(
    training: Training,
    slug: str,
    organisations: Iterable[Organisation],
    meetings: Sequence[Meeting],
    observations: Iterable[Observation],
    attendees: Mapping[str, Sequence[Attendee]],
    attendance: Mapping[str, Sequence[Mapping[str, str]]],
    now: dt.datetime,
    *,
    anonymity_k: int = ANONYMITY_K,
) -> Analysis:
    """Return the gap analysis of the training `slug` as of `now`.

    `meetings` are the training's stored meetings; `attendees` the invited, by
    meeting id; `attendance` who came, as recorded with the notes, by meeting id;
    `anonymity_k` the k of the anonymity rule (see the module's docstring).
    """
    registry = {organisation.id: organisation for organisation in organisations}
    kind_of = {org_id: organisation.kind for org_id, organisation in registry.items()}
    theme_order = tuple(theme.id for theme in training.themes)
    counted = {meeting.id for meeting in meetings if heard(meeting)}
    attendance = {m: people for m, people in attendance.items() if m in counted}
    sorted_out = sort_out(observations, counted)
    withheld, cancelled = sorted_out.withheld, sorted_out.cancelled
    kept = [_evidence(o, kind_of.get(o.organisation, "")) for o in sorted_out.kept]
    shown, columns, unplaced = place(kept, anonymity_k)

    issues: dict[str, list[Evidence]] = defaultdict(list)
    ratings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item in shown:
        if item.kind in ISSUE_KINDS:
            issues[item.theme].append(item)
        if item.kind in RATING_KINDS:
            ratings[item.theme][item.column].append(item.severity)

    kinds = tuple(column.id for column in columns)
    matrix = _matrix(issues)
    gaps = _rank(issues, theme_order, training)
    observed = [item.meeting_id for item in shown]
    public = [item.meeting_id for item in shown if item.public]
    return Analysis(
        training=slug,
        as_of=now.astimezone(dt.UTC).date(),
        themes=theme_order,
        kinds=kinds,
        matrix=matrix,
        gaps=gaps,
        coverage=_coverage(training, gaps),
        divergences=_divergences(ratings, theme_order, kinds, issues),
        missing=missing_voices(
            training, slug, meetings, attendees, observed, attendance, now, registry
        ),
        written=in_writing_only(meetings, sorted_out.written, sorted_out.noted, attendance),
        actions=tuple(
            sorted(
                (item for item in shown if item.kind in ACTION_KINDS),
                key=lambda item: (item.due or dt.date.max, item.number),
            )
        ),
        good_practices=tuple(item for item in shown if item.kind == "good_practice"),
        recommendations=tuple(item for item in shown if item.kind == "recommendation"),
        evidence=tuple(sorted(shown, key=lambda item: item.number)),
        log=meeting_log(meetings, attendees, attendance, public),
        participant_themes=tuple(gap.theme for gap in gaps if gap.participants),
        observations=len(shown),
        withheld=withheld,
        organisations=registry,
        cancelled=cancelled,
        columns=columns,
        unplaced=unplaced,
        anonymity_k=anonymity_k,
    )


def place(evidence: Sequence[Evidence], k: int) -> tuple[list[Evidence], tuple[Column, ...], int]:
    """Return the evidence the pack may show, each in its column and attributed by the k rule.

    Also the columns, and how many internal observations were left out because fewer
    than k organisations were consulted in all (`consult.briefing.anonymity`). The
    organisations counted are those `evidence` comes from: the consulted ones.
    """
    found = crowds(((item.organisation, item.organisation_kind) for item in evidence), k)
    unplaced = 0
    if evidence and not found.columns:
        unplaced = sum(not item.public for item in evidence)
        evidence = [item for item in evidence if item.public]
        found = crowds(((item.organisation, item.organisation_kind) for item in evidence), 1)
    placed = [
        dataclasses.replace(
            item,
            attribution=found.attribution(item.organisation, item.public),
            column=found.column(item.organisation).id,
        )
        for item in evidence
    ]
    return placed, found.columns, unplaced


def round_half_up(value: Decimal, places: int = 1) -> Decimal:
    """Return `value` rounded as a person does: 2.25 -> 2.3."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def priority(mean_severity: Decimal, organisations: int, kinds: int, participants: bool) -> Decimal:
    """Return S x (O + K) x P, rounded to one decimal (see the module's docstring)."""
    factor = PARTICIPANT_WEIGHT if participants else Decimal(1)
    return round_half_up(mean_severity * (organisations + kinds) * factor)


def _evidence(observation: Observation, organisation_kind: str) -> Evidence:
    return Evidence(
        number=observation.id,
        meeting_id=observation.meeting_id,
        organisation=observation.organisation,
        organisation_kind=organisation_kind,
        kind=observation.kind,
        theme=observation.theme,
        severity=observation.severity,
        text=observation.text,
        quote=observation.quote,
        speaker_role=observation.speaker_role,
        public=observation.confidentiality == "public",
        owner=observation.owner,
        due=observation.due,
        key=observation.key,
        language=observation.language,
        translations=tuple(
            (language, given["text"] or "", given.get("speaker_role"))
            for language, given in (observation.translations or {}).items()
        ),
        line=observation.line,
    )


def _mean(values: Sequence[int]) -> Decimal:
    return round_half_up(Decimal(sum(values)) / len(values))


def _matrix(issues: Mapping[str, Sequence[Evidence]]) -> dict[tuple[str, str], Cell]:
    grouped: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for theme, items in issues.items():
        for item in items:
            grouped[theme, item.column].append(item)
    return {
        key: Cell(
            organisations=len({item.organisation for item in items}),
            mean_severity=_mean([item.severity for item in items]),
            max_severity=max(item.severity for item in items),
        )
        for key, items in grouped.items()
    }


def _rank(
    issues: Mapping[str, Sequence[Evidence]], theme_order: Sequence[str], training: Training
) -> tuple[Gap, ...]:
    position = {theme: index for index, theme in enumerate(theme_order)}
    unranked = []
    for theme, items in issues.items():
        organisations = tuple(dict.fromkeys(item.organisation for item in items))
        kinds = tuple(dict.fromkeys(item.column for item in items))
        participants = any(_participants(item) for item in items)
        mean = _mean([item.severity for item in items])
        unranked.append(
            (
                priority(mean, len(organisations), len(kinds), participants),
                len(organisations),
                theme,
                mean,
                organisations,
                kinds,
                participants,
                items,
            )
        )
    unranked.sort(key=lambda row: (-row[0], -row[1], position.get(row[2], len(position))))
    sessions_of: dict[str, list[str]] = defaultdict(list)
    for session in training.agenda:
        for theme in session.themes:
            sessions_of[theme].append(session.id)
    return tuple(
        Gap(
            rank=rank,
            theme=theme,
            priority=value,
            mean_severity=mean,
            organisations=organisations,
            kinds=kinds,
            participants=participants,
            observations=tuple(sorted(item.number for item in items)),
            meetings=tuple(sorted({item.meeting_id for item in items})),
            evidence=tuple(
                sorted(items, key=lambda item: (-item.severity, not item.public, item.number))[
                    :EVIDENCE_PER_GAP
                ]
            ),
            sessions=tuple(sessions_of.get(theme, ())),
            public_meetings=tuple(sorted({item.meeting_id for item in items if item.public})),
            internal=sum(not item.public for item in items),
        )
        for rank, (value, _, theme, mean, organisations, kinds, participants, items) in enumerate(
            unranked, start=1
        )
    )


def _participants(item: Evidence) -> bool:
    """Return whether the pack may say the participants themselves raised this item."""
    if item.public:
        return item.organisation_kind == "participant_group"
    return item.column in PARTICIPANTS


def _coverage(training: Training, gaps: Sequence[Gap]) -> tuple[SessionCoverage, ...]:
    rank_of = {gap.theme: gap.rank for gap in gaps}
    return tuple(
        SessionCoverage(
            session=session.id,
            day=session.day,
            gaps=tuple(sorted(rank_of[theme] for theme in session.themes if theme in rank_of)),
        )
        for session in training.agenda
    )


def _divergences(
    ratings: Mapping[str, Mapping[str, Sequence[int]]],
    theme_order: Sequence[str],
    kinds: Sequence[str],
    issues: Mapping[str, Sequence[Evidence]],
) -> tuple[Divergence, ...]:
    found = []
    for theme in theme_order:
        by_kind = ratings.get(theme, {})
        if len(by_kind) < 2:
            continue
        means = sorted(
            ((kind, _mean(by_kind[kind])) for kind in kinds if kind in by_kind),
            key=lambda pair: (pair[1], kinds.index(pair[0])),
        )
        spread = means[-1][1] - means[0][1]
        if spread >= DIVERGENCE:
            numbers = sorted(item.number for item in issues.get(theme, ()))
            found.append(Divergence(theme, tuple(means), spread, tuple(numbers)))
    found.sort(key=lambda divergence: -divergence.spread)
    return tuple(found)
