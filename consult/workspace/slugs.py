"""Makes an id of a name in Latin letters, transliterating Georgian and Russian ones."""

# ruff: noqa: RUF001 (Russian letters in the transliteration table look Latin)
from __future__ import annotations

import re
import unicodedata

_GEORGIAN = "ა ბ გ დ ე ვ ზ თ ი კ ლ მ ნ ო პ ჟ რ ს ტ უ ფ ქ ღ ყ შ ჩ ც ძ წ ჭ ხ ჯ ჰ"
_GEORGIAN_LATIN = "a b g d e v z t i k l m n o p zh r s t u p k gh q sh ch ts dz ts ch kh j h"
_RUSSIAN = "а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я"
_RUSSIAN_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_TRANSLITERATION = str.maketrans(
    {
        letter: "" if latin == "-" else latin
        for letters, latins in ((_GEORGIAN, _GEORGIAN_LATIN), (_RUSSIAN, _RUSSIAN_LATIN))
        for letter, latin in zip(letters.split(), latins.split(), strict=True)
    }
)
"""Georgian (national system) and Russian letters in Latin ones, for an id made of a name."""


def slugify(text: str) -> str:
    """Return an id made of a name: `Public Defender's Office` is `public-defenders-office`."""
    latin = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLITERATION))
    ascii_text = latin.encode("ascii", "ignore").decode().replace("'", "")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return words[:64].rstrip("-")


def latin_words(text: str) -> list[str]:
    """Return the words of `text` in lowercase Latin letters: `Нино  Беридзе` is nino, beridze.

    Georgian and Russian letters are transliterated as for an id, accents dropped,
    anything but letters and digits a break between words.
    """
    latin = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLITERATION))
    ascii_text = latin.encode("ascii", "ignore").decode().replace("'", "")
    return re.findall(r"[a-z0-9]+", ascii_text)
