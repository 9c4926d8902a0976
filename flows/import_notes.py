"""Flow `import-notes`: import the notes files of the workspace, each observation once."""

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from consult.notes.importing import ImportReport, import_folder, import_kobo
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from flows.actor import flow_actor
from flows.desk_links import on_the_desk
from flows.failures import one_line_failures
from flows.parameters import DEMO_TRAINING, FlowParameters, TrainingSlug, WorkspaceFolder
from flows.run_names import named


class ImportParameters(FlowParameters):
    """Whose notes to import."""

    training: TrainingSlug = DEMO_TRAINING
    workspace: WorkspaceFolder = None


@task(cache_policy=NO_CACHE)
def import_files(parameters: ImportParameters) -> ImportReport:
    """Return the report after importing the notes/ folder (Markdown, YAML, CSV)."""
    settings = Settings.for_workspace(parameters.workspace)
    workspace = load_workspace(settings.workspace)
    actor = flow_actor()
    with open_store(settings.store_url, actor=actor) as store:
        report = import_folder(workspace, store, parameters.training, settings.notes, actor)
        return import_kobo(workspace, store, parameters.training, actor, report=report)


@flow(name="import-notes", flow_run_name=named("import notes"))
@one_line_failures
def import_notes(parameters: ImportParameters = ImportParameters()) -> str:
    """Import the notes files; publish what was added, updated, unchanged and rejected."""
    settings = Settings.for_workspace(parameters.workspace)
    report = import_files(parameters)
    create_markdown_artifact(
        key="notes-import",
        markdown=f"{report.to_markdown()}\n{on_the_desk(settings, parameters.training)}\n",
        description=f"Notes import of {parameters.training}",
    )
    return report.summary()
