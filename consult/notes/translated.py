"""An observation's translations written flat: Markdown fields and CSV columns `text_ka`...

A notes file in YAML (or the form) gives an observation's translations as a mapping,
`translations: {ka: ..., ru: {text: ..., speaker_role: ...}}`. Markdown fields and
CSV columns are flat, so they give each as `text_<language>` and
`speaker_role_<language>` (`[text_ka: ...]`, a column `speaker_role_ru`), which
`fold` gathers into that mapping before the model checks it.
"""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

from consult.workspace.yamlfile import Loc
from schemas.types import Language

TranslationField = Literal[
    "language",
    "text_ka",
    "text_en",
    "text_ru",
    "speaker_role_ka",
    "speaker_role_en",
    "speaker_role_ru",
]
"""An observation's language and translations, as a flat field (a KoboToolbox question's)."""
_TRANSLATED: Final = ("text", "speaker_role")
FLAT: Final[dict[str, tuple[Language, str]]] = {
    f"{field}_{language}": (language, field)
    for field in _TRANSLATED
    for language in get_args(Language)
}
"""Each flat key, and the language and field of the translation it gives."""


def fold(fields: dict[str, Any]) -> dict[str, Any]:
    """Return `fields` with its flat translation keys gathered under `translations`."""
    folded = {key: value for key, value in fields.items() if key not in FLAT}
    translations: dict[str, dict[str, Any]] = {}
    for key, value in fields.items():
        if key in FLAT:
            language, field = FLAT[key]
            translations.setdefault(language, {})[field] = value
    if translations:
        folded["translations"] = translations
    return folded


def flat_key(loc: Loc) -> str | None:
    """Return the flat key that a problem's place within `translations` was written as."""
    if len(loc) >= 3 and loc[0] == "translations" and loc[2] in _TRANSLATED:
        return f"{loc[2]}_{loc[1]}"
    if len(loc) == 2 and loc[0] == "translations":
        return f"text_{loc[1]}"
    return None
