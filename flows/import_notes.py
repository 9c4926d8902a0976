"""Flow `import-notes`: import the notes files of the workspace, each observation once."""

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from consult.application.notes import import_notes as import_into_store
from consult.application.references import training_ref
from consult.bootstrap import services
from consult.notes.importing import ImportReport
from consult.settings import Settings
from flows.actor import flow_actor
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import FlowParameters, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class ImportParameters(FlowParameters):
    """Whose notes to import."""

    training: TrainingSlug
    workspace: WorkspaceFolder = None


@task(cache_policy=NO_CACHE)
def import_files(parameters: ImportParameters) -> ImportReport:
    """Return the report after importing the notes/ folder (Markdown, YAML, CSV)."""
    actor = flow_actor()
    with services(Settings.for_workspace(parameters.workspace), actor=actor) as built:
        return import_into_store(built, training_ref(built.workspace, parameters.training), actor)


@flow(name="import-notes", flow_run_name=named("import notes"))
@one_line_failures
def import_notes(parameters: ImportParameters) -> str:
    """Import the notes files; publish what was added, updated, unchanged and rejected."""
    settings = Settings.for_workspace(parameters.workspace)
    report = import_files(parameters)
    create_markdown_artifact(
        key="notes-import",
        markdown=f"{report.to_markdown()}\n{on_the_desk(settings, parameters.training)}\n",
        description=f"Notes import of {parameters.training}",
    )
    return report.summary()
