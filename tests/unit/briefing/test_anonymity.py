"""The k rule: an internal observation names its kind, else its group, only when at least k
consulted organisations share it; else "a stakeholder". Public ones name their organisation.

In the golden store four organisations gave notes the pack shows: mia (ministry) and po
(prosecution), both state institutions; ngo-a (NGO, civil society); coords (participants).
ngo-b, un and osce gave none, so they do not count.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from consult.briefing.analysis import ANONYMITY_K, Analysis, Attribution
from consult.briefing.anonymity import crowds
from consult.briefing.gathering import gather
from consult.briefing.labels import load_labels
from consult.briefing.render import render_pack
from consult.settings import ANONYMITY_K as SETTINGS_K
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import load_workspace
from schemas.stakeholders import KIND_GROUPS, OrganisationKind, StakeholderGroup
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace

KIND, GROUP, STAKEHOLDER = "kind", "group", "stakeholder"


@pytest.fixture
def golden_store(tmp_path: Path) -> typing.Iterator[tuple[Path, Store]]:
    root = golden_workspace(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        yield root, store


def attributions(analysis: Analysis) -> dict[int, Attribution]:
    return {item.number: item.attribution for item in analysis.evidence}


def analysed(golden_store: tuple[Path, Store], k: int) -> Analysis:
    root, store = golden_store
    return gather(load_workspace(root), store, SLUG, NOW, anonymity_k=k)


def test_with_k_1_every_internal_observation_names_its_kind(
    golden_store: tuple[Path, Store],
) -> None:
    found = attributions(analysed(golden_store, 1))
    assert found[1] == Attribution(KIND, "ministry")  # mia, internal
    assert found[5] == Attribution(KIND, "prosecution")  # po, internal
    assert found[6] == Attribution(KIND, "ngo")
    assert found[10] == Attribution(KIND, "participant_group")
    assert found[4] == Attribution("organisation", "po")  # public


def test_with_k_2_a_lone_ministry_and_prosecution_hide_among_state_institutions(
    golden_store: tuple[Path, Store],
) -> None:
    found = attributions(analysed(golden_store, 2))
    assert found[1] == Attribution(GROUP, "state_institutions")
    assert found[5] == Attribution(GROUP, "state_institutions")
    # The only NGO and the only participant group heard have no group of 2 to hide in.
    assert found[6] == Attribution(STAKEHOLDER)
    assert found[10] == Attribution(STAKEHOLDER)
    # A public observation still names its organisation, whatever k.
    assert found[4] == Attribution("organisation", "po")
    assert found[14] == Attribution("organisation", "coords")


def test_by_default_k_is_3_and_the_golden_internal_notes_are_a_stakeholders(
    golden_store: tuple[Path, Store],
) -> None:
    analysis = analysed(golden_store, ANONYMITY_K)
    assert ANONYMITY_K == SETTINGS_K == Settings().anonymity_k == 3
    assert analysis.anonymity_k == 3
    internal = [item.attribution for item in analysis.evidence if not item.public]
    assert internal
    assert set(internal) == {Attribution(STAKEHOLDER)}


def test_a_gaps_sources_name_only_the_meetings_of_its_public_observations(
    golden_store: tuple[Path, Store],
) -> None:
    bias = analysed(golden_store, 3).gap("bias")
    assert bias is not None
    # bias: #4 po public; #1 mia, #6 ngo-a, #12 coords internal.
    assert bias.public_meetings == (f"{SLUG}/round-1/po",)
    assert bias.internal == 3
    assert len(bias.meetings) == 4  # the coordinator's view keeps them all


def test_every_kind_has_a_group_and_other_has_none() -> None:
    kinds = set(typing.get_args(OrganisationKind))
    assert set(KIND_GROUPS) == kinds
    assert KIND_GROUPS["other"] is None
    assert {g for g in KIND_GROUPS.values() if g} == set(typing.get_args(StakeholderGroup))


def test_k_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_ANONYMITY_K", "5")
    assert Settings().anonymity_k == 5
    monkeypatch.setenv("CONSULT_ANONYMITY_K", "0")
    with pytest.raises(ValueError, match="anonymity_k"):
        Settings()


def columns_of(consulted: list[tuple[str, str]], k: int) -> list[tuple[str, set[str]]]:
    return [(c.id, set(c.organisations)) for c in crowds(consulted, k).columns]


def test_a_kind_stands_apart_only_when_what_is_left_of_its_group_is_k_too() -> None:
    ministries = [(f"min-{n}", "ministry") for n in range(3)]
    # Three ministries and one prosecution office: a "state institution" column beside a
    # ministry column would be that office alone, so the group stays one column.
    assert columns_of([*ministries, ("po", "prosecution")], 3) == [
        ("group:state_institutions", {"min-0", "min-1", "min-2", "po"})
    ]
    others = [("po", "prosecution"), ("court", "judiciary"), ("fund", "state_agency")]
    assert columns_of([*ministries, *others], 3) == [
        ("kind:ministry", {"min-0", "min-1", "min-2"}),
        ("group:state_institutions", {"po", "court", "fund"}),
    ]


def test_small_groups_are_other_stakeholders_and_too_few_others_join_the_smallest() -> None:
    state = [("mia", "ministry"), ("po", "prosecution"), ("fund", "state_agency")]
    civil = [("ngo-a", "ngo"), ("ngo-b", "ngo"), ("coords", "participant_group")]
    assert columns_of([*state, *civil], 3) == [
        ("group:state_institutions", {"mia", "po", "fund"}),
        ("other", {"ngo-a", "ngo-b", "coords"}),
    ]
    # One NGO alone cannot be a column: it joins the smallest (the first of equals),
    # which is then "other stakeholders"; were that the only column, "all stakeholders".
    bodies = [("coe", "international_organisation"), ("un-a", "un_agency"), ("un-b", "un_agency")]
    assert columns_of([*state, *bodies, ("ngo-a", "ngo")], 3) == [
        ("group:international_bodies", {"coe", "un-a", "un-b"}),
        ("other", {"mia", "po", "fund", "ngo-a"}),
    ]
    assert columns_of([*state, ("ngo-a", "ngo")], 3) == [("all", {"mia", "po", "fund", "ngo-a"})]


def test_fewer_than_k_organisations_heard_leave_the_internal_observations_out(
    golden_store: tuple[Path, Store],
) -> None:
    # Four organisations gave notes the pack could show; with k = 5 none can hide.
    analysis = analysed(golden_store, 5)
    assert analysis.unplaced == 9  # #1, #5-#12 are internal
    assert all(item.public for item in analysis.evidence)
    assert {item.number for item in analysis.evidence} == {2, 3, 4, 14}
    # The public ones name their organisation anyway: their figures are by kind.
    assert analysis.kinds == ("kind:ministry", "kind:prosecution", "kind:participant_group")
    root, _ = golden_store
    training = load_workspace(root).training(SLUG)
    for language in ("en", "ka", "ru"):
        pack = render_pack(analysis, training, language, version=1, compiled=NOW.date())
        said = load_labels(language, None)("method.unplaced", unplaced=9, k=5)
        assert said in pack.html
        assert said in pack.markdown
