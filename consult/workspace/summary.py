"""Gives the overview of a workspace that `consult validate` and the demo print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from consult.workspace.loading import Workspace
from consult.workspace.translations import missing_translations


@dataclass(frozen=True)
class PlannedRow:
    """One planned consultation, as a person reads it."""

    training: str
    round: str
    window: str
    meeting: str
    organisation: str
    format: str
    minutes: int
    facilitators: str


@dataclass(frozen=True)
class Summary:
    """Counts and the planned consultations of a workspace."""

    organisations: int
    kinds: dict[str, int]
    contacts: int
    trainings: list[tuple[str, str, str]]
    planned: list[PlannedRow]
    warnings: list[str] = field(default_factory=list)
    """What loads but reads worse than it should: the missing translations."""

    def to_markdown(self) -> str:
        """Return the summary as Markdown, for a Prefect artifact or a file."""
        lines = [
            "# Workspace",
            "",
            f"- {self.organisations} organisations "
            f"({', '.join(f'{n} {kind}' for kind, n in self.kinds.items())})",
            f"- {self.contacts} contacts",
            f"- {len(self.trainings)} training(s)",
            "",
            "| training | title | dates |",
            "| --- | --- | --- |",
            *(f"| {slug} | {_cell(title)} | {dates} |" for slug, title, dates in self.trainings),
            "",
            "## Planned consultations",
            "",
            "| training | round | window | meeting | organisation | format | minutes "
            "| facilitators |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            *(
                f"| {r.training} | {r.round} | {r.window} | {r.meeting} | {_cell(r.organisation)} "
                f"| {r.format} | {r.minutes} | {r.facilitators} |"
                for r in self.planned
            ),
        ]
        if self.warnings:
            lines += ["", "## Warnings", "", *(f"- {warning}" for warning in self.warnings)]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summarise(workspace: Workspace) -> Summary:
    """Return the counts and the planned consultations of `workspace`."""
    organisations = workspace.stakeholders.organisations
    names = {o.id: o.name.en for o in organisations}
    planned = [
        PlannedRow(
            training=slug,
            round=round_.id,
            window=f"{round_.earliest.isoformat()}..{round_.latest.isoformat()}",
            meeting=meeting.id,
            organisation=names[meeting.organisation],
            format=meeting.format.replace("_", " "),
            minutes=meeting.duration_minutes,
            facilitators=", ".join(meeting.facilitators),
        )
        for slug, training in workspace.trainings.items()
        for round_ in training.consultation.rounds
        for meeting in round_.meetings
    ]
    return Summary(
        organisations=len(organisations),
        kinds=dict(Counter(o.kind.replace("_", " ") for o in organisations).most_common()),
        contacts=sum(len(o.contacts) for o in organisations),
        trainings=[
            (slug, t.title.en, f"{t.start.isoformat()}..{t.end.isoformat()}")
            for slug, t in workspace.trainings.items()
        ],
        planned=planned,
        warnings=[str(missing) for missing in missing_translations(workspace)],
    )
