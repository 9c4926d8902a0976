"""The JSON Schema files that editors use match the models."""

from __future__ import annotations

import json
from pathlib import Path

from consult.workspace.json_schema import SCHEMA_DIR, json_schemas, stale_schemas, write_schemas


def test_the_committed_json_schema_is_up_to_date() -> None:
    assert stale_schemas() == [], "run `consult schema` (or `make schema`) and commit the result"


def test_a_changed_model_makes_the_schema_stale(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    (tmp_path / "training.schema.json").write_text("{}")
    assert stale_schemas(tmp_path) == ["training.schema.json"]


def test_the_schema_rejects_unknown_keys_and_names_the_kinds() -> None:
    stakeholders = json.loads(json_schemas()["stakeholders.schema.json"])
    organisation = stakeholders["$defs"]["Organisation"]
    assert organisation["additionalProperties"] is False
    assert "participant_group" in organisation["properties"]["kind"]["enum"]
    assert (SCHEMA_DIR / "stakeholders.schema.json").exists()
