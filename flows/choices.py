"""The trainings and rounds a deployment's form offers, set in its parameters' JSON schema.

The runner sets them when it starts (flows.serve); the desk sets them again before it
starts a run, so a training added since (at the desk, or by hand) is offered and its
run is not refused by Prefect's check of the parameters against the schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.responses import DeploymentResponse

from consult.workspace.loading import Workspace


def workspace_choices(workspace: Workspace) -> tuple[list[str], list[str]]:
    """Return the workspace's training slugs and round ids, as the forms offer them."""
    trainings = list(workspace.trainings)
    rounds = sorted({r.id for t in workspace.trainings.values() for r in t.consultation.rounds})
    return trainings, rounds


def set_choices(
    definitions: Iterable[MutableMapping[str, Any]], trainings: list[str], rounds: list[str]
) -> bool:
    """Make each definition's `training` a choice of `trainings`, `round` of `rounds`.

    Return whether anything changed. Without trainings nothing is offered (nor changed):
    the flow then names the workspace's problem.
    """
    if not trainings:
        return False
    changed = False
    for definition in definitions:
        fields = definition.get("properties", {})
        if "training" in fields and fields["training"].get("enum") != trainings:
            fields["training"]["enum"] = list(trainings)
            changed = True
        if "round" in fields:
            wanted = [{"type": "string", "enum": list(rounds)}, {"type": "null"}]
            if fields["round"].get("anyOf") != wanted:
                fields["round"]["anyOf"] = wanted
                changed = True
    return changed


def schema_definitions(schema: Mapping[str, Any]) -> list[MutableMapping[str, Any]]:
    """Return the definitions of a parameters' schema, and the schema itself (a flat form)."""
    found: list[MutableMapping[str, Any]] = list(schema.get("definitions", {}).values())
    if isinstance(schema, MutableMapping):
        found.append(schema)
    return found


def offered_deployment(
    client: SyncPrefectClient, deployment: str, choices: tuple[list[str], list[str]] | None
) -> DeploymentResponse:
    """Return the deployment (`flow/deployment`), its form offering `choices` (the
    workspace's trainings and rounds, as `workspace_choices` returns them) first."""
    found = client.read_deployment_by_name(deployment)
    schema = copy.deepcopy(dict(found.parameter_openapi_schema or {}))
    if choices and set_choices(schema_definitions(schema), *choices):
        client.update_deployment(found.id, DeploymentUpdate(parameter_openapi_schema=schema))
    return found
