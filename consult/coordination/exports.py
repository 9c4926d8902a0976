"""Exports a training's registry, ledger, answers and observations as .csv or .xlsx.

    table = build_table("ledger", workspace, store, "intercultural-communication-2027")
    write_table(table, Path("ledger.xlsx"), "xlsx")

Each table is a header and rows of text cells, in English, times in the
training's zone. The registry is the workspace's, in the columns
`consult import-stakeholders` reads (`consult.workspace.registry_export`).
The ledger names the person and organisation beside each address, its
problems (rejected, failed, bounced) first. The answers are one row per
meeting and invitee (facilitators and cancelled meetings left out, as on the
desk), with what the invitee said with their answer (a decline's comment).
The observations leave out every restricted one, as the briefing pack does:
restricted text never leaves the store; `Table.withheld` counts them.

Names come from stakeholders, so a cell may start with = + - @: a CSV cell
gets a leading apostrophe (`write_csv`, by `consult.csvsafe`), so that no
spreadsheet reads it as a formula; an
.xlsx cell is stored as text (`write_xlsx`), which no spreadsheet evaluates,
so it keeps its text exactly. CSV files are UTF-8 with a byte-order mark, so
Excel shows Georgian and Russian as written.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.briefing.records import corrected_observations
from consult.coordination.export_options import FORMATS, TABLES
from consult.coordination.states import meeting_states
from consult.errors import Problem, WorkspaceError
from consult.mail.delivery import bounce_words
from consult.store import Store
from consult.workspace import registry_export
from consult.workspace.loading import Workspace
from consult.workspace.people import organisation_names
from consult.workspace.people import people as people_of
from consult.workspace.sheets import write_csv, write_xlsx
from schemas.state import Message, Reply

PROBLEMS_FIRST = ("rejected", "failed", "bounced")
"""The ledger's rows in this order first, then the rest."""


