"""What consult holds about a person, for their access request: JSON and a page in their language.

    held = personal_data(built, "e.lomidze@example.gov.ge")
    write_personal_data(built, held, Path("lomidze.json"))  # and lomidze.html beside it

It reads every place of `consult.application.privacy` (the registry, the store's
`PLACES`, the audit log) and lists the files under out/ and inbox/ that name them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from consult.application.privacy import files_naming, person_of
from consult.application.services import Services
from consult.errors import PersonUnknown, TemplateError
from consult.templating import BUILT_IN, environment, render
from consult.workspace.yamlwrite import write_atomically

LANGUAGES = ("en", "ka", "ru")


def _registry(built: Services, email: str) -> dict[str, Any] | None:
    wanted = email.casefold()
    for organisation in built.workspace.stakeholders.organisations:
        for contact in organisation.contacts:
            if contact.email.casefold() == wanted:
                fields = contact.model_dump(mode="json", exclude_none=True)
                return {"organisation": organisation.id, **fields}
    return None


def personal_data(built: Services, email: str) -> dict[str, Any]:
    """Return everything consult holds about the person, as plain values (JSON-ready).

    Raises PersonUnknown when nothing names the email.
    """
    person = person_of(built, email)
    held, audited = built.store.personal_data(person.email, person.names)
    files = files_naming(built.settings, person)
    registry = _registry(built, person.email)
    if registry is None and not any(held.values()) and not audited and not files.count():
        raise PersonUnknown(
            f"{email}: consult holds nothing about this address (no contact of "
            "stakeholders.yaml, no message, answer, attendance, observation, consent or audit "
            "entry names it)"
        )
    language = (registry or {}).get("language") or next(
        (row["language"] for row in held.get("attendees", [])), "en"
    )
    root = built.settings.workspace
    return {
        "email": person.email,
        "language": language if language in LANGUAGES else "en",
        "written_at": built.now().isoformat(),
        "registry": registry,
        "messages": [
            {k: m[k] for k in ("meeting_id", "kind", "status", "created_at", "sent_at")}
            for m in held.get("messages", [])
        ],
        "replies": [
            {k: r[k] for k in ("meeting_id", "partstat", "received_at", "source", "comment")}
            for r in held.get("replies", [])
        ],
        "attendance": [
            {k: a[k] for k in ("meeting_id", "name", "role", "partstat", "attended")}
            for a in held.get("attendees", [])
        ],
        "observations": [
            {k: o[k] for k in ("meeting_id", "kind", "theme", "text", "quote", "confidentiality")}
            for o in held.get("observations", [])
        ],
        "mail_read": [
            {k: i[k] for k in ("kind", "status", "received_at")} for i in held.get("inbound", [])
        ],
        "votes": [
            {k: v[k] for k in ("meeting_id", "option", "vote", "via", "at")}
            for v in held.get("poll_votes", [])
        ],
        "consent": [
            {k: c[k] for k in ("status", "at", "how", "note")} for c in held.get("consents", [])
        ],
        # who, when, what and about what: an entry's detail may name other people too
        "audit": [{k: a[k] for k in ("at", "actor", "action", "subject")} for a in audited],
        "files": sorted(
            p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)
            for paths in files.files.values()
            for p in paths
        ),
    }


def _labels(language: str) -> dict[str, Any]:
    path = BUILT_IN / "privacy" / "labels" / f"{language}.yaml"
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def write_personal_data(built: Services, held: dict[str, Any], target: Path) -> list[Path]:
    """Return the files written: `target` (JSON) and the page beside it (`.html`), in the
    person's language."""
    target = Path(target)
    page = target.with_suffix(".html")
    env = environment(BUILT_IN / "privacy")
    written_at = dt.datetime.fromisoformat(held["written_at"])
    html = render(
        env,
        "personal_data.html.j2",
        {"held": held, "labels": _labels(held["language"]), "day": f"{written_at:%Y-%m-%d}"},
        TemplateError,
    )
    write_atomically(target, json.dumps(held, ensure_ascii=False, indent=2) + "\n")
    write_atomically(page, html)
    return [target, page]
