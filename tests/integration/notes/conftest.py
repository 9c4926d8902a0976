"""Fixtures of the notes tests: the tiny workspace with its meeting planned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT


@pytest.fixture
def root(write_workspace: Callable[..., Path]) -> Path:
    """The tiny workspace with its round planned and approved: the MIA meeting confirmed."""
    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        save_plan(
            store,
            plan_round(load_workspace(root), "winter-2027", "round-1", {}, [], PLANNED_AT),
            "t",
        )
        store.decide_round("winter-2027", "round-1", approve=True, actor="t")
    return root
