"""Flow `record-notes`: the coordinator fills in a meeting's notes as a form in the Prefect UI."""

import datetime as dt

from prefect import flow, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field

from consult.notes.importing import ImportReport, store_notes
from consult.planning.changes import find_meeting
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.rounds import resolve_round
from flows.actor import flow_actor
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import DEMO_TRAINING, RoundId, TrainingSlug, WorkspaceFolder
from flows.run_names import named
from schemas import Attendance, MeetingNotes, ObservationInput

FORM_HELP = (
    "Notes of {meeting} ({organisation}, {date}). Attendance: who came, with their "
    "organisation and role. Observations: one per gap, need, challenge, good practice, "
    "recommendation or commitment, each with a theme of the training ({themes}), a severity "
    "from 1 (minor) to 4 (critical), what was said, an optional verbatim quote and the "
    "speaker's role (never a name). Confidentiality: public is quoted as is, internal is shown "
    "only anonymised, restricted is stored and shown nowhere. Commitments need an owner."
)


class NotesParameters(BaseModel):
    """Which meeting's notes to record."""

    training: TrainingSlug = DEMO_TRAINING
    meeting: str = Field(description="The meeting's id in the round's plan, e.g. 'unhcr-georgia'.")
    round: RoundId = None
    workspace: WorkspaceFolder = None
    wait_seconds: int = Field(
        default=3 * 24 * 3600, ge=1, description="How long the form waits (3 days by default)."
    )


class NotesForm(RunInput):
    """The notes of one meeting, as the coordinator enters them."""

    date: dt.date = Field(description="The day the meeting took place.")
    attendance: list[Attendance] = Field(default_factory=list, description="Who came.")
    observations: list[ObservationInput] = Field(
        default_factory=list, description="What was learnt."
    )


def _settings(parameters: NotesParameters) -> Settings:
    return Settings.for_workspace(parameters.workspace)


@task(cache_policy=NO_CACHE)
def save(parameters: NotesParameters, form: NotesForm) -> ImportReport:
    """Return the import report after storing the form's notes under the meeting's key."""
    settings = _settings(parameters)
    workspace = load_workspace(settings.workspace)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    with open_store(settings.store_url, actor=flow_actor()) as store:
        meeting = find_meeting(store, parameters.training, round_id, parameters.meeting)
        notes = MeetingNotes(
            meeting=parameters.meeting,
            round=round_id,
            organisation=meeting.organisation,
            date=form.date,
            attendance=tuple(form.attendance),
            observations=tuple(form.observations),
        )
        return store_notes(
            workspace,
            store,
            parameters.training,
            [(f"form/{round_id}/{parameters.meeting}", notes)],
            store.actor,
        )


@task(cache_policy=NO_CACHE)
def mark_missing(parameters: NotesParameters) -> None:
    """Mark the meeting's notes as missing, for the coordinator's reminder."""
    settings = _settings(parameters)
    workspace = load_workspace(settings.workspace)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, parameters.training, round_id, parameters.meeting)
        store.set_meeting_status(meeting.id, "notes_missing", "record-notes")


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
    workspace = load_workspace(settings.workspace)
    training = workspace.training(parameters.training)
    round_id = resolve_round(workspace, parameters.training, parameters.round)
    with open_store(settings.store_url) as store:
        meeting = find_meeting(store, parameters.training, round_id, parameters.meeting)
    description = FORM_HELP.format(
        meeting=parameters.meeting,
        organisation=meeting.organisation,
        date=meeting.start.date().isoformat(),
        themes=", ".join(theme.id for theme in training.themes),
    )
    problems = ""
    while True:
        form_type = NotesForm.with_initial_data(
            description=problems + description, date=meeting.start.date()
        )
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
