"""prefect.yaml: every deployment points at a flow that exists, under its own name."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect import Flow

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
