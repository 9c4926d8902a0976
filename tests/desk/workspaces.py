"""Workspaces the desk's tests start from: one made as `consult init` makes it, with a registry."""

from __future__ import annotations

from pathlib import Path

from consult.workspace.starter import InitAnswers, init_workspace
from consult.workspace.yamlwrite import block_text

ORGANISATIONS = (
    ("public-defender", "ngo", "Public Defender's Office"),
    ("prosecutors-office", "prosecution", "Prosecutor's Office of Georgia"),
    ("city-court", "judiciary", "Tbilisi City Court"),
    ("victim-support-ngo", "ngo", "Victim Support Network"),
    ("case-workers", "participant_group", "Case workers of the State Care Agency"),
)
"""Four organisations to consult, and the group the training's participants come from."""
SENDER = {"name": "Consultations", "email": "consultations@iom.example.org", "organisation": "IOM"}


def init_with_registry(root: Path) -> Path:
    """Return `root` made by `consult init` (no training), its registry given ORGANISATIONS."""
    init_workspace(root, InitAnswers(sender=SENDER))
    registry = root / "stakeholders.yaml"
    organisations = [
        {
            "id": org_id,
            "kind": kind,
            "country": "GE",
            "name": {"en": name},
            "contacts": [
                {
                    "name": f"Contact of {name}",
                    "email": f"contact@{org_id}.example.org",
                    "role": "Head of unit",
                    "language": "en",
                    "timezone": "Asia/Tbilisi",
                }
            ],
        }
        for org_id, kind, name in ORGANISATIONS
    ]
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        text.replace("organisations: []\n", block_text({"organisations": organisations})),
        encoding="utf-8",
    )
    return root
