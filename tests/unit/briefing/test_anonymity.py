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
from consult.briefing.gathering import gather
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