@dataclass(frozen=True)
class Table:
    """One export: its sheet's title, its header and its rows of text cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    withheld: int = 0
    """How many restricted observations were left out (the observations' table only)."""


def build_table(what: str, workspace: Workspace, store: Store, slug: str) -> Table:
    """Return the table `what` (one of TABLES) of the training `slug`."""
    training = workspace.training(slug)
    if what not in TABLES:
        raise _bad("--what", what, " or ".join((", ".join(TABLES[:-1]), TABLES[-1])))
    if what == "registry":
        return registry_table(workspace)
    zone = ZoneInfo(training.timezone)
    if what == "ledger":
        return ledger_table(workspace, store, slug, zone)
    if what == "answers":
        return answers_table(workspace, store, slug, zone)
    return observations_table(workspace, store, slug)


def registry_table(workspace: Workspace) -> Table:
    """Return the workspace's registry: one row per contact, in the columns an import reads."""
    rows = registry_export.rows(workspace.stakeholders)
    return Table(
        registry_export.SHEET_TITLE, tuple(registry_export.header()), tuple(map(tuple, rows))
    )


def ledger_table(workspace: Workspace, store: Store, slug: str, zone: ZoneInfo) -> Table:
    """Return every message of the training's ledger, with whom it went to; problems first."""
    messages = [
        m for m in store.messages() if m.meeting_id == slug or m.meeting_id.startswith(f"{slug}/")
    ]
    people = people_of(workspace, slug, (store.attendees(m.id) for m in store.meetings(slug)))
    bounced = {address: bounce_words(mail) for address, mail in store.bounced().items()}

    def state(message: Message) -> str:
        if message.status == "sent" and message.recipient.lower() in bounced:
            return "bounced"
        return message.status

    def order(message: Message) -> tuple[int, str, str, int]:
        status = state(message)
        rank = PROBLEMS_FIRST.index(status) if status in PROBLEMS_FIRST else len(PROBLEMS_FIRST)
        return rank, message.meeting_id, message.recipient, message.id

    rows = tuple(
        (
            m.meeting_id.removeprefix(f"{slug}/"),
            _words(m.kind),
            str(m.sequence),
            *people.get(m.recipient.lower(), ("", "")),
            m.recipient,
            state(m),
            _when(m.sent_at, zone),
            str(m.attempts),
            m.error or bounced.get(m.recipient.lower(), ""),
        )
        for m in sorted(messages, key=order)
    )
    header = ("Meeting", "Kind", "Sequence", "Name", "Organisation", "Email", "Status")
    return Table("Ledger", (*header, f"Sent ({zone.key})", "Attempts", "Error"), rows)


def answers_table(workspace: Workspace, store: Store, slug: str, zone: ZoneInfo) -> Table:
    """Return each invitee's answer, one row per meeting and invitee, by meeting start."""
    names = organisation_names(workspace)
    states = meeting_states(store, slug)
    rows = []
    for meeting in store.meetings(slug):
        if meeting.status == "cancelled":
            continue
        answers = {r.attendee.lower(): r for r in store.replies(meeting.id)}  # the latest
        for a in store.attendees(meeting.id):
            if a.role == "CHAIR":
                continue
            organisation = a.organisation or meeting.organisation
            rows.append(
                (
                    meeting.id.removeprefix(f"{slug}/"),
                    _when(meeting.start, zone),
                    states[meeting.id],
                    names.get(organisation, organisation),
                    a.name,
                    a.email,
                    _words(a.partstat.lower().replace("-", "_")),
                    _comment(answers.get(a.email.lower()), a.partstat),
                    _when(getattr(answers.get(a.email.lower()), "received_at", None), zone),
                    {True: "yes", False: "no", None: ""}[a.attended],
                )
            )
    header = ("Meeting", f"When ({zone.key})", "Meeting status", "Organisation", "Name", "Email")
    columns = (*header, "Answer", "Comment", f"Answered ({zone.key})", "Attended")
    return Table("Answers", columns, tuple(rows))


def observations_table(workspace: Workspace, store: Store, slug: str) -> Table:
    """Return the training's observations but the restricted ones, which never leave the store."""
    names = organisation_names(workspace)
    themes = {theme.id: theme.label.en for theme in workspace.training(slug).themes}
    observations = store.observations(slug)
    shown = [o for o in observations if o.confidentiality != "restricted"]
    # the text an accepted correction gives it (the check of the record), as the pack does
    fixed, keys = corrected_observations(shown, store.record_checks(training=slug))
    corrected = {o.key: o.text for o in fixed if o.key in keys}
    rows = tuple(
        (
            str(o.id),
            o.meeting_id.removeprefix(f"{slug}/"),
            names.get(o.organisation, o.organisation),
            _words(o.kind),
            themes.get(o.theme, o.theme),
            str(o.severity),
            o.confidentiality,
            o.text,
            o.quote or "",
            o.speaker_role or "",
            o.owner or "",
            o.due.isoformat() if o.due else "",
            corrected.get(o.key, ""),
        )
        for o in shown
    )
    header = ("Number", "Meeting", "Organisation", "Kind", "Theme", "Severity", "Confidentiality")
    return Table(
        "Observations",
        (
            *header,
            "Text",
            "Quote",
            "Speaker's role",
            "Owner",
            "Due",
            "Corrected by its organisation",
        ),
        rows,
        withheld=len(observations) - len(shown),
    )


def write_table(table: Table, target: Path, format: str) -> None:
    """Write the table to `target` as .csv or .xlsx, so that it is the old file or the new."""
    target = Path(target)
    if format not in FORMATS:
        raise _bad("--format", format, "csv or xlsx")
    if not target.parent.is_dir():
        raise WorkspaceError([Problem(str(target.parent), None, "", None, "is not a folder")])
    if format == "csv":
        write_csv(target, table.header, table.rows)
    else:
        write_xlsx(target, table.title, table.header, table.rows)


def table_bytes(table: Table, format: str) -> bytes:
    """Return the bytes of the table's file as .csv or .xlsx, as `write_table` writes it."""
    with tempfile.TemporaryDirectory(prefix="consult-export-") as folder:
        path = Path(folder) / f"export.{format}"
        write_table(table, path, format)
        return path.read_bytes()


def file_name(slug: str, what: str, format: str) -> str:
    """Return the name an export is saved under: `<training>-<what>.<format>`."""
    return f"{slug}-{what}.{format}"


def _bad(option: str, value: str, expected: str) -> WorkspaceError:
    return WorkspaceError([Problem("consult export", None, option, value, expected)])


def _comment(reply: Reply | None, partstat: str) -> str:
    """Return what the attendee said with their answer, if their latest reply gave it."""
    return reply.comment or "" if reply is not None and reply.partstat == partstat else ""


def _when(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""


def _words(name: str) -> str:
    return name.replace("_", " ")
