"""Flow `compile-briefing`: the gap analysis as the experts' pack, written and emailed once."""

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from consult.application.brief import compile_briefing as compile_and_send
from consult.application.references import training_ref
from consult.bootstrap import services
from consult.briefing.versions import CompiledPack
from consult.mail.delivery import Delivered, delivery_rows, summary
from consult.settings import Settings
from flows.actor import flow_actor
from flows.blocks import with_smtp_block
from flows.desk_links import on_the_desk, pack_file_url
from flows.failures import one_line_failures
from flows.parameters import (
    FlowParameters,
    SmtpBlock,
    TrainingSlug,
    WorkspaceFolder,
)
from flows.run_names import named


class BriefingParameters(FlowParameters):
    """Whose pack to compile, and whether to send it."""

    training: TrainingSlug
    workspace: WorkspaceFolder = None
    send: bool = Field(
        default=True,
        description="Email each expert the PDF in their language (once per version of the pack).",
    )
    smtp_block: SmtpBlock = None


@task(cache_policy=NO_CACHE)
def compile_pack(
    settings: Settings, training: str, send: bool
) -> tuple[CompiledPack, list[Delivered]]:
    """Return the compiled pack, written under out/briefing/, and its delivery."""
    with services(settings, actor=flow_actor()) as built:
        return compile_and_send(built, training_ref(built.workspace, training), send=send)


@flow(name="compile-briefing", flow_run_name=named("brief"))
@one_line_failures
def compile_briefing(parameters: BriefingParameters) -> str:
    """Compile the briefing pack; publish it in Markdown with a link to the PDF; email it."""
    settings = with_smtp_block(Settings.for_workspace(parameters.workspace), parameters.smtp_block)
    compiled, report = compile_pack(settings, parameters.training, parameters.send)
    state = "new version" if compiled.new else "unchanged"
    create_markdown_artifact(
        key="briefing-pack",
        markdown=f"{on_the_desk(settings, parameters.training)}\n\n{compiled.markdown}",
        description=f"Briefing pack of {parameters.training}, v{compiled.version} ({state})",
    )
    for language, files in compiled.files.items():
        create_link_artifact(
            key=f"briefing-pdf-{language}",
            link=pack_file_url(settings, parameters.training, compiled.version, files["pdf"].name),
            link_text=files["pdf"].name,
            description=f"The PDF in {language}, v{compiled.version}, from the desk; on disk: "
            f"{files['pdf'].resolve()}",
        )
    if parameters.send:
        create_table_artifact(
            key="briefing-delivery",
            table=delivery_rows(report),
            description=f"Delivery of the briefing pack v{compiled.version}",
        )
    return f"v{compiled.version} ({state}); {summary(report, 'not sent')}"
