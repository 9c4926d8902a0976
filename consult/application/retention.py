"""Retention: each kind of personal data deleted or anonymised once its period after the training
has passed (`retention:` of stakeholders.yaml or the training, schemas.privacy).

    apply_retention(built, apply=False, by="nino")  # consult retention: what is due
    apply_retention(built, apply=True, by="nino")   # consult retention --apply

What is due, per training whose last day is past: the store's rows of each kind
(`consult.store.personal.EXPIRIES`), the outbox's and preview's .eml files of its
messages, and its pack versions on disk but the latest. Applying it deletes them (the
audit log's personal fields are replaced by `[erased]`) and audits `retention.applied`
with the counts, never the data; a second run finds nothing. The daily run
(`run-due-steps`) applies it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from consult.application.services import Services
from consult.briefing.versions import pack_folder
from consult.store.personal import Expiry
from schemas.privacy import ObservationRetention, Retention, period_end
from schemas.training import Training

KINDS: dict[str, tuple[Expiry, ...]] = {
    "messages": ("messages",),
    "attendance": ("attendance",),
    "observations.public": ("observations.public",),
    "observations.internal": ("observations.internal",),
    "observations.restricted": ("observations.restricted",),
    "packs": (),
    "audit": ("audit",),
}
"""Each kind of data a `retention:` block names -> what of the store it expires."""


def retention_of(built: Services, training: Training) -> Retention:
    """Return the training's retention: its own keys over the workspace's."""
    base = built.workspace.stakeholders.retention or Retention()
    own = training.retention
    if own is None:
        return base
    merged = base.model_dump() | own.model_dump(exclude_unset=True, exclude={"observations"})
    merged["observations"] = base.observations.model_dump() | own.observations.model_dump(
        exclude_unset=True
    )
    return Retention.model_validate(merged)


def _period(retention: Retention, kind: str) -> str | None:
    if kind.startswith("observations."):
        observations: ObservationRetention = retention.observations
        period: str | None = getattr(observations, kind.removeprefix("observations."))
        return period
    value: str | None = getattr(retention, kind)
    return value


@dataclass(frozen=True)
class Due:
    """A kind of a training's data whose retention period has passed."""

    training: str
    kind: str
    period: str
    since: dt.date


def due(built: Services) -> list[Due]:
    """Return each kind of each training's data past its period, as of the services' clock."""
    today = built.now().date()
    found = []
    for slug, training in sorted(built.workspace.trainings.items()):
        retention = retention_of(built, training)
        for kind in KINDS:
            period = _period(retention, kind)
            since = period_end(training.end + dt.timedelta(days=1), period)
            if period is not None and since is not None and today >= since:
                found.append(Due(slug, kind, period, since))
    return found


def _old_packs(built: Services, slug: str) -> list[Path]:
    folder = built.settings.out_dir / "briefing" / slug
    versions = sorted(
        int(p.name[1:]) for p in folder.glob("v*") if p.is_dir() and p.name[1:].isdigit()
    )
    return [pack_folder(built.settings.out_dir, slug, v) for v in versions[:-1]]


def _mail_files(built: Services, slug: str) -> list[Path]:
    ids = [
        m.message_id.strip("<>")
        for m in built.store.messages()
        if m.message_id and (m.meeting_id == slug or m.meeting_id.startswith(f"{slug}/"))
    ]
    folders = (built.settings.outbox, built.settings.preview)
    return [path for id in ids for f in folders if (path := f / f"{id}.eml").is_file()]


def apply_retention(built: Services, *, apply: bool, by: str) -> list[str]:
    """Return one line per kind of data due (what and how much); with `apply`, deleted or
    anonymised, and audited without the data. Nothing due: no line."""
    lines = []
    by_training: dict[str, list[Due]] = {}
    for item in due(built):
        by_training.setdefault(item.training, []).append(item)
    for slug, items in by_training.items():
        kinds = {item.kind for item in items}
        files = _mail_files(built, slug) if "messages" in kinds else []
        packs = _old_packs(built, slug) if "packs" in kinds else []
        if apply:
            for path in files:
                path.unlink(missing_ok=True)
            for folder in packs:
                shutil.rmtree(folder, ignore_errors=True)
        expiries = tuple(e for kind in sorted(kinds) for e in KINDS[kind])
        counts = built.store.expire(
            slug,
            expiries,
            apply=apply,
            actor=by,
            detail={"files": len(files), "pack_versions": len(packs)},
        )
        verb = "deleted" if apply else "due"
        for item in items:
            found = sum(counts.get(e, 0) for e in KINDS[item.kind])
            extra = {"messages": len(files), "packs": len(packs)}.get(item.kind, 0)
            if found or extra:
                what = f"{found} row(s)" if item.kind != "packs" else f"{extra} version(s)"
                if item.kind == "messages":
                    what += f", {extra} .eml file(s)"
                lines.append(
                    f"{slug}: {item.kind}, kept {item.period} after the training (since "
                    f"{item.since:%Y-%m-%d}): {what} {verb}"
                )
    return lines
