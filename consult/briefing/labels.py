"""The words of the briefing pack, per language: `consult/templates/briefing/labels/<lang>.yaml`.

A language has a pack (and a briefing email) when it has a labels file, built in or
in the workspace's `templates/briefing/labels/`, which takes precedence.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from consult.errors import BriefingError
from consult.templating import BUILT_IN
from consult.workspace.yamlfile import hazards
from schemas.training import Training

TEMPLATES_DIR: Final = BUILT_IN / "briefing"
LABELS: Final = "labels"
LOCALES: Final[dict[str, str]] = {"ka": "ka", "en": "en_GB", "ru": "ru"}
"""The Babel locale that writes the dates of each language."""


class Labels:
    """The words of one language: `labels("gaps.rank")`, with `{name}` fields filled in."""

    def __init__(self, source: Path, words: Mapping[str, Any]) -> None:
        self.source = source
        self._words = words

    def __call__(self, key: str, **fields: object) -> str:
        """Return the text at the dotted `key`, formatted with `fields`."""
        value: Any = self._words
        for part in key.split("."):
            if not isinstance(value, Mapping) or part not in value:
                raise BriefingError(f"{self.source}: no label {key!r}")
            value = value[part]
        if not isinstance(value, str):
            raise BriefingError(f"{self.source}: label {key!r} is not a text")
        try:
            return value.format(**fields)
        except (KeyError, IndexError, ValueError) as error:
            raise BriefingError(
                f"{self.source}: label {key!r} cannot be filled in ({error})"
            ) from None

    def keys(self) -> set[str]:
        """Return every dotted key, for checking that languages have the same ones."""
        found: set[str] = set()

        def walk(prefix: str, value: object) -> None:
            if isinstance(value, Mapping):
                for name, inner in value.items():
                    walk(f"{prefix}{name}.", inner)
            else:
                found.add(prefix[:-1])

        walk("", self._words)
        return found


def labels_file(language: str, overrides: Path | None) -> Path | None:
    """Return the labels file of `language`, the workspace's first, or None when it has none."""
    for root in ([overrides / "briefing"] if overrides is not None else []) + [TEMPLATES_DIR]:
        candidate = root / LABELS / f"{language}.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_labels(language: str, overrides: Path | None) -> Labels:
    """Return the labels of `language`, read again only when their file changes."""
    source = labels_file(language, overrides)
    if source is None:
        raise BriefingError(f"no labels for language {language!r} in {TEMPLATES_DIR / LABELS}")
    return _read_labels(source, source.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_labels(source: Path, _mtime: int) -> Labels:
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BriefingError(f"{source}: cannot be read ({error})") from None
    refused = hazards(text, str(source))
    if refused:
        raise BriefingError(str(refused[0]))
    try:
        words = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BriefingError(f"{source}: cannot be read as YAML ({error})") from None
    if not isinstance(words, Mapping):
        raise BriefingError(f"{source}: expected a mapping of labels")
    return Labels(source, words)


def pack_languages(training: Training, overrides: Path | None = None) -> tuple[str, ...]:
    """Return the pack's languages: English, then each expert's language that has labels."""
    wanted = dict.fromkeys(["en", *(expert.language for expert in training.experts)])
    return tuple(lang for lang in wanted if labels_file(lang, overrides) is not None)


def theme_label(training: Training, theme_id: str, language: str) -> str:
    """Return the theme's name in `language` as the training file gives it, else its id."""
    for theme in training.themes:
        if theme.id == theme_id:
            return theme.label.get(language)  # type: ignore[arg-type]
    return theme_id
