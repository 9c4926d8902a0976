"""Writes the JSON Schema of the workspace file kinds, so editors validate them as you type."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

import schemas
from schemas import StakeholdersFile, Training

SCHEMA_DIR = Path(schemas.__file__).resolve().parent

FILE_KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "stakeholders.schema.json": (StakeholdersFile, "consult workspace: stakeholders.yaml"),
    "training.schema.json": (Training, "consult workspace: trainings/<slug>.yaml"),
}


def json_schemas() -> dict[str, str]:
    """Return the text of each JSON Schema file, by file name."""
    texts = {}
    for name, (model, title) in FILE_KINDS.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(),
            "title": title,
        }
        texts[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return texts


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Return the JSON Schema files written into `folder`."""
    written = []
    for name, text in json_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(folder: Path = SCHEMA_DIR) -> list[str]:
    """Return the names of the schema files in `folder` that differ from the models."""
    stale = []
    for name, text in json_schemas().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
