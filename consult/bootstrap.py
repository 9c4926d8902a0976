"""The one place that builds consult's real dependencies from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace import Workspace, load_workspace


@dataclass(frozen=True)
class Services:
    """What a flow or a command works with: the loaded workspace and the open store."""

    settings: Settings
    workspace: Workspace
    store: Store


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """Yield the workspace and store that `settings` describe; close the store afterwards.

    The workspace is loaded (and so validated) before the store is opened, so a
    workspace with problems never creates or touches a database.
    """
    settings = settings or Settings()
    workspace = load_workspace(settings.workspace)
    store = open_store(settings.store_url)
    try:
        yield Services(settings=settings, workspace=workspace, store=store)
    finally:
        store.close()
