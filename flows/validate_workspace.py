"""Flow `validate-workspace`: check the workspace files and show what they hold."""

from dataclasses import replace

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from consult.errors import WorkspaceError
from consult.mail.notices import bounce_warnings
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


@task(cache_policy=NO_CACHE)
def check(settings: Settings) -> str:
    """Return the workspace summary in Markdown with its warnings; publish any problems."""
    try:
        workspace = load_workspace(settings.workspace)
    except WorkspaceError as error:
        problems = "\n".join(f"- `{problem}`" for problem in error.problems)
        create_markdown_artifact(
            key="workspace-problems",
            markdown=f"# The workspace has problems\n\n{problems}\n",
            description=f"{len(error.problems)} problem(s) in {settings.workspace}",
        )
        raise
    summary = summarise(workspace)
    bounced = bounce_warnings(settings, workspace)
    for warning in bounced:
        get_run_logger().warning("%s", warning)
    return replace(summary, warnings=[*summary.warnings, *bounced]).to_markdown()


@flow(name="validate-workspace", flow_run_name=named("validate"), log_prints=False)
@one_line_failures
def validate_workspace(parameters: ValidateParameters = ValidateParameters()) -> str:
    """Check every workspace file and publish the summary as an artifact."""
    settings = Settings.for_workspace(parameters.workspace)
    markdown = check(settings)
    create_markdown_artifact(
        key="workspace-summary", markdown=markdown, description=f"What {settings.workspace} holds"
    )
    return markdown
