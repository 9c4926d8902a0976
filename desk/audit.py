"""The training page's audit log, in words: who did what, when, about what; newest first, paged.

    view = audit_view(store, slug, meeting_ids, zone, AuditQuery(kind="message"))

Each action reads as words ("round.sent_back" is "round sent back"), its subject
without the training's prefix, its detail as `name: value` pairs folded behind
its first words when long. A page holds `AUDIT_PAGE` entries; `kind` keeps one
family of actions (message, round, meeting, notes...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.store import Store
from consult.store.history import describe
from consult.store.steps import subject as step_subject
from desk.wording import local

AUDIT_PAGE = 50
"""Entries on one page of the audit log: the page stays short whatever the log's length."""
FOLDED = 80
"""A detail longer than this many characters is folded behind its first words."""


@dataclass(frozen=True)
class AuditQuery:
    """Which part of the audit log to show: one family of actions or all, and which page."""

    kind: str = ""
    page: int = 1

    @classmethod
    def of(cls, params: dict[str, str]) -> AuditQuery:
        """Return the query of the page's `audit_kind` and `audit_page` parameters."""
        text = params.get("audit_page", "1")
        page = int(text) if text.isdigit() and 0 < len(text) < 6 else 1
        return cls(params.get("audit_kind", ""), max(page, 1))


FIRST_PAGE = AuditQuery()
"""The newest entries, of every kind."""


@dataclass(frozen=True)
class AuditRow:
    """An entry of the audit log, in words, its time in the training's zone."""

    at: str
    actor: str
    action: str
    subject: str
    detail: str

    @property
    def folded(self) -> bool:
        """Tell whether the detail is long enough to be folded."""
        return len(self.detail) > FOLDED

    @property
    def summary(self) -> str:
        """Return the first words of a folded detail."""
        return self.detail[:FOLDED].rsplit(" ", 1)[0] + " …"


@dataclass(frozen=True)
class AuditView:
    """One page of the training's audit log, and what the filter and the pager offer."""

    rows: tuple[AuditRow, ...]
    total: int
    """Entries the filter keeps, on every page."""
    kinds: tuple[str, ...]
    """The families of actions the training's log holds, for the filter."""
    query: AuditQuery
    pages: int


def action_words(action: str) -> str:
    """Return an action as words: "round.sent_back" is "round sent back"."""
    return action.replace(".", " ").replace("_", " ")


def training_subjects(slug: str, meetings: Iterable[str]) -> tuple[set[str], tuple[str, ...]]:
    """Return the audit subjects about the training, and the prefixes of those under it:
    the training, its rounds, steps and meetings."""
    prefixes = (f"{slug}/", step_subject(slug, ""))
    subjects = {slug} | {m for m in meetings if not m.startswith(prefixes)}
    return subjects, prefixes


def audit_view(
    store: Store,
    slug: str,
    meetings: set[str],
    zone: ZoneInfo,
    query: AuditQuery,
) -> AuditView:
    """Return the page of the training's audit log the query asks for, newest first; only
    that page is read from the store."""
    subjects, prefixes = training_subjects(slug, meetings)
    found = store.audit_page(subjects, prefixes, kind=query.kind, page=query.page, size=AUDIT_PAGE)
    kinds = tuple(sorted({action.split(".", 1)[0] for action in found.actions}))
    rows = tuple(
        AuditRow(
            at=local(e.at, zone) + e.at.astimezone(zone).strftime(":%S"),
            actor=e.actor,
            action=action_words(e.action),
            subject=e.subject.removeprefix(f"{slug}/") if e.subject != slug else "the training",
            detail=describe(e.detail),
        )
        for e in found.events
    )
    return AuditView(rows, found.total, kinds, AuditQuery(query.kind, found.page), found.pages)
