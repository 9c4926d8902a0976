"""Flow `record-notes`: the coordinator fills in a meeting's notes as a form in the Prefect UI."""

import datetime as dt
from zoneinfo import ZoneInfo

from prefect import flow, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field

from consult.application import notes
from consult.application.references import RoundRef, round_ref
from consult.application.services import Services
from consult.bootstrap import services
from consult.notes.importing import ImportReport
from consult.settings import Settings
from flows.actor import flow_actor
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import RoundId, TrainingSlug, WorkspaceFolder
from flows.run_names import named
from schemas import Attendance, ObservationInput

FORM_HELP = (
    "Notes of {meeting} ({organisation}, {date}). Attendance: who came, with their "
    "organisation and role. Observations: one per gap, need, challenge, good practice, "
    "recommendation or commitment, each with a theme of the training ({themes}), a severity "
    "from 1 (minor) to 4 (critical), what was said, an optional verbatim quote and the "
    "speaker's role (never a name: a name is refused). Confidentiality: public is quoted as "
    "is, internal is shown only anonymised, restricted is stored and shown nowhere. "
    "Commitments need an owner."
)


class NotesParameters(BaseModel):
    """Which meeting's notes to record."""

    training: TrainingSlug
    meeting: str = Field(description="The meeting's id in the round's plan, e.g. 'unhcr-georgia'.")
    round: RoundId = None
    workspace: WorkspaceFolder = None
    wait_seconds: int = Field(
        default=3 * 24 * 3600, ge=1, description="How long the form waits (3 days by default)."
    )


class NotesForm(RunInput):
    """The notes of one meeting, as the coordinator enters them."""

    date: dt.date = Field(description="The day the meeting took place.")
    date_reason: str | None = Field(
        default=None, description="Why the date is not the meeting's day, if it is not."
    )
    held: bool = Field(
        default=False,
        description="The meeting was cancelled but held after all (it is then no longer "
        "cancelled); without it a cancelled meeting's notes are refused.",
    )
    attendance: list[Attendance] = Field(
        default_factory=list,
        description="Who came, by name: invitees, or people who were not invited.",
    )
    others: int = Field(
        default=0, ge=0, le=10000, description="How many more came, not named (group discussions)."
    )
    observations: list[ObservationInput] = Field(
        default_factory=list, description="What was learnt."
    )


def _settings(parameters: NotesParameters) -> Settings:
    return Settings.for_workspace(parameters.workspace)


def _round(built: Services, parameters: NotesParameters) -> RoundRef:
    return round_ref(built.workspace, parameters.training, parameters.round)


@task(cache_policy=NO_CACHE)
def save(parameters: NotesParameters, form: NotesForm) -> ImportReport:
    """Return the import report after storing the form's notes under the meeting's key."""
    with services(_settings(parameters), actor=flow_actor()) as built:
        return notes.record_meeting_notes(
            built,
            _round(built, parameters),
            parameters.meeting,
            notes.FormNotes(
                date=form.date,
                attendance=form.attendance,
                observations=form.observations,
                date_reason=form.date_reason or None,
                others=form.others,
                held=form.held,
            ),
            built.store.actor,
        )


@task(cache_policy=NO_CACHE)
def mark_missing(parameters: NotesParameters) -> None:
    """Mark the meeting's notes as missing, for the coordinator's reminder."""
    with services(_settings(parameters)) as built:
        notes.mark_notes_missing(
            built, _round(built, parameters), parameters.meeting, "record-notes"
        )


def shown_back(form: NotesForm) -> str:
    """Return the form's observations as Markdown; restricted ones by their kind and theme only."""
    lines = [
        "| kind | theme | severity | confidentiality | text |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in form.observations:
        text = (
            "(restricted: stored, shown nowhere)"
            if o.confidentiality == "restricted"
            else (o.text.replace("|", "\\|").replace("\n", " "))
        )
        lines.append(f"| {o.kind} | {o.theme} | {o.severity} | {o.confidentiality} | {text} |")
    return "\n".join(lines) + "\n"


@flow(name="record-notes", flow_run_name=named("notes"), persist_result=True)
@one_line_failures
def record_notes(parameters: NotesParameters) -> str:
    """Wait for a meeting's notes in a form; store them, or mark them missing at the timeout."""
    settings = _settings(parameters)
    with services(settings) as built:
        round_ = _round(built, parameters)
        meeting = notes.meeting(built, round_, parameters.meeting)
    # the meeting's day as its training's zone has it, not UTC's
    day = meeting.start.astimezone(ZoneInfo(round_.training.training.timezone)).date()
    description = FORM_HELP.format(
        meeting=parameters.meeting,
        organisation=meeting.organisation,
        date=day.isoformat(),
        themes=", ".join(theme.id for theme in round_.training.training.themes),
    )
    problems = ""
    while True:
        form_type = NotesForm.with_initial_data(description=problems + description, date=day)
        if runtime.deployment.id:
            # From a deployment the run suspends: no process waits for days. When it is
            # resumed the flow runs again from the top and picks up the same input here.
            # A form never filled in is reported by send-reminders' "notes missing".
            form = suspend_flow_run(wait_for_input=form_type, timeout=parameters.wait_seconds)
        else:
            try:
                form = pause_flow_run(
                    wait_for_input=form_type,
                    timeout=parameters.wait_seconds,
                    poll_interval=min(10, parameters.wait_seconds),
                )
            except FlowPauseTimeout:
                mark_missing(parameters)
                return "notes missing"
        report = save(parameters, form)
        if not report.rejected:
            break
        # Ask again, saying what was wrong; what was valid is stored already.
        problems = "Please correct: " + "; ".join(report.rejected) + ". "
    create_markdown_artifact(
        key="notes",
        markdown=f"# Notes of {parameters.meeting}\n\n{report.to_markdown()}\n{shown_back(form)}"
        f"\n{on_the_desk(settings, parameters.training)}\n",
        description=f"Notes of {meeting.id}",
    )
    return report.summary()
