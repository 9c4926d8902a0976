"""Flow `validate-workspace`: check the workspace files and show what they hold."""

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from pydantic import Field

from consult.errors import WorkspaceError
from consult.settings import Settings
from consult.workspace.loading import load_workspace
from consult.workspace.summary import summarise
from flows.failures import one_line_failures
from flows.parameters import FlowParameters
from flows.run_names import named


class ValidateParameters(FlowParameters):
    """Which workspace to check."""

    workspace: str | None = Field(
        default=None,
        description="The workspace folder on the worker; empty for $CONSULT_WORKSPACE.",
    )


@task
def check(workspace: Path) -> str:
    """Return the workspace summary in Markdown; publish the problems if there are any."""
    try:
        return summarise(load_workspace(workspace)).to_markdown()
    except WorkspaceError as error:
        problems = "\n".join(f"- `{problem}`" for problem in error.problems)
        create_markdown_artifact(
            key="workspace-problems",
            markdown=f"# The workspace has problems\n\n{problems}\n",
            description=f"{len(error.problems)} problem(s) in {workspace}",
        )
        raise


@flow(name="validate-workspace", flow_run_name=named("validate"), log_prints=False)
@one_line_failures
def validate_workspace(parameters: ValidateParameters = ValidateParameters()) -> str:
    """Check every workspace file and publish the summary as an artifact."""
    settings = Settings.for_workspace(parameters.workspace)
    markdown = check(settings.workspace)
    create_markdown_artifact(
        key="workspace-summary", markdown=markdown, description=f"What {settings.workspace} holds"
    )
    return markdown
