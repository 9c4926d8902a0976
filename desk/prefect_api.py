"""What the desk asks of Prefect's API: the runs that wait for a decision, resuming, starting.

    prefect = PrefectApi("http://127.0.0.1:4200/api")
    for run in prefect.waiting():          # every paused or suspended flow run
        ...
    prefect.resume(run.id, {"decision": "approve", "decided_by": "Nino", "comment": ""})

A waiting run's form is read from the run itself (the input schema and the
description that `pause_flow_run(wait_for_input=...)` stored), so any decision
a flow asks for appears here with its own fields, and is answered through the
same API as the Prefect UI's Resume: the run records it as it does today.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

from flows.choices import offered_deployment
from flows.run_names import run_name as flow_run_name

STEPS: Mapping[str, tuple[str, str]] = {
    "plan": ("plan-consultations", "plan"),
    "invite": ("send-invitations", "send"),
    "brief": ("compile-briefing", "brief"),
}
"""A timeline step's kind -> (the deployment that does it, the verb its runs are named by)."""


class PrefectUnavailable(Exception):
    """Prefect's API does not answer, or refuses: the message says where and why."""


@dataclass(frozen=True)
class InputField:
    """A field of a waiting run's form, from its JSON schema."""

    name: str
    title: str
    kind: str
    """choice, text, integer, number or boolean."""
    choices: tuple[str, ...]
    default: str
    required: bool
    description: str


@dataclass(frozen=True)
class WaitingRun:
    """A flow run paused for a decision: what it is about and the form that answers it."""

    id: str
    name: str
    flow: str
    state: str
    since: dt.datetime | None
    parameters: Mapping[str, Any]
    description: str
    fields: tuple[InputField, ...]

    @property
    def training(self) -> str | None:
        """Return the training the run works on, if its parameters name one."""
        value = self._parameter("training")
        return value if isinstance(value, str) else None

    @property
    def round(self) -> str | None:
        """Return the round the run works on, if its parameters name one."""
        value = self._parameter("round")
        return value if isinstance(value, str) else None

    @property
    def meeting(self) -> str | None:
        """Return the meeting (its id in the round's plan) the run works on, if it names one."""
        value = self._parameter("meeting")
        return value if isinstance(value, str) else None

    def _parameter(self, name: str) -> Any:
        nested = self.parameters.get("parameters")
        if isinstance(nested, Mapping) and name in nested:
            return nested[name]
        return self.parameters.get(name)


