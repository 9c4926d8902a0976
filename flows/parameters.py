"""The parameters most flows share, described once for the forms of the Prefect UI."""

from typing import Annotated

from pydantic import Field

DEMO_TRAINING = "intercultural-communication-2027"

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
