"""The training page's audit log, in words: who did what, when, about what; newest first, paged.

    view = audit_view(store.audit_log(), slug, meeting_ids, zone, AuditQuery(kind="message"))

Each action reads as words ("round.sent_back" is "round sent back"), its subject
without the training's prefix, its detail as `name: value` pairs folded behind
its first words when long. A page holds `AUDIT_PAGE` entries; `kind` keeps one
family of actions (message, round, meeting, notes...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.store.history import describe
from consult.store.steps import subject as step_subject
from desk.wording import local
from schemas.state import AuditEvent

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


def about_training(event: AuditEvent, slug: str, meetings: Iterable[str]) -> bool:
    """Return whether an audit event is about the training, one of its rounds, steps or meetings."""
    subject = event.subject
    return (
        subject == slug
        or subject.startswith((f"{slug}/", step_subject(slug, "")))
        or subject in meetings
    )


def audit_view(
    events: Sequence[AuditEvent],
    slug: str,
    meetings: set[str],
    zone: ZoneInfo,
    query: AuditQuery,
) -> AuditView:
    """Return the page of the training's audit log the query asks for, newest first."""
    about = [e for e in reversed(events) if about_training(e, slug, meetings)]
    kinds = tuple(sorted({e.action.split(".", 1)[0] for e in about}))
    kept = [e for e in about if not query.kind or e.action.split(".", 1)[0] == query.kind]
    pages = max(1, -(-len(kept) // AUDIT_PAGE))
    page = min(query.page, pages)
    shown = kept[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE]
    rows = tuple(
        AuditRow(
            at=local(e.at, zone) + e.at.astimezone(zone).strftime(":%S"),
            actor=e.actor,
            action=action_words(e.action),
            subject=e.subject.removeprefix(f"{slug}/") if e.subject != slug else "the training",
            detail=describe(e.detail),
        )
        for e in shown
    )
    return AuditView(rows, len(kept), kinds, AuditQuery(query.kind, page), pages)