def prefect_ui_url() -> str | None:
    """Return the Prefect UI's address for PREFECT_API_URL (PREFECT_UI_URL), or None if unset."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if not settings.api.url:
        return None
    return settings.ui_url or settings.api.url.removesuffix("/api")


def run_name(kind: str, training: str, round_id: str | None) -> str:
    """Return the name a started step's run gets: 'plan · <training> · round-1', as the flow's."""
    return flow_run_name(STEPS[kind][1], training, round_id)


class PrefectApi:
    """Prefect's REST API at `url`, with the team's `user:password` when it asks for one."""

    def __init__(self, url: str, auth_string: str | None = None) -> None:
        self.url = url
        self.auth_string = auth_string

    def _client(self) -> SyncPrefectClient:
        return SyncPrefectClient(self.url, auth_string=self.auth_string)

    def waiting(self) -> list[WaitingRun]:
        """Return every flow run paused or suspended for input, oldest first."""
        try:
            with self._client() as client:
                runs = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(
                        state=FlowRunFilterState(
                            type=FlowRunFilterStateType(any_=[StateType.PAUSED])
                        )
                    ),
                    sort=FlowRunSort.START_TIME_ASC,
                    limit=200,
                )
                flows: dict[UUID, str] = {}
                found = []
                for run in runs:
                    if run.flow_id not in flows:
                        flows[run.flow_id] = client.read_flow(run.flow_id).name
                    found.append(_waiting(client, run, flows[run.flow_id]))
                return found
        except (httpx.HTTPError, PrefectHTTPStatusError) as error:
            raise PrefectUnavailable(self._why(error)) from None

    def resume(self, run_id: str, run_input: Mapping[str, Any]) -> str | None:
        """Resume the run with this input; return None, or why Prefect refused it."""
        try:
            with self._client() as client:
                result = client.resume_flow_run(UUID(run_id), run_input=dict(run_input))
        except ObjectNotFound:
            return f"there is no flow run {run_id} (any more)"
        except (httpx.HTTPError, PrefectHTTPStatusError) as error:
            raise PrefectUnavailable(self._why(error)) from None
        if result.status.value == "ACCEPT":
            return None
        reason = getattr(result.details, "reason", None) or result.status.value.lower()
        return f"Prefect did not resume the run: {reason}"

    def start(
        self,
        deployment: str,
        parameters: Mapping[str, Any],
        name: str,
        choices: tuple[list[str], list[str]] | None = None,
    ) -> str:
        """Return the id of a new run of the deployment (flow and deployment share the name).

        With `choices` (the workspace's trainings and rounds), the deployment's form offers
        them first: a training added since the runner started is then not refused.
        """
        try:
            with self._client() as client:
                found = offered_deployment(client, f"{deployment}/{deployment}", choices)
                run = client.create_flow_run_from_deployment(
                    found.id, parameters=dict(parameters), name=name
                )
        except ObjectNotFound:
            raise PrefectUnavailable(
                f"Prefect at {self.url} has no deployment {deployment!r}: is the runner serving?"
            ) from None
        except (httpx.HTTPError, PrefectHTTPStatusError) as error:
            raise PrefectUnavailable(self._why(error)) from None
        return str(run.id)

    def _why(self, error: Exception) -> str:
        if isinstance(error, PrefectHTTPStatusError | httpx.HTTPStatusError):
            status = error.response.status_code
            if status == 401:
                return f"Prefect at {self.url} refused the desk's credentials (401)"
            return f"Prefect at {self.url} answered {status}"
        return f"Prefect at {self.url} does not answer ({type(error).__name__}): is it running?"


def _waiting(client: SyncPrefectClient, run: FlowRun, flow: str) -> WaitingRun:
    keys = (run.state.state_details.run_input_keyset if run.state else None) or {}
    description = ""
    schema: dict[str, Any] = {}
    if "description" in keys:
        description = str(_input(client, run.id, keys["description"]) or "")
    if "schema" in keys:
        found = _input(client, run.id, keys["schema"])
        schema = found if isinstance(found, dict) else {}
    return WaitingRun(
        id=str(run.id),
        name=run.name,
        flow=flow,
        state=run.state.name if run.state and run.state.name else "Paused",
        since=run.state.timestamp if run.state else None,
        parameters=run.parameters,
        description=description,
        fields=input_fields(schema),
    )


def _input(client: SyncPrefectClient, run_id: UUID, key: str) -> Any:
    try:
        return json.loads(client.read_flow_run_input(run_id, key))
    except (ObjectNotFound, PrefectHTTPStatusError, httpx.HTTPStatusError, ValueError):
        return None


def input_fields(schema: Mapping[str, Any]) -> tuple[InputField, ...]:
    """Return the fields of a run input's JSON schema that a person fills in, in order."""
    required = set(schema.get("required") or ())
    fields = []
    for name, spec in (schema.get("properties") or {}).items():
        choices = tuple(str(c) for c in spec.get("enum") or ())
        kind = (
            "choice"
            if choices
            else {
                "integer": "integer",
                "number": "number",
                "boolean": "boolean",
            }.get(str(spec.get("type")), "text")
        )
        default = spec.get("default")
        fields.append(
            InputField(
                name=name,
                title=_title(name, spec.get("title")),
                kind=kind,
                choices=choices,
                default=_shown(default),
                required=name in required,
                description=str(spec.get("description") or ""),
            )
        )
    return tuple(fields)


def _title(name: str, title: Any) -> str:
    """Return a field's title as a sentence: pydantic's own "Decided By" reads "Decided by"."""
    words = name.replace("_", " ")
    if not title or str(title) == words.title():
        return words.capitalize()
    return str(title)


def _shown(default: Any) -> str:
    if default is None:
        return ""
    return str(default).lower() if isinstance(default, bool) else str(default)


def run_input(
    fields: tuple[InputField, ...], posted: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the input to resume with from a posted form, and the error of each wrong field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = posted.get(field.name, "").strip()
        if field.kind == "boolean":
            values[field.name] = raw in ("true", "on", "yes")
            continue
        if not raw:
            if field.required:
                errors[field.name] = "required"
            elif field.kind == "text":
                values[field.name] = ""
            continue
        if field.kind == "choice" and raw not in field.choices:
            errors[field.name] = f"got {raw!r}, expected one of {', '.join(field.choices)}"
        elif field.kind in ("integer", "number"):
            try:
                values[field.name] = int(raw) if field.kind == "integer" else float(raw)
            except ValueError:
                errors[field.name] = f"got {raw!r}, expected a number"
        else:
            values[field.name] = raw
    return values, errors
