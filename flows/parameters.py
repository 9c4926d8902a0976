"""The parameters most flows share, described once for the forms of the Prefect UI."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class FlowParameters(BaseModel):
    """The parameters of a flow: set once by the form that starts it, never changed.

    Frozen, so that an instance may be a flow's default: the UI then shows the
    form filled in with it, instead of a choice between the form and None.
    """

    model_config = ConfigDict(frozen=True)


TrainingSlug = Annotated[
    str, Field(description="The training's slug: the name of its file in trainings/.")
]
RoundId = Annotated[str | None, Field(description="The round; empty for the first.")]
WorkspaceFolder = Annotated[
    str | None,
    Field(description="The workspace folder on the worker; empty for the default."),
]
SmtpBlock = Annotated[
    str | None,
    Field(description="An EmailServerCredentials block to send through; empty for the settings."),
]
