"""Serves every deployment of prefect.yaml from one process: what `consult ui` runs.

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m flows.serve

Each deployment keeps the name, description, tags, parameters and schedules
that prefect.yaml gives it; its work pool is left out, since this process runs
the flows itself. It asks the server for runs every `POLL_SECONDS` seconds.

No form has a training by default: each offers the trainings (and rounds) of the
workspace it serves as a choice, so a slug that is not there cannot be submitted.
"""

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule

from consult.errors import ConsultError
from consult.settings import Settings
from consult.ui import POLL_SECONDS, PROJECT
from consult.workspace.loading import Workspace, load_workspace
from flows.choices import set_choices, workspace_choices


def schedule(entry: dict[str, Any]) -> Schedule:
    """Return the schedule of a prefect.yaml `schedules:` entry (cron with a time zone)."""
    if set(entry) - {"cron", "timezone", "active"} or "cron" not in entry:
        raise ValueError(f"prefect.yaml: only cron schedules are served, not {entry!r}")
    return Cron(entry["cron"], timezone=entry.get("timezone"), active=entry.get("active", True))


def deployments(
    project: Path = PROJECT, workspace: Workspace | None = None
) -> list[RunnerDeployment]:
    """Return the deployments of the project's prefect.yaml, ready to serve.

    With a `workspace`, each form offers its trainings and rounds as choices.
    """
    config = yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))
    served = []
    for entry in config["deployments"]:
        path, name = entry["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        if not isinstance(flow, Flow):
            raise TypeError(f"prefect.yaml: {entry['entrypoint']} is not a flow")
        deployment = flow.to_deployment(
            name=entry["name"],
            description=entry.get("description"),
            tags=entry.get("tags"),
            parameters=entry.get("parameters") or None,
            schedules=[schedule(each) for each in entry.get("schedules") or []],
            paused=False,
        )
        assert isinstance(deployment, RunnerDeployment)  # called from sync code
        if workspace is not None:
            offer_choices(deployment, workspace)
        served.append(deployment)
    return served


def offer_choices(deployment: RunnerDeployment, workspace: Workspace) -> None:
    """Make the form's `training` a choice of the workspace's trainings, `round` of its rounds."""
    trainings, rounds = workspace_choices(workspace)
    set_choices(deployment._parameter_openapi_schema.definitions.values(), trainings, rounds)


def served_workspace() -> Workspace | None:
    """Return the workspace the runs work on ($CONSULT_WORKSPACE), or None if it does not load."""
    try:
        return load_workspace(Settings().workspace)
    except (ConsultError, OSError):
        return None


def main() -> None:
    """Serve the deployments until interrupted; their schedules stay on for the next start."""
    serve(
        *deployments(workspace=served_workspace()),
        query_seconds=POLL_SECONDS,
        pause_on_shutdown=False,
        print_starting_message=False,
    )


if __name__ == "__main__":
    main()
