"""The gap analysis on the golden workspace: every number below was worked out by hand.

The observations are the table in tests/briefing_fixture.py (numbers #1-#14).
Issue observations (gap, need, challenge) per theme, with severities:

    bias          #1 mia 2, #4 po 3, #6 ngo-a 4, #12 coords 2      mean 11/4 = 2.75 -> 2.8
    interpreters  #5 po 4, #8 ngo-a 3, #10 coords 4                mean 11/3 = 3.67 -> 3.7
    referral      #7 ngo-a 4  (#13 is restricted: left out; #2 is a good practice)
    burnout       #11 coords 3
    data          nothing

The analysis is made with k = 1, so that each kind is a column of its own and the
figures are the method's, anonymity aside (test_anonymity.py has the k rule's).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from consult.briefing.analysis import Analysis, Cell, priority
from consult.briefing.gathering import gather
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace, meeting_id


@pytest.fixture
def analysis(tmp_path: Path) -> Analysis:
    root = golden_workspace(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        return gather(load_workspace(root), store, SLUG, NOW, anonymity_k=1)


def test_gaps_are_ranked_by_the_stated_formula(analysis: Analysis) -> None:
    rows = [
        (g.rank, g.theme, g.mean_severity, len(g.organisations), len(g.kinds), g.participants)
        for g in analysis.gaps
    ]
    assert rows == [
        (1, "bias", Decimal("2.8"), 4, 4, True),
        (2, "interpreters", Decimal("3.7"), 3, 3, True),
        (3, "burnout", Decimal("3.0"), 1, 1, True),
        (4, "referral", Decimal("4.0"), 1, 1, False),
    ]
    # 2.8 x (4 + 4) x 1.5 = 33.6; 3.7 x (3 + 3) x 1.5 = 33.3; 3.0 x 2 x 1.5 = 9.0; 4.0 x 2 = 8.0
    assert [g.priority for g in analysis.gaps] == [
        Decimal("33.6"),
        Decimal("33.3"),
        Decimal("9.0"),
        Decimal("8.0"),
    ]


def test_each_gap_points_to_all_its_observations_and_meetings(analysis: Analysis) -> None:
    bias = analysis.gaps[0]
    assert bias.observations == (1, 4, 6, 12)
    assert bias.meetings == tuple(sorted(meeting_id(m) for m in ("mia", "po", "ngo-a", "coords")))
    # Most severe first; among equals the public one first, then by number.
    assert [e.number for e in bias.evidence] == [6, 4, 1, 12]
    assert analysis.gap("referral") is not None
    assert analysis.gap("referral").observations == (7,)  # type: ignore[union-attr]
    assert analysis.gap("data") is None


def test_the_matrix_counts_organisations_per_kind_and_their_severity(analysis: Analysis) -> None:
    assert dict(analysis.matrix) == {
        ("bias", "kind:ministry"): Cell(1, Decimal("2.0"), 2),
        ("bias", "kind:prosecution"): Cell(1, Decimal("3.0"), 3),
        ("bias", "kind:ngo"): Cell(1, Decimal("4.0"), 4),
        ("bias", "kind:participant_group"): Cell(1, Decimal("2.0"), 2),
        ("interpreters", "kind:prosecution"): Cell(1, Decimal("4.0"), 4),
        ("interpreters", "kind:ngo"): Cell(1, Decimal("3.0"), 3),
        ("interpreters", "kind:participant_group"): Cell(1, Decimal("4.0"), 4),
        ("burnout", "kind:participant_group"): Cell(1, Decimal("3.0"), 3),
        ("referral", "kind:ngo"): Cell(1, Decimal("4.0"), 4),
    }
    # The kinds heard from, each a column at k = 1; un and osce gave no notes.
    assert analysis.kinds == (
        "kind:ministry",
        "kind:prosecution",
        "kind:ngo",
        "kind:participant_group",
    )


def test_agenda_coverage_and_the_gaps_no_session_addresses(analysis: Analysis) -> None:
    assert [(c.session, c.gaps) for c in analysis.coverage] == [
        ("d1-bias", (1,)),
        ("d2-interpreters", (1, 2)),
        ("d3-closing", ()),
    ]
    assert [g.theme for g in analysis.uncovered] == ["burnout", "referral"]


def test_good_practices_never_count_as_a_divergence(analysis: Analysis) -> None:
    # referral: the ministry's good practice #2 (severity 1) is no rating of the gap the
    # NGO raised (#7, 4): only gaps, needs and challenges rate a theme, so no divergence.
    # bias: ministry 2, participants 2, prosecution 3, NGO 4: spread 2.0.
    # interpreters: 3..4, spread 1.0: not a divergence.
    assert [(d.theme, d.by_kind, d.spread) for d in analysis.divergences] == [
        (
            "bias",
            (
                ("kind:ministry", Decimal("2.0")),
                ("kind:participant_group", Decimal("2.0")),
                ("kind:prosecution", Decimal("3.0")),
                ("kind:ngo", Decimal("4.0")),
            ),
            Decimal("2.0"),
        ),
    ]


def test_missing_voices_say_why(analysis: Analysis) -> None:
    assert [(m.meeting_id.rsplit("/", 1)[1], m.reason) for m in analysis.missing] == [
        ("ngo-b", "cancelled"),
        ("un", "declined"),
        ("osce", "no notes"),
        ("late", "not held yet"),
        ("coords-2", "not scheduled"),
    ]


def test_actions_participants_log_and_counts(analysis: Analysis) -> None:
    assert [(a.number, a.kind, a.owner) for a in analysis.actions] == [
        (3, "commitment", "MIA Human Rights Department"),
        (9, "question", "State Fund"),
    ]
    assert [e.number for e in analysis.good_practices] == [2]
    assert [e.number for e in analysis.recommendations] == [14]
    assert analysis.participant_themes == ("bias", "interpreters", "burnout")
    assert (analysis.observations, analysis.withheld) == (13, 1)
    log = {entry.meeting_id.rsplit("/", 1)[1]: entry for entry in analysis.log}
    assert list(log) == ["mia", "po", "ngo-a", "ngo-b", "un", "osce", "coords", "late"]
    # The chair is not a guest: 2 invited, both declined.
    assert (log["un"].invited, log["un"].accepted, log["un"].declined) == (2, 0, 2)
    assert log["coords"].attended == 2
    assert log["coords"].roles == ("Coordinator, Batumi", "Coordinator, Tbilisi")
    # #10, #11, #12 are internal: never counted by meeting; #14 is public; #13 restricted.
    assert log["coords"].observations == 1


def test_restricted_observations_are_not_evidence_anywhere(analysis: Analysis) -> None:
    numbers = {e.number for g in analysis.gaps for e in g.evidence}
    numbers |= {n for g in analysis.gaps for n in g.observations}
    numbers |= {e.number for e in (*analysis.actions, *analysis.good_practices)}
    numbers |= {n for d in analysis.divergences for n in d.observations}
    assert 13 not in numbers


@pytest.mark.parametrize(
    ("severity", "organisations", "kinds", "participants", "expected"),
    [
        (Decimal("2.8"), 4, 4, True, Decimal("33.6")),
        (Decimal("3.7"), 3, 3, True, Decimal("33.3")),
        (Decimal("2.5"), 1, 1, False, Decimal("5.0")),
        (Decimal("1.5"), 1, 2, True, Decimal("6.8")),  # 6.75 rounds half up
    ],
)
def test_priority_formula(
    severity: Decimal, organisations: int, kinds: int, participants: bool, expected: Decimal
) -> None:
    assert priority(severity, organisations, kinds, participants) == expected
