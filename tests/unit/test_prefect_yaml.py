"""prefect.yaml: every deployment points at a flow that exists, under its own name."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from prefect import Flow

from consult.workspace.loading import load_workspace
from flows import serve
from flows.run_due_steps import DEPLOYMENTS

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_is_a_flow_of_the_same_name() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = config["deployments"]
    assert deployments
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert isinstance(flow, Flow)
        assert flow.name == deployment["name"]
        assert deployment["description"]


def test_every_flow_file_has_a_deployment() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {d["entrypoint"].split(":")[0] for d in config["deployments"]}
    files = {
        f"flows/{p.name}"
        for p in (ROOT / "flows").glob("*.py")
        if "@flow(" in p.read_text(encoding="utf-8")
    }
    assert files == declared


def deployments() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return {deployment["name"]: deployment for deployment in config["deployments"]}


def test_run_due_steps_runs_every_morning_at_eight_in_tbilisi() -> None:
    assert deployments()["run-due-steps"]["schedules"] == [
        {"cron": "0 8 * * *", "timezone": "Asia/Tbilisi"}
    ]


def test_only_run_due_steps_has_a_schedule_so_nothing_runs_twice_a_day() -> None:
    assert [name for name, d in deployments().items() if d.get("schedules")] == ["run-due-steps"]


def test_every_deployment_goes_to_the_consult_work_pool_with_the_consult_tag() -> None:
    for deployment in deployments().values():
        assert deployment["work_pool"]["name"] == "consult"
        assert "consult" in deployment["tags"]


def test_every_deployment_the_timeline_starts_is_declared_once_its_flow_exists() -> None:
    declared = {f"{name}/{name}" for name in deployments()}
    flow_files = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "flows").glob("*.py"))
    for started in DEPLOYMENTS.values():
        flow_name = started.split("/")[0]
        if f'@flow(name="{flow_name}"' in flow_files:
            assert started in declared


def test_every_flow_parameter_is_typed_so_the_ui_draws_a_form() -> None:
    for deployment in deployments().values():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        schema = getattr(module, name).parameters.model_dump()
        for field, spec in schema["properties"].items():
            assert {"$ref", "type", "anyOf", "allOf"} & set(spec), (deployment["name"], field)


def test_consult_ui_serves_every_deployment_as_prefect_yaml_declares_it() -> None:
    served = {deployment.name: deployment for deployment in serve.deployments(ROOT)}
    assert served.keys() == deployments().keys()
    for name, declared in deployments().items():
        assert served[name].description == declared["description"]
        assert served[name].tags == declared["tags"]
        assert served[name].work_pool_name is None  # the serving process runs them itself
    [daily] = served["run-due-steps"].schedules
    assert (daily.schedule.cron, daily.schedule.timezone) == ("0 8 * * *", "Asia/Tbilisi")


def test_no_deployment_has_a_training_by_default() -> None:
    assert all(not d["parameters"] for d in deployments().values())
    for deployment in serve.deployments(ROOT):
        schema = deployment._parameter_openapi_schema
        for definition in schema.definitions.values():
            training = definition.get("properties", {}).get("training")
            if training is not None:
                assert "default" not in training, deployment.name
                assert "training" in definition["required"], deployment.name
        assert "intercultural-communication" not in json.dumps(schema.model_dump())


def test_the_served_forms_offer_only_the_workspaces_trainings_and_rounds(
    write_workspace: Callable[..., Path],
) -> None:
    workspace = load_workspace(write_workspace())
    served = {d.name: d for d in serve.deployments(ROOT, workspace=workspace)}
    schema = served["plan-consultations"]._parameter_openapi_schema
    fields = schema.definitions["PlanParameters"]["properties"]
    assert fields["training"]["enum"] == ["winter-2027"]
    assert fields["round"]["anyOf"] == [{"type": "string", "enum": ["round-1"]}, {"type": "null"}]
    form = jsonschema.Draft7Validator(schema.model_dump())
    assert not list(form.iter_errors({"parameters": {"training": "winter-2027"}}))
    assert list(form.iter_errors({"parameters": {"training": "intercultural-communication-2027"}}))
    assert list(form.iter_errors({"parameters": {}}))
