"""How the commands print what they did: deliveries, previews, packs, workspace summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from consult.cli.app import out

if TYPE_CHECKING:
    from consult.briefing.versions import CompiledPack
    from consult.mail.delivery import Delivered
    from consult.mail.preview import Preview
    from consult.workspace.summary import PlannedRow, Summary


def print_preview(preview: Preview) -> None:
    """Print what a send would put out: the counts, who gets what, one example per language."""
    from consult.mail.preview import example_text

    sender = preview.sender
    reply_to = f", replies to {sender.reply_to}" if sender.reply_to else ""
    out.print(
        f"To send: {preview.training}, {preview.round}: {preview.summary()}; "
        f"from {sender.name} <{sender.email}>{reply_to}",
        soft_wrap=True,
        markup=False,
    )
    if not preview.recipients:
        return
    table = Table("name", "organisation", "meeting", "kind", "language")
    for r in preview.recipients:
        meeting = r.meeting_id.rsplit("/", 1)[-1]
        table.add_row(escape(r.name), escape(r.organisation), escape(meeting), r.kind, r.language)
    out.print(table)
    for language, message in preview.examples.items():
        out.print(f"\n--- example in {language} ---", markup=False)
        out.print(example_text(message), markup=False, soft_wrap=True)
        out.print("---", markup=False)


LISTED = 20
"""A delivery of more messages lists only those that need a look: not sent (failed, waiting,
rejected...), or sent with a detail (a bounce known for the address)."""
QUIET_OUTCOMES = ("sent", "already sent")


def print_delivery(title: str, report: list[Delivered], command: str) -> None:
    """Print the delivery table and what each outcome asks of the coordinator.

    Exits 1 when something failed or waits, so that a rerun is called for.
    """
    from consult.mail.delivery import WAITING, counts, delivery_rows, summary

    table = Table(
        "meeting",
        "recipient",
        "kind",
        "seq",
        "outcome",
        "detail",
        title=title,
        title_justify="left",
    )
    rows = delivery_rows(report)
    quiet = [r for r in rows if _quiet(r)] if len(rows) > LISTED else []
    for row in rows:
        if not quiet or not _quiet(row):
            table.add_row(*row.values())
    if not quiet or len(quiet) < len(rows):
        out.print(table)
    out.print(summary(report), soft_wrap=True)
    if quiet:
        out.print(
            f"{len(quiet):,} messages sent or sent before are not listed; the ledger has every "
            f"one (consult export TRAINING --what ledger)",
            markup=False,
            soft_wrap=True,
        )
    _print_advice(report, command)
    tally = counts(report)
    # A rejection is final (only the registry can change it), and so is a message too late
    # for its meeting (only a new time can); a failure, or a message another run holds,
    # calls for a rerun.
    if tally.get("failed") or tally.get("will retry") or tally.get(WAITING):
        raise SystemExit(1)


def _quiet(row: dict[str, str]) -> bool:
    """Tell whether a row of the delivery table needs no look: sent, with nothing to add."""
    return row["outcome"] in QUIET_OUTCOMES and not row["detail"]


_TOO_LATE = (
    (
        False,
        "too late: these meetings had started, so nothing but a cancellation goes to their "
        "people; reschedule (`consult reschedule`) or cancel (`consult cancel`) each:",
    ),
    (
        True,
        "too late: the time of these meetings has passed; for each, record its notes if it "
        "took place (`consult import-notes`, or the desk), else cancel it (`consult cancel`):",
    ),
)
"""Whether a meeting's time has passed (not only started) -> what the coordinator can do."""


def _print_advice(report: list[Delivered], command: str) -> None:
    from consult.mail.delivery import BOUNCED, counts, taken_over, waiting
    from consult.mail.invitations import late_meetings

    tally = counts(report)
    if tally.get("rejected"):
        out.print(
            "rejected: the server refused these addresses for good; they are not tried again "
            "until the address changes in the registry, or `consult send --retry-rejected`",
            soft_wrap=True,
        )
    if tally.get(BOUNCED):
        out.print(
            "bounced: these addresses bounced, so no reminder or nudge goes to them; correct "
            "each in the registry (stakeholders.yaml), and the new address is invited",
            soft_wrap=True,
        )
    for passed, advice in _TOO_LATE:
        late = late_meetings(report, passed=passed)
        if late:
            out.print(advice, soft_wrap=True)
            for line in late:
                out.print(f"  {line}", markup=False, soft_wrap=True)
    for line in taken_over(report):
        out.print(f"taken over: {line}; this run sent them", markup=False, soft_wrap=True)
    for line in waiting(report):
        out.print(
            f"waiting: {line}; run `{command}` again after that", markup=False, soft_wrap=True
        )


def print_pack(compiled: CompiledPack) -> None:
    """Print a compiled pack's version, what it holds, and where its PDFs are."""
    state = "new version" if compiled.new else "unchanged since it was last compiled"
    analysis = compiled.analysis
    out.print(
        f"{compiled.training}: briefing pack v{compiled.version} ({state}): "
        f"{len(analysis.gaps)} gaps ranked, {len(analysis.uncovered)} not covered by the agenda, "
        f"{analysis.observations} observations ({analysis.withheld} restricted left out)",
        soft_wrap=True,
    )
    for language, files in compiled.files.items():
        out.print(f"  {language}: {files['pdf'].resolve()}", soft_wrap=True)


def print_summary(summary: Summary) -> None:
    """Print a workspace summary as tables."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary.kinds.items())
    out.print(
        f"{summary.organisations} organisations ({kinds}), {summary.contacts} contacts, "
        f"{len(summary.trainings)} training(s), {len(summary.planned)} planned consultations",
        soft_wrap=True,
    )
    trainings = Table("training", "title", "dates", title="Trainings", title_justify="left")
    for slug, title, dates in summary.trainings:
        trainings.add_row(slug, title, dates)
    out.print(trainings)
    rounds: dict[tuple[str, str, str], list[PlannedRow]] = {}
    for row in summary.planned:
        rounds.setdefault((row.training, row.round, row.window), []).append(row)
    for (training, round_id, window), rows in rounds.items():
        planned = Table(
            "meeting",
            "organisation",
            "format",
            "min",
            "facilitators",
            title=f"Planned consultations: {training}, {round_id} ({window})",
            title_justify="left",
        )
        for r in rows:
            planned.add_row(
                r.meeting,
                r.organisation,
                r.format,
                str(r.minutes),
                r.facilitators.replace(", ", "\n"),
            )
        out.print(planned)
    for warning in summary.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
