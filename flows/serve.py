"""Serves every deployment of prefect.yaml from one process: what `consult ui` runs.

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m flows.serve

Each deployment keeps the name, description, tags, parameters and schedules
that prefect.yaml gives it; its work pool is left out, since this process runs
the flows itself. It asks the server for runs every `POLL_SECONDS` seconds.
"""

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule

from consult.ui import POLL_SECONDS, PROJECT


def schedule(entry: dict[str, Any]) -> Schedule:
    """Return the schedule of a prefect.yaml `schedules:` entry (cron with a time zone)."""
    if set(entry) - {"cron", "timezone", "active"} or "cron" not in entry:
        raise ValueError(f"prefect.yaml: only cron schedules are served, not {entry!r}")
    return Cron(entry["cron"], timezone=entry.get("timezone"), active=entry.get("active", True))


def deployments(project: Path = PROJECT) -> list[RunnerDeployment]:
    """Return the deployments of the project's prefect.yaml, ready to serve."""
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
        served.append(deployment)
    return served


def main() -> None:
    """Serve the deployments until interrupted; their schedules stay on for the next start."""
    serve(
        *deployments(),
        query_seconds=POLL_SECONDS,
        pause_on_shutdown=False,
        print_starting_message=False,
    )


if __name__ == "__main__":
    main()
